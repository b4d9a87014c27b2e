"""`recaudo compliance check|bureau|rules`: whether a contact (or bureau report) is allowed, and when next."""

from __future__ import annotations

import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from recaudo.compliance.rules import RULES, resolve_zone
from recaudo.compliance.services import bureau_report_check, compliance_check, debtor_timezone
from recaudo.core.errors import DomainError
from recaudo.core.options import command_error
from recaudo.portfolio.models import Debtor, Portfolio


def parse_at(text: str, zone: ZoneInfo) -> datetime:
    """ISO 8601; without an offset it is local time in `zone`; 'now' is now."""
    if text.strip().lower() == "now":
        return timezone.now().astimezone(zone)
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise CommandError(f"--at: not an ISO 8601 date-time: {text!r} (e.g. 2026-03-02T06:59 or now)")
    return value.replace(tzinfo=zone) if value.tzinfo is None else value


def parse_date(text: str, name: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise CommandError(f"{name}: not an ISO date: {text!r} (e.g. 2026-03-02)")


class Command(BaseCommand):
    help = "Compliance: check whether a contact is allowed at an instant and when next; bureau reports; the rules."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        check = sub.add_parser("check", help="may this contact happen at this instant? when next?")
        check.add_argument("--country", help="ISO country (CO, PE, MX, CL, US); default the portfolio's")
        check.add_argument("--channel", required=True, choices=list(RULES.channels))
        check.add_argument("--at", default="now", help="ISO 8601 date-time; without offset: local time in --tz")
        check.add_argument("--tz", help="time zone; default the debtor's, the portfolio's, else the country's capital")
        check.add_argument("--debtor", help="debtor code: its contact history and consents count (needs --portfolio)")
        check.add_argument("--portfolio", help="portfolio slug")
        check.add_argument("--role", choices=list(RULES.roles), help="who is contacted (default debtor)")
        check.add_argument("--format", choices=["text", "json"], default="text")
        check.add_argument("--no-record", action="store_true", help="do not store the decision as evidence")

        bureau = sub.add_parser("bureau", help="may a negative credit-bureau report go on this date?")
        bureau.add_argument("--portfolio", required=True)
        bureau.add_argument("--debtor", required=True)
        bureau.add_argument("--notice", action="append", default=[], help="date a notice was sent (repeatable)")
        bureau.add_argument("--report-date", required=True)
        bureau.add_argument("--debt-minor", type=int, help="debt in minor units; default the debtor's balance")
        bureau.add_argument("--format", choices=["text", "json"], default="text")
        bureau.add_argument("--no-record", action="store_true")

        rules = sub.add_parser("rules", help="list the rules and settings in force")
        rules.add_argument("--country")

    def handle(self, *args, **options):
        try:
            return getattr(self, f"handle_{options['action']}")(options)
        except DomainError as exc:
            raise command_error(exc)

    # -- check ----------------------------------------------------------------------------------------------------
    def _portfolio_debtor(self, options):
        portfolio = debtor = None
        if options.get("debtor") and not options.get("portfolio"):
            raise CommandError("--debtor needs --portfolio")
        if options.get("portfolio"):
            try:
                portfolio = Portfolio.objects.get(slug=options["portfolio"])
            except Portfolio.DoesNotExist:
                raise CommandError(f"unknown portfolio {options['portfolio']!r}")
        if options.get("debtor"):
            try:
                debtor = Debtor.objects.select_related("portfolio").get(portfolio=portfolio, code=options["debtor"])
            except Debtor.DoesNotExist:
                raise CommandError(f"unknown debtor {options['debtor']!r} in portfolio {portfolio.slug!r}")
        return portfolio, debtor

    def handle_check(self, options):
        country = (options.get("country") or "").strip().upper()
        if country and country not in RULES.countries:
            raise CommandError(f"no compliance rules for country {country!r}; known: {', '.join(RULES.countries)}")
        portfolio, debtor = self._portfolio_debtor(options)
        if not country:
            if portfolio is None:
                raise CommandError("--country is required (or --portfolio)")
            country = portfolio.country
        tz = options.get("tz") or debtor_timezone(debtor, portfolio, country)
        zone = resolve_zone(tz)
        at = parse_at(options["at"], zone)
        decision = compliance_check(portfolio=portfolio, debtor=debtor, country=country, channel=options["channel"],
                                    at=at, tz=tz, contact_role=options.get("role"),
                                    record=not options["no_record"], actor="cli")
        if options["format"] == "json":
            self.stdout.write(json.dumps(decision.as_json(), ensure_ascii=False, indent=2))
            return
        local = decision.at
        verdict = "ALLOWED" if decision.allowed else "BLOCKED"
        who = f" debtor {debtor.code}" if debtor else ""
        self.stdout.write(f"{verdict}: {decision.channel} to {decision.contact_role}{who} in {country} at "
                          f"{local:%a %Y-%m-%d %H:%M} ({tz})")
        if not decision.allowed:
            nxt = decision.next_allowed_at
            self.stdout.write("Next allowed: " + (f"{nxt.isoformat()} ({nxt:%a %Y-%m-%d %H:%M} {tz})" if nxt
                                                  else "never (see reasons)"))
        self.stdout.write("Reasons:")
        for reason in decision.reasons:
            self.stdout.write(f"  - {reason}")
        self.stdout.write(f"Rule set {decision.rule_version}" +
                          (f"; evidence #{decision.evidence_id}" if decision.evidence_id else ""))

    # -- bureau ---------------------------------------------------------------------------------------------------
    def handle_bureau(self, options):
        _, debtor = self._portfolio_debtor(options)
        notices = [parse_date(n, "--notice") for n in options["notice"]]
        report_date = parse_date(options["report_date"], "--report-date")
        decision = bureau_report_check(debtor=debtor, report_date=report_date, notice_dates=notices,
                                       debt_minor=options.get("debt_minor"), record=not options["no_record"],
                                       actor="cli")
        if options["format"] == "json":
            self.stdout.write(json.dumps(decision.as_json(), ensure_ascii=False, indent=2))
            return
        self.stdout.write(f"{'ALLOWED' if decision.allowed else 'BLOCKED'}: bureau report of {debtor.code} on "
                          f"{report_date.isoformat()}")
        if not decision.allowed:
            nxt = decision.next_allowed_on
            self.stdout.write("Next allowed: " + (nxt.isoformat() if nxt else "not by waiting (see reasons)"))
        for reason in decision.reasons:
            self.stdout.write(f"  - {reason}")

    # -- rules ----------------------------------------------------------------------------------------------------
    def handle_rules(self, options):
        country = (options.get("country") or "").strip().upper()
        if country and country not in RULES.countries:
            raise CommandError(f"no compliance rules for country {country!r}; known: {', '.join(RULES.countries)}")
        self.stdout.write(f"Rule set {RULES.version}")
        for rule in RULES.rules:
            if country and rule.country != country:
                continue
            dates = f"from {rule.valid_from}" + (f" to {rule.valid_to}" if rule.valid_to else "")
            self.stdout.write(f"{rule.id} v{rule.version} ({rule.mark}) {dates} [{', '.join(rule.channels)}]: "
                              f"{rule.text} [{rule.citation}]")
        self.stdout.write("Settings (conservative defaults; override with RECAUDO_COMPLIANCE):")
        for spec in RULES.settings:
            self.stdout.write(f"  {spec.name} = {spec.default!r} ({spec.rule}): {spec.text}")
