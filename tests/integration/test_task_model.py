"""Model-based: random enqueues (due now or far ahead, with attempts and priorities), claims
(one at a time, racing, and waiting for a task one change makes due), completions, failures
(retried or not), cancels, requeues, reschedules, dead-letter redrives, late reports, pauses
and daemon SIGKILLs with restarts, over the real socket of a subprocess daemon, each step
checked against a model of what every task must be.

After every step: every acknowledged task is there and no other (none lost, none doubled),
each has the status, attempts, lease and holder the model says (``attempts`` never above
``max_attempts``: a claim given back does not count), the queue's counts equal its rows,
and a claim hands out exactly the task the claim order names — never a terminal or running
one, never one task to two claimers. Delays and backoffs are either 0 or an hour, so no due
time races the model. Bounded: the ``ci`` profile runs in seconds; set
``SPARKQ_MODEL_PROFILE=thorough`` for a longer search."""

from __future__ import annotations

import itertools
import os
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from tests.daemon_process import DaemonProcess
from tests.integration.statuses import STATUSES
from tests.wire import Wire

# No shrinking: a failure shows its whole run at once. Shrinking would replay runs with
# daemon restarts for minutes, and a replay's racing claims may go another way.
NO_SHRINK = (Phase.explicit, Phase.generate)
COMMON = {
    "deadline": None,  # a step may restart the daemon
    "database": None,
    "phases": NO_SHRINK,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.filter_too_much],
}
settings.register_profile("ci", max_examples=8, stateful_step_count=30, **COMMON)
# PostgreSQL's steps and restarts cost about three times SQLite's: fewer runs keep it bounded.
settings.register_profile("ci-postgresql", max_examples=4, stateful_step_count=30, **COMMON)
settings.register_profile("thorough", max_examples=60, stateful_step_count=60, **COMMON)
PROFILE_NAME = os.environ.get("SPARKQ_MODEL_PROFILE", "ci")
HOUR = 3600  # a delay or backoff no step outlives: the task stays scheduled
FAR_BACKOFF = {"type": "fixed", "delay": HOUR, "jitter": 0}
RESTARTS_PER_RUN = 1  # each restart costs a daemon start
TERMINAL = ("succeeded", "failed", "cancelled")
CANCELLABLE = ("queued", "scheduled", "blocked", "running")
WORKERS = ("w1", "w2", "w3")
PRIORITIES = st.sampled_from([0, 0, 5])
WAIT = 5  # a waiting claim's bound (seconds): it is served at once, or the step fails


@dataclass
class ModelTask:
    """What one acknowledged task must be."""

    id: str
    seq: int  # enqueue order
    max_attempts: int
    status: str
    priority: int = 0
    attempts: int = 0
    lease: int = 0  # every claim's number: it never goes back
    worker: str | None = None
    claims: list[tuple[str, int, int]] = field(default_factory=list)  # (worker, attempt, lease)

    def claimed_by(self, worker: str) -> None:
        self.status, self.worker = "running", worker
        self.attempts += 1
        self.lease += 1
        self.claims.append((worker, self.attempts, self.lease))

    @property
    def claim_order(self) -> tuple[int, int]:
        """Where a queued task stands: the highest priority first, then enqueue order."""
        return (-self.priority, self.seq)


def make_machine(daemon: DaemonProcess) -> type[RuleBasedStateMachine]:
    """The state machine, bound to one daemon; each run works in a queue of its own."""
    runs = itertools.count()

    class TaskModel(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.model: dict[str, ModelTask] = {}
            self.enqueued = itertools.count()
            self.restarts = 0
            self.paused = False
            self.wire = Wire(daemon.socket)
            self.queue = f"model-{os.getpid()}-{next(runs)}"

        def teardown(self) -> None:
            self.wire.close()

        # ----- talking to the daemon ---------------------------------------------------------

        def call(self, method: str, **params: Any) -> Any:
            return self.wire.call(method, **params)

        def refused(self, method: str, **params: Any) -> dict[str, Any]:
            """The error of a call the model says the daemon must refuse (Conflict)."""
            error = self.wire.error(method, **params)
            assert error["code"] == -32009, (method, params, error)  # Conflict
            return error

        def check_task(self, answer: dict[str, Any], task: ModelTask) -> None:
            assert answer["id"] == task.id
            seen = (answer["status"], answer["attempts"], answer["lease"])
            assert seen == (task.status, task.attempts, task.lease), (answer, task)
            assert answer["attempts"] <= answer["max_attempts"], answer
            if task.status == "running":
                assert answer["worker"] == task.worker, (answer, task)

        def pick(self, data: st.DataObject, statuses: tuple[str, ...]) -> ModelTask:
            """A task in one of ``statuses`` when there is one (four times in five), else any
            task: the model then says whether the daemon must refuse the call."""
            fitting = [t for t in self.model.values() if t.status in statuses]
            stray = data.draw(st.integers(0, 4), label="stray") == 0
            pool = fitting if fitting and not stray else list(self.model.values())
            return data.draw(st.sampled_from(sorted(pool, key=lambda t: t.seq)), label="task")

        def has_tasks(self) -> bool:
            return bool(self.model)

        # ----- rules -------------------------------------------------------------------------

        @initialize(
            first=st.lists(
                st.tuples(st.booleans(), st.integers(1, 3), PRIORITIES), min_size=2, max_size=6
            )
        )
        def make_queue(self, first: list[tuple[bool, int, int]]) -> None:
            """The run's queue, and a few tasks in it so that every run has work to do."""
            self.call("session.create", name=self.queue)
            self.call("queue.create", name=self.queue, session=self.queue)
            for later, max_attempts, priority in first:
                self.enqueue(later, max_attempts, priority)

        @rule(later=st.booleans(), max_attempts=st.integers(1, 3), priority=PRIORITIES)
        def enqueue(self, later: bool, max_attempts: int, priority: int = 0) -> None:
            answer = self.call(
                "task.enqueue",
                queue=self.queue,
                tool="run-bash",
                payload={"n": len(self.model)},
                timeout=HOUR,  # the sweeper never calls a running task stale here
                delay=HOUR if later else 0,
                max_attempts=max_attempts,
                backoff=FAR_BACKOFF,
                priority=priority,
            )
            task = ModelTask(
                answer["id"],
                next(self.enqueued),
                max_attempts,
                "scheduled" if later else "queued",
                priority,
            )
            self.model[task.id] = task
            self.check_task(answer, task)

        @rule(worker=st.sampled_from(WORKERS))
        def claim(self, worker: str) -> None:
            self._claim(worker)

        def next_due(self) -> ModelTask | None:
            """The task a claim must get: none from a paused queue, else the first queued
            one in claim order."""
            queued = [t for t in self.model.values() if t.status == "queued"]
            if self.paused or not queued:
                return None
            return min(queued, key=lambda t: t.claim_order)

        def claimed(self, answer: dict[str, Any] | None, worker: str) -> ModelTask | None:
            """Check a claim's answer against the model, and update the model."""
            expected = self.next_due()
            if expected is None:
                assert answer is None, answer
                return None
            assert answer is not None and answer["id"] == expected.id, (answer, expected)
            expected.claimed_by(worker)
            self.check_task(answer, expected)
            return expected

        def _claim(self, worker: str) -> ModelTask | None:
            answer = self.call("task.claim", queue=self.queue, worker=worker)["task"]
            return self.claimed(answer, worker)

        @rule(
            worker=st.sampled_from(WORKERS),
            outcome=st.sampled_from(["complete", "complete+next", "retry", "fail", "cancel"]),
        )
        def work_next(self, worker: str, outcome: str) -> None:
            """A runner's whole turn: claim the next task and end its attempt (complete+next:
            and claim the one after in the same call)."""
            task = self._claim(worker)
            if task is None:
                return
            if outcome == "complete":
                self._complete(task)
            elif outcome == "complete+next":
                answer = self.call(
                    "task.complete",
                    id=task.id,
                    worker=worker,
                    attempt=task.attempts,
                    lease=task.lease,
                    claim_next={"queue": self.queue},
                )
                task.status, task.worker = "succeeded", None
                self.check_task(answer["task"], task)
                self.claimed(answer["next"], worker)
            elif outcome == "cancel":
                self._cancel(task)
            else:
                self._fail(task, retry=outcome == "retry")

        @rule()
        def racing_claims(self) -> None:
            """Three claimers at once, each on its own connection: each gets a different
            task, and together the first of the claim order."""
            queued = sorted(
                (t for t in self.model.values() if t.status == "queued"),
                key=lambda t: t.claim_order,
            )
            if self.paused:
                queued = []

            def claim(worker: str) -> dict[str, Any] | None:
                with Wire(daemon.socket) as wire:
                    return wire.call("task.claim", queue=self.queue, worker=worker)["task"]

            with ThreadPoolExecutor(len(WORKERS)) as pool:
                answers = dict(zip(WORKERS, pool.map(claim, WORKERS), strict=True))
            got = {w: a for w, a in answers.items() if a is not None}
            ids = [a["id"] for a in got.values()]
            assert len(ids) == len(set(ids)), f"one task handed to two claimers: {answers}"
            assert set(ids) == {t.id for t in queued[: len(WORKERS)]}, (ids, queued)
            for worker, answer in got.items():
                task = self.model[answer["id"]]
                task.claimed_by(worker)
                self.check_task(answer, task)

        @precondition(
            lambda self: (
                not self.paused and not any(t.status == "queued" for t in self.model.values())
            )
        )
        @rule(
            worker=st.sampled_from(WORKERS),
            wake=st.sampled_from(["enqueue", "reschedule", "requeue"]),
            data=st.data(),
        )
        def waiting_claim(self, worker: str, wake: str, data: st.DataObject) -> None:
            """A claim waiting on the empty queue gets the task that one change makes due:
            a new one, a scheduled one rescheduled to now, or one requeued."""
            waiting = ThreadPoolExecutor(1)

            def claim() -> dict[str, Any] | None:
                with Wire(daemon.socket) as wire:
                    return wire.call("task.claim", queue=self.queue, worker=worker, wait=WAIT)[
                        "task"
                    ]

            try:
                answer = waiting.submit(claim)
                candidates = [
                    t
                    for t in self.model.values()
                    if (wake == "reschedule" and t.status == "scheduled")
                    or (wake == "requeue" and t.status in ("scheduled", *TERMINAL))
                ]
                if wake == "enqueue" or not candidates:
                    self.enqueue(False, 1, 0)
                elif wake == "reschedule":
                    task = data.draw(st.sampled_from(sorted(candidates, key=lambda t: t.seq)))
                    self.call("task.reschedule", id=task.id, delay=0)
                    task.status = "queued"
                else:
                    task = data.draw(st.sampled_from(sorted(candidates, key=lambda t: t.seq)))
                    self.call("task.requeue", id=task.id)
                    if task.status in TERMINAL:
                        task.attempts = 0
                    task.status, task.worker = "queued", None
                got = answer.result(WAIT + 5)
            finally:
                waiting.shutdown(wait=True)
            assert got is not None, f"the waiting claim missed the {wake}"
            self.claimed(got, worker)

        @precondition(has_tasks)
        @rule(data=st.data())
        def complete(self, data: st.DataObject) -> None:
            task = self.pick(data, ("running",))
            task_id = task.id
            if task.status != "running":
                self.refused("task.complete", id=task_id)
                return
            self._complete(task)

        def _complete(self, task: ModelTask) -> None:
            answer = self.call(
                "task.complete",
                id=task.id,
                worker=task.worker,
                attempt=task.attempts,
                lease=task.lease,
            )
            task.status, task.worker = "succeeded", None
            self.check_task(answer, task)

        @precondition(has_tasks)
        @rule(data=st.data(), retry=st.booleans())
        def fail(self, data: st.DataObject, retry: bool) -> None:
            task = self.pick(data, ("running",))
            task_id = task.id
            if task.status != "running":
                self.refused("task.fail", id=task_id, error="boom")
                return
            self._fail(task, retry)

        def _fail(self, task: ModelTask, retry: bool) -> None:
            answer = self.call(
                "task.fail",
                id=task.id,
                error="boom",
                worker=task.worker,
                attempt=task.attempts,
                lease=task.lease,
                retry=retry,
            )
            again = retry and task.attempts < task.max_attempts
            task.status, task.worker = ("scheduled" if again else "failed"), None
            self.check_task(answer, task)
            if not again:
                assert answer["reason"] == "error", answer

        @staticmethod
        def _old_claims(task: ModelTask) -> list[tuple[str, int, int]]:
            """The claims of ``task`` before its current one (how many does not depend on
            which racing claimer got it, so the draws below replay the same)."""
            return task.claims[:-1] if task.status == "running" else task.claims

        @precondition(lambda self: any(self._old_claims(t) for t in self.model.values()))
        @rule(data=st.data())
        def late_report(self, data: st.DataObject) -> None:
            """The holder of an earlier claim reports as a runner does (worker, attempt and
            lease): refused, and nothing changes, even when the same worker holds the task
            again at the same attempt number (a requeue gave the claim back or a redrive
            started the attempts again): the lease tells the claims apart."""
            reported = [t for t in self.model.values() if self._old_claims(t)]
            task = data.draw(st.sampled_from(sorted(reported, key=lambda t: t.seq)))
            worker, attempt, lease = data.draw(st.sampled_from(self._old_claims(task)))
            self.refused("task.complete", id=task.id, worker=worker, attempt=attempt, lease=lease)

        @precondition(has_tasks)
        @rule(data=st.data())
        def cancel(self, data: st.DataObject) -> None:
            task = self.pick(data, CANCELLABLE)
            task_id = task.id
            if task.status not in CANCELLABLE:
                self.refused("task.cancel", id=task_id)
                return
            self._cancel(task)

        def _cancel(self, task: ModelTask) -> None:
            answer = self.call("task.cancel", id=task.id, message="not wanted")
            task.status, task.worker = "cancelled", None
            self.check_task(answer, task)
            assert answer["reason"] == "cancelled", answer

        @precondition(has_tasks)
        @rule(data=st.data())
        def requeue(self, data: st.DataObject) -> None:
            task = self.pick(data, ("running", "scheduled", *TERMINAL))
            task_id = task.id
            if task.status == "queued":
                self.refused("task.requeue", id=task_id)
                return
            answer = self.call("task.requeue", id=task_id)
            if task.status in TERMINAL:
                task.attempts = 0  # a finished task gets all its attempts again
            elif task.status == "running":
                task.attempts = max(task.attempts - 1, 0)  # a claim given back does not count
            task.status, task.worker = "queued", None
            self.check_task(answer, task)

        @precondition(has_tasks)
        @rule(data=st.data(), later=st.booleans())
        def reschedule(self, data: st.DataObject, later: bool) -> None:
            task = self.pick(data, ("queued", "scheduled"))
            delay = HOUR if later else 0
            if task.status not in ("queued", "scheduled"):
                self.refused("task.reschedule", id=task.id, delay=delay)
                return
            answer = self.call("task.reschedule", id=task.id, delay=delay)
            task.status = "scheduled" if later else "queued"
            self.check_task(answer, task)

        @rule()
        def requeue_failed(self) -> None:
            dead = [t for t in self.model.values() if t.status == "failed"]
            answer = self.call("queue.requeue_failed", queue=self.queue)
            assert answer == {"requeued": len(dead)}, (answer, len(dead))
            for task in dead:
                task.status, task.attempts = "queued", 0

        @rule()
        def pause_or_resume(self) -> None:
            """A paused queue hands out nothing; resumed, the claim order holds again."""
            answer = self.call("queue.resume" if self.paused else "queue.pause", queue=self.queue)
            self.paused = not self.paused
            assert answer["paused"] is self.paused, answer

        @precondition(lambda self: self.restarts < RESTARTS_PER_RUN)
        @rule()
        def crash_and_restart(self) -> None:
            """SIGKILL the daemon and start it again: every acknowledged change survives."""
            self.wire.close()
            daemon.kill()
            daemon.start()
            self.restarts += 1
            self.wire = Wire(daemon.socket)

        # ----- invariants --------------------------------------------------------------------

        @invariant()
        def rows_match_the_model(self) -> None:
            if not hasattr(self, "model") or not self.model:
                return
            listed = self.call("task.list", queue=self.queue, limit=1000)["tasks"]
            ids = [t["id"] for t in listed]
            assert len(ids) == len(set(ids)), "a task listed twice"
            assert set(ids) == set(self.model), "tasks lost or appeared"
            for answer in listed:
                self.check_task(answer, self.model[answer["id"]])
            holders = [t["id"] for t in listed if t["status"] == "running"]
            assert len(holders) == len(set(holders))
            counts = self.call("queue.get", queue=self.queue)["counts"]
            expected = Counter(t.status for t in self.model.values())
            assert counts == {s: expected.get(s, 0) for s in STATUSES}, (counts, expected)

    return TaskModel


def profile_for(engine: str) -> settings:
    """The settings profile of a run on ``engine`` (``SPARKQ_MODEL_PROFILE``, default ci)."""
    name = PROFILE_NAME
    if name == "ci" and engine == "postgresql":
        name = "ci-postgresql"
    return settings.get_profile(name)


def test_tasks_follow_the_model_across_crashes(
    make_daemon: Callable[..., DaemonProcess], daemon_engine: str
) -> None:
    run_state_machine_as_test(make_machine(make_daemon()), settings=profile_for(daemon_engine))
