"""config.reload and restarts apply what the config file changed; values changed over the
protocol since win and are listed."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest
import yaml

from tests.daemon_process import DaemonProcess
from tests.wire import Wire


def _edit(d: DaemonProcess, config: dict[str, Any]) -> None:
    d.config = config  # a restart writes it again
    d.config_path.write_text(yaml.safe_dump(config), encoding="utf-8")


def _tools(w: Wire) -> dict[str, dict[str, Any]]:
    return {t["name"]: t for t in w.call("tool.list")["tools"]}


def _timeouts(w: Wire) -> dict[str, float]:
    return {c["name"]: c["timeout"] for c in w.call("task_class.list")["task_classes"]}


def _purge_days(w: Wire) -> Any:
    return w.call("config.get", namespace="purge")["config"]["purge"]["older_than_days"]


EDITED = {
    "purge": {"older_than_days": 7},
    "task_classes": {"FAST_SCRIPT": {"timeout": 30}, "QUICK": {"timeout": 5}},
    "tools": {
        "llm-haiku": {"task_class": "LLM_LITE", "command": ["my-llm", "{prompt}"]},
        "say": {"task_class": "QUICK", "description": "Say it", "command": ["echo", "{prompt}"]},
    },
    "script_dirs": ["scripts"],
}


def test_reload_applies_a_new_tool_a_timeout_a_command_and_the_purge_age(make_daemon) -> None:
    d: DaemonProcess = make_daemon({})
    with Wire(d.socket) as w:
        first = w.call("config.reload")
        assert (first["file"], first["applied"], first["kept"]) == (str(d.config_path), [], [])
        assert first["unchanged"] > 0
        _edit(d, EDITED)
        result = w.call("config.reload")
        assert [c["key"] for c in result["applied"]] == [
            "task_classes.FAST_SCRIPT",
            "task_classes.QUICK",
            "tools.llm-haiku",
            "tools.say",
            "purge.older_than_days",
            "script_dirs",
        ]
        assert result["kept"] == []
        days = next(c for c in result["applied"] if c["key"] == "purge.older_than_days")
        assert (days["old"], days["new"]) == (3, 7)
        assert _purge_days(w) == 7
        assert _timeouts(w)["FAST_SCRIPT"] == 30
        tools = _tools(w)
        assert tools["llm-haiku"]["command"] == ["my-llm", "{prompt}"]
        assert (tools["say"]["timeout"], tools["say"]["description"]) == (5, "Say it")
        scripts = w.call("config.get", namespace="scripts")["config"]["scripts"]["dirs"]
        assert scripts == [str(d.folder / "scripts")]
        # a tool taken out of the file again is removed; a second reload changes nothing
        _edit(d, {**EDITED, "tools": {"llm-haiku": EDITED["tools"]["llm-haiku"]}})
        assert [c["key"] for c in w.call("config.reload")["applied"]] == ["tools.say"]
        assert "say" not in _tools(w)
        assert w.call("config.reload")["applied"] == []
    log = d.log()
    assert "config purge.older_than_days: 3 → 7" in log
    assert "config task_classes.FAST_SCRIPT: " in log


def test_values_set_over_the_protocol_win_and_are_listed_by_name(make_daemon) -> None:
    d: DaemonProcess = make_daemon({"purge": {"older_than_days": 5}})
    with Wire(d.socket) as w:
        w.call("config.set", namespace="purge", key="older_than_days", value=9)
        w.call("task_class.upsert", name="LLM_HEAVY", timeout=99)
        w.call("tool.upsert", name="mine", task_class="FAST_SCRIPT", command=["true"])
        _edit(
            d,
            {
                "purge": {"older_than_days": 6},
                "task_classes": {"LLM_HEAVY": {"timeout": 2000}, "FAST_SCRIPT": {"timeout": 60}},
                "database": {"synchronous": "NORMAL"},
            },
        )
        result = w.call("config.reload")
        kept = {k["key"]: k for k in result["kept"]}
        assert set(kept) == {
            "purge.older_than_days",
            "task_classes.LLM_HEAVY",
            "database.synchronous",
        }
        assert kept["purge.older_than_days"]["value"] == 9
        assert kept["purge.older_than_days"]["file"] == 6
        assert "over the protocol" in kept["purge.older_than_days"]["reason"]
        assert "restart" in kept["database.synchronous"]["reason"]
        assert [c["key"] for c in result["applied"]] == ["task_classes.FAST_SCRIPT"]
        assert _purge_days(w) == 9
        assert _timeouts(w)["LLM_HEAVY"] == 99
        assert _timeouts(w)["FAST_SCRIPT"] == 60
        assert "mine" in _tools(w)  # added over the protocol, never in the file: left alone
    d.restart()  # the protocol's values still win after a restart
    with Wire(d.socket) as w:
        assert _purge_days(w) == 9
        assert _timeouts(w)["LLM_HEAVY"] == 99
    assert "config purge.older_than_days: kept 9, not the file's 6" in d.log()


def test_a_restart_applies_what_the_file_changed(make_daemon) -> None:
    d: DaemonProcess = make_daemon({"purge": {"older_than_days": 5}})
    _edit(d, EDITED)
    d.restart()
    with Wire(d.socket) as w:
        assert _purge_days(w) == 7
        assert _timeouts(w)["FAST_SCRIPT"] == 30
        assert _tools(w)["say"]["command"] == ["echo", "{prompt}"]
        assert _tools(w)["llm-haiku"]["command"] == ["my-llm", "{prompt}"]
    assert "config purge.older_than_days: 5 → 7" in d.log()


def test_a_file_that_does_not_load_is_refused_and_the_config_stays(make_daemon) -> None:
    d: DaemonProcess = make_daemon({"purge": {"older_than_days": 5}})
    with Wire(d.socket) as w:
        d.config_path.write_text("purge: [\n", encoding="utf-8")
        error = w.error("config.reload")
        assert (error["code"], error["data"]["type"]) == (-32602, "Validation")
        assert str(d.config_path) in error["message"]
        assert "not valid YAML" in error["message"]
        assert error["data"]["file"] == str(d.config_path)
        d.config_path.write_text("purge: {older_than_days: soon}\n", encoding="utf-8")
        error = w.error("config.reload")
        assert "purge.older_than_days" in error["message"]
        assert "soon" in error["message"]
        assert _purge_days(w) == 5


@pytest.mark.sqlite_only
def test_a_database_from_before_the_record_keeps_what_differs_from_the_file(make_daemon) -> None:
    d: DaemonProcess = make_daemon({"purge": {"older_than_days": 5}})
    d.stop()
    with sqlite3.connect(d.db) as conn:  # as a schema version 2 database migrates: no record
        conn.execute("DELETE FROM config_file_values")
    _edit(d, {"purge": {"older_than_days": 6}, "task_classes": {"FAST_SCRIPT": {"timeout": 60}}})
    d.start()
    with Wire(d.socket) as w:
        assert _purge_days(w) == 5
        kept = {k["key"]: k for k in w.call("config.reload")["kept"]}
        assert "no earlier value from the file" in kept["purge.older_than_days"]["reason"]
        assert "task_classes.FAST_SCRIPT" in kept
        # once the live value equals the file's, it follows the file
        w.call("config.set", namespace="purge", key="older_than_days", value=6)
        assert w.call("config.reload")["kept"] == [kept["task_classes.FAST_SCRIPT"]]
        _edit(
            d, {"purge": {"older_than_days": 8}, "task_classes": {"FAST_SCRIPT": {"timeout": 60}}}
        )
        assert [c["key"] for c in w.call("config.reload")["applied"]] == ["purge.older_than_days"]
        assert _purge_days(w) == 8
