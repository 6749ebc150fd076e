"""The product's read queries: paging, filters and portfolio figures."""
from __future__ import annotations

import pytest

from application import portfolio as queries
from application import publication
from tests.api.flows import ApiInitiative
from tests.publishing import publish


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
PUBLIC_FILTERS = [({}, 3), ({"administration": "MF"}, 1), ({"phase": "utveckla_pilot", "kind": "idedriven"}, 1),
                  ({"q": "låneCYKEL", "status": "active"}, 3)]


def test_instance_pages_filter_and_split_without_overlap(initiatives):
    for filters, total in INSTANCE_FILTERS:
        with initiatives.db.unit_of_work() as uow:
            pages = [queries.instance_page(uow.session, page=p, page_size=2, **filters) for p in (1, 2)]
        ids = [item["id"] for page in pages for item in page["items"]]
        assert pages[0]["total"] == total and len(ids) == len(set(ids)) == total, filters
        started = [item["started_at"] for page in pages for item in page["items"]]
        assert started == sorted(started, reverse=True), filters


def test_public_pages_split_the_published_records_newest_update_first(initiatives, clock):
    with initiatives.reading() as session:
        ids = [item["id"] for item in queries.instance_page(session, page=1, page_size=10)["items"]]
    for instance_id in ids:
        clock.advance(hours=1)
        publish(initiatives, instance_id)
    for filters, total in PUBLIC_FILTERS:
        with initiatives.reading() as session:
            everything = publication.public_records(session, page=1, page_size=10, **filters)
            pages = [publication.public_records(session, page=p, page_size=2, **filters) for p in (1, 2)]
        assert everything[0] == len(everything[1]) == total, filters
        assert pages[0][1] + pages[1][1] == everything[1] and pages[0][0] == total, filters
        updated = [record.updated_at for record in everything[1]]
        assert updated == sorted(updated, reverse=True) and len(set(updated)) == len(updated), filters


def test_portfolio_figures(initiatives):
    with initiatives.db.unit_of_work() as uow:
        stats = queries.stats(uow.session)
    assert stats["by_phase"] == {"utveckla_pilot": 1, "utforska_ide": 2}
    assert stats["by_administration"] == {"SOF": 2, "MF": 1}
    assert stats["funds"]["SOF"] == {"granted": 200_000.0, "spent": 40_000.0}
    assert set(stats["median_days_in_phase"]) == {"utforska_ide", "utforska_upplagg"}
