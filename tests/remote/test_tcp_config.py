"""``server.tcp`` in sparkq.yml: refused at start (exit 2, naming the key) when unsafe or wrong."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.daemon_process import daemon_argv


def start(folder: Path, tcp: dict[str, Any]) -> subprocess.CompletedProcess[str]:
    config = folder / "sparkq.yml"
    config.write_text(yaml.safe_dump({"server": {"tcp": tcp}}), encoding="utf-8")
    argv = [*daemon_argv(), "--socket", str(folder / "s.sock"), "--db", str(folder / "q.db")]
    return subprocess.run(
        [*argv, "--config", str(config)], capture_output=True, text=True, timeout=30
    )


@pytest.mark.parametrize(
    ("tcp", "named"),
    [
        ({"listen": "0.0.0.0:7420"}, "server.tcp.allow_plaintext"),
        ({"listen": "192.168.1.4:7420"}, "server.tcp.allow_plaintext"),
        ({"listen": "7420"}, "server.tcp.listen"),
        ({"listen": "127.0.0.1:99999"}, "server.tcp.listen"),
        ({"listen": "127.0.0.1:0", "tls_cert": "missing.pem", "tls_key": "k.pem"}, "tls_cert"),
        ({"listen": "127.0.0.1:0", "tls_cert": "sparkq.yml"}, "server.tcp.tls_key"),
        ({"listen": "127.0.0.1:0", "allow_plaintext": "yes"}, "server.tcp.allow_plaintext"),
        ({"listen": "127.0.0.1:0", "max_unauthenticated": 0}, "server.tcp.max_unauthenticated"),
        ({"listen": "127.0.0.1:0", "port": 1}, "server.tcp.port"),
    ],
)
def test_a_bad_tcp_section_stops_the_daemon_with_exit_2(
    short_dir: Path, tcp: dict[str, Any], named: str
) -> None:
    done = start(short_dir, tcp)
    assert done.returncode == 2, done.stderr
    assert named in done.stderr and "Traceback" not in done.stderr


def test_files_that_hold_no_certificate_stop_the_daemon_with_exit_2(short_dir: Path) -> None:
    (short_dir / "junk.pem").write_text("not a certificate\n")
    done = start(
        short_dir, {"listen": "127.0.0.1:0", "tls_cert": "junk.pem", "tls_key": "junk.pem"}
    )
    assert done.returncode == 2, done.stderr
    assert "server.tcp.tls_cert" in done.stderr and "Traceback" not in done.stderr


def test_plaintext_off_loopback_starts_when_allowed(make_daemon) -> None:
    daemon = make_daemon({"server": {"tcp": {"listen": "0.0.0.0:0", "allow_plaintext": True}}})
    assert "listening on tcp://0.0.0.0:" in daemon.log()
