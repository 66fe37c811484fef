"""The outbox's journal on disk: one append-only JSON-lines file per worker name, so reports
survive the runner being stopped or killed while the daemon is away.

A report is one line ``{"seq": N, "method": …, "params": {…}, "holder": {…}}``, written and
fsynced (one fsync for the reports written in the same loop turn) before it is first sent; delivering it appends ``{"ack": N}``. The file is emptied as
soon as nothing is pending, and removed when the runner exits with nothing pending. Acks and
emptying are not fsynced: one lost to a power cut only means a delivered report is sent
again, and the daemon refuses it (its claim — worker, attempt and lease — has ended). Measured:
the two fsyncs per task were most of a python-call runner's time. Appending
an ack (rather than rewriting the file) keeps every change one small write that a crash cannot
half-apply: a torn last line is ignored when the file is read back. The file is held under an
exclusive ``flock`` while a runner uses it; a file nobody holds is left by a runner that is
gone, and the next runner started in the folder delivers it (``adopt``)."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import hashlib
import os
import re
import time
from pathlib import Path
from typing import Any

import orjson
import platformdirs

ENV_DIR = "SPARKQ_OUTBOX_DIR"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")
BUSY_WAIT_SECONDS = 0.2
BUSY_RETRY_SECONDS = 0.01


class OutboxFileBusy(Exception):
    """Another live runner holds the file (it runs with the same worker name)."""


def default_outbox_dir() -> Path:
    """``<user state dir>/sparkq/outbox``."""
    return Path(platformdirs.user_state_dir("sparkq")) / "outbox"


def outbox_path(directory: Path, worker: str) -> Path:
    """The journal of ``worker`` in ``directory``; names that are not plain file names get a
    sanitised name plus a short hash, so two workers never share a file."""
    safe = _UNSAFE.sub("_", worker)
    if safe != worker or safe.startswith("."):
        digest = hashlib.sha256(worker.encode()).hexdigest()[:8]
        safe = f"{safe.lstrip('.')[:100]}-{digest}"
    return directory / f"{safe}.jsonl"


class OutboxFile:
    """The open, locked journal of one worker."""

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self._fd = fd
        self._next_seq = 1
        self._synced = 0  # the reports below this seq are on disk

    @classmethod
    def open(cls, directory: Path, worker: str) -> OutboxFile:
        """Open (creating it and its folder, private to the user) and lock the journal;
        ``OutboxFileBusy`` when another runner holds it, ``OSError`` when it cannot be used."""
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        return cls._lock(outbox_path(directory, worker), create=True)

    @classmethod
    def adopt(cls, path: Path) -> OutboxFile:
        """Lock an existing journal whose runner is gone; ``OutboxFileBusy`` when a live
        runner holds it, ``FileNotFoundError`` when it is gone, ``OSError`` otherwise."""
        return cls._lock(path, create=False)

    @classmethod
    def _lock(cls, path: Path, *, create: bool) -> OutboxFile:
        flags = os.O_RDWR | os.O_APPEND | os.O_CLOEXEC | (os.O_CREAT if create else 0)
        # Between our open and our lock, a runner adopting left-over files may lock this (still
        # empty) file for an instant to remove it: only a lock held for BUSY_WAIT_SECONDS
        # means another runner uses it.
        deadline = time.monotonic() + (BUSY_WAIT_SECONDS if create else 0)
        while True:
            fd = os.open(path, flags, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                if time.monotonic() >= deadline:
                    raise OutboxFileBusy(str(path)) from None
                time.sleep(BUSY_RETRY_SECONDS)
                continue
            # The previous holder may have removed the file between our open and our lock.
            try:
                same = os.stat(path).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                same = False
            if same:
                return cls(path, fd)
            os.close(fd)

    def pending(self) -> list[dict[str, Any]]:
        """The reports written and not acknowledged, in the order they were written."""
        with open(self._fd, "rb", closefd=False) as f:
            f.seek(0)
            lines = f.read().splitlines()
        reports: dict[int, dict[str, Any]] = {}
        for line in lines:
            try:
                record = orjson.loads(line)
            except orjson.JSONDecodeError:
                continue  # a line torn by a crash mid-write
            if not isinstance(record, dict):
                continue
            if isinstance(record.get("ack"), int):
                reports.pop(record["ack"], None)
            elif isinstance(record.get("seq"), int) and isinstance(record.get("method"), str):
                reports[record["seq"]] = record
                self._next_seq = max(self._next_seq, record["seq"] + 1)
        return [reports[seq] for seq in sorted(reports)]

    def append(self, method: str, params: dict[str, Any], holder: dict[str, Any] | None) -> int:
        """Write one report; its sequence number. It is durable once ``synced(seq)``
        returns."""
        seq = self._next_seq
        self._next_seq += 1
        record = {"seq": seq, "method": method, "params": params, "holder": holder}
        self._write(orjson.dumps(record) + b"\n", durable=False)
        return seq

    async def synced(self, seq: int) -> None:
        """Return once report ``seq`` is on disk. The fsync waits one loop turn first, so
        the reports of slots finishing together share it (a group commit). On the loop's
        own thread: measured, an fsync in a worker thread cost the runner more (thread
        hand-offs) than the wait it saved."""
        if self._synced > seq:
            return
        await asyncio.sleep(0)
        if self._synced > seq or self._fd < 0:
            return
        upto = self._next_seq
        os.fsync(self._fd)
        self._synced = max(self._synced, upto)

    def ack(self, seq: int) -> None:
        """Mark report ``seq`` delivered (or refused by the daemon: it is done either way)."""
        self._write(orjson.dumps({"ack": seq}) + b"\n", durable=False)

    def clear(self) -> None:
        """Nothing is pending: empty the file."""
        os.ftruncate(self._fd, 0)

    def close(self, *, remove: bool) -> None:
        """Release the file (again: nothing); ``remove`` deletes it first (nothing is
        pending)."""
        if self._fd < 0:
            return
        if remove:
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()
        else:  # what is left is for the next runner: on disk before the lock goes
            os.fsync(self._fd)
        fd, self._fd = self._fd, -1
        os.close(fd)  # releases the lock

    def _write(self, data: bytes, *, durable: bool = True) -> None:
        view = memoryview(data)
        while view:
            written = os.write(self._fd, view)
            view = view[written:]
        if durable:
            os.fsync(self._fd)
