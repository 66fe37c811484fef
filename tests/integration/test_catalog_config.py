"""tool.*, task_class.*, prompt.*, config.*, audit.list, backup.list, system.info."""

from __future__ import annotations

import pytest

from tests.daemon_process import DaemonProcess
from tests.wire import Wire


def test_seeded_catalogue(wire: Wire) -> None:
    tools = {t["name"]: t for t in wire.call("tool.list")["tools"]}
    assert set(tools) == {
        "run-bash",
        "run-python",
        "python-call",
        "llm-haiku",
        "llm-sonnet",
        "llm-codex",
    }
    assert tools["llm-codex"]["provider"] == "openai"
    assert tools["llm-sonnet"]["task_class"] == "LLM_HEAVY"
    assert tools["llm-sonnet"]["timeout"] == 1200
    classes = {c["name"]: c["timeout"] for c in wire.call("task_class.list")["task_classes"]}
    assert classes == {"FAST_SCRIPT": 120, "MEDIUM_SCRIPT": 600, "LLM_LITE": 480, "LLM_HEAVY": 1200}


def test_upserts_and_deletes(wire: Wire) -> None:
    assert wire.call("task_class.upsert", name="TINY", timeout=2)["timeout"] == 2
    tool = wire.call("tool.upsert", name="echo", task_class="TINY", command=["echo", "{prompt}"])
    assert tool["command"] == ["echo", "{prompt}"]
    error = wire.error("tool.upsert", name="x", task_class="NOPE")
    assert (error["code"], error["data"]["field"]) == (-32602, "task_class")
    assert wire.error("task_class.upsert", name="BAD", timeout=-3)["code"] == -32602
    assert wire.error("task_class.delete", name="TINY")["code"] == -32009
    assert wire.call("tool.delete", name="echo") == {"deleted": True}
    assert wire.call("task_class.delete", name="TINY") == {"deleted": True}
    assert wire.error("tool.delete", name="echo")["code"] == -32004


def test_prompts(wire: Wire) -> None:
    created = wire.call(
        "prompt.create", command="review", label="Review", template_text="Review: {input}"
    )
    assert created["template_text"] == "Review: {input}"
    assert wire.error("prompt.create", command="review", label="x", template_text="y")["code"] == (
        -32009
    )
    updated = wire.call("prompt.update", command="review", label="Code review")
    assert updated["label"] == "Code review"
    assert [p["command"] for p in wire.call("prompt.list")["prompts"]] == ["review"]
    assert wire.error("prompt.update", command="nope", label="x")["code"] == -32004
    assert wire.call("prompt.delete", command="review") == {"deleted": True}


def test_config_get_set_and_audit(wire: Wire) -> None:
    config = wire.call("config.get")["config"]
    assert config["purge"] == {"older_than_days": 3, "interval_seconds": 3600}
    assert config["queue_runner"]["auto_fail_interval_seconds"] == 30
    assert wire.call("config.set", namespace="purge", key="older_than_days", value=7) == {
        "namespace": "purge",
        "key": "older_than_days",
        "value": 7,
    }
    assert wire.call("config.get", namespace="purge", key="older_than_days")["config"] == {
        "purge": {"older_than_days": 7}
    }
    error = wire.error("config.set", namespace="purge", key="older_than_days", value="soon")
    assert (error["code"], "soon" in error["message"]) == (-32602, True)
    assert wire.error("config.set", namespace="purge", key="colour", value=1)["code"] == -32602
    assert wire.error("config.set", namespace="server", key="socket", value="x")["code"] == -32602
    wire.call("config.set", namespace="ui", key="theme", value="sparkq-light")
    entries = wire.call("audit.list")["entries"]
    assert entries[0]["detail"]["key"] == "theme"
    assert entries[1]["detail"] == {
        "namespace": "purge",
        "key": "older_than_days",
        "old": 3,
        "value": 7,
    }
    assert wire.error("config.get", namespace="nothing")["code"] == -32004


def test_live_values_survive_restart_and_win_over_the_file(make_daemon) -> None:
    d: DaemonProcess = make_daemon({"purge": {"older_than_days": 5}})
    with Wire(d.socket) as w:
        assert w.call("config.get", namespace="purge")["config"]["purge"]["older_than_days"] == 5
        w.call("config.set", namespace="purge", key="older_than_days", value=9)
    d.restart()
    with Wire(d.socket) as w:
        assert w.call("config.get", namespace="purge")["config"]["purge"]["older_than_days"] == 9


@pytest.mark.sqlite_only
def test_info_and_backups(make_daemon) -> None:
    d: DaemonProcess = make_daemon({"backups": {"keep": 2}})
    with Wire(d.socket) as w:
        info = w.call("system.info")
        assert info["db_path"] == str(d.db)
        assert info["socket"] == str(d.socket)
        assert w.call("backup.list")["backups"] == []  # a new database has nothing to back up
    for _ in range(3):
        d.restart()
    with Wire(d.socket) as w:
        backups = w.call("backup.list")["backups"]
    assert len(backups) == 2
    assert backups[0]["name"] > backups[1]["name"]
    assert all(b["bytes"] > 0 for b in backups)


def test_tool_upsert_without_description_keeps_it(wire: Wire) -> None:
    first = wire.call("tool.upsert", name="lint", task_class="FAST_SCRIPT", description="ruff")
    assert first["description"] == "ruff"
    moved = wire.call("tool.upsert", name="lint", task_class="MEDIUM_SCRIPT")
    assert (moved["task_class"], moved["description"]) == ("MEDIUM_SCRIPT", "ruff")
    listed = {t["name"]: t for t in wire.call("tool.list")["tools"]}
    assert listed["lint"]["description"] == "ruff"
    cleared = wire.call("tool.upsert", name="lint", task_class="MEDIUM_SCRIPT", description="")
    assert cleared["description"] == ""
    fresh = wire.call("tool.upsert", name="fresh", task_class="FAST_SCRIPT")
    assert fresh["description"] == ""


def test_system_methods_describes_the_method_table(wire: Wire) -> None:
    from sparkq_daemon import methods  # noqa: F401 - registers the methods
    from sparkq_daemon.registry import METHODS

    listed = {m["name"]: m for m in wire.call("system.methods")["methods"]}
    assert set(listed) == set(METHODS)
    enqueue = listed["task.enqueue"]
    assert enqueue["description"].startswith("Add a task to a queue")
    params = {p["name"]: p for p in enqueue["params"]}
    assert params["queue"] == {"name": "queue", "type": "ref", "required": True}
    assert params["priority"] == {
        "name": "priority",
        "type": "int",
        "required": False,
        "default": 0,
    }
    assert params["timeout"]["min"] == 0.001
    status = {p["name"]: p for p in listed["queue.list"]["params"]}["status"]
    assert "active" in status["choices"]
