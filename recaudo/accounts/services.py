from django.contrib.auth import get_user_model
from django.db import transaction

from recaudo.audit.services import audit_record

from .models import Membership, Role


@transaction.atomic
def membership_grant(*, user, portfolio, role: str, actor=None) -> Membership:
    role = Role(role)
    membership, created = Membership.objects.update_or_create(
        user=user, portfolio=portfolio, defaults={"role": role}
    )
    audit_record(
        event_type="membership.granted",
        subject=membership,
        actor=actor,
        portfolio=portfolio,
        changes={"user": user.get_username(), "role": role.value, "created": created},
    )
    return membership


@transaction.atomic
def user_create(*, username: str, password: str, email: str = "", is_superuser: bool = False, actor=None):
    User = get_user_model()
    if is_superuser:
        user = User.objects.create_superuser(username=username, password=password, email=email)
    else:
        user = User.objects.create_user(username=username, password=password, email=email)
    audit_record(event_type="user.created", subject=user, actor=actor, portfolio=None,
                 changes={"username": username, "superuser": is_superuser})
    return user
