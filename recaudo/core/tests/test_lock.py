"""The lock file check (scripts/check_lock.py, decision 0009): requirements/lock.txt must be made from
pyproject.toml as it stands, and pin every requirement inside its range."""

import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def load_check():
    spec = importlib.util.spec_from_file_location("check_lock", ROOT / "scripts" / "check_lock.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


check = load_check()


@pytest.fixture
def tree(tmp_path):
    """A copy of the files the check reads."""
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    shutil.copytree(ROOT / "requirements", tmp_path / "requirements")
    return tmp_path


def problems(root: Path) -> list[str]:
    return check.problems(root / "pyproject.toml", root / "requirements" / "build.in",
                          root / "requirements" / "lock.txt")


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def rehash(root: Path) -> None:
    """Write the header a fresh lock would carry, as if the lock had been edited by hand to match."""
    lock = root / "requirements" / "lock.txt"
    src = check.sources(root / "pyproject.toml", root / "requirements" / "build.in")
    header = check.HEADER + check.fingerprint(src)
    lock.write_text(re.sub(r"^# pyproject-sha256: .*$", header, lock.read_text(encoding="utf-8"), flags=re.M),
                    encoding="utf-8")


def test_the_committed_lock_matches_pyproject():
    assert problems(ROOT) == []


def test_the_lock_pins_every_package_with_hashes():
    text = (ROOT / "requirements" / "lock.txt").read_text(encoding="utf-8")
    blocks = re.split(r"\n(?=[A-Za-z0-9])", text.split("\n", 3)[3])
    pins = [b for b in blocks if re.match(r"[A-Za-z0-9][^=\s]*==", b)]
    assert {"django", "babel", "pytest", "playwright", "pip", "setuptools", "wheel"} <= {
        b.split("==")[0].lower() for b in pins}
    assert all("--hash=sha256:" in b for b in pins)


def test_a_changed_range_fails_until_the_lock_is_made_again(tree):
    edit(tree / "pyproject.toml", '"Babel>=2.16,<3"', '"Babel>=2.16,<2.17"')
    assert problems(tree) == ["pyproject.toml or build.in changed since lock.txt was made",
                              f"Babel=={pinned(tree, 'babel')} in lock.txt is outside 'Babel>=2.16,<2.17'"]


def test_a_new_dependency_must_be_pinned(tree):
    edit(tree / "pyproject.toml", '"PyYAML>=6,<7",', '"PyYAML>=6,<7",\n  "tzdata>=2024.1",')
    rehash(tree)
    assert problems(tree) == ["tzdata (tzdata>=2024.1) is not pinned in lock.txt"]


def test_a_pin_edited_by_hand_outside_its_range_is_caught(tree):
    edit(tree / "requirements" / "lock.txt", "\ndjango==5.2.", "\ndjango==5.1.")
    assert problems(tree) == [f"Django=={pinned(tree, 'django')} in lock.txt is outside 'Django>=5.2,<5.3'"]


def pinned(root: Path, name: str) -> str:
    return re.search(rf"^{name}==(\S+)", (root / "requirements" / "lock.txt").read_text(encoding="utf-8"), re.M)[1]


def test_the_build_backend_is_checked_against_build_system(tree):
    edit(tree / "pyproject.toml", '"setuptools>=77"', '"setuptools>=99"')
    assert any(p.startswith("setuptools==") and "outside 'setuptools>=99'" in p for p in problems(tree))


def test_the_script_exits_1_with_the_fix(tree):
    edit(tree / "pyproject.toml", '"rich>=13,<16"', '"rich>=13,<17"')
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "check_lock.py"), "--root", str(tree)],
                          capture_output=True, text=True)
    assert proc.returncode == 1
    assert "run `bash scripts/lock.sh`" in proc.stderr
    ok = subprocess.run([sys.executable, str(ROOT / "scripts" / "check_lock.py")], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
