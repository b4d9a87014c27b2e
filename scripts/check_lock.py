"""Checks that requirements/lock.txt was made from pyproject.toml as it stands (decision 0009). Offline, stdlib only.

    python3 scripts/check_lock.py             exit 0 when the lock matches, 1 with the reasons when it does not
    python3 scripts/check_lock.py --header    print the header line scripts/lock.sh writes at the top of the lock

Two checks:
  1. the lock's header carries the SHA-256 of what it was resolved from: pyproject.toml's requires-python,
     dependencies, `test` extra and [build-system] requires, and requirements/build.in. Any edit to those (a range
     widened, a package added or removed) changes it, until `bash scripts/lock.sh` is run again;
  2. every requirement of those is pinned in the lock (`name==version`) by a version inside its range, so a lock
     edited by hand or a header copied over is caught too.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import tomllib
from pathlib import Path

try:
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name
    from packaging.version import Version
except ImportError:  # a bare interpreter: pip carries its own copy
    from pip._vendor.packaging.requirements import Requirement
    from pip._vendor.packaging.utils import canonicalize_name
    from pip._vendor.packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
HEADER = "# pyproject-sha256: "
FIX = "run `bash scripts/lock.sh` (or `bash scripts/lock.sh --upgrade`) and commit requirements/lock.txt"
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)")


def sources(pyproject: Path, build_in: Path) -> dict:
    """What the lock is resolved from, in a stable shape."""
    data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    project = data.get("project", {})
    lines = [line.split("#", 1)[0].strip() for line in build_in.read_text(encoding="utf-8").splitlines()]
    return {
        "requires-python": project.get("requires-python", ""),
        "dependencies": project.get("dependencies", []),
        "test": project.get("optional-dependencies", {}).get("test", []),
        "build-system": data.get("build-system", {}).get("requires", []),
        "build.in": [line for line in lines if line],
    }


def fingerprint(src: dict) -> str:
    return hashlib.sha256(json.dumps(src, sort_keys=True).encode()).hexdigest()


def problems(pyproject: Path, build_in: Path, lock: Path) -> list[str]:
    if not lock.exists():
        return [f"{lock} is missing"]
    src = sources(pyproject, build_in)
    text = lock.read_text(encoding="utf-8")
    found = []
    recorded = next((line[len(HEADER):].strip() for line in text.splitlines() if line.startswith(HEADER)), None)
    if recorded is None:
        found.append(f"{lock} has no '{HEADER.strip()}' header line")
    elif recorded != fingerprint(src):
        found.append(f"{pyproject.name} or {build_in.name} changed since {lock.name} was made")
    pins = {canonicalize_name(m[1]): m[2] for m in map(PIN.match, text.splitlines()) if m}
    for spec in src["dependencies"] + src["test"] + src["build-system"] + src["build.in"]:
        req = Requirement(spec)
        if req.marker is not None and not req.marker.evaluate({"python_version": "3.11", "sys_platform": "linux"}):
            continue
        version = pins.get(canonicalize_name(req.name))
        if version is None:
            found.append(f"{req.name} ({spec}) is not pinned in {lock.name}")
        elif not req.specifier.contains(Version(version), prereleases=True):
            found.append(f"{req.name}=={version} in {lock.name} is outside {spec!r}")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Check that requirements/lock.txt matches pyproject.toml.")
    parser.add_argument("--header", action="store_true", help="print the lock's header line and exit")
    parser.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    pyproject, build_in = args.root / "pyproject.toml", args.root / "requirements" / "build.in"
    if args.header:
        print(HEADER + fingerprint(sources(pyproject, build_in)))
        return 0
    found = problems(pyproject, build_in, args.root / "requirements" / "lock.txt")
    for problem in found:
        print(f"lock check: {problem}", file=sys.stderr)
    if found:
        print(f"lock check: requirements/lock.txt does not match pyproject.toml: {FIX}", file=sys.stderr)
        return 1
    print("lock check: requirements/lock.txt matches pyproject.toml")
    return 0


if __name__ == "__main__":
    sys.exit(main())
