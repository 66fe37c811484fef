"""The cockpit against a remote daemon: its URL in the header; it never starts one."""

from __future__ import annotations

import socket
from pathlib import Path

from sparkq_tui.cockpit.app import SparkQApp
from sparkq_tui.endpoint import parse_url
from sparkq_tui.theme_files import builtin_theme_dir
from tests.remote.conftest import Remote
from tests.tui.conftest import wait_ready
from tests.tui.screen_text import screen_text
from tests.waiting import wait_on_pilot
from tests.wire import Wire


def _app(endpoint, folder: Path) -> SparkQApp:
    return SparkQApp(
        socket=endpoint,
        settings_path=folder / "cockpit.json",
        theme_dirs=[builtin_theme_dir(), folder / "themes"],
    )


def _notes(app: SparkQApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def test_the_cockpit_works_against_a_tls_url_and_shows_it(
    remote: Remote, short_dir: Path
) -> None:
    with Wire(remote.daemon.socket) as owner:
        owner.call("session.create", name="far")
    endpoint = parse_url(remote.url, remote.token("laptop", "admin"), str(remote.ca_file))
    app = _app(endpoint, short_dir)
    async with app.run_test(size=(160, 30)) as pilot:
        await wait_ready(pilot)
        text = screen_text(app)
        assert remote.url in text.splitlines()[0]
        assert "far" in text
        assert app.header_bar.state == "connected"
    # A read-only token may not call config.get: no project or profiles, a working cockpit.
    reader = parse_url(remote.url, remote.token("viewer", "read"), str(remote.ca_file))
    app = _app(reader, short_dir)
    async with app.run_test(size=(160, 30)) as pilot:
        await wait_ready(pilot)
        assert "far" in screen_text(app) and app.header_bar.state == "connected"


async def test_a_cockpit_with_a_remote_url_does_not_start_a_daemon(short_dir: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens there once closed
    endpoint = parse_url(f"tcp://127.0.0.1:{port}", "some-token")
    app = _app(endpoint, short_dir)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_on_pilot(pilot, lambda: _notes(app), timeout=10, what="a toast")
        assert app.header_bar.state == "unavailable"
        notes = " ".join(_notes(app))
        assert "cannot start a daemon" in notes and f"tcp://127.0.0.1:{port}" in notes
    assert not app.started_daemon
