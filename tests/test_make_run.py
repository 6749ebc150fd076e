"""What `make run` does, step by step as the Makefile calls them: deploy processes/ only when a
file changed since it was deployed from there and never over a newer version from the modeler;
export a version back; seed the demo into an empty database only; a first start that prints the
URL and how to log in, and nothing alarming."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time

import pytest

from application import modeling
from application.assembly import build_engine
from tests.conftest import ROOT
from tests.test_cli import _answers, _free_port, cli, migrated  # noqa: F401  (the command line on a SQLite file)

SOURCE = (ROOT / "processes" / "innovation.bpmn").read_bytes()


@pytest.fixture
def checkout(tmp_path, monkeypatch):
    """A checkout's processes/innovation.bpmn, named as make run names it (relative)."""
    (tmp_path / "processes").mkdir()
    shutil.copy(ROOT / "processes" / "innovation.bpmn", tmp_path / "processes" / "innovation.bpmn")
    monkeypatch.chdir(tmp_path)
    return tmp_path / "processes" / "innovation.bpmn"


@pytest.fixture
def engine(tmp_path):
    built = build_engine(f"sqlite:///{tmp_path / 'cli.db'}")
    yield built
    built.db.dispose()


def _versions(engine) -> list[int]:
    return [d["version"] for d in engine.definitions("innovation")]


def _renamed(xml: bytes, name: str) -> bytes:
    return xml.replace(b'name="Beslut tid"', f'name="{name}"'.encode(), 1)


def test_an_unchanged_file_is_not_deployed_again_and_a_changed_one_is(cli, migrated, checkout, engine):  # noqa: F811
    make_run = ("deploy", "--keep-newer", "processes/innovation.bpmn")
    assert "innovation version 1 deployed" in cli(*make_run)[1]
    assert "innovation version 1 unchanged" in cli(*make_run)[1] and _versions(engine) == [1]
    checkout.write_bytes(_renamed(SOURCE, "Tidsbeslut"))
    assert "innovation version 2 deployed" in cli(*make_run)[1]
    [latest] = [d for d in engine.definitions("innovation") if d["version"] == 2]
    assert latest["source"]["path"] == "processes/innovation.bpmn" and latest["deployed_by"] == "tester"


def test_make_run_after_a_modeler_deploy_keeps_it_and_says_how_to_export_it(cli, migrated, checkout,  # noqa: F811
                                                                             engine):
    make_run = ("deploy", "--keep-newer", "processes/innovation.bpmn")
    cli(*make_run)
    modeler = _renamed(SOURCE, "Beslut om arbetstid")
    modeling.deploy_edited(engine, modeler, "innovation.bpmn", {}, "tester")  # the same person, in the modeler
    assert _versions(engine) == [1, 2]
    code, out, _ = cli(*make_run)
    assert code == 0 and "processes/innovation.bpmn: unchanged since it was deployed as innovation v1; " \
                         "innovation v2 (tester," in out
    assert "`innovation export innovation > processes/innovation.bpmn`" in out and _versions(engine) == [1, 2]
    checkout.write_bytes(_renamed(SOURCE, "Tidsbeslut"))
    code, out, _ = cli(*make_run)
    assert "processes/innovation.bpmn: changed, but innovation v2" in out and "not deployed over it" in out
    assert _versions(engine) == [1, 2]

    code, exported, _ = cli("export", "innovation")
    assert code == 0 and exported == modeler.decode()
    assert cli("export", "innovation", "--version", "1")[1] == SOURCE.decode()
    assert cli("export", "innovation", "--version", "7")[0] == 1
    checkout.write_text(exported, encoding="utf-8")  # `innovation export innovation > processes/innovation.bpmn`
    assert "innovation version 2 unchanged" in cli(*make_run)[1]
    checkout.write_bytes(modeler.replace(b"Beslut om arbetstid", b"Tidsbeslut"))  # edited on from the modeler's
    assert "innovation version 3 deployed" in cli(*make_run)[1]


def test_the_modelers_button_writes_a_version_into_processes(migrated, checkout, engine):  # noqa: F811
    engine.deploy_files(["processes/innovation.bpmn"], deployed_by="make")
    [v2] = modeling.deploy_edited(engine, _renamed(SOURCE, "Arbetstid"), "innovation.bpmn", {}, "owner")
    target = modeling.export_to_checkout(engine, v2["id"], checkout.parent)
    assert target.name == "innovation.bpmn" and checkout.read_bytes() == _renamed(SOURCE, "Arbetstid")
    [stored] = [d for d in engine.definitions("innovation") if d["version"] == 2]
    assert stored["source"]["path"] == str(target)
    deployed, kept = modeling.deploy_checkout(engine, ["processes/innovation.bpmn"], "make")
    assert kept == [] and [(d["version"], d["created"]) for d in deployed] == [(2, False)]


def _innovation(*argv, env, timeout=120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cli.main", *argv], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)


def test_a_first_start_prints_the_url_and_how_to_log_in_and_nothing_alarming(tmp_path):
    """The commands of `make run` on an empty database (the demo's seed aside: the next test),
    the service stopped once it answered; then a second start, which changes nothing."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'first.db'}", "CHECKOUT_WRITABLE": "1"}
    env.pop("REDIS_URL", None)
    output = ""
    for step in (("db", "upgrade"), ("deploy", "--keep-newer", "processes/innovation.bpmn"), ("users", "bootstrap")):
        done = _innovation(*step, env=env)
        assert done.returncode == 0, done.stderr
        output += done.stdout + done.stderr
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "cli.main", "serve", "--port", str(port)], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while not _answers(port) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _answers(port)
    finally:
        server.terminate()
        output += server.communicate(timeout=20)[0]
    assert not re.search(r"\bWARNING\b|Traceback|\berror\b", output, re.IGNORECASE), output
    assert f"log in at http://127.0.0.1:{port}/login" in output and "One-time passwords" in output
    again = [_innovation(*step, env=env) for step in (("deploy", "--keep-newer", "processes/innovation.bpmn"),
                                                       ("users", "bootstrap"))]
    assert [done.returncode for done in again] == [0, 0]
    assert "innovation version 1 unchanged" in again[0].stdout and "users exist already" in again[1].stdout


def test_the_demo_seeds_an_empty_database_only(cli, migrated, tmp_path):  # noqa: F811
    code, out, err = cli("demo", "--seed", "--if-empty")
    assert code == 0 and out == ("demo: 11 initiatives in the database, 3 of them waiting at a step today "
                                 "(log in as innovationsledare, chef or forvaltningsledning to work them)\n")
    assert not re.search(r"\bWARNING\b|Traceback", err)
    code, out, _ = cli("demo", "--seed", "--if-empty")
    assert code == 0 and "demo not seeded: the database holds 11 instance(s)" in out
    with pytest.raises(SystemExit, match="error: not seeded: the database holds 11 instance"):
        cli("demo", "--seed")
    engine = build_engine(f"sqlite:///{tmp_path / 'cli.db'}")
    try:
        waiting = sorted(t["element_id"] for t in engine.tasks())
        assert len(engine.instances()) == 11 and waiting == ["beslut_pengar", "beslut_tid", "granska_initiativ"]
    finally:
        engine.db.dispose()
