from dataclasses import dataclass

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Max, Sum
from django.http import Http404
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from recaudo.portfolio.models import Debtor, Portfolio

from .models import PERMISSIONS, Invitation, Membership, Role
from .rules import two_factor_required


def portfolios_for_user(user):
    """Portfolios the user may see (all of them for a superuser)."""
    if not user.is_authenticated:
        return Portfolio.objects.none()
    if user.is_superuser:
        return Portfolio.objects.all()
    return Portfolio.objects.filter(memberships__user=user).distinct()


def role_in(user, portfolio) -> str | None:
    if user.is_superuser:
        return Role.ADMIN
    return Membership.objects.filter(user=user, portfolio=portfolio).values_list("role", flat=True).first()


def can(user, portfolio, action: str) -> bool:
    role = role_in(user, portfolio)
    return role is not None and action in PERMISSIONS[Role(role)]


SUPERVISING_ROLES = (Role.SUPERVISOR, Role.ADMIN)


def menu_for(user, portfolio) -> dict[str, bool]:
    """Which pages of the portfolio the main menu offers the user: only those their role may open (a viewer
    was offered the queue and got a 404)."""
    role = role_in(user, portfolio) if portfolio is not None else None
    allowed = PERMISSIONS[Role(role)] if role is not None else set()
    return {
        "import": "import" in allowed,
        "analytics": "view" in allowed,  # KPIs and trends: aggregates of the whole book, every role
        "bank": "import" in allowed,  # bank collection files and their review queue: supervisors, administrators
        "convenios": role == Role.ADMIN,  # convenios and payment references: administrators
        "queue": "write" in allowed,
        "inbox": "write" in allowed,  # what debtors wrote by SMS/WhatsApp for a person (communications)
        "team": role in SUPERVISING_ROLES,
        "approvals": role in SUPERVISING_ROLES,
        "users": role == Role.ADMIN,  # administrators (and superusers) manage users and roles
        "gateways": role == Role.ADMIN,  # payment gateways' keys: administrators
        "erp": role == Role.ADMIN,  # ERP connectors (their keys): administrators
        "habeas": role in SUPERVISING_ROLES,  # habeas data requests (privacy): supervisors, administrators
    }


def portfolio_for_user_or_404(user, slug: str, action: str = "view") -> Portfolio:
    """The portfolio if the user may do `action` in it; 404 otherwise (never reveal that it exists)."""
    try:
        portfolio = portfolios_for_user(user).get(slug=slug)
    except Portfolio.DoesNotExist:
        raise Http404("portfolio not found")
    if not can(user, portfolio, action):
        raise Http404("portfolio not found")
    return portfolio


# ---------------------------------------------------------------------------------------------------------------
# Debtor-level access (habeas data, Ley 1581 de 2012 art. 4 (g): restricted access; docs/habeas-data.md)
# ---------------------------------------------------------------------------------------------------------------
def assigned_only_agent(user, portfolio) -> int | None:
    """The user's id when the portfolio limits agents to their assigned debtors and the user is an agent there;
    None when the user sees every debtor of the portfolio."""
    if getattr(portfolio, "agents_see_assigned_only", False) and role_in(user, portfolio) == Role.AGENT:
        return user.pk
    return None


def visible_debtors(user, portfolio):
    """The portfolio's debtors the user may open: all of them, or an agent's assigned ones when the portfolio's
    `agents_see_assigned_only` is on."""

    qs = Debtor.objects.filter(portfolio=portfolio)
    agent_id = assigned_only_agent(user, portfolio)
    return qs if agent_id is None else qs.filter(assignment__agent_id=agent_id)


def debtor_visible(user, portfolio, debtor_id) -> bool:
    return visible_debtors(user, portfolio).filter(pk=debtor_id).exists()


def debtor_for_user_or_404(user, portfolio, pk, queryset=None):
    """The debtor `pk` of the portfolio if the user may open it; 404 otherwise (as for a debtor of another
    portfolio: never reveal that it exists)."""

    qs = queryset if queryset is not None else Debtor.objects.all()
    qs = qs.filter(portfolio=portfolio, pk=pk)
    agent_id = assigned_only_agent(user, portfolio)
    if agent_id is not None:
        qs = qs.filter(assignment__agent_id=agent_id)
    debtor = qs.first()
    if debtor is None:
        raise Http404("debtor not found")
    return debtor


def masks_personal_data(user, portfolio) -> bool:
    """Viewers see phone numbers, e-mails and IDs masked ('+57 300 *** **67', 'l***@dominio.co', '*****4567')."""
    return role_in(user, portfolio) == Role.VIEWER


@dataclass(frozen=True)
class DebtorScope:
    """Which of a portfolio's debtors a user sees, and how: agent_id, only the debtors assigned to that agent (the
    portfolio's agents_see_assigned_only; None: every debtor); masked, contact data and IDs masked (viewers).
    Selectors that list debtors, messages or steps take one (docs/habeas-data.md)."""

    agent_id: int | None = None
    masked: bool = False

    def filter(self, qs, debtor_field: str = "debtor"):
        """`qs` (of debtors, or of rows whose `debtor_field` points to a debtor) limited to the scope."""
        if self.agent_id is None:
            return qs
        path = "assignment__agent_id" if not debtor_field else f"{debtor_field}__assignment__agent_id"
        return qs.filter(**{path: self.agent_id})

    def visible_ids(self, debtor_ids) -> set[int] | None:
        """The ids among `debtor_ids` the scope shows; None when it shows every debtor."""
        if self.agent_id is None:
            return None

        return set(Debtor.objects.filter(pk__in=set(debtor_ids), assignment__agent_id=self.agent_id)
                   .values_list("pk", flat=True))


EVERY_DEBTOR = DebtorScope()


def debtor_scope(user, portfolio) -> DebtorScope:
    """The user's scope in the portfolio (see DebtorScope)."""
    role = role_in(user, portfolio)
    agent_id = user.pk if getattr(portfolio, "agents_see_assigned_only", False) and role == Role.AGENT else None
    return DebtorScope(agent_id=agent_id, masked=role == Role.VIEWER)
def two_factor_required_for(user) -> bool:
    """Whether RECAUDO_REQUIRE_2FA makes a second factor compulsory for this user."""
    return two_factor_required(settings.REQUIRE_2FA, is_superuser=user.is_superuser, is_staff=user.is_staff)


def two_factor_status(user) -> dict:
    """Two-step verification of a user: active (a confirmed app), backup codes left, required by the policy."""
    return {
        "active": TOTPDevice.objects.filter(user=user, confirmed=True).exists(),
        "codes_left": StaticToken.objects.filter(device__user=user, device__confirmed=True).count(),
        "required": two_factor_required_for(user),
    }


def login_lockouts() -> list[dict]:
    """Accounts and addresses with failed sign-ins inside the cool-off period (all of them without one), each
    with its count and whether it is locked out now (its own limit reached)."""
    attempts = AccessAttempt.objects.all()
    if settings.AXES_COOLOFF_TIME:
        attempts = attempts.filter(attempt_time__gte=timezone.now() - settings.AXES_COOLOFF_TIME)
    rows = []
    for kind, field, limit in (("account", "username", settings.LOGIN_ACCOUNT_FAILURES),
                               ("address", "ip_address", settings.LOGIN_ADDRESS_FAILURES)):
        for row in attempts.values(field).annotate(failures=Sum("failures_since_start"), last=Max("attempt_time")):
            pair_locked = attempts.filter(**{field: row[field]},
                                          failures_since_start__gte=settings.LOGIN_FAILURES).exists()
            rows.append({"kind": kind, "who": row[field] or "-", "failures": row["failures"], "last": row["last"],
                         "locked": row["failures"] >= limit or pair_locked})
    return sorted(rows, key=lambda r: (not r["locked"], r["kind"], r["who"]))


# ---------------------------------------------------------------------------------------------------------------
# The users page: administrators manage the users of the portfolios they administer
# ---------------------------------------------------------------------------------------------------------------
def manageable_portfolios(user):
    """Portfolios whose users and roles the user may manage: every one for a superuser, else those where the user
    is an administrator."""
    if not user.is_authenticated:
        return Portfolio.objects.none()
    if user.is_superuser:
        return Portfolio.objects.all()
    return Portfolio.objects.filter(memberships__user=user, memberships__role=Role.ADMIN).distinct()


def manages_users(user) -> bool:
    return bool(user.is_authenticated) and (
        user.is_superuser or Membership.objects.filter(user=user, role=Role.ADMIN).exists())


@dataclass(frozen=True)
class UserRow:
    user: object
    roles: list  # one (portfolio, role value or None, its label) per manageable portfolio, in the columns' order
    pending: bool  # invited, has not chosen a password yet
    invitation_expired: bool
    two_factor: bool


def _role_cell(portfolio, role):
    return portfolio, role, Role(role).label if role else ""


def users_overview(actor, *, portfolios=None) -> tuple[list, list[UserRow]]:
    """The manageable portfolios (columns) and the users with a role in any of them (rows; every user for a
    superuser), each with their role per portfolio, whether an invitation is pending and whether they use
    two-step verification. A few queries whatever the number of users."""
    portfolios = list(portfolios if portfolios is not None else manageable_portfolios(actor).order_by("name"))
    ids = [p.pk for p in portfolios]
    User = get_user_model()
    users = User.objects.all() if actor.is_superuser else User.objects.filter(
        memberships__portfolio_id__in=ids).distinct()
    users = list(users.order_by("username"))
    roles: dict[int, dict[int, str]] = {}
    for user_id, portfolio_id, role in Membership.objects.filter(
            user__in=users, portfolio_id__in=ids).values_list("user_id", "portfolio_id", "role"):
        roles.setdefault(user_id, {})[portfolio_id] = role
    now = timezone.now()
    invitations = {}
    for inv in Invitation.objects.filter(user__in=users, used_at__isnull=True).order_by("created_at"):
        invitations[inv.user_id] = inv
    with_2fa = set(TOTPDevice.objects.filter(user__in=users, confirmed=True).values_list("user_id", flat=True))
    rows = []
    for user in users:
        pending = not user.is_active and not user.has_usable_password()
        inv = invitations.get(user.pk)
        rows.append(UserRow(
            user=user, roles=[_role_cell(p, roles.get(user.pk, {}).get(p.pk)) for p in portfolios], pending=pending,
            invitation_expired=pending and (inv is None or inv.expires_at <= now), two_factor=user.pk in with_2fa))
    return portfolios, rows


def user_for_admin_or_404(actor, pk: int):
    """A user the actor may manage (a superuser any; an administrator those with a role in a portfolio they
    administer, never a superuser or staff account); 404 otherwise."""
    User = get_user_model()
    user = User.objects.filter(pk=pk).first()
    if user is None or not manages_users(actor):
        raise Http404("user not found")
    if actor.is_superuser:
        return user
    if user.is_superuser or user.is_staff or not Membership.objects.filter(
            user=user, portfolio__in=manageable_portfolios(actor)).exists():
        raise Http404("user not found")
    return user
