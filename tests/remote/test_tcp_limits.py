"""The TCP listener under abuse: connection churn, a slowloris, a flood of silent peers."""

from __future__ import annotations

import socket
import threading
import time

from tests.remote.conftest import Remote
from tests.remote.test_tcp_auth import closed_by_daemon


def _port(remote: Remote) -> int:
    return int(remote.url.rsplit(":", 1)[1])


def test_a_thousand_connections_come_and_go_while_a_client_is_served(remote: Remote) -> None:
    served = remote.wire(remote.token("steady", "read"))
    done = threading.Event()
    opened = 0

    def churn() -> None:
        nonlocal opened
        try:
            for i in range(1000):
                with socket.create_connection(("127.0.0.1", _port(remote)), timeout=10) as s:
                    if i % 100 == 0:  # now and then a full TLS handshake too
                        remote.context.wrap_socket(s, server_hostname="127.0.0.1").close()
                opened += 1
        finally:
            done.set()

    worker = threading.Thread(target=churn)
    worker.start()
    slowest, pings = 0.0, 0
    while not done.is_set() or pings == 0:
        started = time.monotonic()
        assert served.call("system.ping")["pid"] == remote.daemon.pid
        slowest = max(slowest, time.monotonic() - started)
        pings += 1
    worker.join()
    assert opened == 1000
    assert slowest < 2.0, f"a ping took {slowest:.2f} s during the churn"
    assert served.call("task.list")["total"] == 0
    served.close()


def _closed_within(w, seconds: float) -> bool:
    """Wait up to ``seconds`` for the daemon to close ``w``: the slowloris's pace."""
    w.sock.settimeout(seconds)
    try:
        return w.sock.recv(100) == b""
    except TimeoutError:
        return False
    except (ConnectionError, OSError):
        return True


def test_a_slowloris_is_closed_at_the_deadline_and_others_are_served(remote: Remote) -> None:
    slow = remote.wire()
    other = remote.wire(remote.token("fast", "read"))
    started = time.monotonic()
    line = b'{"jsonrpc":"2.0","id":1,"method":"auth.hello","params":{"token":"x"}}\n'
    sent = 0
    for byte in line:  # one byte every 0.2 s: the line would take 14 s
        try:
            slow.send_raw(bytes([byte]))
        except OSError:
            break
        sent += 1
        assert other.call("system.ping")
        if _closed_within(slow, 0.2):
            break
    assert sent < len(line) and time.monotonic() - started < 6
    assert other.call("system.ping")
    assert "no auth.hello within the deadline" in remote.daemon.log()
    slow.close()
    other.close()


def test_connections_past_the_unauthenticated_cap_are_closed(make_remote) -> None:
    remote = make_remote(max_unauthenticated=3, handshake_timeout=30)
    waiting = [remote.wire() for _ in range(3)]  # TLS done, no hello: they hold the slots
    extra = remote.wire()
    assert closed_by_daemon(extra)
    assert "3 connections are waiting to authenticate" in remote.daemon.log()
    waiting[0].call("auth.hello", token=remote.token("t", "read"))  # frees a slot
    late = remote.wire()
    assert late.call("auth.hello", token=remote.token("u", "read"))["scope"] == "read"
    for w in (*waiting, extra, late):
        w.close()
