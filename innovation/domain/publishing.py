"""The publish step's rules: what a coordinator reviews, and what the public then reads.

Free text (title, what/why/how, lessons, goals' words, partners, involvement) reaches the
public only as a coordinator approved it: the *content*. Facts that are no free text
(status, progress, phase, funds from the ledger, dates, the goals' numbers, innovation
height) follow the live record, so the public record is the approved content joined with
the record's facts as they are now (``serve``). The idea owner is named only while they
consent; nothing else personal is in the content (an e-mail address in reviewed text is
refused, the contact is the administration's functional mailbox).
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from innovation.domain.initiative import InitiativeRecord
from innovation.domain.publication import Contact, Funds, ImpactGoal, PublicRecord, Summary
from innovation.domain.vocabulary import Phase, Status

#: How far along the four phases (0-100); the city's database shows it as a bar, -1 when aborted.
PROGRESS = {None: 5, Phase.UTFORSKA_IDE: 20, Phase.UTFORSKA_UPPLAGG: 40, Phase.UTVECKLA_PILOT: 60,
            Phase.SKALA: 80}
REALISED_PROGRESS, ABORTED_PROGRESS = 100, -1
#: Fields the coordinator may leave out of the public record.
OPTIONAL = ("estimated_budget", "funds", "impact_goals", "innovation_height", "dates")
#: The editable vocabularies: a content field and the vocabulary its term keys come from.
TERM_FIELDS = {"category": "category", "sectors": "sector", "technologies": "technology"}
EMAIL = re.compile(r"[^\s@]+@[^\s@]+\.[^\W\d_]{2,}")  # generous: better one refusal too many


def progress(record: InitiativeRecord) -> int:
    if record.status == Status.ABORTED:
        return ABORTED_PROGRESS
    if record.status == Status.REALISED:
        return REALISED_PROGRESS
    return PROGRESS[record.phase]


def phase_reached(record: InitiativeRecord) -> str | None:
    """The last phase an ended initiative was in (the bar shows how far it got)."""
    if not record.ended or not record.phase_dates:
        return None
    return record.phase_dates[-1].phase.value


def innovation_height(record: InitiativeRecord) -> str | None:
    """How many of the nine criteria the assessment that counts found met: "7 av 9"."""
    latest = record.assessment
    return f"{latest.assessment.criteria_met} av {latest.assessment.applicable}" if latest else None


def emails_in(content: Any, path: str = "") -> list[str]:
    """JSON pointers of the content's texts that hold an e-mail address (the contact aside)."""
    if isinstance(content, str):
        return [path or "/"] if EMAIL.search(content) else []
    if isinstance(content, Mapping):
        return [found for key, value in content.items() if key != "contact"
                for found in emails_in(value, f"{path}/{key}")]
    if isinstance(content, list | tuple):
        return [found for i, value in enumerate(content) for found in emails_in(value, f"{path}/{i}")]
    return []


def draft_from(record: InitiativeRecord, variables: Mapping[str, Any], contact: Contact) -> dict:
    """The review's starting point, taken from the initiative record and its process data:
    description and need become what and why, the set-up's plan how, collaborators and the
    set-up's partners the partners, paying administrations the participating ones, effect
    goals the impact goals, lessons the candidate lessons. Nothing of it is public until approved."""
    paying = {line.get("administration") for line in variables.get("requested_funds") or ()
              if isinstance(line, Mapping)}
    paying |= set(record.funds_granted) | {d.administration for d in record.gate_decisions if d.administration}
    partners = [p for p in (*record.collaborators, *(variables.get("partners") or ())) if isinstance(p, str)]
    plan = [variables.get("hypothesis")]
    if variables.get("start_date") and variables.get("pilot_end_date"):
        group = f" med {variables['test_group']}" if variables.get("test_group") else ""
        plan.append(f"Piloten pågår {variables['start_date']}–{variables['pilot_end_date']}{group}.")
    budget = variables.get("estimated_cost")
    draft = {
        "title": record.title,
        "summary": {"what": record.description, "why": "\n\n".join(
            t for t in (record.need, variables.get("need_analysis")) if isinstance(t, str) and t),
            "how": "\n\n".join(t for t in plan if isinstance(t, str) and t)},
        "summary_en": {"what": "", "why": "", "how": ""},
        "lessons_learned": list(record.lessons_learned),
        "participating_administrations": sorted(c for c in paying if isinstance(c, str) and c != record.administration),
        "partners": list(dict.fromkeys(partners)),
        "challenge": record.strategic_area,
        "sectors": [], "technologies": [], "global_goals": [],
        "expected_impact": [t for t in (variables.get("estimated_effects"),) if isinstance(t, str) and t],
        "impact_goals": [{"id": g.id, "goal": g.description, "comment": "", "completed": False}
                         for g in record.effect_goals],
        "resident_involvement": [],
        "city_wide": False, "challenges_core_business": False, "internal": False,
        "contact": {"name": contact.name, "email": contact.email},
        "show": {name: True for name in OPTIONAL},
    }
    if isinstance(budget, int) and not isinstance(budget, bool):
        draft["estimated_budget"] = budget
    return draft


def _summary(data: Mapping | None) -> Summary | None:
    if not data or not any((data.get(k) or "").strip() for k in ("what", "why", "how")):
        return None
    return Summary(data.get("what") or "", data.get("why") or "", data.get("how") or "")


def _goals(reviewed: Iterable[Mapping], record: InitiativeRecord) -> tuple[ImpactGoal, ...]:
    """The reviewed words of each goal with the live record's numbers (matched by id)."""
    live = {g.id: g for g in record.effect_goals}
    goals = []
    for item in reviewed:
        measured = live.get(item.get("id"))
        goals.append(ImpactGoal(item.get("goal") or "", measured.unit if measured else "",
                                measured.baseline if measured else None, measured.target if measured else None,
                                measured.latest_value if measured else None, item.get("comment") or "",
                                bool(item.get("completed"))))
    return tuple(goals)


def serve(record_id: str, content: Mapping[str, Any], record: InitiativeRecord, *, granted: Iterable[Funds],
          used: Iterable[Funds], consent: bool, terms: Mapping[tuple[str, str], str],
          published_at: str | None, updated_at: str | None) -> PublicRecord:
    """The public record: the approved ``content`` with the live record's facts; the fields the
    coordinator chose not to show are left empty, and the idea owner is named only with ``consent``."""
    shown = {name: bool((content.get("show") or {}).get(name, True)) for name in OPTIONAL}

    def names(field: str) -> tuple[str, ...]:
        vocabulary = TERM_FIELDS[field]
        return tuple(terms.get((vocabulary, key), key) for key in content.get(field) or ())

    category = content.get("category")
    started = record.phase_dates[0].entered_at.date().isoformat() if record.phase_dates else None
    ended = record.phase_dates[-1].left_at if record.ended and record.phase_dates else None
    budget = content.get("estimated_budget")
    return PublicRecord(
        id=record_id, title=content.get("title") or "", summary=_summary(content.get("summary")) or Summary(),
        summary_en=_summary(content.get("summary_en")), kind=record.kind.value, status=record.status.value,
        progress=progress(record), phase=record.phase.value if record.phase else None,
        phase_reached=phase_reached(record), administration=record.administration,
        participating_administrations=tuple(content.get("participating_administrations") or ()),
        partners=tuple(content.get("partners") or ()), challenge=content.get("challenge") or None,
        category=terms.get(("category", category), category) if category else None,
        sectors=names("sectors"), technologies=names("technologies"),
        global_goals=tuple(sorted(set(content.get("global_goals") or ()))),
        expected_impact=tuple(content.get("expected_impact") or ()),
        innovation_height=innovation_height(record) if shown["innovation_height"] else None,
        estimated_budget=f"{budget}.00" if shown["estimated_budget"] and budget is not None else None,
        funds_granted=tuple(granted) if shown["funds"] else (), funds_used=tuple(used) if shown["funds"] else (),
        impact_goals=_goals(content.get("impact_goals") or (), record) if shown["impact_goals"] else (),
        resident_involvement=tuple(content.get("resident_involvement") or ()),
        lessons_learned=tuple(content.get("lessons_learned") or ()),
        city_wide=bool(content.get("city_wide")),
        challenges_core_business=bool(content.get("challenges_core_business")),
        internal=bool(content.get("internal")), contact=Contact(**(content.get("contact") or {})),
        idea_owner=record.idea_owner.name if consent else None,
        start_date=started if shown["dates"] else None,
        end_date=ended.date().isoformat() if shown["dates"] and ended else None,
        published_at=published_at, updated_at=updated_at,
    )
