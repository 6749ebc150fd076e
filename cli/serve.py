"""`innovation serve`: the HTTP service under gunicorn.

With no REDIS_URL it is the embedded default: one process (SQLite allows one writer),
threads for concurrent requests, and jobs and timers run by a background thread of the
service. With REDIS_URL set, each process enqueues the jobs it commits for the rq
workers, and timers belong to `innovation scheduler`.
"""
from __future__ import annotations

import json
import os

from gunicorn import util
from gunicorn.app.base import BaseApplication
from gunicorn.http.errors import LimitRequestHeaders, LimitRequestLine
from gunicorn.workers.gthread import ThreadWorker

# gunicorn's largest request line (its default is 4094): long filter URLs still reach the app.
REQUEST_LINE_LIMIT = 8190
_TOO_LONG = {LimitRequestLine: (414, "URI Too Long", "request line"),
             LimitRequestHeaders: (431, "Request Header Fields Too Large", "request headers")}


class JsonErrorWorker(ThreadWorker):
    """gunicorn's gthread worker, answering an oversized request line or header block in the
    service's one error shape instead of gunicorn's HTML page (the app never sees those)."""

    def handle_error(self, req, client, addr, exc):
        kind = next((known for known in _TOO_LONG if isinstance(exc, known)), None)
        if kind is None:
            return super().handle_error(req, client, addr, exc)
        status, reason, what = _TOO_LONG[kind]
        self.log.warning("Invalid request from ip=%s: %s", (addr or ("",))[0], exc)
        body = json.dumps({"status": status, "message": f"the {what} is longer than this service accepts: {exc}",
                           "details": []}).encode()
        head = (f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n\r\n").encode("latin-1")
        try:
            util.write_nonblock(client, head + body)
        except OSError:
            self.log.debug("Failed to send error message.")
        return None


class _Service(BaseApplication):
    def __init__(self, options: dict):
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from api import create_app
        return create_app(background=True)


def cmd_serve(args) -> None:
    embedded = not os.environ.get("REDIS_URL")
    workers = 1 if embedded else args.workers
    print(f"serving on http://{args.host}:{args.port} ({'embedded: SQLite-friendly, in-process jobs and timers' if embedded else f'{workers} workers, jobs on Redis'}); "
          f"docs at http://{args.host}:{args.port}/api/docs")
    _Service({"bind": f"{args.host}:{args.port}", "workers": workers, "threads": args.threads,
              "worker_class": JsonErrorWorker, "limit_request_line": REQUEST_LINE_LIMIT, "accesslog": "-",
              "timeout": 60}).run()


def add_commands(sub) -> None:
    p = sub.add_parser("serve", help="run the HTTP service")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=5000)
    p.add_argument("--workers", type=int, default=4, help="processes (production mode only)")
    p.add_argument("--threads", type=int, default=8)
    p.set_defaults(run=cmd_serve)
