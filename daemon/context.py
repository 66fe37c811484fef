"""What a method handler can reach: the store, the event bus, standing claims, settings, the
daemon's facts, and the connection the request came on."""

from __future__ import annotations

import asyncio
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from sparkq_daemon.access import Access
from sparkq_daemon.config import Config
from sparkq_daemon.events import EventBus
from sparkq_daemon.store.base import Store
from sparkq_daemon.task_waiters import TaskWaiters


class Peer(Protocol):
    """The connection a request arrived on (see server.Connection)."""

    closed: asyncio.Event
    access: Access

    def start_events(self, topics: set[str]) -> list[str]: ...

    def revoke(self) -> None:
        """Close the connection: its token was revoked."""


@dataclass
class Daemon:
    """State shared by every request."""

    store: Store
    bus: EventBus
    config: Config
    socket_path: Path
    data_dir: Path
    started: float
    settings: dict[str, dict[str, Any]] = field(default_factory=dict)
    stopping: asyncio.Event = field(default_factory=asyncio.Event)
    peers: set[Peer] = field(default_factory=set)  # open connections, both listeners
    tcp_url: str | None = None  # the TCP listener's address once it listens
    metrics_url: str | None = None  # the /metrics endpoint's URL once it listens
    # Connections that have asked for a task (task.claim, or a finish with claim_next).
    claimers: weakref.WeakSet[Peer] = field(default_factory=weakref.WeakSet)
    task_waiters: TaskWaiters = field(default_factory=TaskWaiters)  # task.wait calls

    def __post_init__(self) -> None:
        self.bus.listen(self.task_waiters.wake)
        self.bus.listen_gaps(self.task_waiters.wake_all)

    def runners_connected(self) -> int:
        """Open connections that have asked for a task at least once."""
        return sum(1 for peer in self.claimers if peer in self.peers)

    @property
    def backups_dir(self) -> Path:
        return self.data_dir / "backups"


@dataclass(slots=True)
class Context:
    daemon: Daemon
    peer: Peer | None = None

    @property
    def store(self) -> Store:
        return self.daemon.store
