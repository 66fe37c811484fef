"""Choosing the store engine: PostgreSQL when a database URL is configured
(``$SPARKQ_DATABASE_URL`` or ``database.url``), else the SQLite file."""

from __future__ import annotations

from pathlib import Path

from sparkq_daemon.config import Config
from sparkq_daemon.store.base import Store


def open_store(config: Config, db_path: Path) -> Store:
    """The store this config names (not opened yet)."""
    url = config.database_url()
    if url:
        from sparkq_daemon.store.postgres.store import PgStore

        return PgStore(url)
    from sparkq_daemon.store.sqlite.store import SqliteStore

    return SqliteStore(db_path, config.get("database", "synchronous"))
