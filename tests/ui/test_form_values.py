"""Whatever a browser (or anything else) posts to a task form, the answer is the form again
with the trouble named at its field (422), never a server error: dates and amounts above all."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from tests.api.flows import ApiInitiative

WHOLE = re.compile(r"([+-]?[0-9]{1,15})(?:[.,]0{1,15})?")  # 12, 12.0 and 12,00 are twelve
LIMITS = {"/estimated_cost": (0, 10**9), "/evaluation_interval_days": (0, 365),
          "/requested_funds/0/amount": (1, 10**9)}
DATES = ("/start_date", "/pilot_end_date")

# NUL is refused for the whole request before any page (api/inputs.py, tests/ui/test_hostile_pages.py)
noise = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=30)
amounts = st.one_of(st.integers(-10**12, 10**12).map(str), st.integers(0, 10**7).map(lambda n: f"{n:,}".replace(",", " ")),
                    st.decimals(allow_nan=True, allow_infinity=True).map(str), st.floats().map(str),
                    st.sampled_from(["", " ", "1e999", "nan", "-inf", "1_000", "2,5", "٣", "9" * 40, "0x10"]), noise)
dates = st.one_of(st.dates().map(date.isoformat), st.dates().map(lambda d: d.strftime("%d/%m/%Y")),
                  st.sampled_from(["", "2026-02-30", "2026-13-01", "20260101", "2026-W01-1", "+20000-01-01",
                                   "0000-01-01", "2026-1-1"]), noise)


def _valid(today: date) -> dict:
    return {"/start_date": (today + timedelta(days=10)).isoformat(),
            "/pilot_end_date": (today + timedelta(days=100)).isoformat(),
            "/estimated_cost": "1000", "/evaluation_interval_days": "30",
            "_rows:/effect_goals": "0", "/effect_goals/0/indicator": "Lån", "/effect_goals/0/unit": "st",
            "/effect_goals/0/baseline": "0", "/effect_goals/0/target": "10",
            "_rows:/requested_funds": "0", "/requested_funds/0/administration": "SOF",
            "/requested_funds/0/amount": "1000", "_submit": "1"}  # no test group: the task never completes


def _wrong(path: str, raw: str) -> bool:
    """What the form must refuse at the field: a date that is no calendar day written
    YYYY-MM-DD, an amount that is no whole number within the field's limits."""
    if path in DATES:
        try:
            return not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", raw) or not date.fromisoformat(raw)
        except ValueError:
            return True
    whole = WHOLE.fullmatch(raw.replace(" ", "").replace("\u00a0", ""))
    low, high = LIMITS[path]
    return not whole or not low <= int(whole.group(1)) <= high


def _error_at(html: str, path: str) -> str:
    found = re.search(rf'<p class="error" id="f{re.escape(path.replace("/", "-"))}-error">([^<]*)</p>', html)
    return found.group(1) if found else ""


@pytest.fixture
def setup_task(api, engine, clock) -> str:
    """ada's set-up task (utforma_upplagg), once per test: no example completes it."""
    flow = ApiInitiative(api, engine, clock)
    flow.to_exploration()
    flow.explore()
    return flow.task("ada", "utforma_upplagg")["id"]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(field=st.sampled_from(DATES + tuple(LIMITS)), data=st.data())
def test_a_bad_date_or_amount_is_named_at_its_field(page, clock, setup_task, field, data):
    raw = data.draw(dates if field in DATES else amounts, label=field)
    posted = {**_valid(clock.now().date()), field: raw}
    answer = page("ada").post(f"/tasks/{setup_task}", data=posted)
    assert answer.status_code == 422, answer.status_code
    html = answer.get_data(as_text=True)
    assert 'class="error-summary"' in html
    if _wrong(field, raw):
        assert _error_at(html, field), (field, raw)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.fixed_dictionaries({**{path: dates for path in DATES}, **{path: amounts for path in LIMITS}}),
       partners=st.lists(noise, max_size=3), extra=st.dictionaries(noise, noise, max_size=3))
def test_any_posted_values_give_the_form_back_never_a_server_error(page, clock, setup_task, values, partners,
                                                                   extra):
    posted = {**extra, **_valid(clock.now().date()), **values,
              **{f"/partners/{i}": name for i, name in enumerate(partners)}}
    rows = [("_rows:/partners", str(i)) for i in range(len(partners))]
    answer = page("ada").post(f"/tasks/{setup_task}", data=MultiDict(list(posted.items()) + rows))
    assert answer.status_code == 422, answer.status_code
    html = answer.get_data(as_text=True)
    assert re.search(r'<p class="error" id="[^"]+-error">[^<]+</p>', html), posted  # something named at a field
    assert len(re.findall(r'<input[^>]+name="/partners/\d+"', html)) == len(partners), posted  # no row vanished
