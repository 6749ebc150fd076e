"""`innovation import-projects FILE`: the city's earlier database in, broken items named and left out."""
from __future__ import annotations

import json

import pytest

from application import publication
from application.assembly import build_engine
from innovation.driver import start_data
from tests.conftest import FIXTURES, ROOT
from tests.test_cli import cli, migrated  # noqa: F401  (the command on a migrated SQLite file)

SAMPLE = FIXTURES / "wordpress" / "projects.json"


def _public(tmp_path) -> dict:
    engine = build_engine(f"sqlite:///{tmp_path / 'cli.db'}")
    with engine.reading() as session:
        total, records = publication.public_records(session, page=1, page_size=100)
    engine.db.dispose()
    return {r.id: r for r in records} | {"total": total}


def test_the_citys_projects_are_imported_as_historical_records(cli, migrated, tmp_path):
    code, out, err = cli("import-projects", str(SAMPLE))
    assert (code, err) == (0, "") and out == "imported 3 of 3 projects as historical records\n"
    found = _public(tmp_path)
    assert found["total"] == 3 and found["4127"].historical and found["4127"].title.startswith("Laiban")
    assert found["3980"].status == "aborted" and found["2811"].administration == "Helsingborgshem"
    assert cli("import-projects", str(SAMPLE))[0] == 0 and _public(tmp_path)["total"] == 3  # again: replaced


def test_broken_items_are_named_by_position_id_and_field_and_left_out(cli, migrated, tmp_path):
    projects = json.loads(SAMPLE.read_text(encoding="utf-8"))
    projects[1] = {**projects[1], "status": None, "funds_used": [{"amount": "mycket", "date": "2021-01-01"}]}
    projects.append("inte ett projekt")
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(projects), encoding="utf-8")
    code, out, err = cli("import-projects", str(broken))
    assert code == 1 and out == "imported 2 of 4 projects as historical records; 2 not imported (see above)\n"
    assert err.splitlines() == [
        "item 2 (id 3980): status: required: the plugin needs one term",
        "item 2 (id 3980): funds_used[0].amount: must be a number; got 'mycket'",
        "item 4 (id ?): project: must be an object (one post of /wp-json/wp/v2/project)"]
    assert set(_public(tmp_path)) == {"4127", "2811", "total"}


def test_an_id_of_this_services_own_initiative_is_refused_and_the_rest_imported(cli, migrated, tmp_path):
    engine = build_engine(f"sqlite:///{tmp_path / 'cli.db'}")
    engine.deploy_file(ROOT / "processes" / "innovation.bpmn", deployed_by="tester")
    own = engine.start("innovation", start_data("Eget"), actor="ada")["id"]
    engine.db.dispose()
    projects = json.loads(SAMPLE.read_text(encoding="utf-8"))
    projects[0] = {**projects[0], "id": own}
    clash = tmp_path / "clash.json"
    clash.write_text(json.dumps(projects), encoding="utf-8")
    code, out, err = cli("import-projects", str(clash))
    assert code == 1 and "imported 2 of 3" in out and err.startswith(f"id {own}: ") and "not a historical" in err


def test_a_file_that_is_not_a_list_of_projects_stops_with_one_line(cli, migrated, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"id": 1}', encoding="utf-8")
    with pytest.raises(SystemExit, match="body: must be a list of projects, as /wp-json/wp/v2/project answers"):
        cli("import-projects", str(bad))
    bad.write_text("[{", encoding="utf-8")
    with pytest.raises(SystemExit, match="is not JSON"):
        cli("import-projects", str(bad))
    assert cli("import-projects", str(tmp_path / "none.json"))[0] == 2
