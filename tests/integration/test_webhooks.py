"""Webhooks against a real local HTTP receiver, on both engines: deliveries signed per
Standard Webhooks (verified with the ``standardwebhooks`` package), retried after 500s,
a redirect counted as a failure and redelivered, a hanging receiver bounded per attempt while
the daemon keeps serving, and the outbox surviving a daemon restart."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from standardwebhooks import Webhook

from tests.daemon_process import DaemonProcess
from tests.waiting import wait_until
from tests.webhook_receiver import HANG, Receiver
from tests.wire import Wire

FAST = [0.05] * 7  # the waits between attempts, short for tests: 8 attempts


def fast(timeout: float = 2.0, retries: list[float] | None = None) -> dict[str, Any]:
    return {"webhooks": {"timeout_seconds": timeout, "retry_schedule": retries or FAST}}


def setup(w: Wire) -> None:
    w.call("session.create", name="work")
    w.call("queue.create", name="jobs", session="work")


def settled(w: Wire, webhook: str, status: str = "delivered") -> dict[str, Any]:
    """The webhook's latest delivery once it has that status."""

    def latest() -> dict[str, Any] | None:
        found = w.call("webhook.deliveries", webhook=webhook)["deliveries"]
        return found[0] if found and found[0]["status"] == status else None

    return wait_until(latest, timeout=15, what=f"a {status} delivery of {webhook}")


def test_signed_retried_redirected_bounded_and_redelivered(
    make_daemon: Callable[..., DaemonProcess],
) -> None:
    daemon = make_daemon(fast(timeout=0.5, retries=[0.05, 0.05, 0.05]))
    script: dict[str, list[Any]] = {
        "/ok": [200],
        "/flaky": [500, 500, 200],
        "/moved": [302],
        "/slow": [HANG, 200],
    }
    with Receiver(script) as receiver, Wire(daemon.socket) as w:
        setup(w)
        refuse_bad_webhooks(w)

        # A receiver that hangs: the attempt ends at the timeout, the daemon serves meanwhile.
        slow = w.call("webhook.create", url=receiver.url("/slow"), events=["session.created"])
        w.call("session.create", name="first")
        wait_until(lambda: receiver.hits("/slow"), what="the first attempt")
        started = time.monotonic()  # the receiver hangs on it now
        for _ in range(20):
            w.call("queue.list")
            assert w.call("task.list", queue="jobs")["total"] == 0
        assert time.monotonic() - started < 0.5  # requests answered while the attempt hangs
        done = settled(w, slow["id"])
        assert (done["attempts"], done["last_status"]) == (2, 200)
        assert time.monotonic() - started < 5  # the receiver would have hung for 30 s
        assert "attempt 1 of 4) failed: no answer within 0.5 s" in daemon.log()
        assert slow["secret"] not in daemon.log()
        w.call("webhook.delete", id=slow["id"])
        signed = w.call("webhook.create", url=receiver.url("/ok"), events=["task.enqueued"])
        assert signed["secret"].startswith("whsec_") and signed["events"] == ["task.enqueued"]
        flaky = w.call(
            "webhook.create", url=receiver.url("/flaky"), events=["task.*"], queue="jobs"
        )
        moved = w.call("webhook.create", url=receiver.url("/moved"), events=["task.enqueued"])
        listed = w.call("webhook.list")["webhooks"]
        assert [h["id"] for h in listed] == [signed["id"], flaky["id"], moved["id"]]
        assert all("secret" not in h for h in listed)
        task = w.call("task.enqueue", queue="jobs", tool="run-bash", payload={"n": 1})

        # Signed: the receiver's own check passes, and fails with another secret.
        ok = settled(w, signed["id"])
        assert (ok["attempts"], ok["last_status"], ok["event"]) == (1, 200, "task.enqueued")
        [hit] = receiver.hits("/ok")
        body = Webhook(signed["secret"]).verify(hit.body, hit.headers)
        assert body["type"] == "task.enqueued" and body["data"]["id"] == task["id"]
        assert hit.headers["webhook-id"] == ok["id"]
        assert hit.headers["content-type"] == "application/json"
        other = Webhook("whsec_" + "QUJD" * 8)
        try:
            other.verify(hit.body, hit.headers)
        except Exception as exc:
            assert "signature" in str(exc).lower()
        else:
            raise AssertionError("a wrong secret verified the delivery")

        # 500, 500, then 200: three attempts of one delivery (one webhook-id).
        retried = settled(w, flaky["id"])
        assert (retried["attempts"], retried["last_status"]) == (3, 200)
        assert {h.headers["webhook-id"] for h in receiver.hits("/flaky")} == {retried["id"]}
        assert len(receiver.hits("/flaky")) == 3

        # A redirect is a failed attempt, never followed; 4 attempts, then failed for good.
        failed = settled(w, moved["id"], "failed")
        assert (failed["attempts"], failed["last_status"]) == (4, 302)
        assert "redirect" in failed["last_error"]
        assert receiver.hits("/redirected") == []
        receiver.script["/moved"] = [204]
        again = w.call("webhook.redeliver", delivery=failed["id"])
        assert (again["status"], again["attempts"]) == ("pending", 0)
        redelivered = settled(w, moved["id"])
        assert (redelivered["id"], redelivered["attempts"]) == (failed["id"], 1)

        # Only this queue's task events went to the queue's webhook.
        w.call("queue.create", name="elsewhere", session="work")
        w.call("task.enqueue", queue="elsewhere", tool="run-bash")
        w.call("queue.pause", queue="jobs")
        kinds = [
            d["event"] for d in w.call("webhook.deliveries", webhook=flaky["id"])["deliveries"]
        ]
        assert kinds == ["task.enqueued"]
        deleted = w.call("webhook.delete", id=flaky["id"])
        assert deleted["deleted"] is True
        assert w.error("webhook.deliveries", webhook=flaky["id"])["code"] == -32004


def refuse_bad_webhooks(w: Wire) -> None:
    """Bad webhooks are refused naming the value; private and loopback hosts are fine."""
    for url in ("ftp://127.0.0.1/x", "file:///etc/passwd", "http://", "not a url", 7):
        error = w.error("webhook.create", url=url)
        assert error["code"] == -32602 and error["data"]["field"] == "url", error
        assert str(url) in error["message"]
    error = w.error("webhook.create", url="http://127.0.0.1/x", events=["task failed"])
    assert error["code"] == -32602 and "'task failed'" in error["message"]
    error = w.error("webhook.create", url="http://127.0.0.1/x", secret="hunter2")
    assert error["code"] == -32602 and error["data"]["field"] == "secret"
    error = w.error("webhook.create", url="http://127.0.0.1/x", queue="ghost")
    assert error["code"] == -32004 and "ghost" in error["message"]
    for private in ("http://localhost:1/h", "https://10.1.2.3/h", "http://[::1]:8/h"):
        hook = w.call("webhook.create", url=private, events=["schedule.fired"])
        assert hook["url"] == private
        w.call("webhook.delete", id=hook["id"])
    assert w.error("webhook.redeliver", delivery="msg_ghost")["code"] == -32004


def test_the_outbox_survives_a_daemon_restart(
    make_daemon: Callable[..., DaemonProcess],
) -> None:
    daemon = make_daemon(fast(retries=[0.5] * 7))
    with Receiver({"/hook": [503]}) as receiver:
        with Wire(daemon.socket) as w:
            setup(w)
            hook = w.call("webhook.create", url=receiver.url("/hook"), events=["task.enqueued"])
            w.call("task.enqueue", queue="jobs", tool="run-bash")

            def failed_once() -> dict[str, Any] | None:
                [d] = w.call("webhook.deliveries", webhook=hook["id"])["deliveries"]
                return d if d["attempts"] >= 1 else None

            pending = wait_until(failed_once, what="a failed attempt")
            assert (pending["status"], pending["last_status"]) == ("pending", 503)
        daemon.stop()
        before = len(receiver.hits("/hook"))
        receiver.script["/hook"] = [200]  # the receiver is back while the daemon is down
        daemon.start()
        with Wire(daemon.socket) as w:
            done = settled(w, hook["id"])
            assert (done["id"], done["last_status"]) == (pending["id"], 200)
            # Delivered by the restarted daemon (an attempt cut short by the stop is made again).
            assert done["attempts"] >= 2 and len(receiver.hits("/hook")) > before
