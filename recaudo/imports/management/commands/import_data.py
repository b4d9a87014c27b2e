"""`recaudo import {debtors,obligations,payments} FILE --portfolio SLUG`: thin wrapper around import_file."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandParser

from recaudo.core.errors import DomainError
from recaudo.imports.fields import FIELDS
from recaudo.imports.profiles import erp_profiles
from recaudo.imports.selectors import import_profile_find
from recaudo.imports.services import ImportFileError, ImportOptions, import_file, load_mapping_file
from recaudo.portfolio.models import Portfolio

EPILOG = """fields (also the default headers, matched ignoring case, accents and spaces):
  debtors:     {debtors}
  obligations: {obligations}
  payments:    {payments}

examples:
  recaudo import obligations cartera.csv --portfolio pyme
  recaudo import obligations export.xlsx --portfolio pyme --sheet Cartera --map number=Factura \\
      --map due_date=Vence --map debtor_code=NIT --map debtor_id_number=NIT --date-format %m/%d/%Y
  recaudo import payments pagos.csv --portfolio pyme --skip-invalid --format json
  recaudo import obligations cartera.xlsx --portfolio pyme --profile "Siigo cartera"

profiles (--profile): a profile saved in the web import's mapping step (by its name), or a shipped one:
{profiles}

Exit status: 0 imported (or dry run without errors), 1 rows rejected and nothing written, 2 file-level error.
"""


class Command(BaseCommand):
    help = ("Import debtors, obligations or payments from a CSV or XLSX file. All or nothing by default: any "
            "invalid row and nothing is written (see --skip-invalid). Importing the same file twice changes nothing.")

    def create_parser(self, prog_name, subcommand, **kwargs):
        from argparse import RawDescriptionHelpFormatter

        parser = super().create_parser(prog_name, subcommand, formatter_class=RawDescriptionHelpFormatter,
                                       **kwargs)
        shipped = "\n".join(f"  {p.key.split(':', 1)[1]:<24} {p.name} ({p.kind})" for p in erp_profiles())
        parser.epilog = EPILOG.format(profiles=shipped, **{k: ", ".join(v) for k, v in FIELDS.items()})
        parser.prog = "recaudo import"
        return parser

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=sorted(FIELDS), help="what the file holds")
        parser.add_argument("file", help="CSV (delimiter , ; tab or | detected) or XLSX")
        parser.add_argument("--portfolio", required=True, help="portfolio slug")
        parser.add_argument("--mapping", help='TOML file with [mapping] lines like due_date = "Vence"')
        parser.add_argument("--profile", help="apply a mapping profile: the name of one saved in the web import, or a "
                            "shipped one (listed below); --mapping and --map add to it")
        parser.add_argument("--map", action="append", default=[], metavar="FIELD=HEADER",
                            help="map a field to a column header (repeatable; one header may feed several fields)")
        parser.add_argument("--date-format", help="strptime format, e.g. %%m/%%d/%%Y for US exports "
                            "(default: day first 31/12/2026 or ISO 2026-12-31)")
        parser.add_argument("--decimal", choices=["auto", "comma", "point", ",", "."], default="auto",
                            help="decimal separator: comma (or ',') 1.234.567,89 or point (or '.') 1,234,567.89; "
                            "the other mark only groups thousands, in threes (default auto: guessed per value)")
        parser.add_argument("--encoding", default="auto", help="utf-8 (with or without BOM), latin-1 or auto")
        parser.add_argument("--sheet", help="XLSX sheet (required when the workbook has several)")
        parser.add_argument("--skip-invalid", action="store_true",
                            help="import the valid rows; write the rejected ones with reasons to a CSV")
        parser.add_argument("--rejected", help="where --skip-invalid writes rejected rows (default "
                            "NAME.rejected.csv next to the file)")
        parser.add_argument("--dry-run", action="store_true", help="validate and count, write nothing")
        parser.add_argument("--format", choices=["text", "json"], default="text", help="output format")

    def handle(self, *args, **opts):
        as_json = opts["format"] == "json"
        try:
            portfolio = Portfolio.objects.filter(slug=opts["portfolio"]).first()
            if portfolio is None:
                known = ", ".join(Portfolio.objects.values_list("slug", flat=True)) or "none yet"
                raise ImportFileError(f"unknown portfolio {opts['portfolio']!r} (portfolios: {known})")
            mapping, from_profile = {}, {}
            if opts["profile"]:
                profile = import_profile_find(portfolio, opts["profile"], opts["kind"])
                if profile is None:
                    raise ImportFileError(f"unknown profile {opts['profile']!r} for {opts['kind']} in "
                                          f"{portfolio.slug}; see recaudo import --help")
                from_profile = profile.options()
                mapping.update(from_profile.pop("mapping"))
            if opts["mapping"]:
                mapping.update(load_mapping_file(opts["mapping"]))
            for item in opts["map"]:
                name, sep, header = item.partition("=")
                if not sep or not name.strip() or not header.strip():
                    raise ImportFileError(f"--map {item!r}: expected FIELD=HEADER, e.g. due_date=Vence")
                mapping[name.strip()] = header.strip()
            options = ImportOptions(
                mapping=mapping, date_format=opts["date_format"],
                decimal={",": "comma", ".": "point"}.get(opts["decimal"], opts["decimal"]),
                encoding=opts["encoding"], sheet=opts["sheet"], skip_invalid=opts["skip_invalid"],
                dry_run=opts["dry_run"], rejected_path=Path(opts["rejected"]) if opts["rejected"] else None,
                header_row=from_profile.get("header_row", 1), delimiter=from_profile.get("delimiter"),
                id_type=from_profile.get("id_type", ""),
            )
            if "encoding" in from_profile and opts["encoding"] == "auto":
                options.encoding = from_profile["encoding"]
            with _Progress(enabled=not as_json and sys.stderr.isatty()) as progress:
                result = import_file(portfolio=portfolio, kind=opts["kind"], path=Path(opts["file"]),
                                     options=options, progress=progress, actor="cli")
        except DomainError as exc:
            if as_json:
                self.stdout.write(json.dumps({"ok": False, "error": str(exc)}))
            else:
                self.stderr.write(f"error: {exc}")
            sys.exit(2)
        if as_json:
            self.stdout.write(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
        else:
            self._print(result)
        if result.rejected and not result.committed:
            sys.exit(1)

    def _print(self, result) -> None:
        from rich.console import Console
        from rich.table import Table

        table = Table(title=f"import {result.kind}" + (" (dry run)" if result.dry_run else ""), show_header=False)
        for label, value in (("rows", result.rows), ("created", result.created), ("updated", result.updated),
                             ("unchanged", result.unchanged), ("rejected", result.rejected),
                             ("debtors created", result.debtors_created),
                             ("debtors updated", result.debtors_updated)):
            if value or label in ("rows", "created", "updated", "unchanged", "rejected"):
                table.add_row(label, f"{value:,}")
        console = Console(file=self.stdout, highlight=False, width=120)
        console.print(table)
        for error in result.errors:
            console.print(str(error), markup=False)
        console.print(result.message, markup=False)


class _Progress:
    """A rich progress bar on stderr when it is a terminal; otherwise nothing."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.bar = None

    def __enter__(self):
        if self.enabled:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self.bar = Progress(TextColumn("importing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                                console=Console(stderr=True), transient=True)
            self.bar.start()
            self.task = self.bar.add_task("import", total=None)
        return self

    def __call__(self, done: int, total: int | None) -> None:
        if self.bar is not None:
            self.bar.update(self.task, completed=done, total=total)

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.stop()
        return False
