"""`recaudo user create|grant`: create users and grant them a role in a portfolio."""

from __future__ import annotations

import sys

from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from recaudo.accounts.models import Role
from recaudo.accounts.services import membership_grant, user_create
from recaudo.portfolio.models import Portfolio


class Command(BaseCommand):
    help = "Create users and grant them a role (admin, supervisor, agent, viewer) in a portfolio."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="{create,grant}")
        create = sub.add_parser(
            "create", help="create a user",
            description="Create a user. Example: recaudo user create ana --password-stdin < clave.txt",
        )
        create.add_argument("username")
        secret = create.add_mutually_exclusive_group(required=True)
        secret.add_argument("--password", help="the password (visible in the shell history; prefer --password-stdin)")
        secret.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
        create.add_argument("--email", default="")
        create.add_argument("--superuser", action="store_true", help="may do everything in every portfolio")
        grant = sub.add_parser(
            "grant", help="grant a user a role in a portfolio (replaces the user's role there)",
            description="Grant a user a role in a portfolio. Roles: admin (everything, manages the portfolio), "
            "supervisor (view, import, write), agent (view, write), viewer (view). "
            "Example: recaudo user grant ana --portfolio pyme --role agent",
        )
        grant.add_argument("username")
        grant.add_argument("--portfolio", required=True, metavar="SLUG")
        grant.add_argument("--role", required=True, choices=[r.value for r in Role])

    def handle(self, *args, action, **options):
        return getattr(self, f"_{action}")(**options)

    def _create(self, *, username, password, password_stdin, email, superuser, **_):
        User = get_user_model()
        username = username.strip()
        if not username:
            raise CommandError("a username is required")
        if User.objects.filter(username=username).exists():
            raise CommandError(f"user {username!r} already exists")
        if password_stdin:
            password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise CommandError("the password is empty")
        try:
            password_validation.validate_password(password, User(username=username, email=email))
        except ValidationError as exc:
            raise CommandError("password rejected: " + " ".join(exc.messages))
        user = user_create(username=username, password=password, email=email, is_superuser=superuser, actor="cli")
        kind = "superuser" if superuser else "user"
        self.stdout.write(f"created {kind} {user.get_username()}")

    def _grant(self, *, username, portfolio, role, **_):
        User = get_user_model()
        try:
            user = User.objects.get(username=username)
        except User.DoesNotExist:
            raise CommandError(f"no user {username!r} (create it with `recaudo user create`)")
        try:
            target = Portfolio.objects.get(slug=portfolio)
        except Portfolio.DoesNotExist:
            raise CommandError(f"no portfolio with slug {portfolio!r} (see `recaudo portfolio list`)")
        membership_grant(user=user, portfolio=target, role=role, actor="cli")
        self.stdout.write(f"{username} is now {role} of {target.slug}")
