"""The public innovation database: list, filters, one initiative (downloads: test_open_data.py)."""
from __future__ import annotations

from innovation.driver import start_data
from tests.publishing import publish
from tests.ui.conftest import text


def _submit(engine, title, administration="SOF", public_name=False):
    """Submitted and published as submitted."""
    data = start_data(title, administration)
    data["idea_owner"]["show_publicly"] = public_name
    instance_id = engine.start("innovation", data, actor="ada")["id"]
    publish(engine, instance_id)
    return instance_id


def test_list_filters_and_detail_show_public_fields_only(page, engine):
    laiban = _submit(engine, "Laiban", public_name=True)
    _submit(engine, "Källsortering", "MF")
    visitor = page()
    listing = text(visitor.get("/public/initiatives"))
    assert "Laiban" in listing and "Källsortering" in listing and "2 initiativ" in listing
    filtered = text(visitor.get("/public/initiatives?administration=MF"))
    assert "Källsortering" in filtered and "Laiban" not in filtered
    detail = visitor.get(f"/public/initiatives/{laiban}")
    assert "Ada Lind" in text(detail) and "ada.lind@" not in detail.get_data(as_text=True)
    assert visitor.get("/public/initiatives/nope").status_code == 404
