"""POST /api/definitions with several files: one deployment, run over the API; hostile file
names and sizes are a 4xx in the one error shape, and nothing is stored."""
from __future__ import annotations

import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.test_hostile_input import assert_refused, counts
from tests.conftest import FIXTURES

BUNDLE = {p.name: p.read_bytes() for p in sorted((FIXTURES / "bundle").iterdir())}


def post(api, files: list[tuple[str, bytes]], field: str = "files"):
    data = {field: [(io.BytesIO(content), name) for name, content in files]}
    return api.as_("owner").post("/api/definitions", data=data, content_type="multipart/form-data")


def test_several_files_deploy_as_one_and_run(api, engine):
    response = post(api, list(BUNDLE.items()))
    assert response.status_code == 201, response.json
    deployed = {d["process_key"]: d for d in response.json}
    assert deployed["order"]["files"] == ["discount.dmn", "shipping.bpmn"] and deployed["shipping"]["created"]
    started = api.as_("admin").post("/api/instances", json={"process_key": "order",
                                                            "data": {"customer": "Ann", "tier": "silver"}})
    assert started.status_code == 201, started.json
    task = next(t for t in started.json["tasks"] if t["state"] == "open")
    assert task["element_id"] == "pack"
    done = api.as_("admin").post(f"/api/tasks/{task['id']}/complete", json={"data": {"weight": 3}}).json
    assert done["status"] == "completed" and done["data"]["label"] == "Ann: 3 kg, 10% off"
    assert post(api, list(BUNDLE.items())).json[0]["created"] is False
    dmn = api.as_("owner").get(f"/api/definitions/{deployed['order']['id']}/files/discount.dmn")
    assert dmn.status_code == 200 and dmn.data == BUNDLE["discount.dmn"]
    missing = assert_refused(api.as_("owner").get(f"/api/definitions/{deployed['shipping']['id']}/files/x.dmn"), 404)
    assert "runs no file 'x.dmn'" in missing["message"]


def test_a_refused_bundle_names_the_file_and_element_and_stores_nothing(api, engine):
    before = counts(engine)
    body = assert_refused(post(api, [(n, c) for n, c in BUNDLE.items() if n != "shipping.bpmn"]), 422)
    assert [(d["file"], d["element_id"]) for d in body["details"]] == [("order.bpmn", "ship")]
    assert "'shipping'" in body["details"][0]["message"]
    assert counts(engine) == before


def test_hostile_file_names_are_refused_and_nothing_is_stored(api, engine):
    before = counts(engine)
    for name in ("../order.bpmn", "sub/order.bpmn", ".order.bpmn", "x" * 300 + ".bpmn", "order.exe", "o\x7f.bpmn"):
        body = assert_refused(post(api, [(name, BUNDLE["order.bpmn"]), *BUNDLE.items()]), 422)
        assert any("file name" in d["message"] or "neither a diagram" in d["message"] for d in body["details"]), name
    twice = assert_refused(post(api, [*BUNDLE.items(), ("order.bpmn", BUNDLE["order.bpmn"])]), 422, "/files")
    assert "twice" in twice["details"][0]["message"]
    nul = assert_refused(post(api, [*BUNDLE.items(), ("o\x00.bpmn", BUNDLE["order.bpmn"])]), 422)
    assert "\x00" not in str(nul)
    assert counts(engine) == before


def test_a_huge_upload_is_a_413_and_nothing_is_stored(api, engine):
    before = counts(engine)
    assert_refused(post(api, [*BUNDLE.items(), ("big.json", b" " * (9 * 1024 * 1024))]), 413)
    assert counts(engine) == before


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.text(max_size=60), st.sampled_from(["", ".bpmn", ".dmn", ".json"]),
                          st.sampled_from(sorted(BUNDLE)) | st.binary(max_size=64)),
                min_size=1, max_size=4))
def test_any_names_and_contents_are_deployed_or_refused_never_a_500(api, engine, uploads):
    before = counts(engine)
    files = [(name + suffix, BUNDLE[content] if isinstance(content, str) else content)
             for name, suffix, content in uploads]
    response = post(api, files)
    assert response.status_code in (201, 400, 413, 422), response.get_data(as_text=True)[:300]
    if response.status_code != 201:
        assert set(response.get_json()) == {"status", "code", "message", "params", "details"}
        assert counts(engine) == before
