"""Hostile and malformed input: every case is a 4xx in the one error shape, naming the field,
and nothing is written. Each test runs on SQLite and on PostgreSQL (the ``engine`` fixture)."""
from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys
import threading
import time

import pytest
from sqlalchemy import event, func, select

from application.settings import ROOT
from cli.database import upgrade
from engine import InvalidData
from engine.forms import MAX_DEPTH, MAX_STRING_LENGTH
from engine.tables import AuditEntry, ProcessDefinition, ProcessInstance
from innovation.driver import start_data
from tests.conftest import FIXTURES

POST_SCRIPT = (FIXTURES / "post_script.bpmn").read_bytes()


def assert_refused(response, status: int, *fields: str) -> dict:
    """The one error shape, with ``status`` and a detail for each of ``fields``."""
    body = response.get_json()
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:300])
    assert body["status"] == status and body["message"], body
    assert {"status", "code", "message", "params", "details"} == set(body), body
    named = {d.get("field") for d in body["details"]}
    assert set(fields) <= named, (fields, body["details"])
    return body


def counts(engine) -> tuple[int, int, int]:
    with engine.db.unit_of_work() as uow:
        return tuple(uow.session.scalar(select(func.count()).select_from(table))
                     for table in (ProcessInstance, ProcessDefinition, AuditEntry))


def raw_post(api, user, path, text: str):
    return api.as_(user).post(path, data=text.encode("utf-8", "surrogatepass"), content_type="application/json")


def test_empty_filters_mean_no_filter(api):
    everything = api.as_("admin").get("/api/tasks", query_string={"scope": "all"}).json
    assert api.as_("admin").get("/api/tasks?scope=all&lane=&instance_id=&due_before=").json == everything
    assert api.as_("admin").get("/api/tasks?scope=&lane=").status_code == 200
    assert api.as_("admin").get("/api/instances?phase=&status=&page=&started_from=").json["page"] == 1
    assert api.get("/api/public/initiatives?phase=&kind=&administration=&status=").status_code == 200
    assert api.as_("admin").get("/api/jobs?state=&limit=").status_code == 200
    assert api.as_("owner").get("/api/definitions?process_key=").json[0]["process_key"] == "innovation"


def test_nul_in_query_or_path_is_refused(api):
    for user, path, field in [(None, "/api/public/initiatives?phase=a%00", "/phase"),
                              (None, "/api/public/initiatives/a%00b", "/initiative_id"),
                              ("admin", "/api/tasks?lane=%00", "/lane"),
                              ("admin", "/api/tasks/a%00b/form", "/task_id"),
                              ("admin", "/api/instances/a%00b", "/instance_id"),
                              ("admin", "/api/instances?q=x%00y", "/q")]:
        assert_refused(api.as_(user).get(path), 422, field)


def test_nul_and_lone_surrogates_in_json_bodies_are_refused_and_nothing_is_written(api, engine):
    before = counts(engine)
    data = start_data("NUL")
    assert_refused(api.as_("ada").post("/api/instances", json={"business_key": "a\x00b", "data": data}),
                   422, "/business_key")
    assert_refused(api.as_("ada").post("/api/instances", json={"data": {**data, "need": "x\x00"}}), 422,
                   "/data/need")
    assert_refused(api.as_("ada").post("/api/instances", json={"data": {**data, "k\x00": 1}}), 422, "/data/k\x00")
    surrogate = json.dumps({"data": {**data, "title": "\ud800"}})  # ensure_ascii: the escape \\ud800
    assert_refused(raw_post(api, "ada", "/api/instances", surrogate), 422, "/data/title")
    assert_refused(raw_post(api, "ada", "/api/instances", '{"business_key": "\\udfff", "data": {}}'), 422,
                   "/business_key")
    assert counts(engine) == before


def test_numbers_and_dates_out_of_range_are_refused(api, engine):
    admin = api.as_("admin")
    instance = api.as_("ada").post("/api/instances", json={"data": start_data("Tal")}).json["id"]
    before = counts(engine)
    assert_refused(admin.get("/api/instances?page=%C2%B2"), 422, "/page")
    assert_refused(admin.get(f"/api/instances?page={10**20}"), 422, "/page")
    assert_refused(admin.get(f"/api/definitions/{10**20}/xml"), 404, "/definition_id")
    assert_refused(admin.get(f"/api/definitions/1/diff/{2**31}"), 404, "/other_id")
    assert_refused(admin.get("/api/instances?started_from=0001-01-01T00:00:00%2B01:00"), 422, "/started_from")
    assert_refused(admin.get("/api/tasks?due_before=9999-12-31T23:59:59-01:00"), 422, "/due_before")
    assert admin.get("/api/tasks?due_before=0001-01-01T00:00:00").status_code == 200
    assert_refused(admin.post(f"/api/instances/{instance}/migrate", json={"to_version": 10**20}), 422, "/to_version")
    assert_refused(admin.post(f"/api/instances/{instance}/suspend", json={"version": 2**31}), 422, "/version")
    assert_refused(raw_post(api, "admin", f"/api/instances/{instance}/suspend", '{"version": ' + "9" * 5000 + "}"),
                   400, "/")
    assert counts(engine) == before


def test_nan_and_infinity_are_refused(api, engine):
    before = counts(engine)
    for token in ("NaN", "Infinity", "-Infinity", "1e400"):
        body = json.dumps({"data": start_data("Oändlig")})[:-2] + f', "estimate": {token}}}}}'
        assert_refused(raw_post(api, "ada", "/api/instances", body), 422, "/data/estimate")
    assert counts(engine) == before


def test_deep_nesting_and_malformed_json(api, engine):
    before = counts(engine)
    deep = '{"data": {"x": ' + "[" * 1000 + "]" * 1000 + "}}"
    assert_refused(raw_post(api, "ada", "/api/instances", deep), 422, "/")
    nested = '{"data": {"x": ' + "[" * MAX_DEPTH + "]" * MAX_DEPTH + "}}"
    body = assert_refused(raw_post(api, "ada", "/api/instances", nested), 422)
    assert body["details"][0]["field"].startswith("/data/x/0/0/0")
    assert_refused(raw_post(api, "ada", "/api/instances", '{"data": '), 400, "/")
    assert counts(engine) == before


def test_strings_longer_than_their_column(api, engine):
    instance = api.as_("ada").post("/api/instances", json={"data": start_data("Lång")}).json["id"]
    task = api.as_("admin").get("/api/tasks", query_string={"scope": "all", "instance_id": instance}).json[0]
    before = counts(engine)
    assert_refused(api.as_("ada").post("/api/instances", json={"business_key": "k" * 201, "data": {}}), 422,
                   "/business_key")
    assert_refused(api.as_("admin").post(f"/api/tasks/{task['id']}/assign", json={"assignee": "u" * 201}), 422,
                   "/assignee")
    assert_refused(api.as_("admin").post(f"/api/instances/{instance}/abort",
                                         json={"reason": "r" * (MAX_STRING_LENGTH + 1)}), 422, "/reason")
    assert_refused(api.get("/api/public/initiatives", query_string={"kind": "k" * 31}), 422, "/kind")
    assert counts(engine) == before


def test_form_less_data_has_the_same_limits_in_the_engine(engine):
    """Not only at the HTTP boundary: a form-less task or message refuses the same data."""
    engine.deploy(POST_SCRIPT, deployed_by="owner")
    started = engine.start("checked", {}, actor="ada")
    task = next(t for t in started["tasks"] if t["state"] == "open")
    deep: dict = {}
    node = deep
    for _ in range(MAX_DEPTH + 5):
        node["next"] = {}
        node = node["next"]
    for data, field in (({"note": "x" * (MAX_STRING_LENGTH + 1)}, "/note"), ({"note": "a\x00"}, "/note"),
                        ({"amount": float("nan")}, "/amount"), ({"deep": deep}, "/deep" + "/next" * (MAX_DEPTH - 1))):
        with pytest.raises(InvalidData) as refused:
            engine.complete_task(task["id"], data, actor="admin")
        assert field in [p.field for p in refused.value.details], refused.value.details
    with pytest.raises(InvalidData) as refused:
        engine.correlate_message("anything", {"reason": "\ud800"}, actor="admin", instance_id=started["id"])
    assert refused.value.details[0].field == "/reason"
    assert engine.instance(started["id"])["version"] == started["version"]


def test_a_utf16_diagram_is_refused_and_nothing_is_stored(api, engine):
    before = counts(engine)
    text = POST_SCRIPT.decode().replace('encoding="UTF-8"', 'encoding="UTF-16"')
    upload = {"file": (io.BytesIO(text.encode("utf-16")), "checked.bpmn")}
    body = assert_refused(api.as_("owner").post("/api/definitions", data=upload, content_type="multipart/form-data"),
                          422)
    assert "UTF-8" in body["details"][0]["message"] and "checked.bpmn" in body["details"][0]["message"]
    assert counts(engine) == before


def test_a_diagram_with_ids_longer_than_their_columns_is_refused(api, engine):
    long_id = "godkann_" + "x" * 200
    xml = POST_SCRIPT.replace(b'"approve"', f'"{long_id}"'.encode())
    before = counts(engine)
    upload = {"file": (io.BytesIO(xml), "checked.bpmn")}
    body = assert_refused(api.as_("owner").post("/api/definitions", data=upload, content_type="multipart/form-data"),
                          422)
    assert [d["element_id"] for d in body["details"]] == [long_id] and "limit is 200" in body["details"][0]["message"]
    assert counts(engine) == before


def test_a_failing_post_script_is_a_422_naming_the_element_and_nothing_is_written(api, engine):
    engine.deploy(POST_SCRIPT, deployed_by="owner")
    started = api.as_("admin").post("/api/instances", json={"process_key": "checked", "data": {}}).json
    task = next(t for t in started["tasks"] if t["state"] == "open")
    before = counts(engine)
    body = assert_refused(api.as_("admin").post(f"/api/tasks/{task['id']}/complete",
                                                json={"data": {"amount": 10, "parts": 0}}), 422)
    assert body["details"][0]["element_id"] == "approve" and "ZeroDivisionError" in body["details"][0]["message"]
    assert counts(engine) == before
    after = api.as_("admin").get(f"/api/instances/{started['id']}").json
    assert after["version"] == started["version"] and after["tasks"][0]["state"] == "open"
    done = api.as_("admin").post(f"/api/tasks/{task['id']}/complete", json={"data": {"amount": 10, "parts": 2}})
    assert done.status_code == 200 and done.json["data"]["share"] == 5


def _inserts_meet(engine, parties: int):
    """Hold each INSERT into process_definitions until ``parties`` transactions reach one, so
    concurrent first deployments really both pick version 1 (SQLite's single writer lets
    only one through: the wait then times out and it goes on alone)."""
    barrier = threading.Barrier(parties, timeout=1)

    def meet(conn, cursor, statement, *_):
        if statement.startswith("INSERT INTO process_definitions"):
            try:
                barrier.wait()
            except threading.BrokenBarrierError:
                pass
    event.listen(engine.db.engine, "before_cursor_execute", meet)
    return lambda: event.remove(engine.db.engine, "before_cursor_execute", meet)


@pytest.mark.parametrize("same_content", [True, False])
def test_concurrent_first_deploys_of_one_process_key(engine, same_content):
    xmls = [POST_SCRIPT, POST_SCRIPT if same_content else POST_SCRIPT.replace(b"Approve the amount", b"Approve it")]
    results, errors = [None, None], []
    start = threading.Barrier(2)
    stop_meeting = _inserts_meet(engine, 2)

    def deploy(i):
        try:
            start.wait()
            results[i] = engine.deploy(xmls[i], deployed_by=f"owner{i}")[0]
        except Exception as exc:  # collected: the assertion below shows it
            errors.append(exc)
    threads = [threading.Thread(target=deploy, args=(i,)) for i in range(2)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    finally:
        stop_meeting()
    assert not errors, errors
    versions = sorted(d["version"] for d in engine.definitions("checked"))
    if same_content:
        assert versions == [1] and sorted(r["created"] for r in results) == [False, True]
    else:
        assert versions == [1, 2] and all(r["created"] for r in results)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _raw_get(port: int, target: str) -> tuple[int, dict, bytes]:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
        raw = b""
        while chunk := sock.recv(65536):
            raw += chunk
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), headers, body


def test_gunicorn_answers_an_overlong_request_line_in_the_error_shape(tmp_path):
    """`innovation serve` on a loopback port: a line past gunicorn's limit gets JSON, not HTML,
    and one past gunicorn's default of 4094 bytes still reaches the service."""
    url = f"sqlite:///{tmp_path / 'serve.db'}"
    upgrade(url)
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": url}
    env.pop("REDIS_URL", None)
    server = subprocess.Popen([sys.executable, "-c", "from cli.main import main; main()", "serve", "--port", str(port),
                               "--threads", "2"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                status, _, _ = _raw_get(port, "/api/public/initiatives")
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, server.stdout.read().decode()[-2000:]
                time.sleep(0.2)
        assert status == 200
        status, headers, body = _raw_get(port, "/api/public/initiatives?kind=" + "k" * 9000)
        assert status == 414 and headers["Content-Type"] == "application/json"
        error = json.loads(body)
        assert error["status"] == 414 and "request line" in error["message"] and error["details"] == []
        status, headers, body = _raw_get(port, "/api/public/initiatives?kind=" + "k" * 6000)
        assert status == 422 and json.loads(body)["details"][0]["field"] == "/kind"
    finally:
        server.terminate()
        server.wait(10)
