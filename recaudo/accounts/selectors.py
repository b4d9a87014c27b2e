from django.http import Http404

from recaudo.portfolio.models import Portfolio

from .models import PERMISSIONS, Membership, Role


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


def portfolio_for_user_or_404(user, slug: str, action: str = "view") -> Portfolio:
    """The portfolio if the user may do `action` in it; 404 otherwise (never reveal that it exists)."""
    try:
        portfolio = portfolios_for_user(user).get(slug=slug)
    except Portfolio.DoesNotExist:
        raise Http404("portfolio not found")
    if not can(user, portfolio, action):
        raise Http404("portfolio not found")
    return portfolio
