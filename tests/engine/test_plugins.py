"""Plug-ins found through installed package metadata add operations and script helpers
that deploy accepts and instances run; a broken or clashing plug-in stops the start-up
with its name."""
from __future__ import annotations

import sys
import textwrap

import pytest

from engine import sandbox
from engine.core import Engine
from engine.errors import DeploymentRejected, InvalidData
from engine.operations import OperationRegistry
from engine.plugins import GROUP, PluginError, PluginHost, load_plugins

DIAGRAM = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="defs" targetNamespace="t">
  <bpmn:process id="plugged" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="call"/>
    <bpmn:serviceTask id="call" name="Ask the case system">
      <bpmn:extensionElements>
        <spiffworkflow:serviceTaskOperator id="acme.lookup" resultVariable="case">
          <spiffworkflow:parameters><spiffworkflow:parameter id="number" type="any" value="number"/></spiffworkflow:parameters>
        </spiffworkflow:serviceTaskOperator>
      </bpmn:extensionElements>
    </bpmn:serviceTask>
    <bpmn:sequenceFlow id="f2" sourceRef="call" targetRef="script"/>
    <bpmn:scriptTask id="script" name="Double it">
      <bpmn:script>doubled = acme_double(case["number"])</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:sequenceFlow id="f3" sourceRef="script" targetRef="end"/>
    <bpmn:endEvent id="end"/>
  </bpmn:process>
</bpmn:definitions>"""


def _install(path, name: str, source: str, target: str = "plugin") -> None:
    """A package with an entry point in GROUP, installed the way pip leaves one (a module
    beside a .dist-info folder on sys.path)."""
    (path / f"{name}.py").write_text(textwrap.dedent(source))
    info = path / f"{name}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[{GROUP}]\n{name} = {name}:{target}\n")


ACME = """
    def lookup(params, ctx):
        return {"number": params["number"], "status": "open"}

    def acme_double(value):
        '''Twice the value.'''
        return value * 2

    def plugin(host):
        host.operation("acme.lookup", lookup)
        host.script_helper("acme_double", acme_double)
"""


@pytest.fixture
def helpers(monkeypatch):
    """Helpers registered by a test do not outlive it."""
    monkeypatch.setattr(sandbox, "HELPERS", dict(sandbox.HELPERS))


def _load(registry, db=None):
    return load_plugins(PluginHost(registry, db, services={"notify": lambda *a, **k: None}))


def test_an_installed_plugin_adds_an_operation_and_a_helper_that_a_diagram_uses(
        tmp_path, monkeypatch, helpers, database_url, clock):
    _install(tmp_path, "acme", ACME)
    monkeypatch.syspath_prepend(str(tmp_path))
    registry = OperationRegistry()
    engine = Engine(database_url, operations=registry, clock=clock)
    try:
        with pytest.raises(DeploymentRejected, match="acme.lookup"):
            engine.deploy(DIAGRAM, deployed_by="owner")
        assert "acme" in _load(registry, engine.db)
        assert "innovation.score" in registry  # the project's own operations are a plug-in too
        engine.deploy(DIAGRAM, deployed_by="owner")
        instance = engine.start("plugged", {"number": 21}, actor="a")
        engine.run_jobs()
        done = engine.instance(instance["id"])
        assert done["status"] == "completed" and done["data"]["doubled"] == 42
        described = {h["name"]: h for h in sandbox.helper_descriptions()}
        assert described["acme_double"] == {"name": "acme_double", "signature": "acme_double(value)",
                                             "doc": "Twice the value."}
        with pytest.raises(InvalidData, match="acme_double"):  # data may not shadow the new helper
            engine.start("plugged", {"number": 1, "acme_double": 3}, actor="a")
    finally:
        engine.db.dispose()


def test_loading_twice_in_one_process_is_harmless(tmp_path, monkeypatch, helpers):
    _install(tmp_path, "acme", ACME)
    monkeypatch.syspath_prepend(str(tmp_path))
    for _ in range(2):
        assert "acme" in _load(OperationRegistry())


@pytest.mark.parametrize("source, message", [
    ("import no_such_module\ndef plugin(host): pass\n", "plug-in broken (broken:plugin) cannot be imported: "
                                                         "ModuleNotFoundError"),
    ("def plugin(host):\n    raise RuntimeError('no config')\n", "plug-in broken failed to register: "
                                                                  "RuntimeError: no config"),
    ("def plugin(host):\n    host.operation('acme.x', print)\n    host.operation('acme.x', print)\n",
     "plug-in broken: operation 'acme.x' is already registered"),
    ("def plugin(host):\n    host.script_helper('len', print)\n", "plug-in broken: script helper 'len' would shadow"),
    ("def plugin(host):\n    host.script_helper('_sneaky', print)\n", "is not a plain identifier"),
])
def test_a_broken_or_clashing_plugin_stops_the_start_with_its_name(tmp_path, monkeypatch, helpers, source, message):
    _install(tmp_path, "broken", source)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "broken", raising=False)
    with pytest.raises(PluginError) as caught:
        _load(OperationRegistry())
    assert message in str(caught.value)
