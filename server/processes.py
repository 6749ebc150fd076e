"""The long-running processes: the web service under gunicorn, rq workers, the scheduler.

The web service is, in the embedded default, one process (SQLite allows one writer) with
threads for concurrent requests and jobs and timers run by a background thread; with
Redis, each of several processes enqueues the jobs it commits for the rq workers, and
timers belong to `innovation scheduler`. Workers and schedulers build their engine with
a factory (``module:function``, given the settings), so tests and benchmarks can run
real processes with operations of their own.
"""
from __future__ import annotations

import importlib
import json
import os
import signal
import socket
import threading

from gunicorn import util
from gunicorn.app.base import BaseApplication
from gunicorn.http.errors import LimitRequestHeaders, LimitRequestLine
from gunicorn.workers.gthread import ThreadWorker

from application.settings import Settings
from workers.embedded import BackgroundRunner
from workers.mail import Mailer
from workers.queue import Dispatcher, connect
from workers.tasks import worker

DEFAULT_ENGINE = "application.assembly:build_engine"
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
    def __init__(self, settings: Settings, options: dict):
        self.settings = settings
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from server import create_app  # in the worker process, after the fork
        return create_app(background=True, settings=self.settings)


def serve(settings: Settings, host: str, port: int, workers: int, threads: int) -> None:
    processes = 1 if settings.embedded else workers
    mode = ("embedded: SQLite-friendly, in-process jobs and timers" if settings.embedded
            else f"{processes} workers, jobs on Redis")
    print(f"serving on http://{host}:{port} ({mode}); log in at http://{host}:{port}/login; "
          f"docs at http://{host}:{port}/api/docs")
    # No control socket: two services on one host would otherwise share (and delete) one.
    _Service(settings, {"bind": f"{host}:{port}", "workers": processes, "threads": threads,
                        "worker_class": JsonErrorWorker, "limit_request_line": REQUEST_LINE_LIMIT,
                        "accesslog": "-", "loglevel": "warning", "timeout": 60,
                        "control_socket_disable": True}).run()


def _engine(settings: Settings, factory: str):
    module, _, function = factory.partition(":")
    return getattr(importlib.import_module(module), function)(settings)


def run_worker(settings: Settings, factory: str = DEFAULT_ENGINE, name: str | None = None, burst: bool = False,
               log_level: str = "INFO") -> None:
    """An rq worker: runs the service-task jobs Redis hands it until stopped (or the queue empties)."""
    if settings.embedded:
        raise SystemExit("error: `innovation worker` needs REDIS_URL; without it run `innovation scheduler`")
    engine, redis = _engine(settings, factory), connect(settings.redis_url)
    Dispatcher(engine, redis).start()  # the jobs that follow a result are queued too
    name = name or f"{socket.gethostname()}:{os.getpid()}"
    worker(engine, redis, name=name).work(burst=burst, logging_level=log_level)


def run_scheduler(settings: Settings, factory: str = DEFAULT_ENGINE, interval: float = 1.0) -> None:
    """Fire due timers, recover lost jobs and send notifications until SIGTERM/SIGINT (embedded: run the jobs too)."""
    engine = _engine(settings, factory)
    dispatcher = None if settings.embedded else Dispatcher(engine, connect(settings.redis_url)).start()
    runner = BackgroundRunner(engine, interval, name=f"{socket.gethostname()}:{os.getpid()}:scheduler",
                              dispatcher=dispatcher, chores=[Mailer.of(engine, settings)]).start()
    stopped = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopped.set())
    stopped.wait()
    runner.stop()
