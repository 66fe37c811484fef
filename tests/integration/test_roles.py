"""Agent roles, the project and model profiles over the socket (role.*, queue and task
members, config.get), with the roles seeded from sparkq.yml."""

from __future__ import annotations

from collections.abc import Callable

from tests.daemon_process import DaemonProcess
from tests.wire import Wire

CONFIG = {
    "project": {"name": "SparkQ", "repo_path": ".", "prd_path": "docs/prd.md"},
    "defaults": {"model": "llm-sonnet"},
    "model_profiles": {"fast": "llm-haiku", "deep": "llm-sonnet", "code": "llm-codex"},
    "roles": {
        "reviewer": {"label": "Reviewer", "prompt": "You review code, tersely."},
        "retired": {"prompt": "Old.", "active": False},
    },
}


def test_roles_profiles_and_project(make_daemon: Callable[..., DaemonProcess]) -> None:
    daemon = make_daemon(CONFIG)
    with Wire(daemon.socket) as wire:
        roles = {r["key"]: r for r in wire.call("role.list")["roles"]}
        assert roles["reviewer"]["prompt"] == "You review code, tersely."
        assert (roles["reviewer"]["label"], roles["reviewer"]["active"]) == ("Reviewer", True)
        assert (roles["retired"]["label"], roles["retired"]["active"]) == ("retired", False)

        made = wire.call("role.upsert", key="author", prompt="You write docs.")
        assert (made["label"], made["description"], made["active"]) == ("author", "", True)
        kept = wire.call("role.upsert", key="author", label="Author")  # the prompt stays
        assert (kept["label"], kept["prompt"]) == ("Author", "You write docs.")
        assert wire.error("role.upsert", key="two words")["data"]["field"] == "key"

        wire.call("session.create", name="work")
        queue = wire.call(
            "queue.create", name="review", session="work", role="reviewer", model_profile="fast"
        )
        assert (queue["role"], queue["model_profile"]) == ("reviewer", "fast")
        for member, value, named in (
            ("role", "nobody", "'nobody'"),
            ("role", "retired", "'retired' is not active"),
            ("model_profile", "huge", "'huge'"),
        ):
            error = wire.error("queue.create", name="x", session="work", **{member: value})
            assert (error["code"], error["data"]["field"]) == (-32602, member)
            assert named in error["message"]
        updated = wire.call("queue.update", queue="review", role="", model_profile="code")
        assert (updated["role"], updated["model_profile"]) == (None, "code")

        task = wire.call(
            "task.enqueue",
            queue="review",
            tool="llm-haiku",
            payload={"prompt": "hi"},
            role="author",
        )
        assert task["role"] == "author"
        assert wire.call("task.get", id=task["id"])["role"] == "author"
        error = wire.error("task.enqueue", queue="review", tool="llm-haiku", role="ghost")
        assert (error["code"], error["data"]["field"]) == (-32602, "role")
        assert "'ghost'" in error["message"] and "reviewer" in error["message"]
        batch = wire.error(
            "task.enqueue_batch", queue="review", tasks=[{"tool": "run-bash", "role": "ghost"}]
        )
        assert batch["code"] == -32602 and "'ghost'" in batch["message"]

        wire.call("queue.update", queue="review", role="reviewer")
        conflict = wire.error("role.delete", key="reviewer")
        assert conflict["code"] == -32009 and "review" in conflict["message"]
        assert wire.call("role.delete", key="author") == {"deleted": True}
        assert wire.error("role.delete", key="author")["code"] == -32004

        config = wire.call("config.get")["config"]
        assert config["project"] == {
            "name": "SparkQ",
            "repo_path": str(daemon.config_path.parent.resolve()),
            "prd_path": str((daemon.config_path.parent / "docs" / "prd.md").resolve()),
        }
        assert config["defaults"] == {"model": "llm-sonnet"}
        assert config["model_profiles"]["code"] == "llm-codex"
