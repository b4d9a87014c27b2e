"""`recaudo api-token create|list|revoke`: the API's bearer tokens (docs/api.md)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from recaudo.api.models import ApiToken
from recaudo.api.selectors import tokens_list
from recaudo.api.services import token_create, token_revoke
from recaudo.core.errors import DomainError
from recaudo.core.options import command_error
from recaudo.portfolio.models import Portfolio


class Command(BaseCommand):
    help = "Create, list and revoke API tokens (per user or per integration; scoped to portfolios, read or write)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="{create,list,revoke}")
        create = sub.add_parser(
            "create", help="create a token and print its secret (shown this once only)",
            description="Create a token. Example: recaudo api-token create --name siigo --portfolio pyme "
            "--scope write. With --user the user's role applies too.")
        create.add_argument("--name", required=True, help="the integration's or the token's name")
        create.add_argument("--portfolio", required=True, action="append", metavar="SLUG",
                            help="a portfolio the token reaches (repeat for several)")
        create.add_argument("--scope", choices=["read", "write"], default="read")
        create.add_argument("--user", default="", help="a user's token: the user's role applies to every call")
        create.add_argument("--rate", type=int, default=None, metavar="N", help="requests per minute (default 600)")
        lst = sub.add_parser("list", help="list tokens, with their last use")
        lst.add_argument("--all", action="store_true", help="revoked tokens too")
        revoke = sub.add_parser("revoke", help="revoke a token: every call with it answers 401")
        revoke.add_argument("id", type=int, help="the token's id (see list)")

    def handle(self, *args, action, **options):
        return getattr(self, f"_{action}")(**options)

    def _create(self, *, name, portfolio, scope, user, rate, **_):
        portfolios = list(Portfolio.objects.filter(slug__in=portfolio))
        missing = sorted(set(portfolio) - {p.slug for p in portfolios})
        if missing:
            raise CommandError(f"--portfolio: no portfolio {', '.join(missing)}")
        owner = None
        if user:
            owner = get_user_model().objects.filter(username=user).first()
            if owner is None:
                raise CommandError(f"--user: no user {user!r}")
        try:
            token, secret = token_create(name=name, scope=scope, portfolios=portfolios, user=owner,
                                         rate_per_minute=rate, actor="cli")
        except DomainError as exc:
            raise command_error(exc) from None
        self.stdout.write(f"token {token.pk} ({token.name}, {token.scope}) created. Its secret, shown only now:")
        self.stdout.write(secret)

    def _list(self, *, all, **_):
        rows = tokens_list(include_revoked=all)
        if not rows:
            self.stdout.write("no tokens")
            return
        self.stdout.write(f"{'id':>5}  {'name':20} {'prefix':11} {'scope':6} {'user':12} {'portfolios':20} "
                          f"{'rate/min':>8}  last used")
        for t in rows:
            used = timezone.localtime(t.last_used_at).strftime("%Y-%m-%d %H:%M") if t.last_used_at else "never"
            if t.revoked_at:
                used += " (revoked)"
            slugs = ",".join(p.slug for p in t.portfolios.all())
            self.stdout.write(f"{t.pk:>5}  {t.name[:20]:20} {t.prefix:11} {t.scope:6} "
                              f"{(t.user.get_username() if t.user else '-')[:12]:12} {slugs[:20]:20} "
                              f"{t.rate_per_minute:>8}  {used}")

    def _revoke(self, *, id, **_):
        token = ApiToken.objects.filter(pk=id).first()
        if token is None:
            raise CommandError(f"no token {id}")
        token_revoke(token=token, actor="cli")
        self.stdout.write(f"token {id} ({token.name}) revoked")
