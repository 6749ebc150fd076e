"""The process diagrams import cleanly into bpmn-js, the renderer the web UI uses.

Runs tests/browser/bpmn_import.mjs (Node + playwright-core + Debian Chromium, packages from
web/node_modules). Without web/node_modules or Chromium these tests skip with the reason,
except under CI=true, where a browser test must never skip: they fail instead.
"""
from __future__ import annotations

import json
import re
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).resolve().parent / "bpmn_import.mjs"
INNOVATION = ROOT / "processes" / "innovation.bpmn"
TIMEOUT_S = 60  # the script gives up after 25 s itself; this is only a backstop

BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
BPMNDI = "{http://www.omg.org/spec/BPMN/20100524/DI}"


def run_import(node: str, bpmn: Path) -> tuple[int, dict, str]:
    proc = subprocess.Popen(
        [node, str(SCRIPT), str(bpmn)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        out, err = proc.communicate(timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        proc.terminate()  # SIGTERM: playwright closes Chromium before node exits
        try:
            proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
        pytest.fail(f"bpmn_import.mjs did not finish in {TIMEOUT_S} s")
    lines = out.strip().splitlines()
    result = json.loads(lines[-1]) if lines else {}
    return proc.returncode, result, err


def test_innovation_imports_without_warnings(node: str) -> None:
    code, result, err = run_import(node, INNOVATION)
    assert code == 0, f"exit {code}: {result} {err}"
    assert result["warnings"] == []
    assert result["elements"] > 50


def _drop_source_shape(text: str) -> tuple[str, str]:
    """Remove the DI shape of the source of the first drawn sequence flow; return (xml, id)."""
    root = ET.fromstring(text.encode("utf-8"))
    drawn = {e.get("bpmnElement") for e in root.iter(f"{BPMNDI}BPMNEdge")}
    flow = next(f for f in root.iter(f"{BPMN}sequenceFlow") if f.get("id") in drawn)
    source = flow.get("sourceRef")
    shape = re.compile(
        r'<bpmndi:BPMNShape\b[^>]*\bbpmnElement="' + re.escape(source) + r'"[^>]*?'
        r"(?:/>|>.*?</bpmndi:BPMNShape>)",
        re.S,
    )
    broken, count = shape.subn("", text)
    assert count == 1, f"expected one BPMNShape for {source}, found {count}"
    return broken, source


def test_missing_shape_is_reported(node: str, tmp_path: Path) -> None:
    broken, source = _drop_source_shape(INNOVATION.read_text(encoding="utf-8"))
    path = tmp_path / "broken.bpmn"
    path.write_text(broken, encoding="utf-8")
    code, result, err = run_import(node, path)
    assert code == 0, f"exit {code}: {result} {err}"
    assert result["warnings"], "bpmn-js reported nothing for an edge whose source has no shape"
    assert any(source in w for w in result["warnings"]), result["warnings"]
