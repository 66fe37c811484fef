"""The cockpit with a project, agent roles and model profiles in sparkq.yml: the header
names the project, quick-add follows the queue's model profile and takes ``@role``, and an
LLM task's detail shows its prompt, its reply and the token usage."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from sparkq_tui.client import AsyncClient
from sparkq_tui.cockpit.app import SparkQApp
from sparkq_tui.cockpit.screens.task_detail import TaskDetailScreen
from sparkq_tui.cockpit.widgets.queue_list import QueueList
from sparkq_tui.cockpit.widgets.quick_add_bar import QuickAddBar
from sparkq_tui.theme_files import builtin_theme_dir
from tests.daemon_process import DaemonProcess
from tests.tui.conftest import wait_ready
from tests.tui.screen_text import screen_text
from tests.waiting import wait_on_pilot

CONFIG = {
    "project": {"name": "Moonbase", "repo_path": "."},
    "defaults": {"model": "llm-haiku"},
    "model_profiles": {"deep": "llm-sonnet"},
    "roles": {"reviewer": {"label": "Reviewer", "prompt": "You review code."}},
}
RESULT = {
    "text": "Looks good to me.",
    "model": "claude-haiku-5-5",
    "usage": {"input_tokens": 24, "output_tokens": 130},
    "stop_reason": "end_turn",
}


def toasts(app: Any) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def test_project_roles_profiles_and_the_llm_detail(
    make_daemon: Callable[..., DaemonProcess], short_dir: Path
) -> None:
    daemon = make_daemon(CONFIG)
    async with AsyncClient(daemon.socket) as peer:
        await peer.call("session.create", name="work")
        await peer.call("queue.create", name="deep", session="work", model_profile="deep")
        await peer.call("queue.create", name="plain", session="work")
        await peer.call(
            "prompt.create",
            command="ctx",
            label="Context",
            template_text="In {project.name}: {input}",
        )
        done = await peer.enqueue("plain", "llm-haiku", {"prompt": "Review the diff"})
        claimed = (await peer.call("task.claim", id=done["id"]))["task"]
        await peer.call("task.complete", id=claimed["id"], result=RESULT)
        app = SparkQApp(
            socket=daemon.socket,
            config=daemon.config_path,
            settings_path=short_dir / "cockpit.json",
            theme_dirs=[builtin_theme_dir()],
        )
        async with app.run_test(size=(110, 32)) as pilot:
            await wait_ready(pilot)
            assert "Moonbase" in screen_text(app).splitlines()[0]  # the header names it
            bar = app.query_one(QuickAddBar)
            assert app.queue_list.selected["name"] == "deep"
            assert bar.tool == "llm-sonnet"  # the queue's model profile

            await pilot.press("a")
            bar.input.value = "@reviewer /ctx check the cache"
            await pilot.press("enter")
            await wait_on_pilot(pilot, lambda: bar.input.value == "")
            [made] = (await peer.call("task.list", queue="deep"))["tasks"]
            assert (made["tool"], made["role"]) == ("llm-sonnet", "reviewer")
            assert made["payload"] == {"prompt": "In Moonbase: check the cache"}
            bar.input.value = "@ghost hello"
            await pilot.press("enter")
            await wait_on_pilot(
                pilot, lambda: any("no active role @ghost" in t for t in toasts(app))
            )
            await pilot.press("escape")

            app.query_one(QueueList).focus()
            await pilot.press("down")  # the queue without a profile: defaults.model
            await wait_on_pilot(pilot, lambda: app.queue_list.selected["name"] == "plain")
            await wait_on_pilot(pilot, lambda: bar.tool == "llm-haiku")
            await wait_on_pilot(pilot, lambda: "Review the diff" in screen_text(app))
            await pilot.press("enter")  # focus the tasks
            await pilot.press("enter")  # open the task
            await wait_on_pilot(pilot, lambda: isinstance(app.screen, TaskDetailScreen))
            text = screen_text(app)
            for shown in ("Prompt", "Review the diff", "Reply", "Looks good to me."):
                assert shown in text
            assert "claude-haiku-5-5 · 24 tokens in · 130 tokens out · stop: end_turn" in text
