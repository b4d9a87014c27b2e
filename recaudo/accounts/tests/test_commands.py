"""`recaudo user`: create, grant."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from recaudo.accounts.models import Membership


def run(*args, stdin=None):
    out, err = io.StringIO(), io.StringIO()
    if stdin is not None:
        import unittest.mock

        with unittest.mock.patch("sys.stdin", io.StringIO(stdin)):
            call_command(*args, stdout=out, stderr=err)
    else:
        call_command(*args, stdout=out, stderr=err)
    return out.getvalue()


# -- user ----------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_user_create_and_grant(portfolio):
    User = get_user_model()
    assert "created user ana" in run("user", "create", "ana", "--password", "clave-larga-2026", "--email",
                                     "ana@example.co")
    ana = User.objects.get(username="ana")
    assert ana.check_password("clave-larga-2026") and not ana.is_superuser and ana.email == "ana@example.co"
    assert "created superuser jefe" in run("user", "create", "jefe", "--password-stdin", "--superuser",
                                           stdin="otra-clave-larga-99\n")
    jefe = User.objects.get(username="jefe")
    assert jefe.is_superuser and jefe.check_password("otra-clave-larga-99")

    assert "ana is now agent of pyme" in run("user", "grant", "ana", "--portfolio", "pyme", "--role", "agent")
    run("user", "grant", "ana", "--portfolio", "pyme", "--role", "viewer")
    assert list(Membership.objects.values_list("user__username", "role")) == [("ana", "viewer")]


@pytest.mark.django_db
def test_user_errors(portfolio):
    run("user", "create", "ana", "--password", "clave-larga-2026")
    with pytest.raises(CommandError, match="already exists"):
        run("user", "create", "ana", "--password", "clave-larga-2026")
    with pytest.raises(CommandError, match="password rejected"):
        run("user", "create", "beto", "--password", "123")
    with pytest.raises(CommandError, match="empty"):
        run("user", "create", "beto", "--password-stdin", stdin="\n")
    with pytest.raises(CommandError):
        run("user", "create", "beto")  # a password is required
    with pytest.raises(CommandError, match="no user 'nadie'"):
        run("user", "grant", "nadie", "--portfolio", "pyme", "--role", "agent")
    with pytest.raises(CommandError, match="no portfolio with slug 'otra'"):
        run("user", "grant", "ana", "--portfolio", "otra", "--role", "agent")
    with pytest.raises(CommandError, match="invalid choice"):
        run("user", "grant", "ana", "--portfolio", "pyme", "--role", "jefe")
    assert get_user_model().objects.count() == 1
    assert not Membership.objects.exists()
