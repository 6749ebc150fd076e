"""The product's read queries: paging, filters and portfolio figures."""
from __future__ import annotations

import pytest

from application import portfolio as queries
from tests.api.flows import ApiInitiative


@pytest.fixture
def initiatives(api, engine, clock):
    piloted = ApiInitiative(api, engine, clock)
    piloted.to_pilot()
    clock.advance(days=3)
    piloted.evaluate("continue", [("SOF", 40_000)])
    ApiInitiative(api, engine, clock, administration="MF", decider="mf_boss").to_exploration()
    clock.advance(days=1)
    ApiInitiative(api, engine, clock)
    return engine


# The filter cases share one set of initiatives: building it is most of the time here.
INSTANCE_FILTERS = [({}, 3), ({"administration": "SOF"}, 2), ({"administration": "MF"}, 1),
                    ({"phase": "utveckla_pilot", "status": "running"}, 1),
                    ({"q": "lånecykel", "process_key": "innovation"}, 3), ({"q": "x"}, 0)]
PUBLIC_FILTERS = [{}, {"administration": "MF"}, {"phase": "utveckla_pilot", "kind": "idedriven"}]


def test_instance_pages_filter_and_split_without_overlap(initiatives):
    for filters, total in INSTANCE_FILTERS:
        with initiatives.db.unit_of_work() as uow:
            pages = [queries.instance_page(uow.session, page=p, page_size=2, **filters) for p in (1, 2)]
        ids = [item["id"] for page in pages for item in page["items"]]
        assert pages[0]["total"] == total and len(ids) == len(set(ids)) == total, filters
        started = [item["started_at"] for page in pages for item in page["items"]]
        assert started == sorted(started, reverse=True), filters


def test_public_pages_hold_the_public_list(initiatives):
    for filters in PUBLIC_FILTERS:
        with initiatives.db.unit_of_work() as uow:
            everything = queries.public_initiatives(uow.session, **filters)
            pages = [queries.public_page(uow.session, page=p, page_size=2, **filters) for p in (1, 2)]
        assert pages[0]["items"] + pages[1]["items"] == everything, filters
        assert pages[0]["total"] == len(everything), filters


def test_portfolio_figures(initiatives):
    with initiatives.db.unit_of_work() as uow:
        stats = queries.stats(uow.session)
    assert stats["by_phase"] == {"utveckla_pilot": 1, "utforska_ide": 2}
    assert stats["by_administration"] == {"SOF": 2, "MF": 1}
    assert stats["funds"]["SOF"] == {"granted": 200_000.0, "spent": 40_000.0}
    assert set(stats["median_days_in_phase"]) == {"utforska_ide", "utforska_upplagg"}
