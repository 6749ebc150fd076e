"""The `innovation` command line, end to end on a SQLite file."""
from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from cli.main import main
from innovation.driver import start_data
from tests.conftest import FIXTURES
from tests.engine.test_foreign_diagrams import MESSAGE_START


@pytest.fixture
def cli(tmp_path, monkeypatch, capsys):
    """`innovation` on an empty SQLite file (tmp_path/cli.db)."""
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")

    def run(*argv) -> tuple[int, str, str]:
        code = main(["--as", "tester", *argv])
        out, err = capsys.readouterr()
        return code, out, err
    return run


@pytest.fixture
def migrated(tmp_path, sqlite_states):
    """The CLI's database already migrated (test_deploy_start_complete_and_show runs the upgrade)."""
    sqlite_states.fresh("migrated", tmp_path / "cli.db")


def test_deploy_start_complete_and_show(cli, tmp_path):
    assert cli("db", "upgrade")[0] == 0
    code, out, _ = cli("deploy", "processes/innovation.bpmn")
    assert code == 0 and "innovation version 1 deployed" in out
    assert "unchanged" in cli("deploy", "processes/innovation.bpmn")[1]
    data = tmp_path / "start.json"
    data.write_text(json.dumps(start_data("Cykelpool")), encoding="utf-8")
    code, out, _ = cli("start", "innovation", "--data", str(data), "--business-key", "cykel")
    instance_id = out.split()[1]
    assert code == 0
    code, out, _ = cli("tasks", "--instance", instance_id)
    assert "granska_initiativ" in out
    task_id = out.splitlines()[1].split()[0]
    form = tmp_path / "screening.json"
    form.write_text(json.dumps({"screening_decision": "accept", "kind": "idedriven", "administration": "SOF",
                                "screening_rationale": "Ett innovationsinitiativ."}), encoding="utf-8")
    code, out, _ = cli("complete", task_id, "--data", str(form))
    assert code == 0 and "beslut_tid" in out
    code, out, _ = cli("show", instance_id, "--history")
    shown = json.loads(out)
    assert shown["business_key"] == "cykel" and [h["actor"] for h in shown["history"]] == ["tester", "tester"]


def test_errors_are_one_clear_line_and_non_zero(cli, migrated, tmp_path):
    broken = tmp_path / "broken.bpmn"
    broken.write_text("<bpmn:definitions", encoding="utf-8")
    code, _, err = cli("deploy", str(broken))
    assert code == 1 and err.startswith("error: broken.bpmn was not deployed") and len(err.strip().splitlines()) == 1
    code, _, err = cli("complete", "no-such-task")
    assert code == 1 and "task no-such-task does not exist" in err
    code, _, err = cli("deploy", str(tmp_path / "missing.bpmn"))
    assert code == 2 and "no such file" in err


def test_a_folder_or_several_files_deploy_as_one(cli, migrated, tmp_path):
    """The bundle's order calls shipping: deployed file by file, the first is refused."""
    bundle = FIXTURES / "bundle"
    code, _, err = cli("deploy", str(bundle / "order.bpmn"))
    assert code == 1 and "callActivity ship" in err and "'shipping'" in err and "neither in this deployment" in err
    code, out, err = cli("deploy", str(bundle))
    assert code == 0, err
    hashes = re.sub(r"\([0-9a-f]{12}", "(sha", out)
    assert hashes.splitlines() == ["order version 1 deployed (sha, with discount.dmn, shipping.bpmn)",
                                   "shipping version 1 deployed (sha)"]
    files = [str(bundle / name) for name in ("shipping.bpmn", "order.bpmn", "discount.dmn", "order-start.schema.json",
                                             "pack.schema.json")]
    code, out, _ = cli("deploy", *files)
    assert code == 0 and out.count("unchanged") == 2
    (tmp_path / ".order.bpmn").write_bytes(b"an editor's backup")
    code, _, err = cli("deploy", str(tmp_path))
    assert code == 1 and "holds no .bpmn, .dmn or .json file" in err


def test_a_process_that_starts_on_a_message_is_started_by_sending_it(cli, migrated, tmp_path):
    (tmp_path / "ordering.bpmn").write_bytes(MESSAGE_START)
    assert cli("deploy", str(tmp_path / "ordering.bpmn"))[0] == 0
    code, _, err = cli("start", "ordering")
    assert code == 1 and "starts when message 'order_placed' is sent" in err
    code, out, _ = cli("message", "order_placed", "--business-key", "o-1")
    assert code == 0 and "is running" in out
    assert "o-1" in cli("instances")[1]


def test_demo_prints_every_outcome(cli, migrated):
    code, out, _ = cli("demo")
    assert code == 0
    assert "slut_realiserad" in out and "slut_avbruten" in out
    assert "outcomes: {'realised': 2, 'aborted': 6}" in out
    assert "published in the public database: 7 of 8" in out  # all but the one screened out


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/openapi.json", timeout=1) as response:
            return response.status == 200
    except OSError:
        return False


def test_two_services_on_one_host_keep_running_side_by_side(cli, tmp_path):
    """Each `innovation serve` owns nothing shared on the host: no gunicorn control socket
    in $XDG_RUNTIME_DIR or $HOME that a second service could take over and delete."""
    assert cli("db", "upgrade")[0] == 0
    environment = {**os.environ, "HOME": str(tmp_path), "XDG_RUNTIME_DIR": str(tmp_path)}
    environment.pop("REDIS_URL", None)
    ports, servers = [_free_port(), _free_port()], []
    try:
        for port in ports:
            servers.append(subprocess.Popen([sys.executable, "-m", "cli.main", "serve", "--port", str(port)],
                                            env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            deadline = time.monotonic() + 30
            while not _answers(port) and time.monotonic() < deadline:
                time.sleep(0.2)
        assert all(_answers(port) for port in ports)
        assert all(server.poll() is None for server in servers)
        assert not list(tmp_path.rglob("*.ctl"))
    finally:
        for server in servers:
            server.terminate()
            server.wait(10)
