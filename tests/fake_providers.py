"""A local HTTP server that speaks the two provider APIs the runner uses: Anthropic's
``POST /v1/messages`` and OpenAI's ``POST /v1/chat/completions``, each plain (JSON) or
streamed (server-sent events) as the request asks. A test scripts error replies ahead
(``refuse``); every other request gets a reply built from its prompt. Requests are kept."""

from __future__ import annotations

import json
import socket
import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

USAGE_IN, USAGE_OUT = 11, 7


def reply_text(prompt: str) -> str:
    """The text the fake answers ``prompt`` with."""
    return f"Echo: {prompt}"


@dataclass
class Refusal:
    """An error reply: status, headers and the provider's error message."""

    status: int
    message: str
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Stall:
    """A reply that does not come for ``seconds`` (the connection stays open)."""

    seconds: float


@dataclass
class Seen:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


def _pieces(text: str) -> Iterator[str]:
    for i in range(0, len(text), 4):
        yield text[i : i + 4]


def _anthropic_error(refusal: Refusal) -> dict[str, Any]:
    kind = {401: "authentication_error", 429: "rate_limit_error"}.get(refusal.status, "api_error")
    return {"type": "error", "error": {"type": kind, "message": refusal.message}}


def _openai_error(refusal: Refusal) -> dict[str, Any]:
    return {"error": {"message": refusal.message, "type": "error", "code": str(refusal.status)}}


def _anthropic_message(model: str, text: str) -> dict[str, Any]:
    return {
        "id": "msg_fake",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [{"type": "text", "text": text}],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": USAGE_IN, "output_tokens": USAGE_OUT},
    }


def _anthropic_events(model: str, text: str) -> Iterator[tuple[str, dict[str, Any]]]:
    start = _anthropic_message(model, "")
    start.update(content=[], stop_reason=None)
    start["usage"] = {"input_tokens": USAGE_IN, "output_tokens": 1}
    yield "message_start", {"type": "message_start", "message": start}
    block = {"type": "text", "text": ""}
    yield "content_block_start", {"type": "content_block_start", "index": 0, "content_block": block}
    for piece in _pieces(text):
        delta = {"type": "text_delta", "text": piece}
        yield "content_block_delta", {"type": "content_block_delta", "index": 0, "delta": delta}
    yield "content_block_stop", {"type": "content_block_stop", "index": 0}
    yield (
        "message_delta",
        {
            "type": "message_delta",
            "delta": {"stop_reason": "end_turn", "stop_sequence": None},
            "usage": {"output_tokens": USAGE_OUT},
        },
    )
    yield "message_stop", {"type": "message_stop"}


def _openai_usage() -> dict[str, int]:
    return {
        "prompt_tokens": USAGE_IN,
        "completion_tokens": USAGE_OUT,
        "total_tokens": USAGE_IN + USAGE_OUT,
    }


def _openai_completion(model: str, text: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 1,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "finish_reason": "stop",
            }
        ],
        "usage": _openai_usage(),
    }


def _openai_chunks(model: str, text: str) -> Iterator[dict[str, Any]]:
    base = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 1, "model": model}
    for piece in _pieces(text):
        choice = {"index": 0, "delta": {"content": piece}, "finish_reason": None}
        yield {**base, "choices": [choice]}
    yield {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
    yield {**base, "choices": [], "usage": _openai_usage()}


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        fake = self.server.fake
        with fake.lock:
            headers = {k.lower(): v for k, v in self.headers.items()}
            fake.seen.append(Seen(self.path, headers, body))
            refusal = fake.refusals.popleft() if fake.refusals else None
        anthropic = self.path.rstrip("/").endswith("/messages")
        if self.path.rstrip("/") not in ("/v1/messages", "/v1/chat/completions"):
            self._json(404, {"error": {"message": f"no route {self.path}"}})
        elif isinstance(refusal, Stall):
            fake.released.wait(refusal.seconds)
            self._json(503, {"error": {"message": "stalled"}})
        elif refusal is not None:
            error = _anthropic_error(refusal) if anthropic else _openai_error(refusal)
            self._json(refusal.status, error, refusal.headers)
        else:
            prompt = body["messages"][-1]["content"]
            text, model = reply_text(prompt), body.get("model", "?")
            if anthropic and body.get("stream"):
                self._sse(
                    f"event: {e}\ndata: {json.dumps(d)}\n\n"
                    for e, d in _anthropic_events(model, text)
                )
            elif anthropic:
                self._json(200, _anthropic_message(model, text))
            elif body.get("stream"):
                chunks = (f"data: {json.dumps(c)}\n\n" for c in _openai_chunks(model, text))
                self._sse([*chunks, "data: [DONE]\n\n"])
            else:
                self._json(200, _openai_completion(model, text))

    def _json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def _sse(self, events: Any) -> None:
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("cache-control", "no-cache")
        self.send_header("connection", "close")
        self.end_headers()
        for event in events:
            self.wfile.write(event.encode())
            self.wfile.flush()
        self.close_connection = True


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeProviders


class FakeProviders:
    """The server, on 127.0.0.1 and a free port, in a thread; use as a context manager."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.refusals: deque[Refusal | Stall] = deque()
        self.released = threading.Event()  # ends every stall at once
        self.seen: list[Seen] = []
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.fake = self
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """The base URL (Anthropic's SDK appends ``/v1/messages``)."""
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def openai_url(self) -> str:
        """The base URL for OpenAI's SDK (it appends ``/chat/completions``)."""
        return f"{self.url}/v1"

    def refuse(self, *refusals: Refusal | Stall) -> None:
        """Answer the next requests with these errors, in order."""
        with self.lock:
            self.refusals.extend(refusals)

    def __enter__(self) -> FakeProviders:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.released.set()
        self._server.shutdown()
        self._server.server_close()


def closed_port_url() -> str:
    """A URL nothing listens on (a port just freed)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"
