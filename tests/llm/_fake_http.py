"""Shared plumbing for the fake model servers: a threaded HTTP server on 127.0.0.1 and a handler base."""
from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

HANG_LIMIT = 20.0  # a "hanging" handler gives up after this long even if the test forgot to stop the server


@dataclass
class RecordedRequest:
    """One request the fake server received."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any = None  # decoded JSON, or the raw text if it was not JSON

    @property
    def json(self) -> dict:
        """The JSON body (asserts there was one)."""
        assert isinstance(self.body, dict), f"not a JSON object: {self.body!r}"
        return self.body


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def handle_error(self, request, client_address) -> None:
        """Clients hanging up on a stalled or broken stream is the point of many tests: stay quiet."""


class FakeHandler(BaseHTTPRequestHandler):
    """Handler base: JSON and chunked-streaming helpers, request recording, cooperative hanging."""

    protocol_version = "HTTP/1.1"  # keep-alive and chunked streaming, like the real servers
    server: _Server
    fake: "FakeServer"

    def log_message(self, format: str, *args: Any) -> None:
        """Silence per-request logging."""

    def record(self) -> RecordedRequest:
        """Read the body (if any) and remember the request."""
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode("utf-8") if length else ""
        try:
            body = json.loads(raw) if raw else None
        except json.JSONDecodeError:
            body = raw
        request = RecordedRequest(self.command, self.path, dict(self.headers.items()), body)
        with self.fake.lock:
            self.fake.requests.append(request)
        return request

    def send_json(self, status: int, payload: Any) -> None:
        """A complete JSON response."""
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def start_chunked(self, content_type: str) -> None:
        """Status 200 and headers for a streamed (chunked) body."""
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.wfile.flush()

    def write_chunk(self, data: bytes | str) -> None:
        """One HTTP chunk, flushed at once."""
        if isinstance(data, str):
            data = data.encode()
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def end_chunked(self) -> None:
        """The terminating zero-length chunk."""
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def drop_connection(self) -> None:
        """Close the socket without finishing the response (a crash mid-stream)."""
        self.close_connection = True
        self.wfile.flush()
        self.connection.close()

    def hang(self) -> None:
        """Stall until the server stops (or HANG_LIMIT), then close the connection."""
        self.fake.released.wait(HANG_LIMIT)
        self.close_connection = True

    def pause(self, seconds: float) -> None:
        """Sleep, but wake up when the server stops."""
        if seconds > 0:
            self.fake.released.wait(seconds)


class FakeServer:
    """A fake server on 127.0.0.1 (random free port) in a background thread; use it as a context manager."""

    handler_class: type = FakeHandler

    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self.lock = threading.Lock()
        self.released = threading.Event()  # set on stop(): stalled handlers return

    def start(self) -> "FakeServer":
        """Bind a free port and serve in a daemon thread."""
        handler = type("Handler", (self.handler_class,), {"fake": self})
        self._server = _Server(("127.0.0.1", 0), handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"{type(self).__name__}:{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Release hung handlers and shut the server down."""
        self.released.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    @property
    def url(self) -> str:
        """Base URL, e.g. http://127.0.0.1:54321."""
        return f"http://127.0.0.1:{self.port}"

    def requests_to(self, path: str) -> list[RecordedRequest]:
        """The recorded requests for one path."""
        with self.lock:
            return [r for r in self.requests if r.path == path]

    def __enter__(self) -> "FakeServer":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()
