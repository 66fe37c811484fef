"""``backup-restore`` keeps the database it replaces, and the restart after it drops no backup."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.daemon_process import DaemonProcess
from tests.e2e.conftest import Run, isolated_env, make_runner


def _sessions(sparkq: Run) -> list[str]:
    return sorted(s["name"] for s in sparkq("sessions", "--json").json()["sessions"])


def _backups(sparkq: Run) -> list[str]:
    return [b["name"] for b in sparkq("backup-list", "--json").json()["backups"]]


@pytest.mark.sqlite_only
def test_restore_keeps_the_replaced_database_and_every_backup(
    make_daemon: Callable[..., DaemonProcess], short_dir: Path
) -> None:
    d = make_daemon({"backups": {"keep": 2}})
    sparkq = make_runner(
        isolated_env(short_dir, SPARKQ_SOCKET=str(d.socket), SPARKQ_CONFIG=str(d.config_path)),
        short_dir,
    )
    sparkq("session", "create", "one")
    d.restart()  # start backup: one
    sparkq("session", "create", "two")
    d.restart()  # start backup: one, two
    sparkq("session", "create", "three")
    regular = _backups(sparkq)
    assert len(regular) == 2
    try:
        restored = sparkq("backup-restore", "2", "--yes", "--json")  # the older: only "one"
        assert restored.code == 0, restored.err
        kept = Path(restored.json()["replaced_kept_as"])
        assert kept.is_file() and "before-restore" in kept.name
        assert _sessions(sparkq) == ["one"]
        after = _backups(sparkq)
        assert set(after) == {*regular, kept.name}  # no start backup pushed one out
        assert "before-restore" in sparkq("backup-list").out
        # the replaced database comes back whole
        back = sparkq("backup-restore", kept.name, "--yes")
        assert back.code == 0, back.err
        assert "kept as" in back.out
        assert _sessions(sparkq) == ["one", "three", "two"]
        assert set(regular) <= set(_backups(sparkq))
        # later start backups rotate among themselves: the pre-restore copies stay
        sparkq("stop")
        d.start()
        d.restart()
        names = _backups(sparkq)
        assert len([n for n in names if "before-restore" not in n]) == 2
        assert len([n for n in names if "before-restore" in n]) == 2
    finally:
        sparkq("stop")
