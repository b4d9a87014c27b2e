"""Web uploads: store the file, create the ImportJob, queue the task once the transaction commits.

Upload files and their rejected-rows reports live in Django's default storage (a local folder, RECAUDO_HOME/media,
or an S3-compatible bucket; see settings.STORAGES), so the web process that receives a file and the worker that
imports it may run on different machines. ImportJob.stored_path and .rejected_path hold names in that storage;
an absolute path is a file saved by a version before that (docs/decisions/0012), read and deleted where it is."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage


def safe_filename(name: str) -> str:
    name = Path(name or "upload").name
    stem, suffix = Path(name).stem, Path(name).suffix.lower()
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip("-.") or "upload"
    return f"{stem[:80]}{suffix[:8]}"


def store_upload(upload) -> str:
    """Save an uploaded file as imports/<random>-<name> in the default storage; returns its name there."""
    name = f"{settings.IMPORT_UPLOAD_PREFIX}/{uuid.uuid4().hex}-{safe_filename(upload.name)}"
    return default_storage.save(name, upload)


def store_rejected(local: Path, upload_name: str) -> str:
    """Save a rejected-rows report written locally next to its upload in the storage; returns its name there."""
    stem = Path(upload_name).stem
    with local.open("rb") as fh:
        return default_storage.save(f"{settings.IMPORT_UPLOAD_PREFIX}/{stem}.rejected.csv", File(fh))


def _legacy(name: str) -> bool:
    return os.path.isabs(name)


def stored_exists(name: str) -> bool:
    if not name:
        return False
    return Path(name).is_file() if _legacy(name) else default_storage.exists(name)


def open_stored(name: str):
    """The stored file, opened for reading in binary; FileNotFoundError when it is gone."""
    if not name:
        raise FileNotFoundError("no file")
    if _legacy(name):
        return Path(name).open("rb")
    if not default_storage.exists(name):
        raise FileNotFoundError(name)
    return default_storage.open(name, "rb")


def delete_stored(name: str) -> None:
    if not name:
        return
    if _legacy(name):
        Path(name).unlink(missing_ok=True)
    else:
        default_storage.delete(name)


@contextmanager
def local_copy(name: str) -> Iterator[Path]:
    """The stored file as a path on this machine, for the parser (which seeks: an XLSX file is a zip archive). A
    local folder storage gives its own path; any other storage is read through the storage API into a temporary
    folder, removed afterwards. The copy keeps the stored name, which the import's messages show.
    FileNotFoundError when the file is gone."""
    if _legacy(name):
        if not Path(name).is_file():
            raise FileNotFoundError(name)
        yield Path(name)
        return
    try:
        path = Path(default_storage.path(name))
    except NotImplementedError:  # no local path: S3 and the like
        path = None
    if path is not None:
        if not path.is_file():
            raise FileNotFoundError(name)
        yield path
        return
    folder = Path(tempfile.mkdtemp(prefix="recaudo-import-"))
    try:
        target = folder / Path(name).name
        with open_stored(name) as source, target.open("wb") as out:
            shutil.copyfileobj(source, out, 1 << 20)
        yield target
    finally:
        shutil.rmtree(folder, ignore_errors=True)
