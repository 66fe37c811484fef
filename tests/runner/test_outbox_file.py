"""The outbox journal on its own: what is pending survives a reopen, acks and a torn last line
are honoured, one worker's file is held by one runner at a time, and the reports written
together share one fsync before they are sent."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from sparkq_tui.runner.outbox_file import OutboxFile, OutboxFileBusy, outbox_path


def test_pending_reports_survive_a_reopen_in_order(tmp_path: Path) -> None:
    journal = OutboxFile.open(tmp_path / "ob", "w1")
    holder = {"worker": "w1", "claimed_at": "t"}
    first = journal.append("task.complete", {"id": "tsk_a", "stdout": "é\n"}, holder)
    second = journal.append("task.fail", {"id": "tsk_b", "error": "x"}, holder)
    third = journal.append("task.requeue", {"id": "tsk_c"}, None)
    journal.ack(second)
    journal.close(remove=False)
    path = outbox_path(tmp_path / "ob", "w1")
    with path.open("ab") as f:
        f.write(b'{"seq": 9, "method": "task.comp')  # a write torn by a crash

    again = OutboxFile.open(tmp_path / "ob", "w1")
    pending = again.pending()
    assert [(r["seq"], r["method"], r["params"]["id"]) for r in pending] == [
        (first, "task.complete", "tsk_a"),
        (third, "task.requeue", "tsk_c"),
    ]
    assert pending[0]["params"]["stdout"] == "é\n"
    assert pending[0]["holder"] == holder
    assert again.append("task.complete", {"id": "tsk_d"}, None) > third
    again.clear()
    assert again.pending() == []
    again.close(remove=True)
    assert not path.exists()


def test_one_runner_at_a_time_per_worker_name(tmp_path: Path) -> None:
    journal = OutboxFile.open(tmp_path, "w1")
    with pytest.raises(OutboxFileBusy):
        OutboxFile.open(tmp_path, "w1")
    other = OutboxFile.open(tmp_path, "w2")
    other.close(remove=True)
    journal.close(remove=True)
    OutboxFile.open(tmp_path, "w1").close(remove=True)


def test_worker_names_that_are_not_file_names_get_their_own_file(tmp_path: Path) -> None:
    names = ["a/b", "a_b", "..", ".hidden", "host-12.example"]
    paths = {outbox_path(tmp_path, name) for name in names}
    assert len(paths) == len(names)
    assert all(p.parent == tmp_path and not p.name.startswith(".") for p in paths)


async def test_reports_written_together_share_one_fsync_before_they_are_sent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    journal = OutboxFile.open(tmp_path / "ob", "w1")
    synced: list[int] = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(fd), real_fsync(fd)))
    seqs = [journal.append("task.complete", {"id": f"tsk_{n}"}, None) for n in range(3)]
    assert synced == []  # written, not yet on disk: nothing was sent
    await asyncio.gather(*(journal.synced(seq) for seq in seqs))
    assert len(synced) == 1  # the three slots' reports, one fsync
    await journal.synced(seqs[0])
    assert len(synced) == 1  # already on disk: no second fsync
    journal.ack(seqs[0])
    journal.clear()
    assert len(synced) == 1  # acks and emptying are not fsynced
    later = journal.append("task.fail", {"id": "tsk_x"}, None)
    await journal.synced(later)
    assert len(synced) == 2
    journal.close(remove=False)
    assert len(synced) == 3  # what is left for the next runner goes to disk first
