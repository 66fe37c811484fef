"""The benchmark suite cannot rot: ``bench/run.py --quick --smoke`` runs end to end against the
installed daemon and prints its table. No timing is asserted (the machines are noisy)."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PEER_MODULES = ("huey", "persistqueue", "litequeue")
SPARKQ_ROWS = (
    "enqueue, 1 client, sequential",
    "enqueue, 8 concurrent clients",
    "task.enqueue_batch of 1000, 1 client",
    "drain (claim+complete), 1 runner",
    "drain (claim+complete), 4 runners",
    "drain (claim+complete), 8 runners",
    "enqueue→claimed, waiting runner, p50",
    "drain, 4 runners, complete+claim_next in one call",
    "enqueue, 1 client, 64 in flight (enqueue_many)",
)


def run_bench(short_dir: Path, *args: str, env: dict[str, str] | None = None):
    json_path = short_dir / "bench.json"
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "run.py"),
            "--quick",
            "--smoke",
            "--json-out",
            str(json_path),
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=300,  # a hang guard only: no timing is asserted
        cwd=short_dir,
        env=env or dict(os.environ),
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout, json.loads(json_path.read_text())


def rows_by_metric(document: dict) -> dict[str, dict]:
    return {row["metric"]: row for row in document["figures"]}


def test_smoke_run_prints_every_row_without_the_peers(short_dir: Path) -> None:
    # Peers blocked on purpose: the suite must skip them cleanly where they are not installed.
    blocker = short_dir / "blocked"
    blocker.mkdir()
    for module in PEER_MODULES:
        (blocker / f"{module}.py").write_text("raise ImportError('blocked by the smoke test')\n")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(blocker), env.get("PYTHONPATH")]))

    stdout, document = run_bench(short_dir, env=env)

    header = stdout.splitlines()[0]
    for column in (
        "group",
        "metric",
        "value",
        "unit",
        "target",
        "ratio vs limit",
        "ratio vs best peer",
    ):
        assert column in header
    rows = rows_by_metric(document)
    for metric in SPARKQ_ROWS:
        assert metric in stdout
        assert rows[metric]["median"] > 0
        assert rows[metric]["ratio_vs_limit"] is not None
    assert rows["enqueue, 8 concurrent clients"]["targets"][0]["target"] == "≥ 3× huey"
    runner = [row for row in document["figures"] if row["group"] == "runner"]
    assert [row["median"] > 0 for row in runner] == [True, True]
    assert runner[1]["median"] <= 4  # the daemon never saw more running than the concurrency
    assert rows["single-row commits, synchronous FULL"]["median"] > 0
    peers = [row for row in document["figures"] if row["group"] == "peer"]
    assert len(peers) == 8
    assert all(not row["runs"] and "not installed" in row["note"] for row in peers)
    assert all(row["ratio_vs_best_peer"] is None for row in document["figures"])
    python = {row["key"]: row for row in document["figures"] if row["group"] == "python"}
    assert python["python.sparkq_call_result"]["median"] > 0
    assert "not installed" in python["python.huey_call_result"]["note"]
    for group in ("big store", "cockpit", "runner", "flood"):
        measured = [row for row in document["figures"] if row["group"] == group]
        assert measured and all(row["median"] > 0 for row in measured)
    assert "| peer | huey SqliteHuey" in stdout and "not installed" in stdout
    assert document["machine"]["nproc"] >= 1


@pytest.mark.skipif(
    not all(importlib.util.find_spec(m) for m in PEER_MODULES),
    reason="the peers are not installed (pip install -e '.[bench]')",
)
def test_smoke_peers_when_installed(short_dir: Path) -> None:
    _, document = run_bench(short_dir, "--only", "limits", "peers", "python")
    peers = [row for row in document["figures"] if row["group"] == "peer"]
    assert len(peers) == 8 and all(row["median"] > 0 for row in peers)
    python = {row["key"]: row for row in document["figures"] if row["group"] == "python"}
    assert python["python.huey_call_result"]["median"] > 0
    assert python["python.sparkq_call_result"]["targets"][0]["value"] > 0


def test_remote_bench_prints_its_table(short_dir: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "remote.py"),
            "--connections",
            "20",
            "--claims",
            "50",
        ],
        capture_output=True,
        text=True,
        timeout=300,  # a hang guard only: no timing is asserted
        cwd=short_dir,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    for row in ("connections/s", "task.claim round trip, Unix socket", "TLS + token overhead"):
        assert row in proc.stdout
