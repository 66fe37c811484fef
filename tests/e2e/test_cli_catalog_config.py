"""Catalogue, config, backups, scripts and ``rpc`` end to end."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from sparkq_daemon.config import load_config
from tests.daemon_process import DaemonProcess
from tests.e2e.conftest import Run, isolated_env, make_runner


def test_tools_and_task_classes(sparkq: Run) -> None:
    names = [t["name"] for t in sparkq("tools", "--json").json()["tools"]]
    assert {"run-bash", "run-python", "llm-haiku"} <= set(names)
    assert "MEDIUM_SCRIPT" in sparkq("task-classes").out

    assert sparkq("task-classes", "add", "TINY", "--timeout", "5", "-d", "quick").code == 0
    added = sparkq("tools", "add", "echoer", "-c", "TINY", "--command", "echo '{prompt}'")
    assert added.code == 0, added.err
    tool = next(t for t in sparkq("tools", "--json").json()["tools"] if t["name"] == "echoer")
    assert (tool["task_class"], tool["timeout"], tool["command"]) == (
        "TINY",
        5,
        ["echo", "{prompt}"],
    )
    assert "echoer" in sparkq("tools").out

    assert sparkq("tools", "add", "bad", "-c", "NO_SUCH_CLASS").code == 1
    assert sparkq("tools", "remove", "echoer").code == 0
    assert sparkq("task-classes", "remove", "TINY").code == 0
    assert "TINY" not in sparkq("task-classes").out
    assert sparkq("tools", "remove", "echoer").code == 1


def test_prompts(sparkq: Run, short_dir: Path) -> None:
    assert "no prompt templates" in sparkq("prompts").out
    added = sparkq("prompts", "add", "review", "-l", "Review", "-t", "Review: {input}")
    assert added.code == 0, added.err
    template = short_dir / "t.txt"
    template.write_text("Explain {input} simply")
    assert sparkq("prompts", "edit", "/review", "--template-file", str(template)).code == 0
    shown = sparkq("prompts", "show", "review", "--json").json()
    assert (shown["label"], shown["template_text"]) == ("Review", "Explain {input} simply")
    assert "/review" in sparkq("prompts").out
    assert sparkq("prompts", "add", "x", "-l", "X").code == 2  # no template
    assert sparkq("prompts", "remove", "review").code == 0
    assert sparkq("prompts", "show", "review").code == 1


def test_config_get_set_and_export(sparkq: Run, short_dir: Path) -> None:
    assert sparkq("config", "set", "purge", "older_than_days", "7").code == 0
    config = sparkq("config", "get", "purge", "--json").json()["config"]
    assert config["purge"]["older_than_days"] == 7
    assert "older_than_days" in sparkq("config").out
    wrong = sparkq("config", "set", "purge", "older_than_days", "soon")
    assert wrong.code == 1 and "older_than_days" in wrong.err

    sparkq("tools", "add", "mine", "-c", "FAST_SCRIPT", "-d", "my tool")
    sparkq("role", "add", "critic", "--prompt", "Be harsh.")
    target = short_dir / "exported.yml"
    assert sparkq("config-export", "--output", str(target)).code == 0
    exported = yaml.safe_load(target.read_text())
    assert exported["purge"]["older_than_days"] == 7
    assert exported["tools"]["mine"] == {"description": "my tool", "task_class": "FAST_SCRIPT"}
    # The daemon accepts what we wrote.
    loaded = load_config(target)
    assert loaded.get("purge", "older_than_days") == 7
    assert "mine" in loaded.tools
    assert loaded.roles["critic"] == {
        "label": "critic",
        "description": "",
        "prompt": "Be harsh.",
        "active": True,
    }
    assert (
        loaded.model_profiles
        == exported["model_profiles"]
        == {
            "fast": "llm-haiku",
            "deep": "llm-sonnet",
        }
    )
    assert sparkq("config-export").out.startswith("# SparkQ configuration exported")


@pytest.mark.sqlite_only
def test_backup_list_and_restore(sparkq: Run, daemon: DaemonProcess) -> None:
    sparkq("session", "create", "kept")
    daemon.restart()  # each start takes a backup
    backups = sparkq("backup-list", "--json").json()["backups"]
    assert len(backups) == 1
    assert "sparkq-" in sparkq("backup-list").out
    sparkq("session", "create", "lost")
    assert len(sparkq("sessions", "--json").json()["sessions"]) == 2

    assert sparkq("backup-restore", "9", "--yes").code == 2
    assert sparkq("backup-restore", "1").code == 2  # no terminal, no --yes
    # The fixture's daemon is stopped; the CLI starts a background one in its place.
    daemon.stop()
    restored = sparkq("backup-restore", "1", "--yes", "--db", str(daemon.db), "--json")
    assert restored.code == 0, restored.err
    assert restored.json()["daemon_restarted"] is False
    daemon.start()
    names = [s["name"] for s in sparkq("sessions", "--json").json()["sessions"]]
    assert names == ["kept"]


@pytest.mark.sqlite_only
def test_backup_restore_restarts_a_running_daemon(sparkq: Run, daemon: DaemonProcess) -> None:
    sparkq("session", "create", "kept")
    daemon.restart()
    sparkq("session", "create", "lost")
    old_pid = sparkq("status", "--json").json()["pid"]
    try:
        restored = sparkq("backup-restore", "1", "--yes", "--json")
        assert restored.code == 0, restored.err
        assert restored.json()["daemon_restarted"] is True
        status = sparkq("status", "--json").json()
        assert status["pid"] != old_pid
        assert [s["name"] for s in sparkq("sessions", "--json").json()["sessions"]] == ["kept"]
    finally:
        sparkq("stop")  # the background daemon the CLI started in the fixture's place


def test_scripts_index(make_daemon: Callable[..., DaemonProcess], short_dir: Path) -> None:
    scripts = short_dir / "scripts"
    (scripts / "sub").mkdir(parents=True)
    (scripts / "hello.sh").write_text("#!/bin/bash\n# Say hello to the world\necho hi\n")
    (scripts / "sub" / "count.py").write_text('"""Count the lines of a file."""\nprint(1)\n')
    (scripts / "tool").write_text("#!/usr/bin/env python3\n# description: A bare tool\n")
    (scripts / "notes.txt").write_text("not a script\n")
    d = make_daemon({"script_dirs": [str(scripts)]})
    sparkq = make_runner(
        isolated_env(short_dir, SPARKQ_SOCKET=str(d.socket), SPARKQ_CONFIG=str(d.config_path)),
        short_dir,
    )
    found = sparkq("scripts", "--json").json()["scripts"]
    assert [(s["name"], s["tool"], s["description"]) for s in found] == [
        ("hello.sh", "run-bash", "Say hello to the world"),
        ("sub/count.py", "run-python", "Count the lines of a file."),
        ("tool", "run-python", "A bare tool"),
    ]
    hits = sparkq("scripts", "search", "LINES", "file").out
    assert "count.py" in hits and "hello.sh" not in hits
    assert "no script matches" in sparkq("scripts", "search", "no-such-word").out
    d.stop()
    offline = sparkq("scripts", "--json")  # no daemon: read from the config file
    assert offline.code == 0 and len(offline.json()["scripts"]) == 3


def test_rpc(sparkq: Run) -> None:
    assert sparkq("rpc", "system.ping").json()["version"]
    created = sparkq("rpc", "session.create", '{"name": "raw"}').json()
    assert created["name"] == "raw"
    assert (
        sparkq("rpc", "session.get", "-", input='{"session": "raw"}').json()["id"] == created["id"]
    )
    unknown = sparkq("rpc", "no.such")
    assert unknown.code == 1 and "no.such" in unknown.err
    assert sparkq("rpc", "session.get", "[1]").code == 2
    assert sparkq("rpc", "session.get", "{").code == 2
