"""The cockpit follows the catalogue live: tools and prompt templates added or removed from
another terminal reach quick-add without a restart."""

from __future__ import annotations

from sparkq_tui.cockpit.widgets.quick_add_bar import QuickAddBar
from tests.tui.conftest import wait_ready
from tests.waiting import wait_on_pilot


async def test_quick_add_knows_a_template_and_a_tool_added_elsewhere(
    make_app, seeded, peer
) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_ready(pilot)
        bar = app.query_one(QuickAddBar)
        assert "llm-opus" not in bar.tools

        # Another terminal adds a template and a tool while the cockpit runs.
        await peer.call(
            "prompt.create", command="triage", label="Triage", template_text="Triage: {input}"
        )
        await peer.call("tool.upsert", name="llm-opus", task_class="LLM_HEAVY")
        await wait_on_pilot(pilot, lambda: "llm-opus" in bar.tools and "triage" in app.prompts)

        # Quick-add uses both: cycle to the new tool, expand the new template.
        await pilot.press("a")
        while bar.tool != "llm-opus":
            await pilot.press("tab")
        bar.input.value = "/triage the crash log"
        await pilot.press("enter")
        await wait_on_pilot(pilot, lambda: bar.input.value == "")
        listing = await peer.call("task.list", queue="backend", limit=1)
        newest = listing["tasks"][0]
        assert newest["tool"] == "llm-opus"
        assert newest["payload"] == {"prompt": "Triage: the crash log"}

        # Changed and removed elsewhere: the cockpit follows that too.
        await peer.call("prompt.update", command="triage", template_text="Sort out: {input}")
        await wait_on_pilot(pilot, lambda: app.prompts.get("triage") == "Sort out: {input}")
        await peer.call("prompt.delete", command="triage")
        await peer.call("tool.delete", name="llm-opus")
        await wait_on_pilot(
            pilot, lambda: "llm-opus" not in bar.tools and "triage" not in app.prompts
        )
        assert bar.tool != "llm-opus"
