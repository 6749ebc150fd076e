"""Diagram code runs under a time budget and size guards (ScriptLimits).

Before, ``while True`` or ``10**10**8`` in a diagram ran for as long as it liked, on
SQLite holding the only write lock all the while. Now exceeding a limit fails the element
with a clear error and nothing is written. The old code ran every snippet below to the
end (a few seconds for the loops, megabytes for the sizes), so these tests failed on it.
"""
from __future__ import annotations

import re
import threading
import time
from xml.sax.saxutils import escape

import pytest

from engine.errors import ProcessFailure
from engine.sandbox import RestrictedEnvironment, ScriptLimitExceeded, ScriptLimits
from engine.workflow import set_script_limits
from tests.unit.engine.test_validation import diagram

LIMITS = ScriptLimits(seconds=0.5, max_items=10_000, max_total_items=50_000, max_int_bits=10_000)
SPIN = "n = 0\nwhile n < 10**8:\n    n = n + 1"  # seconds of work, bounded so the old code ended too


@pytest.fixture(autouse=True)
def small_limits():
    set_script_limits(LIMITS)
    yield
    set_script_limits(ScriptLimits())


def after_a_task(code: str, key: str = "scripted") -> bytes:
    """start -> user task 'ask' -> script task 'run' -> end."""
    return diagram(
        '<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="ask"/>'
        '<bpmn:userTask id="ask" name="Ask"/><bpmn:sequenceFlow id="f2" sourceRef="ask" targetRef="run"/>'
        f'<bpmn:scriptTask id="run" name="Run"><bpmn:script>{escape(code)}</bpmn:script></bpmn:scriptTask>'
        '<bpmn:sequenceFlow id="f3" sourceRef="run" targetRef="e"/><bpmn:endEvent id="e"/>', key)


def start_and_ask(engine, code: str, key: str = "scripted"):
    engine.deploy(after_a_task(code, key), deployed_by="owner")
    instance = engine.start(key, {}, actor="a")
    return instance, engine.tasks(instance_id=instance["id"])[0]


def test_a_long_script_is_stopped_at_the_budget_naming_its_element(engine):
    instance, task = start_and_ask(engine, SPIN)
    started = time.monotonic()
    with pytest.raises(ProcessFailure) as failure:
        engine.complete_task(task["id"], {}, actor="a")
    assert time.monotonic() - started < LIMITS.seconds + 2.0
    (problem,) = failure.value.details
    assert problem.element_id == "run" and "time budget of 0.5 s (ScriptLimits.seconds)" in problem.message
    after = engine.instance(instance["id"])
    assert after["version"] == instance["version"] and after["tasks"][0]["state"] == "open"


def test_catching_the_limit_does_not_escape_it(engine):
    _, task = start_and_ask(engine, f"try:\n    {SPIN.replace(chr(10), chr(10) + '    ')}\nexcept:\n    pass\ndone = 1")
    with pytest.raises(ProcessFailure, match="time budget"):
        engine.complete_task(task["id"], {}, actor="a")


@pytest.mark.parametrize("code, says", [
    ("x = 10**10**5", "a power would be a number of about 332,192 bits"),
    ("x = 3\nx **= 10**5", "a power"),
    ("x = 'x' * 10**6", "a repetition would hold 1,000,000 items"),
    ("x = [0] * 10**6", "a repetition"),
    ("x = list(range(10**6))", "a range would hold 1,000,000 items"),
    ("x = 1 << 10**6", "a shift"),
    ("x = 7\nx <<= 10**6", "a shift"),
    ("s = 'ab'\nfor i in range(24):\n    s = s + s", "a concatenation"),
    ("x = 'a'.ljust(10**6)", "ljust()"),
    ("x = math.factorial(10**4)", "factorial()"),
    ("x = math.comb(10**5, 5 * 10**4)", "comb()"),
    ("x = math.lcm(*[2**6000 + 1, 3**4000])", "lcm()"),
    ("x = math.prod([2**5000, 2**5000, 2**5000])", "a product"),
    ("x = random.getrandbits(10**6)", "getrandbits()"),
    ("x = [[0] * 9000 for i in range(10)]", "more than 50,000 items in all"),
])
def test_size_guards_stop_what_the_clock_cannot_interrupt(code, says):
    with pytest.raises(ScriptLimitExceeded, match=re.escape(says)):
        RestrictedEnvironment(LIMITS).execute(code, {})


def test_an_expression_is_bounded_too(engine):
    body = ('<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="ask"/>'
            '<bpmn:userTask id="ask"/><bpmn:sequenceFlow id="f2" sourceRef="ask" targetRef="gw"/>'
            '<bpmn:exclusiveGateway id="gw" name="Big?" default="small"/>'
            '<bpmn:sequenceFlow id="big" sourceRef="gw" targetRef="e"><bpmn:conditionExpression>'
            'len(str(10 ** size)) &gt; 3</bpmn:conditionExpression></bpmn:sequenceFlow>'
            '<bpmn:sequenceFlow id="small" sourceRef="gw" targetRef="e"/><bpmn:endEvent id="e"/>')
    engine.deploy(diagram(body, "expr"), deployed_by="owner")
    instance = engine.start("expr", {"size": 10**5}, actor="a")
    with pytest.raises(ProcessFailure) as failure:
        engine.complete_task(engine.tasks(instance_id=instance["id"])[0]["id"], {}, actor="a")
    assert failure.value.details[0].element_id == "gw" and "ScriptLimits.max_int_bits" in str(failure.value)


def test_every_in_place_operator_runs(engine):
    code = ("a = 2\na **= 10\nb = 12\nb |= 3\nc = 12\nc &= 6\nd = 3\nd <<= 4\nf = 48\nf >>= 2\n"
            "g = 5\ng ^= 1\nh = 7\nh //= 2\ni = 7\ni %= 4\nj = 1\nj -= 3\nk = 3\nk /= 2\nm = 'ab'\nm *= 2")
    instance, task = start_and_ask(engine, code)
    engine.complete_task(task["id"], {}, actor="a")
    assert engine.instance(instance["id"])["data"] == {
        "a": 1024, "b": 15, "c": 4, "d": 48, "f": 12, "g": 4, "h": 3, "i": 3, "j": -2, "k": 1.5, "m": "abab"}


def _loop_of_scripts(iterations: int, rounds: int) -> bytes:
    """A BPMN loop: script 'work' runs ``rounds`` times within one engine step."""
    return diagram(
        '<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="ask"/>'
        '<bpmn:userTask id="ask"/><bpmn:sequenceFlow id="f2" sourceRef="ask" targetRef="work"/>'
        f'<bpmn:scriptTask id="work" name="Work"><bpmn:script>n = 0\nwhile n &lt; {iterations}:\n    n = n + 1\n'
        'rounds = rounds + 1</bpmn:script></bpmn:scriptTask>'
        '<bpmn:sequenceFlow id="f3" sourceRef="work" targetRef="gw"/><bpmn:exclusiveGateway id="gw" default="out"/>'
        f'<bpmn:sequenceFlow id="again" sourceRef="gw" targetRef="work"><bpmn:conditionExpression>rounds &lt; {rounds}'
        '</bpmn:conditionExpression></bpmn:sequenceFlow>'
        '<bpmn:sequenceFlow id="out" sourceRef="gw" targetRef="e"/><bpmn:endEvent id="e"/>', "rounds")


def test_one_engine_step_shares_one_budget(engine):
    """Scripts of a quarter of the budget each pass alone but not twenty in one step: a chain
    of scripts cannot hold the transaction (on SQLite, the write lock) longer than one may."""
    probe, timings = 100_000, []
    for _ in range(3):  # the fastest of three: a busy machine only makes the rounds longer
        started = time.monotonic()
        RestrictedEnvironment(LIMITS).execute(f"n = 0\nwhile n < {probe}:\n    n = n + 1", {})
        timings.append(time.monotonic() - started)
    iterations = int(probe * LIMITS.seconds / 4 / min(timings))  # a quarter of the budget per round
    engine.deploy(_loop_of_scripts(iterations, 1), deployed_by="owner")
    single = engine.start("rounds", {"rounds": 0}, actor="a")
    engine.complete_task(engine.tasks(instance_id=single["id"])[0]["id"], {}, actor="a")
    assert engine.instance(single["id"])["status"] == "completed"
    engine.deploy(_loop_of_scripts(iterations, 20), deployed_by="owner")
    chained = engine.start("rounds", {"rounds": 0}, actor="a")
    with pytest.raises(ProcessFailure, match="time budget") as failure:
        engine.complete_task(engine.tasks(instance_id=chained["id"])[0]["id"], {}, actor="a")
    assert failure.value.details[0].element_id == "work"


def test_a_long_script_does_not_hold_up_an_unrelated_instance(engine):
    """On SQLite the script's transaction holds the only write lock; the other completion
    waits at most the budget (on PostgreSQL it does not wait at all)."""
    _, slow_task = start_and_ask(engine, SPIN, "slow")
    _, quick_task = start_and_ask(engine, "x = 1", "quick")
    outcome = {}

    def complete_slow():
        try:
            engine.complete_task(slow_task["id"], {}, actor="a")
            outcome["slow"] = "completed"
        except ProcessFailure as failure:
            outcome["slow"] = str(failure)

    worker = threading.Thread(target=complete_slow)
    worker.start()
    time.sleep(0.1)
    started = time.monotonic()
    engine.complete_task(quick_task["id"], {}, actor="b")
    waited = time.monotonic() - started
    worker.join()
    assert "time budget" in outcome["slow"]
    assert waited < LIMITS.seconds + 2.0  # the old code: the whole SPIN, about 15 s


def test_ordinary_scripts_run_under_the_default_limits():
    """The guards change nothing for code of ordinary size."""
    code = """
text = ""
for i in range(20000):
    text = text + "x"
items = []
for i in range(5000):
    items = items + [i]
def score(entry):
    return entry["weight"] * 2 ** entry["level"]
entries = sorted([{"weight": w, "level": w % 4} for w in range(100)], key=lambda e: -score(e))
n = 0
while True:
    n += 1
    if n == 1000:
        break
summary = max(*[score(e) for e in entries]), math.floor(2.7), len("ab" * 1000), 10 ** 100 > 1
"""
    data = {}
    RestrictedEnvironment(ScriptLimits()).execute(code, data)
    assert (len(data["text"]), len(data["items"]), data["n"]) == (20000, 5000, 1000)
    assert data["summary"] == (792, 2, 2000, True)


def test_a_long_script_after_a_timer_parks_its_instance_as_an_incident(engine, clock):
    body = ('<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="wait"/>'
            '<bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition><bpmn:timeDuration>"PT1M"'
            '</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>'
            '<bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="run"/>'
            f'<bpmn:scriptTask id="run" name="Run"><bpmn:script>{escape(SPIN)}</bpmn:script></bpmn:scriptTask>'
            '<bpmn:sequenceFlow id="f3" sourceRef="run" targetRef="e"/><bpmn:endEvent id="e"/>')
    engine.deploy(diagram(body, "later"), deployed_by="owner")
    instance = engine.start("later", {}, actor="a")
    clock.advance(minutes=2)
    engine.tick()
    assert engine.instance(instance["id"])["status"] == "error"
    (failed,) = [h for h in engine.history(instance["id"]) if h["action"] == "timer_failed"]
    assert failed["element_id"] == "run" and "ScriptLimits.seconds" in failed["details"]["error"]
