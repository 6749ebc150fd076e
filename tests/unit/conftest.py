"""The unit tier (`make test-unit`): pure logic, no database, no Redis, no browser, no server.

A test here that asks for a database fixture is refused at collection, so the tier stays
fast and runnable anywhere.
"""
from __future__ import annotations

from pathlib import Path

import pytest

UNIT = Path(__file__).resolve().parent
SERVICES = {"database_url", "innovation_database_url", "postgres_states", "sqlite_states", "engine", "redis_url",
            "node"}


def pytest_collection_modifyitems(items):
    for item in items:
        needs = SERVICES & set(getattr(item, "fixturenames", ()))
        if UNIT in item.path.parents and needs:
            raise pytest.UsageError(f"{item.nodeid} is a unit test but uses {', '.join(sorted(needs))}; "
                                    "move it out of tests/unit")
