"""The engine the worker tests run, in the test process and in real worker processes.

Operations take their behaviour from the attempt number, so every process agrees on
what an attempt does; retries back off for 0.1 s and leases last JOB_LEASE_SECONDS.
"""
from __future__ import annotations

import os
import time

from engine.core import Engine
from engine.operations import OperationRegistry, RetryPolicy

QUICK = RetryPolicy(attempts=3, backoff_seconds=0.1)


def _double(params, ctx):
    return {"value": params["x"] * 2}


def _slow(params, ctx):
    time.sleep(params["x"])
    return {"slept": params["x"], "attempt": ctx.attempt}


def _slow_once(params, ctx):
    if ctx.attempt == 1:
        time.sleep(params["x"])
    return {"attempt": ctx.attempt}


def _slow_retry(params, ctx):
    """Quick the first time, slow on every retry: a stalled first attempt answers first."""
    slept = params["x"] if ctx.attempt > 1 else 0
    time.sleep(slept)
    return {"slept": slept, "attempt": ctx.attempt}


def _flaky(params, ctx):
    if ctx.attempt <= 2:
        raise ConnectionError(f"backend unavailable (attempt {ctx.attempt})")
    return {"attempt": ctx.attempt}


def _broken(params, ctx):
    raise RuntimeError("backend rejects everything")


def operations() -> OperationRegistry:
    registry = OperationRegistry()
    for name, function in [("test.double", _double), ("test.slow", _slow), ("test.slow_once", _slow_once),
                           ("test.slow_retry", _slow_retry), ("test.flaky", _flaky), ("test.broken", _broken)]:
        registry.register(name, function, QUICK)
    return registry


def build_engine(settings=None) -> Engine:
    """The settings' (or DATABASE_URL's) engine; SLOW_COMMITS=seconds holds every change open that long."""
    url = getattr(settings, "database_url", settings) or os.environ["DATABASE_URL"]
    engine = Engine(url, operations=operations())
    engine.jobs.lease_seconds = float(os.environ.get("JOB_LEASE_SECONDS", "2"))
    if os.environ.get("SLOW_COMMITS"):
        engine.listeners.append(lambda session, event: time.sleep(float(os.environ["SLOW_COMMITS"])))
    return engine
