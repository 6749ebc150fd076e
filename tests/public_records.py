"""Hypothesis strategies for public records: texts as a rendered page keeps them, every field."""
from __future__ import annotations

from datetime import UTC

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from innovation.domain.administrations import ADMINISTRATIONS
from innovation.domain.publication import Contact, Funds, ImpactGoal, PublicRecord, Summary
from innovation.domain.vocabulary import Kind, Phase, Status

CODES = [a.code for a in ADMINISTRATIONS]
#: A whole record is a lot to draw; on a busy machine that must not fail a health check.
record_settings = settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# Texts as a rendered page keeps them: words split by single spaces, lines, paragraphs.
word = st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zs", "Zl", "Zp", "Cf")),
               min_size=1, max_size=6)
line = st.lists(word, min_size=1, max_size=3).map(" ".join)
paragraph = st.lists(line, min_size=1, max_size=2).map("\n".join)
prose = st.lists(paragraph, max_size=2).map("\n\n".join)
name = st.lists(word, min_size=1, max_size=3).map(" ".join)
amount = st.decimals(min_value=0, max_value=10**9, places=2).map(lambda d: f"{d:.2f}")
day = st.dates().map(lambda d: d.isoformat())
moment = st.datetimes(timezones=st.just(UTC)).map(lambda m: m.replace(microsecond=0).isoformat())
figure = st.none() | st.floats(allow_nan=False, allow_infinity=False, width=32)


@st.composite
def records(draw) -> PublicRecord:
    status = draw(st.sampled_from(Status))
    phase = draw(st.sampled_from(Phase))
    ended = status in (Status.ABORTED, Status.REALISED)
    return PublicRecord(
        id=draw(st.uuids().map(str) | st.integers(1, 10**9).map(str)),
        title=draw(name),
        summary=Summary(draw(prose), draw(prose), draw(prose)),
        summary_en=draw(st.none() | st.builds(Summary, prose, prose, prose)),
        kind=draw(st.none() | st.sampled_from(Kind).map(str)),
        status=status.value,
        progress=-1 if status == Status.ABORTED else draw(st.integers(0, 100)),
        phase=None if ended else phase.value,
        phase_reached=phase.value,
        administration=draw(st.sampled_from(CODES) | name),
        participating_administrations=tuple(draw(st.lists(st.sampled_from(CODES), max_size=2))),
        partners=tuple(draw(st.lists(name, max_size=2))),
        challenge=draw(st.none() | name),
        category=draw(st.none() | name),
        sectors=tuple(draw(st.lists(name, max_size=2))),
        technologies=tuple(draw(st.lists(name, max_size=2))),
        global_goals=tuple(draw(st.lists(st.integers(1, 17), max_size=2))),
        expected_impact=tuple(draw(st.lists(name, max_size=2))),
        innovation_height=draw(st.none() | name),
        estimated_budget=draw(st.none() | amount),
        funds_granted=tuple(draw(st.lists(st.builds(Funds, st.sampled_from(CODES), amount, day), max_size=2))),
        funds_used=tuple(draw(st.lists(st.builds(Funds, st.sampled_from(CODES), amount, day), max_size=2))),
        impact_goals=tuple(draw(st.lists(st.builds(ImpactGoal, name, name, figure, figure, figure, prose,
                                                   st.booleans()), max_size=2))),
        resident_involvement=tuple(draw(st.lists(prose, max_size=2))),
        lessons_learned=tuple(draw(st.lists(paragraph, max_size=2))),
        city_wide=draw(st.booleans()), challenges_core_business=draw(st.booleans()), internal=draw(st.booleans()),
        contact=Contact(draw(st.just("") | name), draw(st.just("") | st.emails())),
        idea_owner=draw(st.none() | name),
        start_date=draw(st.none() | day), end_date=draw(st.none() | day),
        published_at=(stamp := draw(st.none() | moment)), updated_at=stamp and draw(moment),
        historical=draw(st.booleans()),
    )
