"""Backups taken at each daemon start with SQLite's backup API; ``keep`` copies are kept.

``backup-restore`` first keeps the database it replaces as ``sparkq-<time>-before-restore.db``:
those copies are not counted in ``keep`` and never removed here. It also leaves a mark beside
the restored database, so the next start takes no backup of a file that already is one (a
start backup would rotate an older one out)."""

from __future__ import annotations

import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sparkq_daemon import clock

PREFIX = "sparkq-"
BEFORE_RESTORE = "-before-restore"


def list_backups(folder: Path) -> list[dict[str, Any]]:
    """Backups newest first: name, path, bytes, created_at."""
    if not folder.is_dir():
        return []
    found = sorted(folder.glob(f"{PREFIX}*.db"), key=lambda p: p.name, reverse=True)
    out = []
    for path in found:
        stat = path.stat()
        out.append(
            {
                "name": path.name,
                "path": str(path),
                "bytes": stat.st_size,
                "created_at": clock.iso_from_unix(stat.st_mtime),
            }
        )
    return out


def new_backup_path(folder: Path, suffix: str = "") -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    return folder / f"{PREFIX}{stamp}{suffix}.db"


def is_before_restore(name: str) -> bool:
    """Whether a backup file is a copy kept by ``backup-restore`` (outside the rotation)."""
    return name.endswith(f"{BEFORE_RESTORE}.db")


def prune(folder: Path, keep: int) -> list[Path]:
    """Remove all but the ``keep`` newest start backups; return what was removed."""
    removed = []
    rotating = [e for e in list_backups(folder) if not is_before_restore(e["name"])]
    for entry in rotating[keep:]:
        os.unlink(entry["path"])
        removed.append(Path(entry["path"]))
    return removed


def keep_before_restore(db: Path, folder: Path) -> Path | None:
    """Copy ``db`` (with its WAL) into ``folder`` as a before-restore backup; None when there
    is no database to keep. Call it while no daemon has the database open."""
    if not db.is_file() or db.stat().st_size == 0:
        return None
    folder.mkdir(parents=True, exist_ok=True)
    target = new_backup_path(folder, BEFORE_RESTORE)
    source = sqlite3.connect(db)
    try:
        dest = sqlite3.connect(target)
        try:
            source.backup(dest)
        finally:
            dest.close()
    finally:
        source.close()
    return target


def _restored_mark(db: Path) -> Path:
    return db.with_name(db.name + ".restored")


def mark_restored(db: Path, name: str) -> None:
    """Note that ``db`` was just restored from the backup ``name``."""
    _restored_mark(db).write_text(name + "\n", encoding="utf-8")


def take_restored_mark(db: Path) -> str | None:
    """The backup ``db`` was restored from since the last start (the mark is removed)."""
    mark = _restored_mark(db)
    try:
        name = mark.read_text(encoding="utf-8").strip()
    except OSError:
        return None
    mark.unlink(missing_ok=True)
    return name or "a backup"
