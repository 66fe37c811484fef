"""Property-based: random bytes and random JSON never break the daemon or go unanswered."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.daemon_process import DaemonProcess
from tests.wire import Wire

METHODS = [
    "system.ping",
    "session.create",
    "queue.create",
    "task.enqueue",
    "task.claim",
    "task.complete",
    "task.list",
    "queue.list",
    "config.set",
    "purge.run",
    "no.such",
]
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4)
    ),
    max_leaves=12,
)
requests = st.fixed_dictionaries(
    {"jsonrpc": st.just("2.0"), "id": st.integers(0, 10**6), "method": st.sampled_from(METHODS)},
    optional={
        "params": st.dictionaries(
            st.sampled_from(
                [
                    "name",
                    "session",
                    "queue",
                    "tool",
                    "payload",
                    "id",
                    "wait",
                    "limit",
                    "namespace",
                    "key",
                    "value",
                    "older_than_days",
                    "x",
                ]
            ),
            json_values,
            max_size=5,
        )
    },
)


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.binary(min_size=1, max_size=300).filter(lambda b: b"\n" not in b))
def test_random_bytes_get_an_error_or_a_reply(daemon: DaemonProcess, data: bytes) -> None:
    with Wire(daemon.socket, timeout=10) as w:
        if not data.strip():
            return
        w.send_raw(data + b"\n")
        reply = w.read()
        assert ("error" in reply) or ("result" in reply) or isinstance(reply, list)
        assert w.call("system.ping")


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(request=requests)
def test_random_requests_are_answered_with_protocol_codes(
    daemon: DaemonProcess, request: dict
) -> None:
    if request["method"] == "task.claim" and isinstance(request.get("params"), dict):
        request["params"].pop("wait", None)
    with Wire(daemon.socket, timeout=10) as w:
        w.send_raw(json.dumps(request).encode() + b"\n")
        reply = w.read()
        assert reply["id"] == request["id"]
        if "error" in reply:
            assert reply["error"]["code"] in {-32600, -32601, -32602, -32004, -32009}, reply
            assert reply["error"]["message"]
        else:
            assert "result" in reply
        assert w.call("system.ping")
