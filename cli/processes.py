"""`innovation serve`, `worker` and `scheduler`: parse the options, start the process."""
from __future__ import annotations

from server import processes


def add_commands(sub) -> None:
    p = sub.add_parser("serve", help="run the HTTP service")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=5000)
    p.add_argument("--workers", type=int, default=4, help="processes (with Redis only)")
    p.add_argument("--threads", type=int, default=8)
    p.set_defaults(run=lambda a: processes.serve(a.settings, a.host, a.port, a.workers, a.threads))
    p = sub.add_parser("worker", help="run service-task jobs queued in Redis (rq)")
    p.add_argument("--engine", default=processes.DEFAULT_ENGINE, help="module:function building the engine")
    p.add_argument("--name", help="worker name (default host:pid)")
    p.add_argument("--burst", action="store_true", help="stop once the queue is empty")
    p.add_argument("--log-level", default="INFO")
    p.set_defaults(run=lambda a: processes.run_worker(a.settings, a.engine, a.name, a.burst, a.log_level))
    p = sub.add_parser("scheduler", help="fire due timers and recover lost jobs "
                                         "(without REDIS_URL it runs the jobs too)")
    p.add_argument("--engine", default=processes.DEFAULT_ENGINE, help="module:function building the engine")
    p.add_argument("--interval", type=float, default=1.0, help="longest sleep between passes, seconds")
    p.set_defaults(run=lambda a: processes.run_scheduler(a.settings, a.engine, a.interval))
