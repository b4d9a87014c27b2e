"""`recaudo demo`: two synthetic Colombian portfolios, demo users, then the web app.

Idempotent: a portfolio that already has obligations is left as it is, users and roles are created only when
missing. The data comes from recaudo.demo.synthetic (seeded) and goes in through the import engine, the same
path as a user's CSV files.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from recaudo.accounts.models import Membership
from recaudo.accounts.services import membership_grant, user_create
from recaudo.agreements.rules import Limits
from recaudo.agreements.services.permissions import authority_limits_ensure
from recaudo.analytics.services import snapshot_backfill
from recaudo.banking.services import bank_statement_import, convenio_save, statement_mapping_save
from recaudo.core.management.commands import serve as serving
from recaudo.core.money import format_amount, precision
from recaudo.core.secret import use_installation_secret_key
from recaudo.cycle.runner import cycle_run
from recaudo.demo import synthetic
from recaudo.imports.services import ImportOptions, import_file
from recaudo.portal.selectors import sample_debtor
from recaudo.portfolio.models import Portfolio
from recaudo.portfolio.services import consents_grant_missing, portfolio_create, portfolio_creditor_set
from recaudo.reports.management.commands.portfolio import portfolio_summary

DEMO_PASSWORD = "recaudo-demo"  # noqa: S105 - demo data only, printed on purpose

# (username, superuser, {portfolio slug: role})
DEMO_USERS = (
    ("admin", True, {}),
    ("supervisora", False, {"pyme": "supervisor", "edificio": "supervisor"}),
    ("agente", False, {"pyme": "agent"}),
    ("consulta", False, {"edificio": "viewer"}),
)

# The authority matrix of both demo portfolios (issue 11). Without rows the safe default applies (an agent forgives
# nothing and grants no interest-bearing plan alone); the demo shows a working matrix: the agent forgives up to 10 %
# and grants interest-free plans of up to 6 installments / 6 months; the supervisor up to 30 %, 24 installments,
# 24 months, with interest; the administrator has no limit; the viewer grants nothing.
DEMO_LIMITS = {
    "agent": Limits(Decimal(10), 6, 6, False),
    "supervisor": Limits(Decimal(30), 24, 24, True),
    "admin": Limits(None, None, None, True),
    "viewer": Limits(Decimal(0), 0, 0, False),
}

SIZES = {
    # pyme: customers and invoices; edificio: apartments (18 monthly fees each)
    "small": {"debtors": 42, "invoices": 140, "units": 8},
    "normal": {"debtors": 1800, "invoices": 6500, "units": 200},
}
HOA_MONTHS = 18


DEMO_CREDITORS = {
    "pyme": {"creditor_nit": "900.123.456-8", "creditor_address": "Calle 93 # 11-26, Bogotá D.C.",
             "creditor_contact": "(601) 555 0100 · cartera@andinas.example", "payment_bank": "Banco de Bogotá",
             "payment_account": "Cuenta corriente 123-45678-9", "payment_agreement": "12345",
             "payment_notes": "PSE en www.andinas.example/pagos; efectivo en cualquier oficina del banco"},
    "edificio": {"creditor_nit": "901.234.567-7", "creditor_address": "Carrera 5 # 26-40, Bogotá D.C.",
                 "creditor_contact": "(601) 555 0200 · administracion@torresdelparque.example",
                 "payment_bank": "Bancolombia", "payment_account": "Cuenta de ahorros 987-654321-00",
                 "payment_agreement": "67890", "payment_notes": "Consignación o transferencia; indique su apartamento"},
}


@dataclass
class PortfolioOutcome:
    portfolio: Portfolio
    created: bool
    imported: dict[str, object]  # kind -> ImportResult (empty when the data was already there)


DEMO_HISTORY_DAYS = 90  # days of analytics snapshots the demo rebuilds


def _portfolio(slug: str, **fields) -> tuple[Portfolio, bool]:
    existing = Portfolio.objects.filter(slug=slug).first()
    if existing is not None:
        return existing, False
    return portfolio_create(slug=slug, actor="demo", **fields), True


def _import(portfolio, files: list[tuple[str, Path]], actor) -> dict[str, object]:

    results = {}
    for kind, path in files:
        result = import_file(portfolio=portfolio, kind=kind, path=path, options=ImportOptions(), actor=actor)
        if not result.committed:
            problems = "; ".join(str(e) for e in list(result.errors)[:5])
            raise CommandError(f"demo import of {kind} into {portfolio.slug} was rejected: {problems}")
        results[kind] = result
    return results


def ensure_users(stdout=None) -> list[str]:
    """The demo users and their roles; returns the usernames created now."""
    User = get_user_model()
    created = []
    for username, superuser, roles in DEMO_USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = user_create(username=username, password=DEMO_PASSWORD, email=f"{username}@demo.recaudo.local",
                               is_superuser=superuser, actor="demo")
            created.append(username)
        for slug, role in roles.items():
            portfolio = Portfolio.objects.filter(slug=slug).first()
            if portfolio is None:
                continue
            if not Membership.objects.filter(user=user, portfolio=portfolio, role=role).exists():
                membership_grant(user=user, portfolio=portfolio, role=role, actor="demo")
    return created


def prepare_demo(*, size: str = "normal", seed: int = 1) -> tuple[list[PortfolioOutcome], list[str]]:
    """Create the demo portfolios (with data) and users. Safe to run again."""
    dims = SIZES[size]
    pyme, pyme_created = _portfolio(
        "pyme", name="Distribuciones Andinas S.A.S.", creditor="Distribuciones Andinas S.A.S.", country="CO",
        currency="COP", tz="America/Bogota",
    )
    edificio, edificio_created = _portfolio(
        "edificio", name="Edificio Torres del Parque P.H.", creditor="Edificio Torres del Parque P.H.",
        country="CO", currency="COP", tz="America/Bogota",
    )
    users_created = ensure_users()
    admin = get_user_model().objects.get(username="admin")
    for portfolio in (pyme, edificio):
        authority_limits_ensure(portfolio=portfolio, limits=DEMO_LIMITS, actor="demo")
    # the creditor and how to pay, as statements print them (fictional NITs with valid check digits)
    for portfolio, created, details in ((pyme, pyme_created, DEMO_CREDITORS["pyme"]),
                                        (edificio, edificio_created, DEMO_CREDITORS["edificio"])):
        if created:
            portfolio_creditor_set(portfolio=portfolio, actor="demo", **details)
    today = pyme.today()
    outcomes = []
    with tempfile.TemporaryDirectory(prefix="recaudo-demo-") as tmp:
        folder = Path(tmp)
        imported: dict[str, object] = {}
        if not pyme.obligations.exists():
            paths = {k: folder / f"pyme-{k}.csv" for k in ("debtors", "obligations", "payments")}
            synthetic.write_debtors(paths["debtors"], debtors=dims["debtors"], seed=seed, today=today)
            synthetic.write_flat_obligations(paths["obligations"], debtors=dims["debtors"],
                                             obligations=dims["invoices"], seed=seed, today=today)
            synthetic.write_payments(paths["payments"], obligations_csv=paths["obligations"], seed=seed, today=today)
            imported = _import(pyme, list(paths.items()), admin)
        outcomes.append(PortfolioOutcome(pyme, pyme_created, imported))
        imported = {}
        if not edificio.obligations.exists():
            paths = {k: folder / f"edificio-{k}.csv" for k in ("debtors", "obligations", "payments")}
            synthetic.write_hoa_units(paths["debtors"], units=dims["units"], seed=seed, today=today)
            synthetic.write_hoa_obligations(paths["obligations"], units=dims["units"], months=HOA_MONTHS, seed=seed,
                                            today=today)
            synthetic.write_payments(paths["payments"], obligations_csv=paths["obligations"], seed=seed, today=today)
            imported = _import(edificio, list(paths.items()), admin)
        outcomes.append(PortfolioOutcome(edificio, edificio_created, imported))

    for outcome in outcomes:
        if outcome.imported:  # demo customers signed a contract clause authorizing these channels
            consents_grant_missing(portfolio=outcome.portfolio, actor=admin,
                                   source="demo: cláusula de autorización de contacto del contrato")
            if outcome.portfolio == pyme:
                # yesterday's bank statement before the snapshots: written after them, its payment made the
                # analytics' "Cartera" differ from the aging's by its amount
                demo_bank(pyme, admin)
            # today's cycle, so priorities, the agents' queue and "what goes out today" have content at once
            cycle_run(portfolio=outcome.portfolio)
            # the analytics' history of the last 90 days, rebuilt from the ledger (the cycle wrote today's)
            snapshot_backfill(portfolio=outcome.portfolio, start=today - timedelta(days=DEMO_HISTORY_DAYS),
                              end=today - timedelta(days=1), actor="demo")
    return outcomes, users_created


def demo_bank(portfolio: Portfolio, actor) -> None:
    """The SME's bank, so the bank pages have content: a convenio with its bank, a statement mapping for a
    Bancolombia-style CSV, and yesterday's statement: a payment whose description names an invoice for its balance
    (applied by itself), one whose payer's name is a debtor's (waits with a suggestion), one nobody is named in
    (waits) and a debit (skipped)."""
    convenio_save(portfolio=portfolio, name="Banco de Bogotá recaudo", bank_code="001", account_number="123456789",
                  account_type="01", company_nit="900123456", service_code="7709998000011", actor=actor)
    statement_mapping_save(portfolio=portfolio, name="Bancolombia CSV", date_column="Fecha",
                           reference_column="Referencia", description_column="Descripcion", debit_column="Retiros",
                           credit_column="Consignaciones", separator=";", header_lines_skip=1, footer_lines_skip=1,
                           actor=actor)
    open_invoices = list(portfolio.obligations.filter(balance_minor__gt=0).select_related("debtor")
                         .order_by("-balance_minor")[:2])
    if len(open_invoices) < 2:
        return
    paid, named = open_invoices
    day = f"{portfolio.today() - timedelta(days=1):%d/%m/%Y}"
    cents = 10 ** precision(portfolio.currency)

    def amount(minor: int) -> str:
        return f"{minor // cents:,}".replace(",", ".") + f",{minor % cents:02d}"

    rows = ["EXTRACTO CUENTA CORRIENTE 123-456789-01", "Fecha;Referencia;Descripcion;Retiros;Consignaciones",
            f"{day};;PAGO FACTURA {paid.number} {paid.debtor.name.upper()};;{amount(paid.balance_minor)}",
            f"{day};;TRANSF DE {named.debtor.name.upper()};;{amount(named.balance_minor // 2)}",
            f"{day};;CONSIGNACION EFECTIVO SUC CENTRO;;250.000,00",
            f"{day};;PAGO NOMINA;4.800.000,00;",
            "TOTAL;;;4.800.000,00;"]
    bank_statement_import(portfolio=portfolio, content=("\r\n".join(rows) + "\r\n").encode("cp1252"),
                          layout="csv", mapping_name="Bancolombia CSV", actor=actor)


class Command(BaseCommand):
    help = ("Create two synthetic demo portfolios (an SME's invoices and a building's HOA fees, ~2,000 debtors "
            "with payments) and demo users, then serve the app. Safe to run again: existing data is kept.")

    def add_arguments(self, parser):
        parser.add_argument("--no-serve", action="store_true", help="prepare the data and users, then exit")
        parser.add_argument("--host", default="127.0.0.1", help="address to serve on (default 127.0.0.1)")
        parser.add_argument("--port", type=int, default=8000, help="port to serve on (default 8000)")
        parser.add_argument("--seed", type=int, default=1, help="random seed of the synthetic data (default 1)")
        parser.add_argument("--size", choices=sorted(SIZES), default="normal",
                            help="normal: ~2,000 debtors; small: ~50 debtors (tests)")
        parser.add_argument("--no-worker", action="store_true", help="serve without the task worker")

    def handle(self, *args, no_serve, host, port, seed, size, no_worker, **options):


        if not no_serve:
            serving.check_port(host, port)  # fail before preparing anything when the port is taken
        started = time.perf_counter()
        self.stdout.write("Preparing the demo (migrations, synthetic data, users)...")
        call_command("migrate", interactive=False, verbosity=0)

        use_installation_secret_key()  # the portal links in today's messages are signed with the shared key
        outcomes, users_created = prepare_demo(size=size, seed=seed)
        elapsed = time.perf_counter() - started
        for outcome in outcomes:
            p = outcome.portfolio
            state = "created" if outcome.created else "already there"
            self.stdout.write(f"\n{p.name} ({p.slug}): {state}")
            if outcome.imported:
                for kind, result in outcome.imported.items():
                    self.stdout.write(f"  imported {kind:<12} {result.created:>6,} created, {result.updated:,} "
                                      f"updated, {result.unchanged:,} unchanged, {result.rejected:,} rejected")
            else:
                self.stdout.write("  data already loaded: nothing imported")
            summary = portfolio_summary(p)
            self.stdout.write(
                f"  {summary['debtors']:,} debtors ({summary['debtors_with_balance']:,} owing), "
                f"{summary['obligations']:,} obligations ({summary['open_obligations']:,} open), "
                f"balance {p.currency} {format_amount(Decimal(summary['balance']), currency=p.currency)}"
            )
        created = f" (created now: {', '.join(users_created)})" if users_created else ""
        self.stdout.write(f"\nDemo users{created}, password {DEMO_PASSWORD!r} for all (demo only, never in "
                          "production):")
        for username, superuser, roles in DEMO_USERS:
            what = "superuser, every portfolio" if superuser else ", ".join(f"{r} of {s}" for s, r in roles.items())
            self.stdout.write(f"  {username:<12} {what}")
        demo_debtor = sample_debtor(outcomes[0].portfolio) if outcomes else None
        if demo_debtor is not None:
            self.stdout.write(
                f"\nDebtor portal: http://{host}:{port}/portal/{outcomes[0].portfolio.slug}/ - enter ID "
                f"{demo_debtor.id_number} ({demo_debtor.name}). The one-time code goes out through the outbox: the "
                "demo's worker prints it here (console transport; docs/portal.md).")
        self.stdout.write(f"\nReady in {elapsed:.1f} s.")
        if no_serve:
            self.stdout.write("Run `recaudo serve` (or `recaudo demo` again) to open the app.")
            return
        self.stdout.write(f"Open http://{host}:{port}/ and sign in (Ctrl+C stops the server).\n")
        serving.serve(host=host, port=port, worker=not no_worker, migrate=False, production=False, stdout=self.stdout)
