"""Each background daemon logs to a file of its own socket, and when the cockpit's daemon
fails to start, its toast quotes that daemon's lines only."""

from __future__ import annotations

import yaml

from sparkq_daemon import paths
from sparkq_tui.cockpit.app import SparkQApp
from sparkq_tui.daemon_control import default_log_file, start_background, stop
from tests.waiting import wait_on_pilot


def _toasts(app: SparkQApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


def test_each_socket_has_its_own_log_file(short_dir, monkeypatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(short_dir / "state"))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(short_dir))
    first, second = default_log_file(short_dir / "a.sock"), default_log_file(short_dir / "b.sock")
    assert first != second
    assert first.parent == second.parent == paths.log_dir()
    assert default_log_file(short_dir / "a.sock") == first  # stable for one socket
    assert default_log_file(paths.default_socket()).name == "daemon.log"


async def test_failed_start_shows_only_its_own_daemon_log(short_dir, monkeypatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(short_dir / "state"))
    socket, other = short_dir / "e.sock", short_dir / "o.sock"
    good = short_dir / "good.yml"
    good.write_text(yaml.safe_dump({"database": {"path": str(short_dir / "e.db")}}))
    other_config = short_dir / "other.yml"
    other_config.write_text(yaml.safe_dump({"database": {"path": str(short_dir / "o.db")}}))
    # Earlier daemons wrote their lines: one on this very socket, one on another socket.
    for sock, config in ((socket, good), (other, other_config)):
        start_background(sock, config=config)
        stop(sock)
    broken = short_dir / "broken.yml"
    broken.write_text("- a list\n- is not a config\n")

    app = SparkQApp(
        socket=socket, config=broken, settings_path=short_dir / "cockpit.json", theme_dirs=[]
    )
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_on_pilot(pilot, lambda: any("Could not start" in t for t in _toasts(app)), 15)
        toast = next(t for t in _toasts(app) if "Could not start" in t)
    assert "broken.yml" in toast and "expected a mapping" in toast
    assert "o.sock" not in toast  # not the other daemon's lines
    assert "serving" not in toast and "stopped" not in toast  # not an earlier run's either
    own, others = default_log_file(socket), default_log_file(other)
    assert "broken.yml" in own.read_text() and "broken.yml" not in others.read_text()
    assert "o.sock" in others.read_text() and "o.sock" not in own.read_text()
