"""A model-based test (hypothesis.stateful): random sequences of enqueue (some delayed, some with
retries), claim, pause, complete, fail (with or without retry), cancel, requeue, delete,
heartbeat and sweep (with the clock moved) against a plain Python model of what each task's
status must be. After every step: statuses match the model, counts equal rows, no task was
handed to two claimers (each claim's ``lease`` is new), no task was handed out from a terminal
status, and ``attempts`` is what the model counts (a claim given back by a requeue does not
count; a redrive starts again at 0) and never exceeds ``max_attempts``."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from sparkq_daemon.errors import Conflict
from sparkq_daemon.store.base import ClaimParams, EnqueueItem, FinishParams, Store
from tests.store.engines import EngineEnv, open_store
from tests.store.fake_clock import FakeClock
from tests.store.helpers import all_tasks, assert_counts_equal_rows

T = TypeVar("T")
TIMEOUT = 10  # every task's timeout: stale after 10 s, failed after 20 s
STEP = 7  # seconds per clock move: no multiple of 7 is 10 or 20, so no tie with a threshold
RETRY_WAIT = 5  # a fixed backoff without jitter; like the delays, never a multiple of STEP
BACKOFF = {"type": "fixed", "delay": RETRY_WAIT, "max_delay": 3600, "jitter": 0}
TERMINAL = ("succeeded", "failed", "cancelled")


class StoreModel(RuleBasedStateMachine):
    """One queue ``q``; the model is task id → status, plus claim times for the sweeper."""

    engine: ClassVar[str]
    make_env: ClassVar[Callable[[], EngineEnv]]

    def __init__(self) -> None:
        super().__init__()
        self.runner = asyncio.Runner()
        env = type(self).make_env()
        self.clock = env.clock
        self.opened = open_store(self.engine, env)
        self.store: Store = self.run(self.opened.__aenter__())
        self.run(self.store.session_create("s", None))
        self.run(self.store.queue_create("q", "s", None))
        self.status: dict[str, str] = {}
        self.rank: dict[str, tuple[int, int]] = {}  # claim order: (-priority, enqueue order)
        self.friendly: dict[str, str] = {}
        self.beat: dict[str, int] = {}  # running task → clock moves before its last word
        self.warned: set[str] = set()
        self.moves = 0
        self.handed: set[tuple[str, int]] = set()  # (task, lease) handed out
        self.due: dict[str, float] = {}  # scheduled task → when it is due (clock seconds)
        self.max_attempts: dict[str, int] = {}
        self.attempts: dict[str, int] = {}  # task → the attempts that count
        self.paused = False

    def run(self, work: Coroutine[Any, Any, T]) -> T:
        return self.runner.run(work)

    def teardown(self) -> None:
        self.run(self.opened.__aexit__(None, None, None))
        self.runner.close()

    def with_status(self, *statuses: str) -> list[str]:
        return sorted(t for t, s in self.status.items() if s in statuses)

    def queued_in_claim_order(self) -> list[str]:
        return sorted(self.with_status("queued"), key=self.rank.__getitem__)

    def promote_due(self) -> None:
        """What every claim and sweep does first: due scheduled tasks become queued."""
        for task in self.with_status("scheduled"):
            if self.due[task] <= self.clock.time():
                self.status[task] = "queued"

    def handed_out(self, task: dict[str, Any]) -> None:
        assert self.status[task["id"]] == "queued", (
            f"{task['friendly_id']} was handed out while {self.status[task['id']]}"
        )
        key = (task["id"], task["lease"])
        assert key not in self.handed, f"{task['friendly_id']} was handed out twice"
        self.handed.add(key)
        self.attempts[task["id"]] += 1
        assert task["attempts"] == self.attempts[task["id"]]
        self.status[task["id"]] = "running"
        self.beat[task["id"]] = self.moves
        self.warned.discard(task["id"])

    @rule(
        n=st.integers(1, 3),
        priority=st.integers(0, 2),
        delay=st.sampled_from([None, 0, 3, 10]),
        attempts=st.integers(1, 3),
    )
    def enqueue(self, n: int, priority: int, delay: int | None, attempts: int) -> None:
        items = [
            EnqueueItem(
                "run-bash",
                timeout=TIMEOUT,
                priority=priority,
                delay=delay,
                max_attempts=attempts,
                backoff=BACKOFF,
            )
            for _ in range(n)
        ]
        for task in self.run(self.store.task_enqueue("q", items)):
            self.status[task["id"]] = "scheduled" if delay else "queued"
            self.due[task["id"]] = self.clock.time() + (delay or 0)
            self.rank[task["id"]] = (-priority, len(self.rank))
            self.friendly[task["id"]] = task["friendly_id"]
            self.max_attempts[task["id"]] = attempts
            self.attempts[task["id"]] = 0

    @rule(claimers=st.integers(1, 3))
    def claim(self, claimers: int) -> None:
        """``claimers`` claims at once: each gets a different task, the next ones in order."""
        self.promote_due()
        expected = [] if self.paused else self.queued_in_claim_order()[:claimers]
        claims = [
            self.store.task_claim(ClaimParams(queue="q", worker=f"w{n}")) for n in range(claimers)
        ]
        got = self.run(_gather(claims))
        tasks = [t for t in got if t is not None]
        assert sorted(t["id"] for t in tasks) == sorted(expected)
        for task in tasks:
            self.handed_out(task)

    @rule(paused=st.booleans())
    def pause_or_resume(self, paused: bool) -> None:
        assert self.run(self.store.queue_set_paused("q", paused))["paused"] is paused
        self.paused = paused

    @precondition(lambda self: self.with_status("running"))
    @rule(
        data=st.data(),
        status=st.sampled_from(["succeeded", "failed"]),
        retry=st.booleans(),
        stale_attempt=st.booleans(),
    )
    def finish(self, data: st.DataObject, status: str, retry: bool, stale_attempt: bool) -> None:
        ref = data.draw(st.sampled_from(self.with_status("running")))
        held = self.run(self.store.task_get(ref))
        attempts, lease = held["attempts"], held["lease"]
        if stale_attempt and lease > 1:  # a report from an earlier claim is fenced off
            with pytest.raises(Conflict):
                self.run(self.store.task_finish(FinishParams(ref, status, lease=lease - 1)))
        params = FinishParams(
            ref=ref, status=status, error="x", attempt=attempts, lease=lease, retry=retry
        )
        done = self.run(self.store.task_finish(params))
        self.end_attempt(ref, done, status == "failed" and retry, attempts)

    def end_attempt(self, ref: str, done: dict[str, Any], retry: bool, attempts: int) -> None:
        """The model's side of an attempt that ended (a report, or the sweeper's 2×)."""
        if done["status"] == "succeeded":
            self.status[ref] = "succeeded"
        elif retry and attempts < self.max_attempts[ref]:
            assert done["status"] == "scheduled"
            self.status[ref] = "scheduled"
            self.due[ref] = self.clock.time() + RETRY_WAIT
        else:
            assert done["status"] == "failed"
            self.status[ref] = "failed"

    @precondition(lambda self: self.status)
    @rule(data=st.data())
    def cancel(self, data: st.DataObject) -> None:
        ref = data.draw(st.sampled_from(sorted(self.status)))
        if self.status[ref] in TERMINAL:
            with pytest.raises(Conflict):
                self.run(self.store.task_cancel(ref, "stop"))
            return
        assert self.run(self.store.task_cancel(ref, "stop"))["status"] == "cancelled"
        self.status[ref] = "cancelled"

    @precondition(lambda self: self.with_status("running"))
    @rule(data=st.data())
    def heartbeat(self, data: st.DataObject) -> None:
        ref = data.draw(st.sampled_from(self.with_status("running")))
        self.run(self.store.task_heartbeat(ref, None))
        self.beat[ref] = self.moves
        self.warned.discard(ref)

    @precondition(lambda self: self.with_status("running", "scheduled", *TERMINAL))
    @rule(data=st.data())
    def requeue(self, data: st.DataObject) -> None:
        ref = data.draw(st.sampled_from(self.with_status("running", "scheduled", *TERMINAL)))
        back = self.run(self.store.task_requeue(ref))
        assert back["status"] == "queued"
        if self.status[ref] in TERMINAL:  # all its attempts again
            self.attempts[ref] = 0
        elif self.status[ref] == "running":  # the claim is given back: it does not count
            self.attempts[ref] = max(self.attempts[ref] - 1, 0)
        assert back["attempts"] == self.attempts[ref]
        self.status[ref] = "queued"

    @precondition(lambda self: self.status)
    @rule(data=st.data())
    def delete(self, data: st.DataObject) -> None:
        ref = data.draw(st.sampled_from(sorted(self.status)))
        self.run(self.store.task_delete(ref))
        del self.status[ref]

    @rule()
    def sweep(self) -> None:
        self.clock.advance(STEP)
        self.moves += 1
        silent = {t: (self.moves - self.beat[t]) * STEP for t in self.with_status("running")}
        ended = {t for t, s in silent.items() if s > 2 * TIMEOUT}
        attempts = {t: self.run(self.store.task_get(t))["attempts"] for t in ended}
        warned = {t for t, s in silent.items() if TIMEOUT < s <= 2 * TIMEOUT} - self.warned
        outcome = self.run(self.store.sweep())
        assert sorted(outcome.failed + outcome.retried) == sorted(self.friendly[t] for t in ended)
        assert sorted(outcome.warned) == sorted(self.friendly[t] for t in warned)
        for task in ended:
            self.end_attempt(task, self.run(self.store.task_get(task)), True, attempts[task])
        self.warned |= warned
        self.promote_due()

    @invariant()
    def statuses_match_the_model(self) -> None:
        found = {t["id"]: t["status"] for t in self.run(all_tasks(self.store))}
        assert found == self.status

    @invariant()
    def counts_equal_rows(self) -> None:
        self.run(assert_counts_equal_rows(self.store))

    @invariant()
    def attempts_follow_the_model_within_max_attempts(self) -> None:
        for task in self.run(all_tasks(self.store)):
            assert task["attempts"] == self.attempts[task["id"]], task["friendly_id"]
            assert task["attempts"] <= task["max_attempts"], f"{task['friendly_id']}: too many"


async def _gather(claims: list[Coroutine[Any, Any, T]]) -> list[T]:
    return list(await asyncio.gather(*claims))


@pytest.mark.needs_clock
def test_the_store_follows_the_model(
    engine: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    runs = itertools.count()

    def make_env() -> EngineEnv:
        folder = tmp_path / f"run{next(runs)}"
        folder.mkdir()
        return EngineEnv(folder, FakeClock(), request)

    machine = type(
        "StoreModelRun", (StoreModel,), {"engine": engine, "make_env": staticmethod(make_env)}
    )
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=25,
            stateful_step_count=30,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
