"""`innovation worker` and `innovation scheduler`: parse, wire, run.

Both build their engine with a factory (``--engine module:function``, the innovation
model by default), so tests and benchmarks can run real processes with operations of
their own. Any number of either may run against the same database and Redis.
"""
from __future__ import annotations

import importlib
import os
import signal
import socket
import threading


def add_worker_commands(sub) -> None:
    p = sub.add_parser("worker", help="run service-task jobs queued in Redis (rq)")
    _common(p)
    p.add_argument("--name", help="worker name (default host:pid)")
    p.add_argument("--burst", action="store_true", help="stop once the queue is empty")
    p.add_argument("--log-level", default="INFO")
    p.set_defaults(run=cmd_worker)
    p = sub.add_parser("scheduler", help="fire due timers and recover lost jobs "
                                         "(without REDIS_URL it runs the jobs too)")
    _common(p)
    p.add_argument("--interval", type=float, default=1.0, help="longest sleep between passes, seconds")
    p.set_defaults(run=cmd_scheduler)


def _common(p) -> None:
    p.add_argument("--engine", default="innovation.bootstrap:build_engine", help="module:function building the engine")
    p.add_argument("--redis-url", default=os.environ.get("REDIS_URL"), help="default: $REDIS_URL")


def _build(spec: str):
    module, _, function = spec.partition(":")
    return getattr(importlib.import_module(module), function)()


def cmd_worker(args) -> None:
    from workers.queue import Dispatcher, connect
    from workers.tasks import worker
    if not args.redis_url:
        raise SystemExit("error: `innovation worker` needs REDIS_URL; without it run `innovation scheduler`")
    engine, redis = _build(args.engine), connect(args.redis_url)
    Dispatcher(engine, redis).start()  # the jobs that follow a result are queued too
    name = args.name or f"{socket.gethostname()}:{os.getpid()}"
    worker(engine, redis, name=name).work(burst=args.burst, logging_level=args.log_level)


def cmd_scheduler(args) -> None:
    from workers.embedded import BackgroundRunner
    from workers.queue import Dispatcher, connect
    engine = _build(args.engine)
    dispatcher = Dispatcher(engine, connect(args.redis_url)).start() if args.redis_url else None
    runner = BackgroundRunner(engine, args.interval, name=f"{socket.gethostname()}:{os.getpid()}:scheduler",
                              dispatcher=dispatcher).start()
    stopped = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopped.set())
    stopped.wait()
    runner.stop()
