"""A local HTTP server replaying a recorded Open Referral feed, for tests that read one.

Routes map a request's path and query (below the feed's base, e.g. `/services?page=1&per_page=100`)
to what is answered: a JSON-able body, `None` for a 404, a `Reply` (status, headers, a delay, raw
bytes), or a list of replies answered in turn (the last one repeated). Every request is logged.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "openreferral"
BASE_PATH = "/o/ServiceDirectoryService/v2"  # as Bristol's Open Place Directory names its feed


@dataclass
class Reply:
    status: int = 200
    body: object = None  # JSON-able, or bytes sent as they are
    headers: dict = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering


@dataclass
class Feed:
    routes: dict
    base: str = ""
    requests: list[str] = field(default_factory=list)

    def reply(self, path: str) -> Reply:
        self.requests.append(path)
        found = self.routes.get(path, None) if path in self.routes else Reply(404, {"error": "?"})
        if isinstance(found, list):
            found = found.pop(0) if len(found) > 1 else found[0]
        if found is None:
            return Reply(404, {"status": 404, "error": "Not Found", "path": path})
        return found if isinstance(found, Reply) else Reply(200, found)


def recorded(run: str = "first_run") -> dict:
    """The committed recording's routes for one run (the second run's laid over the first's)."""
    doc = json.loads((FIXTURES / "feed_oruk_v1_bristol_shape.json").read_text(encoding="utf-8"))
    routes = dict(doc["first_run"])
    if run == "second_run":
        routes |= doc["second_run"]
    return routes


@contextmanager
def serving(routes: dict) -> Iterator[Feed]:
    """A server on a free local port for the duration; `feed.base` is the feed's address."""
    feed = Feed(routes)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            path = self.path.removeprefix(BASE_PATH)
            reply = feed.reply(path)
            if reply.delay:
                time.sleep(reply.delay)
            body = reply.body
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            try:
                self.send_response(reply.status)
                headers = {"Content-Type": "application/json", **reply.headers}
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except OSError:  # the client gave up waiting (a timeout test)
                pass

        def log_message(self, *args):  # quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    feed.base = f"http://127.0.0.1:{server.server_address[1]}{BASE_PATH}"
    try:
        yield feed
    finally:
        server.shutdown()
        server.server_close()
