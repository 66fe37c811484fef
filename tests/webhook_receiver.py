"""A real HTTP server on 127.0.0.1 that plays a webhook receiver: each path answers from its
script (a status code, or ``HANG`` to answer nothing until the test ends; the last entry
repeats), and every request is kept with its headers and raw body."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

HANG = "hang"


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


class Receiver:
    """``with Receiver({"/ok": [200], "/flaky": [500, 200]}) as r: r.url("/ok")``."""

    def __init__(self, script: dict[str, list[Any]]) -> None:
        self.script = {path: list(answers) for path, answers in script.items()}
        self.received: list[Received] = []
        self.released = threading.Event()
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                answer = receiver._next(self.path, Received(self.path, dict(self.headers), body))
                if answer == HANG:
                    receiver.released.wait(30)
                    return
                self.send_response(answer)
                if 300 <= answer < 400:
                    self.send_header("location", receiver.url("/redirected"))
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _next(self, path: str, request: Received) -> Any:
        with self._lock:
            self.received.append(request)
            answers = self.script.get(path, [404])
            return answers.pop(0) if len(answers) > 1 else answers[0]

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def hits(self, path: str) -> list[Received]:
        with self._lock:
            return [r for r in self.received if r.path == path]

    def __enter__(self) -> Receiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.released.set()
        self.server.shutdown()
        self.server.server_close()
