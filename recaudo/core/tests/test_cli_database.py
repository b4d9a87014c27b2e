"""The `recaudo` console script when its database is missing, empty, behind or unreachable: one line on stderr, a
non-zero exit status, no traceback, and no ./var left behind. Each runs the console script from a temporary folder."""

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = Path(sys.executable).parent / "recaudo"
COMMAND = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "recaudo.cli"]


def recaudo(*args, cwd, **env):
    base = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
    return subprocess.run([*COMMAND, *args], cwd=cwd, env={**base, **env}, capture_output=True, text=True,
                          timeout=120)


@pytest.fixture(scope="module")
def migrated(tmp_path_factory):
    """A RECAUDO_HOME with a migrated SQLite database."""
    home = tmp_path_factory.mktemp("home")
    done = recaudo("migrate", "-v0", cwd=home, RECAUDO_HOME=str(home))
    assert done.returncode == 0, done.stderr
    return home


@pytest.mark.parametrize("args", [
    ["portfolio", "list"],
    ["aging", "--portfolio", "pyme"],
    ["ledger", "verify", "--portfolio", "pyme"],
    ["user", "grant", "ana", "--portfolio", "pyme", "--role", "agent"],
])
def test_a_command_run_from_another_folder_says_there_is_no_database(tmp_path, args):
    done = recaudo(*args, cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr == (f"recaudo: no Recaudo database at {tmp_path}/var/recaudo.sqlite3: set RECAUDO_HOME to "
                           "the folder that holds it, or create it with `recaudo migrate`\n")
    assert done.stdout == ""
    assert not (tmp_path / "var").exists()


def test_a_missing_home_is_named(tmp_path):
    done = recaudo("portfolio", "list", cwd=tmp_path, RECAUDO_HOME=str(tmp_path / "elsewhere"))
    assert done.returncode == 2
    assert done.stderr.startswith(f"recaudo: no Recaudo database at {tmp_path}/elsewhere/recaudo.sqlite3: ")
    assert not (tmp_path / "elsewhere").exists()


def test_help_needs_no_database_and_creates_nothing(tmp_path):
    done = recaudo("portfolio", "list", "--help", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "--format" in done.stdout
    done = recaudo("portfolo", "list", cwd=tmp_path)  # an unknown command keeps Django's message
    assert done.returncode == 1
    assert "Unknown command: 'portfolo'" in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_database_url_to_a_missing_sqlite_file_names_the_variable(tmp_path):
    done = recaudo("portfolio", "list", cwd=tmp_path, DATABASE_URL=f"sqlite:///{tmp_path}/nada.sqlite3")
    assert done.returncode == 2
    assert done.stderr == (f"recaudo: no Recaudo database at {tmp_path}/nada.sqlite3: set DATABASE_URL to the "
                           "database to use, or create it with `recaudo migrate`\n")
    assert not (tmp_path / "nada.sqlite3").exists()


def test_an_empty_database_is_not_a_recaudo_database(tmp_path):
    (tmp_path / "empty.sqlite3").touch()
    done = recaudo("portfolio", "list", cwd=tmp_path, DATABASE_URL=f"sqlite:///{tmp_path}/empty.sqlite3")
    assert done.returncode == 2
    assert done.stderr == (f"recaudo: no Recaudo database at {tmp_path}/empty.sqlite3 (it has no Recaudo tables): "
                           "set DATABASE_URL to the database to use, or create it with `recaudo migrate`\n")


def test_an_unreachable_postgresql_is_one_line(tmp_path):
    done = recaudo("portfolio", "list", cwd=tmp_path, DATABASE_URL="postgres://recaudo:secret@127.0.0.1:1/cartera")
    assert done.returncode == 2
    assert done.stderr.startswith("recaudo: cannot open the Recaudo database at postgresql://recaudo@127.0.0.1:1/"
                                  "cartera: connection failed: ")
    assert done.stderr.endswith(" (check DATABASE_URL)\n") and done.stderr.count("\n") == 1
    assert "secret" not in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "var").exists()


def test_with_recaudo_home_a_command_works_from_any_folder(tmp_path, migrated):
    done = recaudo("portfolio", "list", "--format", "json", cwd=tmp_path, RECAUDO_HOME=str(migrated))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
    assert list(tmp_path.iterdir()) == []


def test_a_database_behind_its_migrations_says_run_migrate(tmp_path, migrated):
    behind = tmp_path / "behind.sqlite3"
    with sqlite3.connect(migrated / "recaudo.sqlite3") as source, sqlite3.connect(behind) as copy:
        source.backup(copy)
    with sqlite3.connect(behind) as db:
        db.execute("DELETE FROM django_migrations WHERE id = (SELECT MAX(id) FROM django_migrations)")
    done = recaudo("portfolio", "list", cwd=tmp_path, DATABASE_URL=f"sqlite:///{behind}")
    assert done.returncode == 2
    assert done.stderr == (f"recaudo: the Recaudo database at {behind} is not up to date (1 migration not applied): "
                           "run `recaudo migrate`\n")


def test_the_shell_signs_with_the_installations_key(tmp_path, migrated):
    """`recaudo shell` ran with settings' throwaway key (it skipped the database check that loads the real one),
    so a portal link or password-reset token made in it was refused by the server."""
    code = ("from django.conf import settings; from django.core import signing; "
            "from recaudo.core.secret import installation_secret_key; "
            "print(settings.SECRET_KEY == installation_secret_key(), signing.dumps('luz'))")
    first = recaudo("shell", "-c", code, cwd=tmp_path, RECAUDO_HOME=str(migrated))
    assert first.returncode == 0, first.stderr
    same_key, signed = first.stdout.strip().splitlines()[-1].split()  # after the shell's own lines, if any
    assert same_key == "True"
    again = recaudo("shell", "-c", f"from django.core import signing; print(signing.loads({signed!r}))",
                    cwd=tmp_path, RECAUDO_HOME=str(migrated))  # another process, as the server would be
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip().splitlines()[-1] == "luz"


def test_the_shell_without_a_database_says_so_and_its_help_needs_none(tmp_path):
    done = recaudo("shell", "-c", "print(1)", cwd=tmp_path)
    assert done.returncode == 2 and done.stderr.startswith("recaudo: no Recaudo database at ")
    assert recaudo("shell", "--help", cwd=tmp_path).returncode == 0
    assert list(tmp_path.iterdir()) == []
