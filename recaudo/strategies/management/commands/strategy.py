"""`recaudo strategy list|export|import|segments-export|segments-import --portfolio SLUG`: strategies as versioned
YAML documents, and the portfolio's segments as one YAML document."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from recaudo.core.errors import DomainError
from recaudo.portfolio.models import Portfolio
from recaudo.strategies.models import Segment, Strategy
from recaudo.strategies.schema import to_yaml
from recaudo.strategies.selectors import strategy_list
from recaudo.strategies.services import (
    latest_version,
    segments_import,
    segments_to_yaml,
    strategy_ensure_default,
    strategy_import,
)


class Command(BaseCommand):
    help = "List, export (YAML) and import (YAML: a new version) the collection strategies of a portfolio."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        for name, text in (("list", "strategies and their versions"), ("export", "a strategy as YAML"),
                           ("import", "a YAML document as a new version")):
            p = sub.add_parser(name, help=text)
            p.add_argument("--portfolio", required=True, help="portfolio slug")
            if name != "list":
                p.add_argument("--segment", help="segment name (default: the portfolio's default strategy)")
            if name == "export":
                p.add_argument("--version", type=int, help="version number (default: the latest)")
                p.add_argument("--output", "-o", help="file to write (default: standard output)")
            if name == "import":
                p.add_argument("file", help="YAML file, or - for standard input")
        p = sub.add_parser("segments-export", help="the portfolio's segments as YAML")
        p.add_argument("--portfolio", required=True, help="portfolio slug")
        p.add_argument("--output", "-o", help="file to write (default: standard output)")
        p = sub.add_parser("segments-import", help="create or update segments (by name) from YAML")
        p.add_argument("--portfolio", required=True, help="portfolio slug")
        p.add_argument("file", help="YAML file, or - for standard input")

    def handle(self, *args, action, portfolio, **opts):
        try:
            p = Portfolio.objects.get(slug=portfolio)
        except Portfolio.DoesNotExist:
            raise CommandError(f"--portfolio: no portfolio {portfolio!r}")
        strategy_ensure_default(p)
        segment = None
        if opts.get("segment"):
            segment = Segment.objects.filter(portfolio=p, name=opts["segment"]).first()
            if segment is None:
                raise CommandError(f"--segment: no segment {opts['segment']!r} in {p.slug}")
        if action == "segments-export":
            self._write(segments_to_yaml(p), opts.get("output"))
            return
        if action == "segments-import":
            try:
                saved = segments_import(portfolio=p, text=self._read(opts["file"]), actor="cli")
            except DomainError as exc:
                raise CommandError("invalid segments:\n  " + "\n  ".join(exc.problems))
            self.stdout.write(f"{len(saved)} segment(s): " + ", ".join(s.name for s in saved))
            return
        if action == "list":
            for row in strategy_list(p):
                s, latest = row["strategy"], row["latest"]
                seg = s.segment.name if s.segment else "(default)"
                self.stdout.write(f"{s.name}\tsegment {seg}\tv{latest.number}\t{row['versions']} version(s)\t"
                                  f"{row['executions']} step execution(s)")
            return
        if action == "export":
            strategy = Strategy.objects.filter(portfolio=p, segment=segment).first()
            if strategy is None:
                raise CommandError("no strategy for that segment")
            version = (strategy.versions.filter(number=opts["version"]).first() if opts.get("version")
                       else latest_version(strategy))
            if version is None:
                raise CommandError(f"--version: {strategy} has no version {opts['version']}")
            text = to_yaml(version.content, {"strategy": strategy.name, "version": version.number})
            self._write(text, opts.get("output"))
            return
        text = self._read(opts["file"])
        try:
            version = strategy_import(portfolio=p, text=text, segment=segment, actor="cli")
        except DomainError as exc:
            raise CommandError("invalid strategy:\n  " + "\n  ".join(exc.problems))
        self.stdout.write(f"{version.strategy.name}: version {version.number}")

    def _write(self, text: str, output: str | None) -> None:
        if output:
            with open(output, "w", encoding="utf-8") as fh:
                fh.write(text)
        else:
            self.stdout.write(text)

    def _read(self, path: str) -> str:
        try:
            return sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc}")
