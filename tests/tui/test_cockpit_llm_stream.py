"""An LLM task's detail under Pilot against a real daemon: the prompt, the reply following the
runner's streamed output (``task.log`` chunks on stdout) while the task runs, then the
result's text and the token usage once it is done."""

from __future__ import annotations

from textual.widgets import Log

from sparkq_tui.cockpit.screens.task_detail import TaskDetailScreen
from tests.tui.conftest import wait_ready
from tests.tui.screen_text import screen_text
from tests.waiting import wait_on_pilot

RESULT = {
    "text": "The cache is warm.",
    "model": "claude-haiku-5-5",
    "usage": {"input_tokens": 12, "output_tokens": 5},
    "stop_reason": "end_turn",
}


async def test_the_reply_streams_in_then_the_result_and_usage(make_app, seeded, peer) -> None:
    task = seeded["tasks"][0]  # llm-haiku, {"prompt": "backend job 0"}
    claimed = (await peer.call("task.claim", id=task["id"], worker="w1"))["task"]

    async def chunk(text: str, stream: str = "stdout") -> None:
        await peer.call("task.log", id=claimed["id"], stream=stream, text=text, worker="w1")

    await chunk("The cache")  # streamed before the detail opens: read with task.logs
    app = make_app()
    async with app.run_test(size=(110, 40)) as pilot:
        await wait_ready(pilot)
        app.open_task(claimed)
        screen = await wait_on_pilot(
            pilot, lambda: isinstance(app.screen, TaskDetailScreen) and app.screen
        )
        await wait_on_pilot(pilot, lambda: screen.reply_text == "The cache", what="the backlog")
        text = screen_text(app)
        assert "Prompt" in text and "backend job 0" in text and "usage:" not in text

        await chunk(" is")
        await wait_on_pilot(pilot, lambda: screen.reply_text == "The cache is", what="a chunk")
        await chunk("[sparkq] waiting 2 s (rate limited)\n", stream="stderr")
        await chunk(" wa")
        await wait_on_pilot(pilot, lambda: screen.reply_text == "The cache is wa")
        # The reply is not repeated as live output; the runner's notes still show there.
        log = screen.query_one("#detail-live", Log)
        assert log.display and "rate limited" in screen.live_output
        assert "cache" not in screen.live_output
        assert screen.task_data["status"] == "running"

        await peer.call("task.complete", id=claimed["id"], result=RESULT)
        await wait_on_pilot(
            pilot, lambda: screen.reply_text == "The cache is warm.", what="the result's text"
        )
        await wait_on_pilot(
            pilot,
            lambda: (
                "claude-haiku-5-5 · 12 tokens in · 5 tokens out · stop: end_turn"
                in screen_text(app)
            ),
            what="the usage line",
        )
