"""One pass over every Store operation, refusals included, recorded in a shape that does not
depend on the engine: ids and timestamps become placeholders (timestamps are checked for
the protocol's format first), so two engines' records compare equal when they behave alike."""

from __future__ import annotations

import re
from typing import Any

from sparkq_daemon.config import DEFAULT_TASK_CLASSES, DEFAULT_TOOLS
from sparkq_daemon.errors import RpcError
from sparkq_daemon.store.base import ClaimParams, EnqueueItem, FinishParams, Store, TaskFilter

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$")
IDS = re.compile(r"\b(?:ses|que|tsk)_[0-9a-f]+\b")


# seq differs by design.
NOT_COMPARED = frozenset({"seq"})


class Normaliser:
    """Replaces ids by ``<kind#n>`` in order of first appearance, and ISO times by ``<ts>``."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}

    def _id(self, match: re.Match[str]) -> str:
        text = match.group(0)
        if text not in self.names:
            self.names[text] = f"<{text[:3]}#{len(self.names)}>"
        return self.names[text]

    def __call__(self, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: self(v) for k, v in value.items() if k not in NOT_COMPARED}
        if isinstance(value, list | tuple):
            return [self(v) for v in value]
        if isinstance(value, str):
            if ISO.match(value):
                return "<ts>"
            assert not re.match(r"^\d{4}-\d\d-\d\dT", value), f"badly formatted time {value!r}"
            return IDS.sub(self._id, value)
        return value


FLAT = {"type": "fixed", "delay": 600, "max_delay": 3600, "jitter": 0}


async def _time_and_failure(s: Store, step: Any) -> None:
    """Retries, the attempt fence, delays, expiry, cancellation, rescheduling, redrive and
    the timeline (no step waits for a due time: the engines' clocks differ)."""
    v2 = await step(
        "enqueue v2",
        s.task_enqueue(
            "jobs",
            [
                item(max_attempts=2, backoff=FLAT, priority=-5),
                item(delay=3600, priority=-5),
                item(ttl=3600, priority=-5),
            ],
        ),
    )
    await step("claim v2", s.task_claim(ClaimParams(id=v2[0]["id"], worker="w3")))
    await step("heartbeat fenced", s.task_heartbeat(v2[0]["id"], None, 2))
    await step("complete fenced", s.task_finish(FinishParams(v2[0]["id"], "succeeded", attempt=2)))
    await step(
        "fail retry", s.task_finish(FinishParams(v2[0]["id"], "failed", None, "boom", attempt=1))
    )
    await step("claim scheduled by id", s.task_claim(ClaimParams(id=v2[1]["id"])))
    await step("cancel scheduled", s.task_cancel(v2[1]["id"], "not wanted"))
    await step("cancel again", s.task_cancel(v2[1]["id"], None))
    await step("reschedule later", s.task_reschedule(v2[2]["id"], 7200, None))
    await step("reschedule now", s.task_reschedule(v2[2]["id"], 0, None))
    await step("reschedule cancelled", s.task_reschedule(v2[1]["id"], 5, None))
    await step("cancel queued", s.task_cancel(v2[2]["id"], None))
    await step("requeue cancelled", s.task_requeue(v2[2]["id"]))
    await step("redrive none", s.queue_requeue_failed("jobs", "expired"))
    await step("redrive missing queue", s.queue_requeue_failed("nope", None))
    await step("timeline", s.task_events(v2[0]["friendly_id"]))
    await step("timeline cancelled", s.task_events(v2[1]["id"]))
    await step("timeline missing", s.task_events("tsk_1abcdef"))
    await step("class upsert retry", s.task_class_upsert("RETRY", 60, None, 3, FLAT))
    await step("enqueue class retry", s.task_enqueue("jobs", [item(task_class="RETRY")]))
    await step("class delete retry", s.task_class_delete("RETRY"))
    await step("promote due", s.promote_due())


def item(tool: str = "run-bash", payload: Any = None, **kw: Any) -> EnqueueItem:
    import orjson

    text = None if payload is None else orjson.dumps(payload).decode()
    return EnqueueItem(tool=tool, payload=payload, payload_json=text, **kw)


async def run(store: Store) -> list[Any]:
    """Drive ``store`` through the scenario; the normalised record of every answer."""
    record: list[Any] = []
    norm = Normaliser()

    async def step(label: str, coro: Any) -> Any:
        try:
            value = await coro
        except RpcError as exc:
            record.append((label, "error", exc.type_name, norm(exc.message), norm(exc.data)))
            return None
        record.append((label, norm(value)))
        return value

    s = store
    await step("seed", s.catalog_seed(DEFAULT_TASK_CLASSES, DEFAULT_TOOLS))
    await step("seed again", s.catalog_seed(DEFAULT_TASK_CLASSES, DEFAULT_TOOLS))
    await step("tools", _async(s.tools()))
    await step("classes", _async(s.task_classes()))
    await step("session", s.session_create("work", "the work"))
    await step("session dup", s.session_create("work", ""))
    await step("session other", s.session_create("other", ""))
    await step("session list", s.session_list(None))
    await step("session list active", s.session_list("active"))
    await step("session get", s.session_get("work"))
    await step("session get missing", s.session_get("nope"))
    q = await step("queue", s.queue_create("jobs", "work", "do it"))
    await step("queue dup", s.queue_create("jobs", "work", ""))
    await step("queue same prefix", s.queue_create("JOBS!", "work", ""))
    await step("queue in missing session", s.queue_create("x", "nope", ""))
    await step("queue other", s.queue_create("spare", "other", ""))
    await step("queue list", s.queue_list(None, None, False))
    await step("queue list of session", s.queue_list("work", None, False))
    await step("queue get by id", s.queue_get(q["id"]))
    await step("queue update", s.queue_update("jobs", None, "new instructions"))
    await step("queue rename taken", s.queue_update("jobs", "spare", None))
    made = await step(
        "enqueue",
        s.task_enqueue(
            "jobs",
            [
                item(payload={"n": 1}),
                item(payload=[1, 2], priority=5),
                item("run-python", task_class="FAST_SCRIPT"),
                item(timeout=2.5),
            ],
        ),
    )
    await step("enqueue unknown tool", s.task_enqueue("jobs", [item("nope")]))
    await step("enqueue unknown class", s.task_enqueue("jobs", [item(task_class="NOPE")]))
    await step("enqueue missing queue", s.task_enqueue("nope", [item()]))
    await step("peek", s.task_peek("jobs"))
    await step("queue counts", s.queue_get("jobs"))
    first = await step("claim", s.task_claim(ClaimParams(queue="jobs", worker="w1")))
    await step("claim missing queue", s.task_claim(ClaimParams(queue="nope")))
    await step("claim by tools", s.task_claim(ClaimParams(queue="jobs", tools=("run-python",))))
    await step("claim by tools none", s.task_claim(ClaimParams(queue="jobs", tools=("llm-haiku",))))
    await step("claim running by id", s.task_claim(ClaimParams(id=first["id"])))
    await step(
        "claim by id wrong tool",
        s.task_claim(ClaimParams(id=made[3]["friendly_id"], tools=("llm-haiku",))),
    )
    await step("claim by friendly id", s.task_claim(ClaimParams(id=made[3]["friendly_id"].lower())))
    await step("claim missing id", s.task_claim(ClaimParams(id="tsk_99999999")))
    await step("claim any", s.task_claim(ClaimParams(worker="w2")))
    await step("claim any empty", s.task_claim(ClaimParams(worker="w2")))
    await step("claim wait empty", s.task_claim(ClaimParams(queue="jobs", wait=0.05)))
    await step("heartbeat", s.task_heartbeat(first["id"], "w1"))
    await step("heartbeat other worker", s.task_heartbeat(first["id"], "w9"))
    await step("heartbeat missing", s.task_heartbeat("JOBS-0999", None))
    await step(
        "complete",
        s.task_finish(
            FinishParams(first["id"], "succeeded", '{"ok": true}', None, "out", "err", "w1")
        ),
    )
    await step("complete again", s.task_finish(FinishParams(first["id"], "succeeded")))
    await step("fail", s.task_finish(FinishParams(made[0]["id"], "failed", None, "boom")))
    await step("fail queued", s.task_finish(FinishParams(made[2]["id"], "failed", None, "x")))
    await step("requeue failed", s.task_requeue(made[0]["id"]))
    await step("requeue queued", s.task_requeue(made[0]["id"]))
    await step("requeue other worker", s.task_requeue(made[2]["id"], "w9"))
    await step("requeue own", s.task_requeue(made[3]["id"], None))
    await step("rerun", s.task_rerun(first["id"]))
    await step("update", s.task_update(made[3]["id"], {"payload_json": '{"x": 1}', "priority": 3}))
    await step("update tool", s.task_update(made[3]["id"], {"tool": "run-python"}))
    await step("update timeout", s.task_update(made[3]["id"], {"timeout": 7}))
    await step("update done", s.task_update(first["id"], {"priority": 1}))
    await _time_and_failure(s, step)
    await step("get", s.task_get(made[1]["friendly_id"]))
    await step("get missing", s.task_get("tsk_1abcdef"))
    await step("list", s.task_list(TaskFilter(), 100, 0))
    await step("list page", s.task_list(TaskFilter(queue="jobs"), 2, 1))
    await step("list status", s.task_list(TaskFilter(statuses=("queued", "running")), 100, 0))
    await step("list tool", s.task_list(TaskFilter(tool="run-python"), 100, 0))
    await step("list search", s.task_list(TaskFilter(search="BOOM"), 100, 0))
    await step("list search payload", s.task_list(TaskFilter(search='"x"'), 100, 0))
    await step("list session", s.task_list(TaskFilter(session="other"), 100, 0))
    await step("list missing queue", s.task_list(TaskFilter(queue="nope"), 100, 0))
    await step("delete", s.task_delete(made[2]["id"]))
    await step("delete missing", s.task_delete(made[2]["id"]))
    await step("pause", s.queue_set_paused("jobs", True))
    await step("claim paused", s.task_claim(ClaimParams(queue="jobs")))
    await step("peek paused", s.task_peek("jobs"))
    await step("resume", s.queue_set_paused("jobs", False))
    await step("archive", s.queue_set_state("jobs", "archived", "queue.archived"))
    await step("list archived hidden", s.queue_list(None, None, False))
    await step("list archived", s.queue_list(None, "archived", False))
    await step("pause archived", s.queue_set_paused("jobs", True))
    await step("unarchive", s.queue_set_state("jobs", None, "queue.unarchived"))
    await step("unarchive again", s.queue_set_state("jobs", None, "queue.unarchived"))
    await step("end queue", s.queue_set_state("spare", "ended", "queue.ended"))
    await step("enqueue ended", s.task_enqueue("spare", [item()]))
    await step("tool upsert", s.tool_upsert("mine", "FAST_SCRIPT", "my tool", ["echo", "{prompt}"]))
    await step("tool upsert bad class", s.tool_upsert("bad", "NOPE", "", None))
    await step("enqueue new tool", s.task_enqueue("jobs", [item("mine")]))
    await step("class upsert", s.task_class_upsert("SLOW", 3600, "slow"))
    await step("class delete used", s.task_class_delete("FAST_SCRIPT"))
    await step("tool delete", s.tool_delete("mine"))
    await step("tool delete missing", s.tool_delete("mine"))
    await step("class delete", s.task_class_delete("SLOW"))
    await step("class delete missing", s.task_class_delete("SLOW"))
    await step("tools after", _async(s.tools()))
    await step("prompt create", s.prompt_create("fix", "Fix", "fix {x}", "fixes"))
    await step("prompt dup", s.prompt_create("fix", "Fix", "x", ""))
    await step("prompt update", s.prompt_update("fix", {"label": "Repair"}))
    await step("prompt get", s.prompt_get("fix"))
    await step("prompt list", s.prompt_list())
    await step("prompt delete", s.prompt_delete("fix"))
    await step("prompt missing", s.prompt_get("fix"))
    await step("settings seed", s.settings_seed({"purge": {"older_than_days": 3}}))
    await step("settings seed again", s.settings_seed({"purge": {"older_than_days": 9}}))
    await step("setting set", s.setting_set("purge", "older_than_days", 5))
    await step("settings", s.settings_load())
    await step(
        "config sync",
        s.config_sync(
            {"purge.older_than_days": 4, "task_classes.NEW": {"timeout": 5, "description": ""}}
        ),
    )
    await step("config sync again", s.config_sync({"purge.older_than_days": 4}))
    await step("audit", s.audit_list(10))
    await step("sweep", _sweep(s))
    await step("purge", s.purge(0))
    await step("stats", _stats(s))
    await step("session end", s.session_end("work"))
    await step("session end again", s.session_end("work"))
    await step("queue delete", s.queue_delete("spare"))
    await step("queue delete missing", s.queue_delete("spare"))
    await step("session delete", s.session_delete("work"))
    await step("stats after", _stats(s))
    return record


async def _async(value: Any) -> Any:
    return value


async def _sweep(store: Store) -> Any:
    outcome = await store.sweep()
    return {"warned": outcome.warned, "failed": outcome.failed}


async def _stats(store: Store) -> Any:
    stats = await store.stats()
    assert isinstance(stats.pop("db_bytes"), int)
    return stats
