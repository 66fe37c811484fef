"""TCP with TLS and tokens: authentication, scopes, revocation, secrets kept secret."""

from __future__ import annotations

import socket
import time

import pytest

from tests.remote.conftest import Remote
from tests.runner.helpers import wait_for
from tests.wire import Wire

UNAUTHORIZED, FORBIDDEN = -32001, -32003


def closed_by_daemon(w: Wire) -> bool:
    """True once the daemon has closed ``w`` (EOF or reset)."""
    try:
        w.read_line()
    except (ConnectionError, OSError):
        return True
    return False


def test_tls_and_a_worker_token_serve_the_protocol(remote: Remote) -> None:
    secret = remote.token("gpu-box", "worker")
    with remote.wire() as w:
        assert w.call("auth.hello", token=secret) == {"name": "gpu-box", "scope": "worker"}
        assert w.call("system.ping")["pid"] == remote.daemon.pid


# (method, params) per group; each scope may call the groups up to its own.
GROUPS = {
    "read": [("system.ping", {}), ("task.list", {}), ("queue.get", {"queue": "jobs"})],
    "worker": [
        ("task.enqueue", {"queue": "jobs", "tool": "run-bash", "payload": {"script": "true"}}),
        ("task.claim", {"queue": "jobs"}),
    ],
    "admin": [
        ("queue.create", {"name": "more", "session": "work"}),
        ("token.list", {}),
        ("config.set", {"namespace": "purge", "key": "older_than_days", "value": 3}),
    ],
}
ALLOWED = {
    "read": {"read"},
    "worker": {"read", "worker"},
    "admin": {"read", "worker", "admin"},
}


def test_every_scope_against_every_method_group(remote: Remote) -> None:
    with Wire(remote.daemon.socket) as owner:
        owner.call("session.create", name="work")
        owner.call("queue.create", name="jobs", session="work")
    for scope in ("read", "worker", "admin"):
        with remote.wire(remote.token(f"t-{scope}", scope)) as w:
            for group, calls in GROUPS.items():
                for method, params in calls:
                    if method == "queue.create":
                        params = {**params, "name": f"more-{scope}"}
                    reply = w.request(method, params)
                    if group in ALLOWED[scope]:
                        assert "result" in reply, (scope, method, reply)
                    else:
                        assert reply["error"]["code"] == FORBIDDEN, (scope, method, reply)
                        assert reply["error"]["data"]["type"] == "Forbidden"
                        assert method in reply["error"]["message"]
            # A Forbidden answer leaves the connection open.
            assert w.call("system.ping")["pid"] == remote.daemon.pid


@pytest.mark.parametrize("case", ["no hello", "wrong token", "revoked token", "no token"])
def test_unauthorized_is_answered_then_closed(remote: Remote, case: str) -> None:
    secret = remote.token("ci", "admin")
    if case == "revoked token":
        with Wire(remote.daemon.socket) as owner:
            owner.call("token.revoke", name="ci")
    with remote.wire() as w:
        if case == "no hello":
            reply = w.request("system.ping")
        elif case == "no token":
            reply = w.request("auth.hello", {})
        else:
            token = secret + "x" if case == "wrong token" else secret
            reply = w.request("auth.hello", token=token)
        assert reply["error"]["code"] == UNAUTHORIZED, reply
        assert reply["error"]["data"]["type"] == "Unauthorized"
        assert closed_by_daemon(w)
    assert "refused authentication from 127.0.0.1:" in remote.daemon.log()
    with remote.wire(secret if case != "revoked token" else remote.token("ci2", "read")) as w:
        assert w.call("system.ping")  # the daemon serves everyone else


def test_revoking_a_token_closes_its_open_connections(remote: Remote) -> None:
    secret = remote.token("runner-1", "worker")
    other = remote.token("runner-2", "worker")
    first, second, bystander = remote.wire(secret), remote.wire(secret), remote.wire(other)
    second.call("events.subscribe", topics=["task"])
    with Wire(remote.daemon.socket) as owner:
        answer = owner.call("token.revoke", name="runner-1")
        assert answer["revoked"] is True and answer["closed_connections"] == 2
        assert [t["name"] for t in owner.call("token.list")["tokens"]] == ["runner-2"]
    assert closed_by_daemon(first) and closed_by_daemon(second)
    assert bystander.call("system.ping")
    for w in (first, second, bystander):
        w.close()


def test_the_secret_appears_only_in_token_create(remote: Remote) -> None:
    with Wire(remote.daemon.socket) as owner:
        created = owner.request("token.create", name="laptop", scope="read")
        secret = created["result"]["token"]
        replies = [
            owner.request("token.list"),
            owner.request("audit.list"),
            owner.request("system.info"),
            owner.request("config.get"),
        ]
    with remote.wire() as w:
        replies.append(w.request("auth.hello", token=secret))
        replies.append(w.request("task.list"))
        replies.append(w.request("token.list"))
    with remote.wire() as w:
        replies.append(w.request("auth.hello", token=secret[::-1]))  # refused, logged
    with Wire(remote.daemon.socket) as owner:
        replies.append(owner.request("token.revoke", name="laptop"))
    assert all(secret not in str(reply) for reply in replies)
    assert secret[::-1] not in str(replies[-2])
    log = remote.daemon.log()
    assert "refused authentication" in log and "authenticated with the token 'laptop'" in log
    assert secret not in log and secret[::-1] not in log
    assert secret not in remote.daemon.db.read_bytes().decode("latin-1")


def test_hello_and_handshake_must_come_within_the_timeout(remote: Remote) -> None:
    started = time.monotonic()
    with remote.wire() as silent_tls:  # handshake done, no auth.hello
        assert closed_by_daemon(silent_tls)
    port = int(remote.url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port)) as raw:  # no TLS handshake at all
        raw.settimeout(10)
        assert raw.recv(100) == b""
    assert time.monotonic() - started < 6  # 1 s each, with room for a loaded machine
    assert "no auth.hello within the deadline" in remote.daemon.log()


def test_a_client_that_does_not_trust_the_certificate_fails(remote: Remote) -> None:
    import ssl

    untrusting = ssl.create_default_context()  # the system's CAs only
    host, port = "127.0.0.1", int(remote.url.rsplit(":", 1)[1])
    with (
        socket.create_connection((host, port), timeout=10) as raw,
        pytest.raises(ssl.SSLCertVerificationError),
    ):
        untrusting.wrap_socket(raw, server_hostname=host)
    with remote.wire(remote.token("ok", "read")) as w:
        assert w.call("system.ping")


def test_plaintext_on_the_tls_port_is_closed(remote: Remote) -> None:
    port = int(remote.url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        raw.sendall(b'{"jsonrpc":"2.0","id":1,"method":"system.ping"}\n')
        try:
            data = raw.recv(1000)
        except ConnectionResetError:
            data = b""
        assert b"jsonrpc" not in data
        assert wait_for(lambda: _eof(raw), 5, "the daemon to close the plaintext connection")


def _eof(sock: socket.socket) -> bool:
    try:
        return sock.recv(1000) == b""
    except ConnectionResetError:
        return True


def test_a_bad_hello_on_an_authenticated_connection_closes_it(remote: Remote) -> None:
    with remote.wire(remote.token("ok", "admin")) as w:
        reply = w.request("auth.hello", token="wrong")
        assert reply["error"]["code"] == UNAUTHORIZED
        assert closed_by_daemon(w)
    with remote.wire(remote.token("ok2", "read")) as w:  # the waiting count was kept right
        assert w.call("system.ping")
