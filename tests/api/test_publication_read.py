"""The public database's read side: only published and historical records, newest update first."""
from __future__ import annotations

import pytest

from application import publication
from engine import Conflict
from innovation.domain.publication import Funds, PublicRecord
from innovation.driver import start_data
from tests.publishing import publish

OLD = PublicRecord(id="hbg-2019-42", title="Digital anslagstavla", status="canceled", progress=-1,
                   phase_reached="Testas som pilot",
                   administration="SLF", funds_used=(Funds("SLF", "120000.00", "2019-05-01"),),
                   published_at="2019-03-01T10:00:00", updated_at="2019-06-01T10:00:00+00:00")


def _import(engine, *records) -> int:
    with engine.db.unit_of_work(write=True) as uow:
        count = publication.import_historical(uow.session, records)
        uow.commit()
    return count


def test_historical_records_are_public_read_only_and_upserted(engine, clock):
    submitted = engine.start("innovation", start_data("Laiban"), actor="ada")["id"]
    assert _import(engine, OLD) == 1
    assert _import(engine, PublicRecord(**{**OLD.__dict__, "title": "Digital anslagstavla 2"})) == 1
    with engine.reading() as session:
        total, records = publication.public_records(session, page=1, page_size=10)
        assert total == 1 and records[0].title == "Digital anslagstavla 2" and records[0].historical
        assert records[0].funds_used == OLD.funds_used and records[0].published_at == "2019-03-01T10:00:00+00:00"
        assert publication.public_record(session, submitted) is None  # submitted, not published
        assert publication.public_changes(session, 5) == records
        assert publication.public_records(session, page=1, page_size=10, q="anslag", administration="SLF")[0] == 1
        assert publication.public_records(session, page=1, page_size=10, status="active")[0] == 0
    with pytest.raises(Conflict):
        _import(engine, PublicRecord(id=submitted, title="Kapning"))
    with pytest.raises(Conflict, match="read-only"):  # review and publish refuse a historical record
        publish(engine, OLD.id)

