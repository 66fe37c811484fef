"""The CLI, the Python clients, the runner and the cockpit against a ``tls://`` URL."""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
from pathlib import Path

import pytest

from sparkq_tui.client import AsyncClient, Client
from sparkq_tui.endpoint import Endpoint, parse_url
from sparkq_tui.errors import ForbiddenError, UnauthorizedError
from tests.e2e.conftest import Run, isolated_env, make_runner
from tests.remote.conftest import Remote
from tests.runner.helpers import runner_argv
from tests.wire import Wire


def remote_cli(remote: Remote, folder: Path, token: str, **extra: str) -> Run:
    """``sparkq`` with only SPARKQ_URL / SPARKQ_TOKEN / SPARKQ_CA_FILE: no socket, no config."""
    env = isolated_env(
        folder,
        SPARKQ_URL=remote.url,
        SPARKQ_TOKEN=token,
        SPARKQ_CA_FILE=str(remote.ca_file),
        **extra,
    )
    return make_runner(env, folder)


def owner_cli(remote: Remote, folder: Path) -> Run:
    env = isolated_env(folder, SPARKQ_SOCKET=str(remote.daemon.socket))
    return make_runner(env, folder)


def test_token_commands_show_the_secret_once(remote: Remote, short_dir: Path) -> None:
    sparkq = owner_cli(remote, short_dir)
    added = sparkq("token", "add", "gpu-box", "--scope", "worker")
    assert added.code == 0, added.err
    secret = added.out.strip()
    assert len(secret) >= 40 and "shown only once" in added.err
    listed = sparkq("--json", "token", "list")
    assert listed.json()["tokens"][0]["name"] == "gpu-box" and secret not in listed.out
    assert "gpu-box" in sparkq("token", "list").out
    assert sparkq("token", "add", "gpu-box", "--scope", "read").code == 1  # the name is taken
    assert sparkq("token", "add", "x", "--scope", "root").code == 2
    revoked = sparkq("token", "revoke", "gpu-box")
    assert revoked.code == 0 and "revoked token gpu-box" in revoked.out
    assert sparkq("token", "revoke", "gpu-box").code == 1


def test_the_cli_against_a_tls_url(remote: Remote, short_dir: Path) -> None:
    with Wire(remote.daemon.socket) as owner:
        owner.call("session.create", name="work")
        owner.call("queue.create", name="jobs", session="work")
    worker = remote_cli(remote, short_dir, remote.token("ci", "worker"))
    enqueued = worker("enqueue", "jobs", "run-bash", "--script", "echo hi")
    assert enqueued.code == 0, enqueued.err
    assert worker("--json", "tasks", "--queue", "jobs").json()["total"] == 1
    status = worker("status")
    assert status.code == 0 and "running" in status.out
    refused = worker("queue", "create", "more", "--session", "work")
    assert refused.code == 1 and "does not allow queue.create" in refused.err
    # The same with options instead of the environment (they win over it).
    admin = remote.token("root", "admin")
    flags = owner_cli(remote, short_dir)
    done = flags(
        "--url", remote.url, "--token", admin, "--ca", str(remote.ca_file),
        "queue", "create", "more", "--session", "work",
    )  # fmt: skip
    assert done.code == 0, done.err


def test_the_cli_says_what_is_wrong_with_a_remote_connection(
    remote: Remote, short_dir: Path
) -> None:
    no_token = remote_cli(remote, short_dir, "")("tasks")
    assert no_token.code == 1 and "SPARKQ_TOKEN" in no_token.err
    bad = remote_cli(remote, short_dir, "not-a-token")("tasks")
    assert bad.code == 1 and "unknown or revoked token" in bad.err
    env = isolated_env(short_dir, SPARKQ_URL=remote.url, SPARKQ_TOKEN=remote.token("r", "read"))
    untrusted = make_runner(env, short_dir)("tasks")  # no CA file: the certificate is unknown
    assert untrusted.code == 3 and "certificate" in untrusted.err
    started = remote_cli(remote, short_dir, "x")("start")
    assert started.code == 2 and "is remote" in started.err
    assert remote_cli(remote, short_dir, "x")("--url", "http://h:1", "tasks").code == 2


def test_a_runner_drains_a_queue_over_tls_with_a_worker_token(
    remote: Remote, short_dir: Path
) -> None:
    with Wire(remote.daemon.socket) as owner:
        owner.call("session.create", name="work")
        owner.call("queue.create", name="jobs", session="work")
        ids = [
            owner.call(
                "task.enqueue",
                queue="jobs",
                tool="run-bash",
                payload={"script": f'echo "task {i} via $SPARKQ_URL"; test -n "$SPARKQ_TOKEN"'},
            )["id"]
            for i in range(5)
        ]
    token = remote.token("gpu-box", "worker")
    env = isolated_env(short_dir, SPARKQ_OUTBOX_DIR=str(short_dir / "outbox"))
    argv = runner_argv("--url", remote.url, "--token", token, "--ca", str(remote.ca_file))
    done = subprocess.run(
        [argv[0], *argv[1:2], *argv[2:], "--queue", "jobs", "--drain", "--wait", "0.5"],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    with Wire(remote.daemon.socket) as owner:
        tasks = [owner.call("task.get", id=i) for i in ids]
    assert [t["status"] for t in tasks] == ["succeeded"] * 5, tasks
    assert tasks[0]["stdout"].strip() == f"task 0 via {remote.url}"
    assert token not in remote.daemon.log()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_the_async_client_says_hello_again_after_a_reconnect(make_remote) -> None:
    remote = make_remote(listen=f"127.0.0.1:{_free_port()}")
    token = remote.token("laptop", "worker")
    async with AsyncClient(url=remote.url, token=token, ca=str(remote.ca_file)) as client:
        assert client.url == remote.url and client.socket_path is None
        first = (await client.ping())["pid"]
        with pytest.raises(ForbiddenError):
            await client.call("token.list")
        await asyncio.to_thread(remote.daemon.restart)  # the client's loop sees the loss
        assert not client.connected
        assert (await client.ping())["pid"] != first  # reconnected, said hello again
    with pytest.raises(UnauthorizedError):
        async with AsyncClient(url=remote.url, token="wrong", ca=str(remote.ca_file)) as c:
            await c.ping()


def test_the_sync_client_takes_the_url_from_the_environment(
    remote: Remote, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SPARKQ_URL", remote.url)
    monkeypatch.setenv("SPARKQ_TOKEN", remote.token("env", "read"))
    monkeypatch.setenv("SPARKQ_CA_FILE", str(remote.ca_file))
    with Client() as client:
        assert client.endpoint.remote
        assert client.call("task.list")["total"] == 0


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("tls://example.org:7420", Endpoint("tls", host="example.org", port=7420)),
        ("tcp://[::1]:7420", Endpoint("tcp", host="::1", port=7420)),
        ("unix:///run/sq.sock", Endpoint("unix", path=Path("/run/sq.sock"))),
    ],
)
def test_urls_parse(url: str, expected: Endpoint) -> None:
    assert parse_url(url) == expected
    assert parse_url(url).url == url


@pytest.mark.parametrize("url", ["http://h:1", "tls://h", "tcp://:80", "unix://rel", "tls://h:0"])
def test_bad_urls_are_refused_naming_them(url: str) -> None:
    with pytest.raises(ValueError, match="bad daemon URL"):
        parse_url(url)


def test_json_secret_output_is_parseable(remote: Remote, short_dir: Path) -> None:
    added = owner_cli(remote, short_dir)("--json", "token", "add", "ci", "--scope", "read")
    assert json.loads(added.out)["token"]
