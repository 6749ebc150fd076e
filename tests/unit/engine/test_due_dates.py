"""When a user task is due (engine/deadlines.py): the diagram's dueIn is checked at deploy, and
any text is either a duration a date can be counted with or refused with a reason."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from engine import deadlines
from tests.unit.engine.test_validation import diagram, problems


def task(due_in: str) -> bytes:
    return diagram('<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t"/>'
                   '<bpmn:userTask id="t" name="Decide"><bpmn:extensionElements><spiffworkflow:properties>'
                   f'<spiffworkflow:property name="dueIn" value="{due_in}"/>'
                   '</spiffworkflow:properties></bpmn:extensionElements></bpmn:userTask>'
                   '<bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="e"/><bpmn:endEvent id="e"/>')


def test_deploy_refuses_a_due_in_that_is_no_duration_at_its_task():
    [problem] = problems(task("två veckor"))
    assert problem["element_id"] == "t" and problem["message"].startswith("dueIn gave 'två veckor'")
    assert "ISO 8601" in problem["message"]


def test_the_diagrams_due_dates_are_read_per_user_task():
    root = etree.fromstring(task("P14D"))
    assert deadlines.problems(root) == []
    assert deadlines.user_tasks(task("P14D").decode()) == [
        {"element_id": "t", "name": "Decide", "due_in": "P14D", "timer": False}]


def test_durations_count_from_the_start_months_by_the_calendar():
    start = datetime(2026, 1, 31, 8, 0, tzinfo=UTC)
    assert deadlines.after(start, "P14D") == start + timedelta(days=14)
    assert deadlines.after(start, "PT36H") == start + timedelta(hours=36)
    assert deadlines.after(start, "P1M") == datetime(2026, 3, 3, 8, 0, tzinfo=UTC)  # January has 31 days


def test_a_duration_beyond_a_century_is_refused_before_it_could_overflow_a_date():
    assert "longer than 100 years" in deadlines.duration_problem("P99999999D")
    assert "longer than 100 years" in deadlines.duration_problem("P101Y")
    assert deadlines.duration_problem("P99Y") is None


@given(st.one_of(st.text(max_size=60), st.from_regex(r"P\d{1,12}[YMWD]", fullmatch=True)))
def test_any_text_is_a_countable_duration_or_refused(text):
    problem = deadlines.duration_problem(text)
    if problem is None:
        assert deadlines.after(datetime(2026, 1, 5, tzinfo=UTC), text) >= datetime(2026, 1, 5, tzinfo=UTC)
    else:
        assert isinstance(problem, str) and problem
