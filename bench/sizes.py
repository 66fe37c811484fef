"""How much work each benchmark does in a full, a ``--quick`` and a ``--smoke`` run."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Sizes:
    runs: int
    seconds: float  # the most one measured loop may take
    commits_full: int
    commits_normal: int
    batch_transactions: int
    cycles_full: int
    cycles_normal: int
    echo_sequential: int
    echo_pipelined: int
    enqueue_sequential: int
    enqueue_concurrent: int
    enqueue_batches: int
    drain_tasks: int
    latency_samples: int
    peer_tasks: int
    big_store_tasks: int
    big_store_queries: int
    cockpit_tasks: int
    runner_tasks: int  # `true` tasks a real `sparkq runner --drain` runs
    # The flood: lines one task prints, progress updates per second another sends, for how long.
    flood_lines: int = 100_000
    flood_progress_rate: int = 1000
    flood_seconds: float = 3.0


FULL = Sizes(
    runs=3,
    seconds=5.0,
    commits_full=3000,
    commits_normal=10000,
    batch_transactions=100,
    cycles_full=1500,
    cycles_normal=5000,
    echo_sequential=20000,
    echo_pipelined=100000,
    enqueue_sequential=3000,
    enqueue_concurrent=24000,
    enqueue_batches=50,
    drain_tasks=12000,
    latency_samples=500,
    peer_tasks=5000,
    big_store_tasks=1_000_000,
    big_store_queries=200,
    cockpit_tasks=10000,
    runner_tasks=10000,
)

QUICK = Sizes(
    runs=3,
    seconds=1.5,
    commits_full=1000,
    commits_normal=3000,
    batch_transactions=30,
    cycles_full=500,
    cycles_normal=1500,
    echo_sequential=5000,
    echo_pipelined=50000,
    enqueue_sequential=1000,
    enqueue_concurrent=8000,
    enqueue_batches=20,
    drain_tasks=4000,
    latency_samples=200,
    peer_tasks=2000,
    big_store_tasks=100_000,
    big_store_queries=100,
    cockpit_tasks=10000,
    runner_tasks=2000,
)

SMOKE = Sizes(
    runs=1,
    seconds=0.3,
    commits_full=60,
    commits_normal=100,
    batch_transactions=2,
    cycles_full=40,
    cycles_normal=60,
    echo_sequential=200,
    echo_pipelined=1000,
    enqueue_sequential=50,
    enqueue_concurrent=160,
    enqueue_batches=2,
    drain_tasks=120,
    latency_samples=10,
    peer_tasks=100,
    big_store_tasks=3000,
    big_store_queries=10,
    cockpit_tasks=300,
    runner_tasks=40,
    flood_lines=5000,
    flood_seconds=0.5,
)


def pick(quick: bool, smoke: bool) -> Sizes:
    """Smoke wins over quick: smoke runs are for the test suite and last seconds."""
    if smoke:
        return SMOKE
    return QUICK if quick else FULL
