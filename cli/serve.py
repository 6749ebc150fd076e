"""`innovation serve`: the HTTP service under gunicorn.

With no REDIS_URL it is the embedded default: one process (SQLite allows one writer),
threads for concurrent requests, and jobs and timers run by a background thread of the
service. With REDIS_URL set, each process enqueues the jobs it commits for the rq
workers, and timers belong to `innovation scheduler`.
"""
from __future__ import annotations

import os

from gunicorn.app.base import BaseApplication


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
              "worker_class": "gthread", "accesslog": "-", "timeout": 60}).run()


def add_commands(sub) -> None:
    p = sub.add_parser("serve", help="run the HTTP service")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=5000)
    p.add_argument("--workers", type=int, default=4, help="processes (production mode only)")
    p.add_argument("--threads", type=int, default=8)
    p.set_defaults(run=cmd_serve)
