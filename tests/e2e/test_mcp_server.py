"""``sparkq mcp`` driven by the ``mcp`` client library over stdio against a real daemon: the
handshake, the tool list (names, schemas and hints, against a snapshot so a change is seen),
an enqueue that the daemon then lists, and refusals that come back as MCP error results."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sparkq_tui.client import Client
from tests.daemon_process import DaemonProcess
from tests.e2e.conftest import isolated_env, sparkq_argv

pytest.importorskip("mcp")

from mcp import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client

SNAPSHOT = Path(__file__).parent / "snapshots" / "mcp_tools.json"
UPDATE = os.environ.get("SPARKQ_UPDATE_SNAPSHOTS") == "1"


def _server(daemon: DaemonProcess, folder: Path, *args: str) -> StdioServerParameters:
    env = isolated_env(
        folder, SPARKQ_SOCKET=str(daemon.socket), SPARKQ_CONFIG=str(daemon.config_path)
    )
    return StdioServerParameters(command=sparkq_argv()[0], args=["mcp", *args], env=env)


async def _session(params: StdioServerParameters, work: Callable[[ClientSession], Any]) -> Any:
    with open(os.devnull, "w") as quiet:
        async with (
            stdio_client(params, errlog=quiet) as (read, write),
            ClientSession(read, write) as session,
        ):
            return await work(session)


def _listing(tools: list[Any]) -> list[dict[str, Any]]:
    out = []
    for tool in tools:
        hints = tool.annotations
        out.append(
            {
                "name": tool.name,
                "input_schema": tool.input_schema,
                "read_only": hints.read_only_hint,
                "destructive": hints.destructive_hint,
                "description": tool.description,
            }
        )
    return out


async def test_mcp_round_trip(daemon: DaemonProcess, short_dir: Path) -> None:
    with Client(daemon.socket) as client:
        client.call("session.create", name="agents")
        client.call("queue.create", name="inbox", session="agents")

    async def work(session: ClientSession) -> dict[str, Any]:
        init = session.initialize_result or await session.initialize()
        listed = await session.list_tools()
        enqueued = await session.call_tool(
            "task_enqueue",
            {"queue": "inbox", "tool": "run-bash", "payload": {"script": "echo from an agent"}},
        )
        task_id = enqueued.structured_content["id"]
        waited = await session.call_tool("task_wait", {"id": task_id, "timeout": 0})
        scheduled = await session.call_tool(
            "schedule_create",
            {"name": "hourly", "queue": "inbox", "tool": "run-bash", "cron": "@hourly"},
        )
        schedules = await session.call_tool("schedule_list", {})
        missing = await session.call_tool("task_get", {"id": "NOPE-0001"})
        bad = await session.call_tool("task_enqueue", {"queue": "no-such-queue", "tool": "x"})
        unknown = await session.call_tool("task_claim", {"queue": "inbox"})
        stats = await session.call_tool("system_stats", {})
        return locals()

    got = await _session(_server(daemon, short_dir, "--no-start"), work)

    assert got["init"].server_info.name == "sparkq"
    listing = _listing(got["listed"].tools)
    if UPDATE:
        SNAPSHOT.write_text(json.dumps(listing, indent=2, ensure_ascii=False) + "\n")
    assert listing == json.loads(SNAPSHOT.read_text()), (
        "the MCP tool list changed: check it, then rerun with SPARKQ_UPDATE_SNAPSHOTS=1"
    )
    names = {t["name"] for t in listing}
    assert not names & {"task_claim", "task_complete", "task_fail", "task_heartbeat"}
    delete = next(t for t in listing if t["name"] == "task_delete")
    assert delete["destructive"] and delete["description"].startswith("Destructive")
    assert next(t for t in listing if t["name"] == "task_list")["read_only"] is True

    enqueued = got["enqueued"]
    assert not enqueued.is_error
    task = enqueued.structured_content
    with Client(daemon.socket) as client:
        listed = client.call("task.list", queue="inbox")["tasks"]
    assert [t["id"] for t in listed] == [task["id"]]
    assert listed[0]["payload"] == {"script": "echo from an agent"}
    waited = got["waited"].structured_content
    assert waited["done"] is False and waited["task"]["id"] == task["id"]
    assert not got["scheduled"].is_error
    names = [s["name"] for s in got["schedules"].structured_content["schedules"]]
    assert names == ["hourly"]

    for name, words in (
        ("missing", "task.get refused (NotFound"),
        ("bad", "task.enqueue refused"),
        ("unknown", "unknown tool 'task_claim'"),
    ):
        result = got[name]
        assert result.is_error, name
        assert words in result.content[0].text, (name, result.content[0].text)
    assert not got["stats"].is_error  # the server is still serving after the refusals
    assert got["stats"].structured_content["tasks"]["queued"] == 1


def _run_mcp(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*sparkq_argv(), "mcp", "--no-start"],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_mcp_without_a_daemon_and_no_start(short_dir: Path) -> None:
    proc = _run_mcp(isolated_env(short_dir, SPARKQ_SOCKET=str(short_dir / "none.sock")))
    assert proc.returncode == 3, proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stdout == ""


def test_mcp_without_the_package_says_what_to_install(short_dir: Path) -> None:
    blocked = short_dir / "blocked"
    (blocked / "mcp").mkdir(parents=True)
    (blocked / "mcp" / "__init__.py").write_text("raise ImportError('not installed')\n")
    proc = _run_mcp(isolated_env(short_dir, PYTHONPATH=str(blocked)))
    assert proc.returncode == 2
    assert "install it with pip install 'sparkq[mcp]'" in proc.stderr
    assert "Traceback" not in proc.stderr
