"""What a method handler can reach: the store, the event bus, standing claims, settings, the
daemon's facts, and the connection the request came on."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from sparkq_daemon.claims import StandingClaims
from sparkq_daemon.config import Config
from sparkq_daemon.events import EventBus
from sparkq_daemon.store.database import Database


class Peer(Protocol):
    """The connection a request arrived on (see server.Connection)."""

    closed: asyncio.Event

    def start_events(self, topics: set[str]) -> list[str]: ...


@dataclass
class Daemon:
    """State shared by every request."""

    db: Database
    bus: EventBus
    config: Config
    socket_path: Path
    db_path: Path
    started: float
    standing: StandingClaims = field(default_factory=StandingClaims)
    settings: dict[str, dict[str, Any]] = field(default_factory=dict)
    stopping: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def backups_dir(self) -> Path:
        return self.db_path.parent / "backups"


@dataclass(slots=True)
class Context:
    daemon: Daemon
    peer: Peer | None = None

    @property
    def db(self) -> Database:
        return self.daemon.db
