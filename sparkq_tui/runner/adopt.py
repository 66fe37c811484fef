"""Outbox files left by runners that are gone: a runner that dies while the daemon is away
leaves its reports in ``<worker>.jsonl``, and with the default worker name (``<host>-<pid>``)
no later runner has that name. So at start, after its own file, a runner delivers every other
file in its outbox folder that nobody holds (a live runner keeps its file locked), exactly as
it would its own: each report only while its task is still held by the claim it is about. The
reports keep the worker name they were written with, which is what the daemon checks."""

from __future__ import annotations

import asyncio
import logging
import os
from pathlib import Path

from sparkq_tui.client import AsyncClient
from sparkq_tui.errors import DaemonUnavailable
from sparkq_tui.runner.outbox import DROPPED, Report, deliver
from sparkq_tui.runner.outbox_file import OutboxFile, OutboxFileBusy

log = logging.getLogger("sparkq.runner")

SUFFIX = ".jsonl"


async def adopt_left_over(
    client: AsyncClient, directory: Path, own: Path | None, stopping: asyncio.Event
) -> None:
    """Deliver and remove the outbox files in ``directory`` (other than ``own``) whose runner
    is gone. When the daemon is away, or ``stopping`` is set, the rest are left for a later
    start."""
    for path in _candidates(directory, own):
        if stopping.is_set():
            return
        try:
            journal = OutboxFile.adopt(path)
        except (OutboxFileBusy, FileNotFoundError):
            continue  # a live runner holds it, or it has just been delivered
        except OSError as exc:
            log.warning("cannot open the outbox file %s: %s", path, exc)
            continue
        try:
            if not await _deliver_file(client, journal, stopping):
                return
        except OSError as exc:
            log.error("cannot deliver the outbox file %s: %s", path, exc)
        finally:
            journal.close(remove=False)  # a no-op once removed


async def _deliver_file(client: AsyncClient, journal: OutboxFile, stopping: asyncio.Event) -> bool:
    """Deliver what ``journal`` holds and remove it; False when the daemon went away (what is
    not delivered stays in the file)."""
    pending = [Report.from_record(record) for record in journal.pending()]
    delivered = dropped = 0
    for report in pending:
        if stopping.is_set():
            return True  # the caller sees ``stopping`` too; the file is kept
        try:
            outcome = await deliver(client, report)
        except DaemonUnavailable:
            log.warning(
                "daemon unavailable: %d report(s) left in %s for a later start",
                len(pending) - delivered - dropped,
                journal.path,
            )
            return False
        try:
            journal.ack(report.seq)
        except OSError as exc:  # delivered: a later start finds it already recorded
            log.error("could not update %s: %s", journal.path, exc)
            return True
        if outcome == DROPPED:
            dropped += 1
        else:
            delivered += 1
    journal.close(remove=True)
    if pending:
        log.info(
            "adopted %s (its runner is gone): %d report(s) delivered, %d dropped",
            journal.path,
            delivered,
            dropped,
        )
    return True


def _candidates(directory: Path, own: Path | None) -> list[Path]:
    """The outbox files in ``directory`` (in name order), without ``own``."""
    try:
        with os.scandir(directory) as entries:
            names = sorted(
                entry.name
                for entry in entries
                if entry.name.endswith(SUFFIX)
                and not entry.name.startswith(".")
                and entry.is_file(follow_symlinks=False)
            )
    except OSError:
        return []  # no folder yet (or none usable): nothing was left
    paths = [directory / name for name in names]
    return [p for p in paths if own is None or p != own]
