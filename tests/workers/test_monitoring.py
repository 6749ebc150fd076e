"""Health, metrics and queue state, with and without Redis; and how processes start the work."""
from __future__ import annotations

import re

import pytest
from redis import Redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from application import health as monitoring
from application.settings import Settings
from cli.main import main
from server.background import start_background
from tests.workers.conftest import job_of, start, wait_for
from workers.embedded import BackgroundRunner
from workers.queue import Dispatcher, connect


def redis_of(mode, request):
    return connect(request.getfixturevalue("redis_url")) if mode == "rq" else None


def samples(text: str) -> dict[str, float]:
    """Prometheus text format: every non-comment line is `name{labels} value`."""
    found = {}
    for line in text.splitlines():
        if not line.startswith("#"):
            name, value = re.fullmatch(r"([a-z_]+(?:\{[^}]*\})?) (-?[0-9.e+]+)", line).groups()
            found[name] = float(value)
    return found


def test_metrics_count_runs_failures_retries_and_incidents(engine, mode, request, background):
    redis = redis_of(mode, request)
    background()
    flaky, broken = start(engine, "test.flaky"), start(engine, "test.broken")
    wait_for(lambda: engine.instance(flaky)["status"] == "completed" and job_of(engine, broken).state == "incident")
    found = samples(monitoring.metrics_text(engine, redis))
    assert found["innovation_jobs_run_total"] == 6
    assert found["innovation_jobs_failed_total"] == 5
    assert found["innovation_jobs_retried_total"] == 4
    assert found["innovation_incidents_open"] == 1
    assert found['innovation_jobs{state="completed"}'] == 1
    assert found["innovation_timer_lag_seconds"] == 0 and found["innovation_timers_waiting"] == 1
    queue = "innovation-jobs" if redis is not None else "embedded"
    assert found[f'innovation_queue_depth{{queue="{queue}"}}'] == 0


def test_health_and_queue_state(engine, mode, request, background):
    redis = redis_of(mode, request)
    background()
    health = monitoring.health(engine, redis)
    assert health["ok"] and health["database"]["ok"] and health["redis"]["ok"] and health["queue_depth"] == 0
    instance_id = start(engine, "test.slow", number=0.5)
    running = wait_for(lambda: monitoring.queue_state(engine, redis)["running"])
    assert running[0]["job_id"] == job_of(engine, instance_id).id and running[0]["attempt"] == 1
    state = monitoring.queue_state(engine, redis)
    assert state["mode"] == mode and state["queues"][0]["depth"] == 0
    if redis is not None:
        assert state["workers"] and state["queues"][0]["name"] == "innovation-jobs"


def test_health_and_metrics_name_what_is_down(engine):
    # No retries: redis-py's default three, with backoff, take about 4 s per call here.
    down = Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2, retry=Retry(NoBackoff(), 0))
    health = monitoring.health(engine, down)
    assert not health["ok"] and health["database"]["ok"] and not health["redis"]["ok"]
    assert "ConnectionError" in health["redis"]["error"] and health["queue_depth"] is None
    found = samples(monitoring.metrics_text(engine, down))
    assert found["innovation_redis_up"] == 0 and found["innovation_incidents_open"] == 0


def test_worker_command_needs_redis(monkeypatch):
    monkeypatch.delenv("REDIS_URL", raising=False)
    with pytest.raises(SystemExit, match="needs REDIS_URL"):
        main(["worker"])


def test_start_background_picks_the_mode(engine, mode, request):
    redis_url = request.getfixturevalue("redis_url") if mode == "rq" else None
    background = start_background(engine, Settings(redis_url=redis_url, background_interval=0.05))
    try:
        assert isinstance(background, Dispatcher if redis_url else BackgroundRunner)
        assert len(engine.runtime.job_observers) == 1
    finally:
        background.stop()
    assert engine.runtime.job_observers == []
