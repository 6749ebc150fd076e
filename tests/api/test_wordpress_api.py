"""/api/public/wp-json/wp/v2/project: the public records as the city's WordPress plugin serves them,
paged as WordPress pages (X-WP-Total, X-WP-TotalPages), read the way its integration plugin reads."""
from __future__ import annotations

import json
from pathlib import Path

from application import publication
from innovation.adapters.wordpress import from_wp_project, read_projects
from innovation.domain.publication import PublicRecord

LIST = "/api/public/wp-json/wp/v2/project"
SAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / "wordpress" / "projects.json"


def _import(engine, records) -> None:
    with engine.db.unit_of_work(write=True) as uow:
        publication.import_historical(uow.session, records)
        uow.commit()


def _records(count: int) -> list[PublicRecord]:
    return [PublicRecord(id=str(1000 + n), title=f"Initiativ {n}", administration="SOF",
                         published_at="2020-01-01T10:00:00+00:00", updated_at=f"2020-02-01T10:{n // 60:02d}:{n % 60:02d}+00:00")
            for n in range(count)]


def test_pages_carry_wordpress_totals_without_a_login(api, engine):
    _import(engine, _records(23))
    anonymous = api.as_(None)
    first = anonymous.get(LIST)
    assert first.status_code == 200 and len(first.json) == 10  # WordPress's default per_page
    assert (first.headers["X-WP-Total"], first.headers["X-WP-TotalPages"]) == ("23", "3")
    assert [p["id"] for p in first.json][:2] == [1022, 1021]  # newest update first; the city's ids stay numbers
    assert 'rel="next"' in first.headers["Link"] and 'rel="prev"' not in first.headers["Link"]
    last = anonymous.get(f"{LIST}?per_page=10&page=3")
    assert [p["title"]["rendered"] for p in last.json] == ["Initiativ 2", "Initiativ 1", "Initiativ 0"]
    assert 'rel="prev"' in last.headers["Link"] and 'rel="next"' not in last.headers["Link"]
    assert len(anonymous.get(f"{LIST}?per_page=100").json) == 23
    assert anonymous.get(f"{LIST}?search=Initiativ 7").headers["X-WP-Total"] == "1"


def test_the_integration_plugins_loop_reads_every_project(api, engine):
    """Import/Importer.php importPosts: page=1.., per_page=50, until x-wp-totalpages."""
    _import(engine, _records(120))
    seen, page, pages = [], 1, 1
    while page <= pages:
        response = api.as_(None).get(LIST, query_string={"page": page, "per_page": 50})
        pages = int(response.headers["x-wp-totalpages"])
        seen += [from_wp_project(project).id for project in response.json]
        page += 1
    assert pages == 3 and sorted(seen) == sorted(r.id for r in _records(120))


def _sample() -> list[PublicRecord]:
    return read_projects(json.loads(SAMPLE.read_text(encoding="utf-8")))[0]


def test_one_project_and_wordpress_errors(api, engine):
    records = [r for r in _sample() if r.administration in ("SOF", "SLF")]
    _import(engine, records)
    anonymous = api.as_(None)
    one = anonymous.get(f"{LIST}/4127")
    assert one.status_code == 200 and one.json["slug"] == "laiban-ai-assistent-i-forskolan"
    assert one.json["link"] == "http://localhost/public/initiatives/4127"
    assert from_wp_project(one.json) == next(r for r in records if r.id == "4127")  # what was imported
    assert one.json == next(p for p in anonymous.get(LIST).json if p["id"] == 4127)
    missing = anonymous.get(f"{LIST}/999999")
    assert (missing.status_code, missing.json["code"], missing.json["data"]) == (404, "rest_post_invalid_id",
                                                                                 {"status": 404})
    beyond = anonymous.get(f"{LIST}?page=2")
    assert beyond.status_code == 400 and beyond.json == {
        "code": "rest_post_invalid_page_number",
        "message": "The page number requested is larger than the number of pages available.", "data": {"status": 400}}
    for query, param in (("per_page=0", "per_page"), ("per_page=101", "per_page"), ("page=0", "page"),
                         ("page=x", "page")):
        refused = anonymous.get(f"{LIST}?{query}")
        assert refused.status_code == 400 and refused.json["code"] == "rest_invalid_param", query
        assert list(refused.json["data"]["params"]) == [param] and param in refused.json["message"]
    assert anonymous.get(f"{LIST}?orderby=date&_embed=1").status_code == 200  # unknown arguments are ignored


def test_an_owner_outside_the_nine_administrations_is_kept(api, engine):
    """SällBo is Helsingborgshem's, a city company the city's database names as owner."""
    _import(engine, [r for r in _sample() if r.id == "2811"])
    served = api.as_(None).get(f"{LIST}/2811").json
    assert served["organisation"][0]["name"] == "Helsingborgshem" and from_wp_project(served).administration == \
        "Helsingborgshem"


def test_an_empty_database_answers_an_empty_first_page(api):
    response = api.as_(None).get(LIST)
    assert response.status_code == 200 and response.json == []
    assert (response.headers["X-WP-Total"], response.headers["X-WP-TotalPages"]) == ("0", "0")


def test_the_endpoints_are_in_the_openapi_document(api):
    paths = api.get("/api/openapi.json").json["paths"]
    listed = paths[LIST]["get"]
    assert {p["name"] for p in listed["parameters"]} >= {"page", "per_page", "search"}
    assert set(listed["responses"]["200"]["headers"]) == {"X-WP-Total", "X-WP-TotalPages"}
    assert "400" in listed["responses"] and "404" in paths[LIST + "/{project_id}"]["get"]["responses"]
