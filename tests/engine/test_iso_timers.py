"""Timers as Camunda Modeler and the BPMN specification write them: bare ISO 8601 values.

Before, ``PT5M`` was read as a Python name and ``2026-12-15`` as the subtraction 1999, so
such a diagram deployed and then failed when the timer was reached.
"""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from engine.clock import timer_literal, timer_value_problem
from engine.errors import ProcessFailure
from tests.unit.engine.test_validation import diagram


def _timer_elements(engine, instance_id):
    return sorted(t["element_id"] for t in engine.instance(instance_id)["timers"])


def test_bare_iso_timers_deploy_and_run(engine, deploy, clock):
    deploy("iso_timers.bpmn")
    instance = engine.start("iso_timers", {"reminders": 0}, actor="a")
    engine.complete_task(engine.tasks(instance_id=instance["id"])[0]["id"], {}, actor="a")
    (timer,) = engine.instance(instance["id"])["timers"]
    assert (timer["element_id"], timer["due_at"]) == ("wait_minutes", "2026-01-05T08:05:00+00:00")
    clock.advance(minutes=4)
    assert engine.tick()["timers"] == 0
    clock.advance(minutes=1, seconds=1)
    assert engine.tick()["timers"] == 1
    (timer,) = engine.instance(instance["id"])["timers"]
    assert (timer["element_id"], timer["due_at"]) == ("wait_date", "2026-12-15T00:00:00+00:00")
    clock.set(datetime(2026, 12, 15, 0, 0, 1, tzinfo=UTC))
    engine.tick()
    assert [t["element_id"] for t in engine.instance(instance["id"])["tasks"]] == ["review"]
    assert _timer_elements(engine, instance["id"]) == ["give_up", "remind"]
    for _ in range(4):
        clock.advance(minutes=10, seconds=1)
        engine.tick()
    fired = [h["details"]["timers"] for h in engine.history(instance["id"]) if h["action"] == "timer_fired"]
    assert fired == [["wait_minutes"], ["wait_date"], ["remind"], ["remind"], ["remind"]]
    clock.advance(days=7)
    engine.tick()
    done = engine.instance(instance["id"])
    assert (done["status"], done["end_element"]) == ("completed", "end_late")


def _waits_after_a_task(timer: str) -> bytes:
    return diagram(
        '<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="ask"/>'
        '<bpmn:userTask id="ask" name="Ask"/><bpmn:sequenceFlow id="f2" sourceRef="ask" targetRef="wait"/>'
        f'<bpmn:intermediateCatchEvent id="wait" name="Wait"><bpmn:timerEventDefinition>{timer}'
        '</bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>'
        '<bpmn:sequenceFlow id="f3" sourceRef="wait" targetRef="e"/><bpmn:endEvent id="e"/>', "waits")


def test_timer_expression_that_is_not_text_fails_cleanly_and_writes_nothing(engine):
    """A number where an ISO text belongs: a 4xx-type engine error naming the timer, not an
    HTTP 500; the task stays open and the instance unchanged."""
    engine.deploy(_waits_after_a_task("<bpmn:timeDuration>delay</bpmn:timeDuration>"), deployed_by="owner")
    instance = engine.start("waits", {"delay": 5}, actor="a")
    task = engine.tasks(instance_id=instance["id"])[0]
    with pytest.raises(ProcessFailure) as failure:
        engine.complete_task(task["id"], {}, actor="a")
    (problem,) = failure.value.details
    assert problem.element_id == "wait" and "int 5" in problem.message and "PT5M" in problem.message
    after = engine.instance(instance["id"])
    assert after["version"] == instance["version"] and after["tasks"][0]["state"] == "open"
    engine.complete_task(task["id"], {"delay": "PT5M"}, actor="a")
    assert _timer_elements(engine, instance["id"]) == ["wait"]


def test_timer_expression_failing_in_the_background_parks_the_instance(engine, clock):
    body = ('<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="first"/>'
            '<bpmn:intermediateCatchEvent id="first"><bpmn:timerEventDefinition><bpmn:timeDuration>"PT1M"'
            '</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>'
            '<bpmn:sequenceFlow id="f2" sourceRef="first" targetRef="second"/>'
            '<bpmn:intermediateCatchEvent id="second" name="Until"><bpmn:timerEventDefinition><bpmn:timeDate>'
            'until</bpmn:timeDate></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>'
            '<bpmn:sequenceFlow id="f3" sourceRef="second" targetRef="e"/><bpmn:endEvent id="e"/>')
    engine.deploy(diagram(body, "background"), deployed_by="owner")
    instance = engine.start("background", {"until": "next week"}, actor="a")
    clock.advance(minutes=2)
    engine.tick()
    parked = engine.instance(instance["id"])
    assert parked["status"] == "error"
    failed = [h for h in engine.history(instance["id"]) if h["action"] == "timer_failed"]
    assert failed[0]["element_id"] == "second" and "next week" in failed[0]["details"]["error"]


# -- the recognizer -----------------------------------------------------------------------
_n = st.integers(min_value=0, max_value=999)


@st.composite
def durations(draw):
    date_part = "".join(f"{draw(_n)}{unit}" for unit in "YMD" if draw(st.booleans()))
    time_part = "".join(f"{draw(_n)}{unit}" for unit in "HMS" if draw(st.booleans()))
    if not date_part and not time_part:
        time_part = f"{draw(_n)}M"
    weeks = draw(st.booleans())
    return f"P{draw(_n)}W" if weeks else f"P{date_part}" + (f"T{time_part}" if time_part else "")


@st.composite
def date_times(draw):
    moment = draw(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31)))
    text = moment.date().isoformat()
    precision = draw(st.sampled_from(["date", "minutes", "seconds", "micro"]))
    if precision != "date":
        text += "T" + moment.time().isoformat({"minutes": "minutes", "seconds": "seconds",
                                               "micro": "microseconds"}[precision])
        text += draw(st.sampled_from(["", "Z", "+01:00", "-05:30"]))
    return text


@given(durations())
def test_every_iso_duration_is_recognised_and_means_what_the_library_parses(text):
    assert timer_literal(f"  {text}\n") == text
    assert timer_value_problem("timeDuration", text) is None
    assert timer_value_problem("timeDate", text) is not None and timer_value_problem("timeCycle", text) is not None


@given(date_times())
def test_every_iso_date_time_is_recognised(text):
    assert timer_literal(text) == text
    assert timer_value_problem("timeDate", text) is None
    assert timer_value_problem("timeDuration", text) is not None
    assert TimerEventDefinition.get_datetime(text.replace("Z", "+00:00")).tzinfo is not None


@given(st.one_of(st.just(""), st.integers(0, 50).map(str)), durations(), date_times())
def test_every_iso_cycle_is_recognised(count, duration, start):
    for text in (f"R{count}/{duration}", f"R{count}/{start}/{duration}"):
        assert timer_literal(text) == text
        assert timer_value_problem("timeCycle", text) is None


@given(st.from_regex(r"[a-z_][a-z0-9_]*(\([a-z0-9_, ]*\))?", fullmatch=True) | st.text().map(repr))
def test_expressions_and_quoted_strings_stay_expressions(text):
    assert timer_literal(text) is None


@given(st.text(alphabet="PRTWYMDHS0123456789-:/.,Z+", max_size=30))
def test_whatever_is_recognised_is_iso_shaped_and_never_python_text(text):
    """Anything taken as a literal starts like an ISO value; as Python it would be a bare
    name or arithmetic on numbers, never a string, so no working expression changes meaning."""
    literal = timer_literal(text)
    if literal is not None:
        assert literal[0] in "PR0123456789" and '"' not in literal and "'" not in literal
