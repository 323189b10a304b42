"""A real local HTTP server speaking the part of Boosty's web API ``billing.boosty.client`` reads.

It listens on 127.0.0.1, on a port of this suite's range (18400-18499), and
stops when the ``with`` block ends. It answers subscribers only to a request
carrying the expected Bearer token and cookie, and records every request.
"""

from __future__ import annotations

import contextlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

PORTS = range(18400, 18500)


class FakeBoosty:
    def __init__(self, *, token: str, subscribers: list[dict], fail_status: int | None = None):
        self.token = token
        self.subscribers = subscribers
        self.fail_status = fail_status
        self.requests: list[dict] = []


def _handler(state: FakeBoosty):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # quiet
            pass

        def do_GET(self):
            parts = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            state.requests.append({"path": parts.path, "query": query, "headers": dict(self.headers)})
            if state.fail_status:
                return self._send(state.fail_status, {"error": "failure"})
            if self.headers.get("Authorization") != f"Bearer {state.token}" or "auth=" not in (
                self.headers.get("Cookie") or ""
            ):
                return self._send(401, {"error": "unauthorized"})
            if not parts.path.startswith("/v1/blog/") or not parts.path.endswith("/subscribers"):
                return self._send(404, {"error": "not found"})
            limit, offset = int(query.get("limit", 20)), int(query.get("offset", 0))
            page = state.subscribers[offset : offset + limit]
            return self._send(
                200, {"data": page, "total": len(state.subscribers), "limit": limit, "offset": offset}
            )

        def _send(self, status: int, body: dict):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler


@contextlib.contextmanager
def fake_boosty(state: FakeBoosty):
    """Serve ``state`` on a free port of the range; yields the base URL."""
    server = None
    for port in PORTS:
        try:
            server = ThreadingHTTPServer(("127.0.0.1", port), _handler(state))
            break
        except OSError:
            continue
    assert server is not None, "no free port in 18400-18499"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
