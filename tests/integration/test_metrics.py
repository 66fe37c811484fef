"""``/metrics``: a real daemon scraped over HTTP after real work over its socket, parsed with
prometheus_client's own parser; a bad ``metrics.listen`` refused at start."""

from __future__ import annotations

import subprocess
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from sparkq_daemon import metrics
from sparkq_daemon.config import Config
from tests.daemon_process import DaemonProcess, daemon_argv
from tests.inprocess_daemon import InProcessDaemon
from tests.waiting import wait_until
from tests.wire import Wire

METRICS = {"metrics": {"listen": "127.0.0.1:0"}}


def scrape(url: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of one scrape: (sample name, labels) → value."""
    with urllib.request.urlopen(url, timeout=10) as reply:
        assert reply.status == 200
        assert reply.headers["Content-Type"].startswith("text/plain; version=")
        text = reply.read().decode()
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: dict, name: str, **labels: str) -> float | None:
    return samples.get((name, frozenset(labels.items())))


def started(make_daemon: Any, extra: dict[str, Any] | None = None) -> tuple[DaemonProcess, str]:
    daemon = make_daemon({**METRICS, **(extra or {})})
    with Wire(daemon.socket) as w:
        url = w.call("system.info")["metrics"]
    assert url.startswith("http://127.0.0.1:") and url.endswith("/metrics")
    return daemon, url


def test_a_scrape_after_real_work_counts_it(make_daemon: Any) -> None:
    daemon, url = started(make_daemon)
    with Wire(daemon.socket) as owner, Wire(daemon.socket) as runner:
        owner.call("session.create", name="work")
        for name in ("alpha", "beta"):
            owner.call("queue.create", name=name, session="work")
        owner.call("task.enqueue_batch", queue="alpha", tasks=[{"tool": "run-bash"}] * 3)
        owner.call("task.enqueue", queue="beta", tool="run-python")

        first = runner.call("task.claim", queue="alpha", worker="r1")["task"]
        runner.call("task.complete", id=first["id"], result={"ok": True})
        second = runner.call("task.claim", queue="alpha", worker="r1")["task"]
        runner.call("task.fail", id=second["id"], error="exit 3")
        third = runner.call("task.claim", queue="alpha", worker="r1")["task"]
        runner.call("task.requeue", id=third["id"], worker="r1")

        samples = scrape(url)
        assert value(samples, "sparkq_runners_connected") == 1  # the runner, not the owner

    # Tasks by queue and status, from the store.
    for queue, status, n in [
        ("alpha", "queued", 1),
        ("alpha", "running", 0),
        ("alpha", "succeeded", 1),
        ("alpha", "failed", 1),
        ("beta", "queued", 1),
        ("beta", "succeeded", 0),
    ]:
        assert value(samples, "sparkq_tasks", queue=queue, status=status) == n, (queue, status)
    # This daemon's counters, by queue and tool.
    alpha = {"queue": "alpha", "tool": "run-bash"}
    assert value(samples, "sparkq_tasks_enqueued_total", **alpha) == 3
    assert value(samples, "sparkq_tasks_enqueued_total", queue="beta", tool="run-python") == 1
    assert value(samples, "sparkq_tasks_claimed_total", **alpha) == 3
    assert value(samples, "sparkq_tasks_completed_total", **alpha) == 1
    assert value(samples, "sparkq_tasks_failed_total", **alpha, reason="error") == 1
    assert value(samples, "sparkq_tasks_retried_total", **alpha) == 1
    assert value(samples, "sparkq_tasks_claimed_total", queue="beta", tool="run-python") is None
    # Histograms: three waits (enqueue → claim), two runs (claim → finish).
    assert value(samples, "sparkq_task_wait_seconds_count", **alpha) == 3
    assert value(samples, "sparkq_task_wait_seconds_bucket", **alpha, le="+Inf") == 3
    assert value(samples, "sparkq_task_run_seconds_count", **alpha) == 2
    assert 0 <= value(samples, "sparkq_task_run_seconds_sum", **alpha) < 60
    # The oldest queued task of each queue that has one.
    for queue in ("alpha", "beta"):
        age = value(samples, "sparkq_queue_oldest_queued_age_seconds", queue=queue)
        assert age is not None and 0 <= age < 60

    # The runner's connection is gone: no runner is connected.
    wait_until(lambda: value(scrape(url), "sparkq_runners_connected") == 0, what="the runner to go")


@pytest.mark.time_and_failure
def test_a_task_the_sweeper_fails_counts_as_stale(make_daemon: Any) -> None:
    fast = {"queue_runner": {"auto_fail_interval_seconds": 0.1}}
    daemon, url = started(make_daemon, fast)
    with Wire(daemon.socket) as w:
        w.call("session.create", name="work")
        w.call("queue.create", name="jobs", session="work")
        w.call("task.enqueue", queue="jobs", tool="run-bash", timeout=0.1)
        w.call("task.claim", queue="jobs", worker="silent")
    labels = {"queue": "jobs", "tool": "run-bash"}
    wait_until(
        lambda: value(scrape(url), "sparkq_tasks_failed_total", **labels, reason="stale") == 1,
        what="the sweeper's failure to be counted",
    )
    samples = scrape(url)
    assert value(samples, "sparkq_tasks_failed_total", **labels, reason="error") is None
    assert value(samples, "sparkq_task_run_seconds_count", **labels) == 1
    assert value(samples, "sparkq_tasks", queue="jobs", status="failed") == 1


def test_only_get_metrics_is_served(make_daemon: Any) -> None:
    _, url = started(make_daemon)
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(url.replace("/metrics", "/other"), timeout=10)
    assert missing.value.code == 404
    with pytest.raises(urllib.error.HTTPError) as posted:
        urllib.request.urlopen(url, data=b"x", timeout=10)
    assert posted.value.code == 405
    assert value(scrape(url), "sparkq_runners_connected") == 0  # still serving


def test_metrics_are_off_by_default(daemon: DaemonProcess) -> None:
    with Wire(daemon.socket) as w:
        assert w.call("system.info")["metrics"] is None


@pytest.mark.parametrize(
    "listen", ["9464", "127.0.0.1:99999", "127.0.0.1:port", ":9464", 9464, ["127.0.0.1:9464"]]
)
def test_a_bad_listen_address_stops_the_daemon_with_exit_2(short_dir: Path, listen: Any) -> None:
    config = short_dir / "sparkq.yml"
    config.write_text(yaml.safe_dump({"metrics": {"listen": listen}}), encoding="utf-8")
    argv = [*daemon_argv(), "--socket", str(short_dir / "s.sock"), "--db", str(short_dir / "q.db")]
    done = subprocess.run(
        [*argv, "--config", str(config)], capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 2, done.stderr
    assert "metrics.listen" in done.stderr and repr(listen) in done.stderr
    assert "Traceback" not in done.stderr


def test_an_unknown_metrics_key_stops_the_daemon_with_exit_2(short_dir: Path) -> None:
    config = short_dir / "sparkq.yml"
    config.write_text(yaml.safe_dump({"metrics": {"port": 9464}}), encoding="utf-8")
    argv = [*daemon_argv(), "--socket", str(short_dir / "s.sock"), "--db", str(short_dir / "q.db")]
    done = subprocess.run(
        [*argv, "--config", str(config)], capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 2 and "metrics.port" in done.stderr, done.stderr


def test_two_daemons_in_one_process_keep_their_own_metrics(short_dir: Path) -> None:
    """Each daemon's metrics live in a registry of its own, not prometheus_client's global."""
    daemons, urls = [], []
    try:
        for name, n in (("a", 2), ("b", 1)):
            (short_dir / name).mkdir()
            config = Config()
            config.settings["metrics"]["listen"] = "127.0.0.1:0"
            daemon = InProcessDaemon(short_dir / name, config).start()
            daemons.append(daemon)
            daemon.run(metrics.start)
            with Wire(daemon.socket) as w:
                w.call("session.create", name="work")
                w.call("queue.create", name="jobs", session="work")
                w.call("task.enqueue_batch", queue="jobs", tasks=[{"tool": "run-bash"}] * n)
                urls.append(w.call("system.info")["metrics"])
        counted = [
            value(scrape(url), "sparkq_tasks_enqueued_total", queue="jobs", tool="run-bash")
            for url in urls
        ]
        assert counted == [2, 1]
    finally:
        for daemon in daemons:
            daemon.stop()
