from __future__ import annotations

import pytest

from innovation.driver import Driver, start_data


@pytest.fixture
def submit(engine, clock):
    def _submit(title: str = "Laiban – AI-assistent i förskolan", **overrides) -> Driver:
        return Driver.submit(engine, clock, start_data(title, **overrides))
    return _submit


@pytest.fixture
def funded_pilot(submit):
    """An initiative in Utveckla pilot with 300 000 SEK from SOF and 100 000 SEK from SLF."""
    def _funded(**plan) -> Driver:
        d = submit()
        d.screen()
        d.gate_time("go")
        d.explore_idea(3)
        d.plan([("SOF", 300_000), ("SLF", 100_000)], **plan)
        d.gate_money("grant", [("SOF", 300_000), ("SLF", 100_000)])
        return d
    return _funded
