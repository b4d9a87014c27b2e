"""The users page: administrators invite people by e-mail, grant, change and revoke roles per portfolio and
deactivate accounts; the invitee's one-time link (expiring, single use) sets the password."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from recaudo.accounts.models import Invitation, Membership
from recaudo.accounts.rules import invitation_state, leaves_self_without_admin, token_digest
from recaudo.accounts.selectors import menu_for
from recaudo.accounts.services import UserAdminError, membership_set, user_deactivate, user_invite
from recaudo.audit.models import AuditEvent
from recaudo.core.errors import NotAllowed
from recaudo.demo.testing import make_portfolio, make_user, sign_in

pytestmark = pytest.mark.django_db
User = get_user_model()
NEW_PASSWORD = "Cobranza-2026-segura"


@pytest.fixture
def ana(portfolio):
    return make_user("ana", portfolio, role="admin")


def _link(message) -> str:
    return re.search(r"https?://\S+/accounts/invitation/\S+/", message.body).group(0)


def _path(link: str) -> str:
    return "/" + link.split("://", 1)[1].split("/", 1)[1]


def test_rules_of_invitations_and_self_demotion():
    now = timezone.now()
    assert invitation_state(expires_at=now + timedelta(hours=1), used_at=None, now=now) == "valid"
    assert invitation_state(expires_at=now, used_at=None, now=now) == "expired"
    assert invitation_state(expires_at=now + timedelta(hours=1), used_at=now, now=now) == "used"
    assert len(token_digest("abc")) == 64 and token_digest("abc") != "abc"
    common = {"actor_is_superuser": False, "same_person": True, "current_role": "admin"}
    assert leaves_self_without_admin(**common, new_role="supervisor", other_admin_portfolios=0)
    assert leaves_self_without_admin(**common, new_role=None, other_admin_portfolios=0)
    assert not leaves_self_without_admin(**common, new_role="agent", other_admin_portfolios=1)
    assert not leaves_self_without_admin(**{**common, "same_person": False}, new_role=None, other_admin_portfolios=0)
    assert not leaves_self_without_admin(**{**common, "actor_is_superuser": True}, new_role=None,
                                         other_admin_portfolios=0)


def test_invite_accept_then_sign_in_asks_for_two_factor_setup(client, ana, portfolio, settings):
    settings.REQUIRE_2FA = "all"
    ana_device_free = sign_in(client, "ana")
    assert ana_device_free
    # ana has no device and the policy requires one: verify as if she had set it up
    session = client.session
    session["recaudo_2fa_none"] = f"{ana.pk}:all"
    session.save()
    response = client.post(reverse("user_list"), {"email": "Luisa@Empresa.CO", "portfolio": portfolio.slug,
                                                  "role": "agent"})
    assert response.status_code == 302, response.content.decode()[:2000]
    luisa = User.objects.get(username="Luisa@empresa.co")
    assert (luisa.is_active, luisa.has_usable_password()) == (False, False)
    assert Membership.objects.get(user=luisa, portfolio=portfolio).role == "agent"
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["Luisa@empresa.co"]
    link = _link(mail.outbox[0])
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert not Invitation.objects.filter(token_hash=token).exists()  # only the digest is stored
    assert AuditEvent.objects.filter(event_type="user.invited", subject_id=luisa.pk).exists()

    client.post(reverse("logout"))
    page = client.get(_path(link))
    assert page.status_code == 200 and "Luisa@empresa.co" in page.content.decode()
    weak = client.post(_path(link), {"password": "12345678", "password_again": "12345678"})
    assert weak.status_code == 400 and "errorlist" in weak.content.decode()
    luisa.refresh_from_db()
    assert not luisa.is_active
    done = client.post(_path(link), {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    assert done.status_code == 302 and done["Location"].startswith(reverse("login"))
    assert "two-factor" in done["Location"]
    luisa.refresh_from_db()
    assert luisa.is_active and luisa.check_password(NEW_PASSWORD)
    assert AuditEvent.objects.filter(event_type="invitation.accepted", subject_id=luisa.pk).exists()
    # used once: the link no longer works
    again = client.get(_path(link))
    assert again.status_code == 410 and "ya se usó" in again.content.decode()
    again_post = client.post(_path(link), {"password": "Otra-Clave-2026x", "password_again": "Otra-Clave-2026x"})
    assert again_post.status_code == 410
    luisa.refresh_from_db()
    assert luisa.check_password(NEW_PASSWORD)
    # signing in asks for the two-step setup the policy requires
    login = client.post(reverse("login"), {"username": "Luisa@empresa.co", "password": NEW_PASSWORD})
    assert login.status_code == 302
    page = client.get(reverse("debtor_list", args=[portfolio.slug]))
    assert page.status_code == 302 and page["Location"].startswith(reverse("two_factor_setup"))


def test_an_expired_or_unknown_invitation_does_nothing(client, ana, portfolio):
    result = user_invite(email="pedro@empresa.co", portfolio=portfolio, role="viewer", actor=ana,
                         site_url="http://testserver/")
    Invitation.objects.filter(pk=result.invitation.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    path = _path(result.link)
    response = client.get(path)
    assert response.status_code == 410 and "venció" in response.content.decode()
    response = client.post(path, {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    assert response.status_code == 410
    assert not User.objects.get(username="pedro@empresa.co").is_active
    assert client.get(reverse("invitation_accept", args=["x" * 43])).status_code == 410
    assert client.get(reverse("invitation_accept", args=["<script>"])).status_code == 410


def test_a_new_invitation_replaces_the_old_link(ana, portfolio):
    first = user_invite(email="pedro@empresa.co", portfolio=portfolio, role="viewer", actor=ana,
                        site_url="http://testserver")
    second = user_invite(email="pedro@empresa.co", portfolio=portfolio, role="agent", actor=ana,
                         site_url="http://testserver")
    assert first.user == second.user and first.link != second.link
    first.invitation.refresh_from_db()
    assert first.invitation.expires_at <= timezone.now()
    assert Membership.objects.get(user=second.user).role == "agent"


def test_inviting_an_existing_active_user_grants_the_role(ana, portfolio):
    other = make_portfolio(slug="edificio", name="Edificio")
    membership_set(user=ana, portfolio=other, role="admin", actor="cli")
    carlos = make_user("carlos", portfolio, role="agent")
    carlos.email = "carlos@empresa.co"
    carlos.save()
    result = user_invite(email="CARLOS@empresa.co", portfolio=other, role="viewer", actor=ana,
                         site_url="http://testserver")
    assert result.invitation is None and result.user == carlos and not mail.outbox
    assert Membership.objects.get(user=carlos, portfolio=other).role == "viewer"


def test_bad_e_mail_is_refused_at_the_field(client, ana, portfolio):
    sign_in(client, "ana")
    response = client.post(reverse("user_list"), {"email": "no-es-correo", "portfolio": portfolio.slug,
                                                  "role": "agent"})
    assert response.status_code == 400
    assert "correo electrónico válido" in response.content.decode()
    with pytest.raises(UserAdminError) as exc:
        user_invite(email="a@" + "b" * 260 + ".co", portfolio=portfolio, role="agent", actor=ana,
                    site_url="http://testserver")
    assert exc.value.field == "email"


def test_non_admins_cannot_open_or_use_the_users_page(client, portfolio):
    make_user("sofia", portfolio, role="supervisor")
    sign_in(client, "sofia")
    assert client.get(reverse("user_list")).status_code == 404
    response = client.post(reverse("user_list"), {"email": "x@y.co", "portfolio": portfolio.slug, "role": "admin"})
    assert response.status_code == 404
    assert not User.objects.filter(username="x@y.co").exists()
    sofia = User.objects.get(username="sofia")
    with pytest.raises(NotAllowed):
        user_invite(email="x@y.co", portfolio=portfolio, role="admin", actor=sofia, site_url="http://t")
    with pytest.raises(NotAllowed):
        membership_set(user=sofia, portfolio=portfolio, role="admin", actor=sofia)
    assert menu_for(sofia, portfolio)["users"] is False


def test_admin_of_another_portfolio_cannot_touch_this_one(client, ana, portfolio):
    other = make_portfolio(slug="edificio", name="Edificio")
    make_user("beto", other, role="admin")
    carlos = make_user("carlos", portfolio, role="agent")
    sign_in(client, "beto")
    assert client.get(reverse("user_detail", args=[carlos.pk])).status_code == 404
    response = client.post(reverse("user_detail", args=[carlos.pk]), {"action": "deactivate"})
    assert response.status_code == 404
    carlos.refresh_from_db()
    assert carlos.is_active
    page = client.get(reverse("user_list")).content.decode()
    assert "carlos" not in page and portfolio.name not in page


def test_grant_change_revoke_and_deactivate_from_the_page(client, ana, portfolio):
    carlos = make_user("carlos", portfolio, role="agent")
    sign_in(client, "ana")
    assert menu_for(ana, portfolio)["users"] is True
    listing = client.get(reverse("user_list"))
    assert listing.status_code == 200 and "carlos" in listing.content.decode() and "Gestor" in listing.content.decode()
    url = reverse("user_detail", args=[carlos.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"action": "role", "portfolio": portfolio.slug, "role": "supervisor"}).status_code == 302
    assert Membership.objects.get(user=carlos).role == "supervisor"
    assert client.post(url, {"action": "role", "portfolio": portfolio.slug, "role": ""}).status_code == 302
    assert not Membership.objects.filter(user=carlos).exists()
    assert AuditEvent.objects.filter(event_type="membership.revoked", subject_id=carlos.pk).exists()
    # a user with no role left is no longer ana's to manage
    assert client.get(url).status_code == 404
    membership_set(user=carlos, portfolio=portfolio, role="agent", actor=ana)
    assert client.post(url, {"action": "deactivate"}).status_code == 302
    carlos.refresh_from_db()
    assert not carlos.is_active
    assert AuditEvent.objects.filter(event_type="user.deactivated", subject_id=carlos.pk).exists()
    assert client.post(url, {"action": "reactivate"}).status_code == 302
    carlos.refresh_from_db()
    assert carlos.is_active


def test_an_admin_cannot_remove_their_own_last_admin_rights(client, ana, portfolio):
    sign_in(client, "ana")
    url = reverse("user_detail", args=[ana.pk])
    response = client.post(url, {"action": "role", "portfolio": portfolio.slug, "role": "viewer"})
    assert response.status_code == 400 and "sus propios" in response.content.decode()
    assert Membership.objects.get(user=ana).role == "admin"
    with pytest.raises(UserAdminError):
        membership_set(user=ana, portfolio=portfolio, role=None, actor=ana)
    with pytest.raises(UserAdminError):
        user_deactivate(user=ana, actor=ana)
    ana.refresh_from_db()
    assert ana.is_active
    # with admin rights elsewhere, stepping down here is allowed
    other = make_portfolio(slug="edificio", name="Edificio")
    membership_set(user=ana, portfolio=other, role="admin", actor="cli")
    membership_set(user=ana, portfolio=portfolio, role="viewer", actor=ana)
    assert Membership.objects.get(user=ana, portfolio=portfolio).role == "viewer"


def test_hostile_input_is_escaped(client, ana, portfolio):
    sign_in(client, "ana")
    response = client.post(reverse("user_list"), {"email": "<script>alert(1)</script>@x.co",
                                                  "portfolio": portfolio.slug, "role": "agent"})
    assert response.status_code == 400
    assert "<script>alert(1)" not in response.content.decode()
