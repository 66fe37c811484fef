"""The cockpit driven as a user would (keys under Pilot) against a real daemon."""

from __future__ import annotations

from typing import Any

from sparkq_tui.cockpit.screens.task_detail import TaskDetailScreen
from sparkq_tui.cockpit.widgets.cockpit_header import CockpitHeader
from sparkq_tui.cockpit.widgets.queue_list import QueueList
from sparkq_tui.cockpit.widgets.quick_add_bar import QuickAddBar
from sparkq_tui.cockpit.widgets.session_list import SessionList
from sparkq_tui.cockpit.widgets.task_table import TaskTable
from tests.tui.conftest import wait_ready
from tests.tui.screen_text import screen_text
from tests.waiting import wait_on_pilot


def toasts(app: Any) -> list[str]:
    # Textual has no public list of live notifications; rendered toasts wrap their text.
    return [str(n.message) for n in app._notifications]


async def test_opens_on_three_panes_connected(make_app, seeded) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(pilot)
        text = screen_text(app)
        for title in ("Sessions", "Queues", "Tasks"):
            assert title in text
        assert "connected" in text
        assert "backend job 2" in text and "BACKEND-0003" in text
        header = app.query_one(CockpitHeader)
        assert header.counts.get("queued") == 4
        assert app.query_one(TaskTable).total == 3


async def test_navigation_between_queues_and_into_a_task(make_app, seeded) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(pilot)
        table = app.query_one(TaskTable)
        await pilot.press("shift+tab")  # from Tasks back to Queues
        assert app.focused is app.query_one(QueueList)
        await pilot.press("down")
        await wait_on_pilot(pilot, lambda: table.loaded and "make docs" in screen_text(app))
        await pilot.press("enter")  # a queue: enter focuses its tasks
        assert app.focused is table
        await pilot.press("enter")
        screen = await wait_on_pilot(pilot, lambda: isinstance(app.screen, TaskDetailScreen))
        assert screen
        text = screen_text(app)
        assert "DOCS-0001" in text and '"script": "make docs"' in text
        assert "Stdout" in text and "attempts" in text
        await pilot.press("escape")
        assert not isinstance(app.screen, TaskDetailScreen)


async def test_quick_add_plain_template_script_and_tool_cycling(make_app, seeded, peer) -> None:
    await peer.call(
        "prompt.create", command="review", label="Review", template_text="Review this: {input}"
    )
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(pilot)
        bar = app.query_one(QuickAddBar)
        await pilot.press("a")
        assert bar.is_open and app.focused is bar.input
        first_tool = bar.tool
        assert first_tool.startswith("llm-")
        await pilot.press("tab")
        assert bar.tool != first_tool
        await pilot.press("shift+tab")
        assert bar.tool == first_tool

        async def add(line: str) -> dict[str, Any]:
            before = (await peer.call("task.list", queue="backend"))["total"]
            bar.input.value = line
            await pilot.press("enter")
            await wait_on_pilot(pilot, lambda: bar.input.value == "")
            listing = await peer.call("task.list", queue="backend", limit=1000)
            assert listing["total"] == before + 1
            return max(listing["tasks"], key=lambda t: t["friendly_id"])

        plain = await add("explain the cache")
        assert (plain["tool"], plain["payload"]) == (first_tool, {"prompt": "explain the cache"})
        templated = await add("/review the diff")
        assert templated["payload"] == {"prompt": "Review this: the diff"}
        script = await add("!echo hi")
        assert (script["tool"], script["payload"]) == ("run-bash", {"script": "echo hi"})
        await wait_on_pilot(pilot, lambda: "explain the cache" in screen_text(app))

        # An unknown template: a toast, and nothing typed is lost.
        bar.input.value = "/nope hello"
        await pilot.press("enter")
        await wait_on_pilot(
            pilot, lambda: any("no prompt template /nope" in t for t in toasts(app))
        )
        assert bar.input.value == "/nope hello"

        # An error from the daemon (the queue ended): its message, and the line kept.
        await peer.call("queue.end", queue="backend")
        bar.input.value = "too late"
        await pilot.press("enter")
        await wait_on_pilot(pilot, lambda: any("ended" in t for t in toasts(app)))
        assert bar.input.value == "too late"
        await pilot.press("escape")
        assert not bar.is_open and app.focused is app.query_one(TaskTable)


async def _task(peer, task_id: str) -> dict[str, Any]:
    return await peer.call("task.get", id=task_id)


async def test_task_actions_claim_complete_requeue_fail_rerun_delete(
    make_app, seeded, peer
) -> None:
    newest = seeded["tasks"][-1]  # the table lists the newest first
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(pilot)
        table = app.query_one(TaskTable)
        assert table.current_task["id"] == newest["id"]

        async def status_becomes(status: str) -> None:
            async def reached() -> bool:
                return (await _task(peer, newest["id"]))["status"] == status

            await wait_on_pilot(pilot, reached, 5.0, f"the task to become {status}")

        await pilot.press("c")
        await status_becomes("running")
        await wait_on_pilot(pilot, lambda: "running" in screen_text(app))

        await pilot.press("d")
        await wait_on_pilot(pilot, lambda: "result" in screen_text(app))
        await pilot.press(*'{"ok": 1}')
        await pilot.press("enter")
        await status_becomes("succeeded")
        assert (await _task(peer, newest["id"]))["result"] == {"ok": 1}

        await pilot.press("r")
        await status_becomes("queued")

        await pilot.press("c")
        await status_becomes("running")
        await pilot.press("f")
        await wait_on_pilot(pilot, lambda: "why?" in screen_text(app))
        await pilot.press(*"disk full", "enter")
        await status_becomes("failed")
        assert (await _task(peer, newest["id"]))["error"] == "disk full"

        await pilot.press("R")
        await wait_on_pilot(pilot, lambda: table.total == 4)
        # The copy is listed first; the cursor stays on the task it was on.
        await wait_on_pilot(pilot, lambda: table.current_task and table.cursor_row == 1)
        assert table.current_task["id"] == newest["id"]

        # Delete asks first: "n" keeps it, "y" deletes.
        await pilot.press("home")
        await wait_on_pilot(pilot, lambda: table.current_task and table.cursor_row == 0)
        doomed = table.current_task
        await pilot.press("x")
        await wait_on_pilot(pilot, lambda: "Delete task" in screen_text(app))
        await pilot.press("n")
        assert (await _task(peer, doomed["id"]))["id"] == doomed["id"]
        await pilot.press("x")
        await wait_on_pilot(pilot, lambda: "Delete task" in screen_text(app))
        await pilot.press("y")
        await wait_on_pilot(pilot, lambda: table.total == 3)


async def test_actions_from_the_task_detail(make_app, seeded, peer) -> None:
    newest = seeded["tasks"][-1]
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(pilot)
        await pilot.press("enter")
        await wait_on_pilot(pilot, lambda: isinstance(app.screen, TaskDetailScreen))
        await pilot.press("c")
        await wait_on_pilot(pilot, lambda: "▶ running" in screen_text(app))
        assert (await _task(peer, newest["id"]))["worker"] == "cockpit"
        await pilot.press("x")
        await wait_on_pilot(pilot, lambda: "Delete task" in screen_text(app))
        await pilot.press("y")
        await wait_on_pilot(pilot, lambda: not isinstance(app.screen, TaskDetailScreen))
        await wait_on_pilot(pilot, lambda: app.query_one(TaskTable).total == 2)


async def test_queue_actions(make_app, seeded, peer) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(pilot)
        queues = app.query_one(QueueList)
        queues.focus()
        await pilot.press("n")
        await wait_on_pilot(pilot, lambda: "New queue in session work" in screen_text(app))
        await pilot.press(*"ops", "enter")
        await wait_on_pilot(pilot, lambda: queues.selected and queues.selected["name"] == "ops")

        async def queue(name: str) -> dict[str, Any]:
            return await peer.call("queue.get", queue=name)

        await pilot.press("p")
        await wait_on_pilot(pilot, lambda: queues.selected.get("paused"))
        assert (await queue("ops"))["paused"] is True
        await pilot.press("p")
        await wait_on_pilot(pilot, lambda: not queues.selected.get("paused"))

        await pilot.press("A")
        await wait_on_pilot(pilot, lambda: queues.selected.get("status") == "archived")
        await pilot.press("A")
        await wait_on_pilot(pilot, lambda: queues.selected.get("status") != "archived")

        # End asks first: "n" keeps the queue open, "y" ends it.
        await pilot.press("e")
        await wait_on_pilot(pilot, lambda: "End queue ops?" in screen_text(app))
        assert "End (y)" in screen_text(app)
        await pilot.press("n")
        await wait_on_pilot(pilot, lambda: "End queue ops?" not in screen_text(app))
        assert (await queue("ops"))["status"] != "ended"
        await pilot.press("e")
        await wait_on_pilot(pilot, lambda: "End queue ops?" in screen_text(app))
        await pilot.press("y")
        await wait_on_pilot(pilot, lambda: queues.selected.get("status") == "ended")
        assert (await queue("ops"))["status"] == "ended"

        await pilot.press("x")
        await wait_on_pilot(pilot, lambda: "Delete queue ops" in screen_text(app))
        await pilot.press("y")
        await wait_on_pilot(
            pilot, lambda: "ops" not in [q["name"] for q in queues.entities.values()]
        )
        names = [q["name"] for q in (await peer.call("queue.list"))["queues"]]
        assert "ops" not in names


async def test_session_actions(make_app, seeded, peer) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(pilot)
        sessions = app.query_one(SessionList)
        sessions.focus()
        await pilot.press("n")
        await wait_on_pilot(pilot, lambda: "New session" in screen_text(app))
        await pilot.press(*"spike", "enter")
        await wait_on_pilot(
            pilot, lambda: sessions.selected and sessions.selected["name"] == "spike"
        )
        await wait_on_pilot(pilot, lambda: app.query_one(QueueList).row_count == 0)

        # Ending a session (and with it every queue in it) asks first too.
        await pilot.press("e")
        await wait_on_pilot(pilot, lambda: "End session spike" in screen_text(app))
        await pilot.press("escape")
        await wait_on_pilot(pilot, lambda: "End session spike" not in screen_text(app))
        assert (await peer.call("session.get", session="spike"))["status"] == "active"
        await pilot.press("e")
        await wait_on_pilot(pilot, lambda: "End session spike" in screen_text(app))
        await pilot.press("y")
        await wait_on_pilot(pilot, lambda: sessions.selected.get("status") == "ended")

        await pilot.press("x")
        await wait_on_pilot(pilot, lambda: "Delete session spike" in screen_text(app))
        await pilot.press("y")
        await wait_on_pilot(
            pilot, lambda: "spike" not in [s["name"] for s in sessions.entities.values()]
        )
        names = [s["name"] for s in (await peer.call("session.list"))["sessions"]]
        assert names == ["work"]


async def test_filter_by_text_and_status(make_app, seeded, peer) -> None:
    await peer.call(
        "task.enqueue_batch",
        queue="backend",
        tasks=[{"tool": "run-bash", "payload": {"script": f"echo {i}"}} for i in range(20)],
    )
    await peer.claim("backend", worker="w")  # the highest priority, oldest: backend job 0
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(pilot)
        table = app.query_one(TaskTable)
        assert table.total == 23
        await pilot.press("slash")
        await pilot.press(*"status:run")
        await wait_on_pilot(pilot, lambda: table.loaded and table.total == 1)
        assert table.current_task["status"] == "running"
        assert "status:running" in app.query_one("#tasks-pane").border_subtitle
        failed = await peer.claim("backend", worker="w")
        await peer.call("task.fail", id=failed["id"], error="no")
        app.query_one("#task-filter").value = "status:run,fail"
        await wait_on_pilot(pilot, lambda: table.loaded and table.total == 2)
        assert {t["status"] for t in table.visible_tasks()} == {"running", "failed"}
        assert "status:running,failed" in app.query_one("#tasks-pane").border_subtitle
        app.query_one("#task-filter").value = "job"
        await wait_on_pilot(pilot, lambda: table.loaded and table.total == 3)
        app.query_one("#task-filter").value = ""
        await wait_on_pilot(pilot, lambda: table.loaded and table.total == 23)
        await pilot.press("escape")
        assert app.focused is table


async def test_live_update_from_another_client(make_app, seeded, peer) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(pilot)
        await peer.enqueue("backend", "llm-haiku", {"prompt": "arrived from elsewhere"})
        await wait_on_pilot(pilot, lambda: "arrived from elsewhere" in screen_text(app), timeout=2)
        await peer.call("session.create", name="elsewhere")
        await wait_on_pilot(pilot, lambda: "elsewhere" in screen_text(app), timeout=2)


async def test_reconnects_after_the_daemon_restarts(make_app, seeded, peer, daemon) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(pilot)
        header = app.query_one(CockpitHeader)
        assert header.state == "connected"
        daemon.stop()
        await wait_on_pilot(pilot, lambda: header.state == "reconnecting")
        await wait_on_pilot(pilot, lambda: "reconnecting" in screen_text(app))
        daemon.start()
        await wait_on_pilot(pilot, lambda: header.state == "connected", timeout=10)
        await peer.enqueue("backend", "llm-haiku", {"prompt": "after the restart"})
        await wait_on_pilot(pilot, lambda: "after the restart" in screen_text(app), timeout=10)


async def test_theme_cycles_persists_and_loads_user_themes(make_app, short_dir) -> None:
    user_themes = short_dir / "themes"
    user_themes.mkdir()
    (user_themes / "mine.yml").write_text("name: mine\nprimary: '#ff00ff'\ndark: true\n")
    (user_themes / "broken.yml").write_text("primary: [not, a, colour\n")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(pilot)
        assert app.theme == "sparkq-dark"
        assert "mine" in app.available_themes
        assert any("broken.yml" in t for t in toasts(app))
        seen = [app.theme]
        for _ in range(len(app.theme_names)):
            await pilot.press("t")
            seen.append(app.theme)
        assert seen[0] == seen[-1]
        assert {"sparkq-dark", "sparkq-light", "mine"} <= set(seen)
        while app.theme != "sparkq-light":
            await pilot.press("t")
    again = make_app()
    async with again.run_test(size=(100, 30)) as pilot:
        await wait_ready(pilot)
        assert again.theme == "sparkq-light"


async def test_command_palette_offers_the_actions(make_app, seeded) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(pilot)
        await pilot.press("ctrl+p")
        await pilot.press(*"new sess")
        await wait_on_pilot(pilot, lambda: "New session" in screen_text(app))
        await pilot.press("enter")
        await wait_on_pilot(pilot, lambda: "name" in screen_text(app) and len(app.screen_stack) > 1)
        await pilot.press(*"from-palette", "enter")
        await wait_on_pilot(pilot, lambda: "from-palette" in screen_text(app))


async def test_help_lists_the_keys(make_app, seeded) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(pilot)
        await pilot.press("question_mark")
        await wait_on_pilot(pilot, lambda: "quick-add" in screen_text(app))
        await pilot.press("escape")
        await wait_on_pilot(pilot, lambda: "quick-add" not in screen_text(app))


async def test_a_blocked_task_shows_what_it_waits_for(make_app, seeded, peer) -> None:
    first, second = seeded["tasks"][0], seeded["tasks"][1]
    blocked = await peer.call(
        "task.enqueue",
        queue="backend",
        tool="run-bash",
        payload={"script": "make release"},
        depends_on=[first["id"], second["friendly_id"]],
        unique_key="release",
    )
    app = make_app()
    async with app.run_test(size=(160, 30)) as pilot:
        await wait_ready(pilot)
        table = app.query_one(TaskTable)
        waits = f"waits for {first['friendly_id']}, {second['friendly_id']} · make release"
        await wait_on_pilot(pilot, lambda: waits in screen_text(app), 10, "the blocked row")
        assert "⧗ blocked" in screen_text(app)
        await peer.call("task.claim", id=first["id"], worker="w")
        await peer.call("task.complete", id=first["id"])
        now_waits = f"waits for {second['friendly_id']} · make release"
        await wait_on_pilot(pilot, lambda: now_waits in screen_text(app), 10, "one fewer")
        await pilot.press("home")
        await wait_on_pilot(pilot, lambda: (table.current_task or {}).get("id") == blocked["id"])
        await pilot.press("enter")
        await wait_on_pilot(pilot, lambda: isinstance(app.screen, TaskDetailScreen))
        text = screen_text(app)
        assert f"waits for {second['friendly_id']}" in text
        assert f"depends on {first['friendly_id']}, {second['friendly_id']}" in text
        assert "unique key release" in text
