"""Writes of strategies, segments, holds and cycle settings: one transaction each, with an audit event."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from recaudo.audit.services import audit_record
from recaudo.core.errors import DomainError
from recaudo.portfolio.models import Debtor, Obligation, Portfolio

from .models import Hold, PortfolioCycleSettings, Segment, Strategy, StrategyVersion
from .rules import MAX_CHALLENGER_SHARE
from .schema import (
    HOLD_REASONS,
    SEGMENT_CONDITIONS,
    StrategyFormatError,
    default_content,
    from_yaml,
    validate_conditions,
    validate_content,
)


class StrategyError(DomainError):
    pass


SEGMENT_ORDER_MAX = 1_000_000


def next_cycle_at(portfolio: Portfolio, run_time: time, after: datetime) -> datetime:
    """The first instant strictly after `after` at which the portfolio's local clock reads `run_time`."""
    zone = ZoneInfo(portfolio.timezone)
    local = after.astimezone(zone)
    candidate = datetime.combine(local.date(), run_time, tzinfo=zone)
    if candidate <= local:
        candidate = datetime.combine(local.date() + timedelta(days=1), run_time, tzinfo=zone)
    return candidate.astimezone(ZoneInfo("UTC"))


def cycle_settings_ensure(portfolio: Portfolio, now: datetime | None = None) -> PortfolioCycleSettings:
    found = PortfolioCycleSettings.objects.filter(portfolio=portfolio).first()
    if found is not None:
        return found
    now = now or timezone.now()
    run_time = time(8, 0)
    PortfolioCycleSettings.objects.bulk_create(
        [PortfolioCycleSettings(portfolio=portfolio, run_time=run_time,
                                next_cycle_at=next_cycle_at(portfolio, run_time, now))],
        ignore_conflicts=True,
    )
    return PortfolioCycleSettings.objects.get(portfolio=portfolio)


@transaction.atomic
def cycle_settings_update(*, portfolio: Portfolio, run_time: time, enabled: bool = True, actor=None,
                          now: datetime | None = None) -> PortfolioCycleSettings:
    settings = cycle_settings_ensure(portfolio, now)
    old = {"run_time": settings.run_time.strftime("%H:%M"), "enabled": settings.enabled}
    settings.run_time, settings.enabled = run_time, enabled
    settings.next_cycle_at = next_cycle_at(portfolio, run_time, now or timezone.now())
    settings.save()
    audit_record(event_type="cycle.settings_changed", subject=settings, actor=actor, portfolio=portfolio,
                 changes={"old": old, "new": {"run_time": run_time.strftime("%H:%M"), "enabled": enabled}})
    return settings


def strategy_ensure_default(portfolio: Portfolio) -> Strategy:
    """The portfolio's default strategy (segment null), created with the default content as version 1 if missing."""
    strategy = Strategy.objects.filter(portfolio=portfolio, segment__isnull=True).first()
    if strategy is not None:
        return strategy
    try:
        with transaction.atomic():
            name = _("Default")  # named in the language of whoever creates it (es-CO: Predeterminada)
            strategy = Strategy.objects.create(portfolio=portfolio, segment=None, name=name)
            StrategyVersion.objects.create(strategy=strategy, number=1, content=default_content(name),
                                           note="default strategy")
            audit_record(event_type="strategy.created", subject=strategy, portfolio=portfolio,
                         changes={"version": 1, "default": True})
    except IntegrityError:  # created concurrently
        strategy = Strategy.objects.get(portfolio=portfolio, segment__isnull=True)
    cycle_settings_ensure(portfolio)
    return strategy


def latest_version(strategy: Strategy) -> StrategyVersion:
    return strategy.versions.order_by("-number").first()


@transaction.atomic
def strategy_challenger_set(*, strategy: Strategy, version: StrategyVersion, share: int, actor=None,
                            today: date | None = None) -> Strategy:
    """Run `version` as the challenger on `share` percent (1-50) of the strategy's debtors, chosen by a stable
    random draw (rules.arm_of); the champion (the latest other version) keeps the rest. Starting a test (or changing
    its version) sets its start date, from which the analytics compare the arms."""
    strategy = Strategy.objects.select_for_update().get(pk=strategy.pk)
    if version.strategy_id != strategy.pk:
        raise StrategyError(_("that version belongs to another strategy"), field="version")
    if not (1 <= int(share) <= MAX_CHALLENGER_SHARE):
        raise StrategyError(_("the challenger's share is from 1 to %(max)s %%") % {"max": MAX_CHALLENGER_SHARE},
                            field="share")
    if not strategy.versions.exclude(pk=version.pk).exists():
        raise StrategyError(_("a challenger needs a champion: the strategy has no other version"), field="version")
    changed = strategy.challenger_id != version.pk
    strategy.challenger, strategy.challenger_share = version, int(share)
    if changed or strategy.challenger_since is None:
        strategy.challenger_since = today or strategy.portfolio.today()
    strategy.save(update_fields=["challenger", "challenger_share", "challenger_since"])
    audit_record(event_type="strategy.challenger_set", subject=strategy, actor=actor, portfolio=strategy.portfolio,
                 changes={"version": version.number, "share": int(share),
                          "since": strategy.challenger_since.isoformat()})
    return strategy


@transaction.atomic
def strategy_challenger_end(*, strategy: Strategy, adopt: bool, actor=None) -> Strategy:
    """End the test: `adopt` makes the challenger's content the new latest version (the champion for everyone);
    otherwise the champion simply keeps every debtor."""
    strategy = Strategy.objects.select_for_update().get(pk=strategy.pk)
    challenger = strategy.challenger
    if challenger is None:
        raise StrategyError(_("this strategy has no challenger"), field="version")
    strategy.challenger, strategy.challenger_share, strategy.challenger_since = None, 0, None
    strategy.save(update_fields=["challenger", "challenger_share", "challenger_since"])
    adopted = None
    if adopt:
        champion = strategy.versions.exclude(pk=challenger.pk).order_by("-number").first()
        adopted = challenger
        if champion is None or champion.content != challenger.content:
            number = (strategy.versions.aggregate(n=Max("number"))["n"] or 0) + 1
            adopted = StrategyVersion.objects.create(
                strategy=strategy, number=number, content=challenger.content,
                note=(_("v%(n)s adopted as the champion") % {"n": challenger.number})[:300],
                created_by=actor if actor is not None and not isinstance(actor, str) else None)
    audit_record(event_type="strategy.challenger_ended", subject=strategy, actor=actor, portfolio=strategy.portfolio,
                 changes={"challenger": challenger.number, "adopted": adopted.number if adopted else None})
    return strategy


@transaction.atomic
def strategy_version_create(*, strategy: Strategy, content: dict, actor=None, note: str = "") -> StrategyVersion:
    """Validate and store `content` as the next version; nothing new when it equals the latest version."""
    content = validate_content(content)
    current = StrategyVersion.objects.filter(strategy=strategy).order_by("-number").first()
    if current is not None and current.content == content:
        return current
    number = (StrategyVersion.objects.filter(strategy=strategy).aggregate(n=Max("number"))["n"] or 0) + 1
    version = StrategyVersion.objects.create(strategy=strategy, number=number, content=content, note=note[:300],
                                             created_by=actor if actor is not None and not isinstance(actor, str)
                                             else None)
    audit_record(event_type="strategy.version_created", subject=strategy, actor=actor, portfolio=strategy.portfolio,
                 changes={"version": number, "previous": current.number if current else None, "note": note})
    return version


@transaction.atomic
def strategy_import(*, portfolio: Portfolio, text: str, actor=None, segment: Segment | None = None
                    ) -> StrategyVersion:
    """Import a YAML document as a new version of the portfolio's strategy for `segment` (default: the default
    strategy), creating the strategy if needed. Raises StrategyFormatError with every problem and its path."""
    content = from_yaml(text)
    strategy = Strategy.objects.filter(portfolio=portfolio, segment=segment).first()
    if strategy is None:
        if segment is None:
            strategy = strategy_ensure_default(portfolio)
        else:
            strategy = Strategy.objects.create(portfolio=portfolio, segment=segment, name=content["name"][:100])
            audit_record(event_type="strategy.created", subject=strategy, actor=actor, portfolio=portfolio,
                         changes={"segment": segment.name})
    return strategy_version_create(strategy=strategy, content=content, actor=actor, note="imported from YAML")


EDITABLE_STEP_FIELDS = ("offset", "channel", "template", "task", "attach_statement", "conditions")
STEP_OFFSET_MAX = 3650  # ten years of arrears (or before the due date): beyond it a step never runs


def _step_changes_check(content: dict, step: dict, changes: dict) -> None:
    """What a person editing one step can get wrong, said at the field in the page's language (the schema's
    check, made for whole YAML documents, names paths such as stages[4].steps[1].offset): an offset no stage
    covers or another step of the strategy already has, a message step without its template."""
    offset = changes.get("offset", step["offset"])
    if "offset" in changes:
        if not isinstance(offset, int) or not -STEP_OFFSET_MAX <= offset <= STEP_OFFSET_MAX:
            raise StrategyError(_("The offset is a whole number of days between -%(max)s and %(max)s.")
                                % {"max": number_format(STEP_OFFSET_MAX, decimal_pos=0, force_grouping=True)},
                                field="offset")
        stages = content["stages"]
        if not any(st["from_days"] <= offset and (st["to_days"] is None or offset <= st["to_days"])
                   for st in stages):
            last = stages[-1]["to_days"]
            message = (_("No stage covers %(offset)s days: the stages go from %(first)s to %(last)s days.")
                       if last is not None else
                       _("No stage covers %(offset)s days: the first stage starts at %(first)s days."))
            raise StrategyError(message % {"offset": offset, "first": stages[0]["from_days"], "last": last},
                                field="offset")
        other = next((s["key"] for st in content["stages"] for s in st["steps"]
                      if s is not step and s["offset"] == offset), None)
        if other is not None:
            raise StrategyError(_("Step %(other)s already runs at %(offset)s days; one step per day of arrears.")
                                % {"other": other, "offset": offset}, field="offset")
    if step.get("action") == "send_message" and not (changes.get("template", step.get("template")) or "").strip():
        raise StrategyError(_("A message step needs the code of its template."), field="template")


@transaction.atomic
def strategy_step_update(*, strategy: Strategy, step_key: str, changes: dict, actor=None) -> StrategyVersion:
    """Change one step of the latest version (offset, channel, template, task, conditions): a new version."""
    current = latest_version(strategy)
    content = {"name": current.content["name"], "stages": [dict(s, steps=[dict(x) for x in s["steps"]])
                                                          for s in current.content["stages"]]}
    found = None
    for stage in content["stages"]:
        for step in stage["steps"]:
            if step["key"] == step_key:
                found = (stage, step)
    if found is None:
        raise StrategyError(_("no step “%(step)s” in %(strategy)s v%(version)s")
                            % {"step": step_key, "strategy": strategy, "version": current.number})
    stage, step = found
    unknown = set(changes) - set(EDITABLE_STEP_FIELDS)
    if unknown:
        raise StrategyError(_("cannot edit %(fields)s of a step") % {"fields": ", ".join(sorted(unknown))})
    _step_changes_check(content, step, changes)
    step.update(changes)
    # A new offset may belong to another stage: move the step there.
    if "offset" in changes and isinstance(step["offset"], int):
        for other in content["stages"]:
            lo, hi = other["from_days"], other["to_days"]
            if other is not stage and step["offset"] >= lo and (hi is None or step["offset"] <= hi):
                stage["steps"].remove(step)
                other["steps"].append(step)
                break
    return strategy_version_create(strategy=strategy, content=content, actor=actor,
                                   note=step_edit_note(step_key, changes))


def step_edit_note(step_key: str, changes: dict) -> str:
    """A step edit's version note as stored: {"step": key, "changes": {...}} as JSON, which the pages say in their
    language (wording.version_note_text); when it would not fit the note's 300 characters, the step alone."""
    note = json.dumps({"step": step_key, "changes": changes}, ensure_ascii=False, default=str, sort_keys=True)
    return note if len(note) <= 300 else json.dumps({"step": step_key}, ensure_ascii=False)[:300]


@transaction.atomic
def segment_upsert(*, portfolio: Portfolio, name: str, conditions: dict, order: int = 0, weight="1",
                   actor=None) -> Segment:
    problems: list[str] = []
    clean = validate_conditions(conditions, f"segment {name!r}.conditions", SEGMENT_CONDITIONS, problems)
    try:
        weight = Decimal(str(weight))
    except InvalidOperation:
        problems.append(f"segment {name!r}.weight: not a number: {weight!r}")
    if not name.strip():
        problems.append("segment.name: required")
    if problems:
        raise StrategyFormatError(problems)
    segment, created = Segment.objects.update_or_create(
        portfolio=portfolio, name=name.strip(), defaults={"conditions": clean, "order": order, "weight": weight})
    audit_record(event_type="segment.created" if created else "segment.updated", subject=segment, actor=actor,
                 portfolio=portfolio, changes={"conditions": clean, "order": order, "weight": weight})
    return segment


def _segment_snapshot(segment: Segment) -> dict:
    return {"name": segment.name, "order": segment.order, "weight": str(segment.weight),
            "conditions": dict(segment.conditions or {})}


def _segment_clean(name: str, conditions: dict, weight) -> tuple[str, dict, Decimal]:
    problems: list[str] = []
    name = (name or "").strip()
    clean = validate_conditions(conditions, f"segment {name!r}.conditions", SEGMENT_CONDITIONS, problems)
    try:
        weight = Decimal(str(weight))
        if not weight.is_finite() or weight <= 0 or weight >= 10000:
            problems.append(f"segment {name!r}.weight: must be above 0 and below 10000, got {weight}")
    except InvalidOperation:
        problems.append(f"segment {name!r}.weight: not a number: {weight!r}")
    if not name:
        problems.append("segment.name: required")
    if problems:
        raise StrategyFormatError(problems)
    return name, clean, weight


@transaction.atomic
def segment_save(*, portfolio: Portfolio, name: str, conditions: dict, order: int, weight="1",
                 segment: Segment | None = None, actor=None) -> Segment:
    """Create a segment, or change one (`segment`): name, order, conditions and weight, audited with the old and
    new values. A name used by another segment of the portfolio, or an order beyond +-SEGMENT_ORDER_MAX (the
    column is a 32-bit integer), raises StrategyError."""
    if not -SEGMENT_ORDER_MAX <= int(order) <= SEGMENT_ORDER_MAX:
        raise StrategyError(_("The order is a whole number between -%(max)s and %(max)s.")
                            % {"max": number_format(SEGMENT_ORDER_MAX, decimal_pos=0, force_grouping=True)},
                            field="order")
    name, clean, weight = _segment_clean(name, conditions, weight)
    if Segment.objects.filter(portfolio=portfolio, name=name).exclude(pk=getattr(segment, "pk", None)).exists():
        raise StrategyError(_("a segment named “%(name)s” already exists") % {"name": name}, field="name")
    old = _segment_snapshot(segment) if segment is not None else None
    if segment is None:
        segment = Segment(portfolio=portfolio)
    segment.name, segment.order, segment.conditions, segment.weight = name, order, clean, weight
    segment.save()
    new = _segment_snapshot(segment)
    if old != new:
        audit_record(event_type="segment.updated" if old else "segment.created", subject=segment, actor=actor,
                     portfolio=portfolio, changes={"old": old, "new": new} if old else new)
    return segment


@transaction.atomic
def segment_delete(*, segment: Segment, actor=None) -> None:
    """Delete a segment; refused while a strategy is attached to it (delete or move that strategy first)."""
    if Strategy.objects.filter(segment=segment).exists():
        raise StrategyError(_("segment “%(name)s” has its own strategy; it cannot be deleted") % {"name": segment.name})
    audit_record(event_type="segment.deleted", subject=segment, actor=actor, portfolio=segment.portfolio,
                 changes=_segment_snapshot(segment))
    segment.delete()


@transaction.atomic
def segment_move(*, segment: Segment, up: bool, actor=None) -> list[Segment]:
    """Move a segment one place up or down (a debtor belongs to the first matching segment): the portfolio's
    segments are renumbered 10, 20, 30 ... in the new order."""
    segments = list(Segment.objects.select_for_update().filter(portfolio_id=segment.portfolio_id)
                    .order_by("order", "id"))
    i = next(n for n, s in enumerate(segments) if s.pk == segment.pk)
    j = i - 1 if up else i + 1
    if 0 <= j < len(segments):
        segments[i], segments[j] = segments[j], segments[i]
    before = {s.pk: s.order for s in segments}
    for n, s in enumerate(segments, start=1):
        s.order = n * 10
    changed = [s for s in segments if s.order != before[s.pk]]
    Segment.objects.bulk_update(changed, ["order"])
    if changed:
        audit_record(event_type="segment.reordered", subject=segment, actor=actor, portfolio=segment.portfolio,
                     changes={"order": [s.name for s in segments], "moved": segment.name,
                              "direction": "up" if up else "down"})
    return segments


def segments_to_yaml(portfolio: Portfolio) -> str:
    """The portfolio's segments as a YAML document (`recaudo strategy segments-export`)."""
    import yaml

    doc = {"segments": [{"name": s.name, "order": s.order, "weight": float(s.weight) if s.weight % 1 else
                         int(s.weight), "conditions": dict(s.conditions or {})}
                        for s in Segment.objects.filter(portfolio=portfolio).order_by("order", "id")]}
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=120)


@transaction.atomic
def segments_import(*, portfolio: Portfolio, text: str, actor=None) -> list[Segment]:
    """Create or update (by name) the segments of a YAML document; segments not in it are kept. Validates the whole
    document first: StrategyFormatError lists every problem with its path, and nothing is written."""
    import yaml

    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise StrategyFormatError([f"YAML: {getattr(exc, 'problem', None) or exc}"])
    items = doc.get("segments") if isinstance(doc, dict) else None
    if not isinstance(items, list):
        raise StrategyFormatError(["segments: required, a list of segments"])
    problems, rows, names = [], [], set()
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            problems.append(f"segments[{i}]: must be a mapping with name, order, weight, conditions")
            continue
        unknown = sorted(set(item) - {"name", "order", "weight", "conditions"})
        if unknown:
            problems.append(f"segments[{i}]: unknown field(s) {', '.join(unknown)}")
        order = item.get("order", (i + 1) * 10)
        if not isinstance(order, int) or isinstance(order, bool):
            problems.append(f"segments[{i}].order: must be a whole number, got {order!r}")
        try:
            name, clean, weight = _segment_clean(str(item.get("name") or ""), item.get("conditions"),
                                                 item.get("weight", 1))
        except StrategyFormatError as exc:
            problems.extend(f"segments[{i}]: {p}" for p in exc.problems)
            continue
        if name in names:
            problems.append(f"segments[{i}].name: {name!r} appears twice")
        names.add(name)
        rows.append((name, clean, order, weight))
    if problems:
        raise StrategyFormatError(problems)
    existing = {s.name: s for s in Segment.objects.filter(portfolio=portfolio)}
    return [segment_save(portfolio=portfolio, name=name, conditions=clean, order=order, weight=weight,
                         segment=existing.get(name), actor=actor) for name, clean, order, weight in rows]


@transaction.atomic
def hold_create(*, debtor: Debtor, reason: str, until: date | None, obligation: Obligation | None = None,
                notes: str = "", actor=None) -> Hold:
    if reason not in HOLD_REASONS:
        raise StrategyError(_("reason: must be one of %(reasons)s")
                            % {"reasons": ", ".join(str(dict(Hold.Reason.choices).get(r, r)) for r in HOLD_REASONS)})
    if until is None and reason not in ("deceased", "bankruptcy", "claim"):
        raise StrategyError(_("until: a hold for this reason needs an end date"))
    if obligation is not None and obligation.debtor_id != debtor.pk:
        raise StrategyError(_("obligation: belongs to another debtor"))
    hold = Hold.objects.create(portfolio_id=debtor.portfolio_id, debtor=debtor, obligation=obligation, reason=reason,
                               until=until, notes=notes[:500],
                               created_by=actor if actor is not None and not isinstance(actor, str) else None)
    audit_record(event_type="hold.created", subject=hold, actor=actor, portfolio=debtor.portfolio, debtor=debtor,
                 changes={"reason": reason, "until": until, "obligation": obligation.number if obligation else None})
    return hold


@transaction.atomic
def hold_add(*, portfolio: Portfolio, debtor_code: str, reason: str, until: date | None, obligation_number: str = "",
             notes: str = "", actor=None) -> Hold:
    """The holds page: a hold on the debtor (and obligation) named by their codes in the portfolio."""
    debtor = Debtor.objects.filter(portfolio=portfolio, code=(debtor_code or "").strip()).first()
    if debtor is None:
        raise StrategyError(_("No debtor with that code."), field="debtor_code")
    obligation = None
    if (obligation_number or "").strip():
        obligation = Obligation.objects.filter(portfolio=portfolio, number=obligation_number.strip()).first()
        if obligation is None:
            raise StrategyError(_("No obligation with that number."), field="obligation_number")
    return hold_create(debtor=debtor, obligation=obligation, reason=reason, until=until, notes=notes, actor=actor)


@transaction.atomic
def hold_release(*, hold: Hold, actor=None, now: datetime | None = None) -> Hold:
    hold.released_at = now or timezone.now()
    hold.save(update_fields=["released_at"])
    audit_record(event_type="hold.released", subject=hold, actor=actor, portfolio=hold.portfolio, debtor=hold.debtor,
                 changes={"reason": hold.reason})
    return hold
