"""Mapping profiles: the ones shipped for ERP exports (data/erp_profiles.yaml, each with its source) and how a
profile, shipped or saved by a portfolio, becomes import options. Pure: no database (the saved ones are read by
the selectors and passed in)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

from .fields import FIELDS

DATA = Path(__file__).parent / "data" / "erp_profiles.yaml"


@dataclass(frozen=True)
class Profile:
    key: str  # "erp:<key>" for a shipped one, "saved:<pk>" for a portfolio's
    name: str
    kind: str
    mapping: dict = field(default_factory=dict)
    header_row: int = 1
    separator: str = ""
    encoding: str = "auto"
    id_type: str = ""  # the ID type of the rows whose type no column gives
    source: str = ""
    notes: str = ""

    def options(self) -> dict:
        """What the profile adds to an import's options."""
        data = {"mapping": dict(self.mapping), "header_row": self.header_row}
        if self.separator:
            data["delimiter"] = self.separator
        if self.encoding and self.encoding != "auto":
            data["encoding"] = self.encoding
        if self.id_type:
            data["id_type"] = self.id_type
        return data


@cache
def erp_profiles() -> tuple[Profile, ...]:
    """The shipped profiles that name columns (those with none are documented, not offered)."""
    with DATA.open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    result = []
    for item in data["profiles"]:
        mapping = {str(k): str(v) for k, v in (item.get("mapping") or {}).items()}
        if not mapping:
            continue
        unknown = [name for name in mapping if name not in FIELDS[item["kind"]]]
        if unknown:
            raise ValueError(f"{DATA.name}: profile {item['key']}: unknown fields {unknown}")
        result.append(Profile(key=f"erp:{item['key']}", name=item["name"], kind=item["kind"], mapping=mapping,
                              header_row=int(item.get("header_row") or 1), id_type=str(item.get("id_type") or ""),
                              source=item.get("source", ""),
                              notes=item.get("notes", "")))
    return tuple(result)


def saved_profile(profile) -> Profile:
    """A portfolio's ImportProfile as a Profile."""
    return Profile(key=f"saved:{profile.pk}", name=profile.name, kind=profile.kind, mapping=dict(profile.mapping),
                   header_row=profile.header_row or 1, separator=profile.separator or "",
                   encoding=profile.encoding or "auto", id_type=profile.id_type or "")


def find_profile(key_or_name: str, saved: list, kind: str | None = None) -> Profile | None:
    """A profile by its key ("erp:siigo-pyme-saldos", "saved:3"), a shipped one's key without the prefix, or a
    saved one's name (case-insensitive); `saved` are the portfolio's ImportProfiles."""
    wanted = (key_or_name or "").strip()
    if not wanted:
        return None
    candidates = [saved_profile(p) for p in saved] + list(erp_profiles())
    for profile in candidates:
        named = wanted in (profile.key, profile.key.split(":", 1)[1]) or wanted.casefold() == profile.name.casefold()
        if named and (kind is None or profile.kind == kind):
            return profile
    return None
