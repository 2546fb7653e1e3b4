"""A local HTTP server standing in for GitHub's and GitLab's REST APIs: it serves the recorded responses of
fixtures/forges/ (written from the APIs' documentation) with their pagination and rate-limit headers,
and records every request it was sent."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "forges"

Answer = tuple[int, dict[str, str], bytes]


def recorded(name: str) -> list[dict[str, Any]]:
    return json.loads((FIXTURES / name).read_text())  # type: ignore[no-any-return]


def page(items: list[dict[str, Any]], **headers: str) -> Answer:
    return 200, {"Content-Type": "application/json; charset=utf-8", **headers}, json.dumps(items).encode()


def github_rate_limited(reset_in: float) -> Answer:
    """A primary rate limit as GitHub answers it: 403, nothing remaining, reset at an epoch second."""
    headers = {
        "x-ratelimit-limit": "5000",
        "x-ratelimit-remaining": "0",
        "x-ratelimit-used": "5000",
        "x-ratelimit-reset": str(int(time.time() + reset_in)),
        "x-ratelimit-resource": "core",
    }
    body = b'{"message": "API rate limit exceeded for user ID 1.", "documentation_url": "https://docs.github.com/rest"}'
    return 403, headers, body


def gitlab_rate_limited(retry_after: int) -> Answer:
    return 429, {"Retry-After": str(retry_after), "RateLimit-Remaining": "0"}, b'{"message": "Retry later"}'


@dataclass
class ForgeServer:
    base: str
    routes: dict[str, list[Answer]] = field(default_factory=dict)  # path and query -> answers in turn
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    def serve(self, path: str, *answers: Answer) -> None:
        self.routes[path] = list(answers)


@contextmanager
def forge_server() -> Iterator[ForgeServer]:
    state = ForgeServer(base="")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            state.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
            answers = state.routes.get(self.path)
            status, headers, body = answers.pop(0) if answers else (404, {}, b'{"message": "Not Found"}')
            if answers == []:
                state.routes[self.path] = [(status, headers, body)]  # the last answer stays
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@contextmanager
def silent_port() -> Iterator[int]:
    """A TCP port on this machine that accepts connections and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.05)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield int(server.getsockname()[1])
    finally:
        stop.set()
        thread.join()
        for connection in accepted:
            connection.close()
        server.close()
