"""Drives one initiative through the engine as its people would, step by step.

Used by ``innovation demo`` and by the tests: every step goes through the engine's public
operations (so the instance is loaded from and saved to the database each time), and
canned form data is valid against forms/ unless a step overrides it.
"""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from innovation.adapters.records import from_dict
from innovation.adapters.tables import Initiative
from innovation.model import ABORT_MESSAGE, PROCESS_KEY, Lane

CRITERIA = ("strategic_need", "scalability", "national_global_benefit", "technical_height", "data_driven",
            "outside_development_plan", "collaboration", "engaged_idea_owner", "uncertain_result")

PEOPLE = {Lane.IDEBARARE: "idea-owner", Lane.INNOVATIONSLEDARE: "coordinator",
          Lane.FORVALTNINGSLEDNING: "decision-maker", Lane.NARMASTE_CHEF: "manager"}


def start_data(title: str, administration: str = "SOF", kind: str = "idedriven", submitter: str = "employee",
               **extra) -> dict:
    return {"title": title, "description": f"{title}: en beskrivning.", "need": "Ett verkligt behov.",
            "kind": kind, "administration": administration, "submitter": submitter,
            "idea_owner": {"name": "Ada Lind", "email": "ada.lind@helsingborg.se", "show_publicly": False},
            "collaborators": ["Hbg Works"], "strategic_area": "Lärande", **extra}


def criteria(score: int = 2) -> dict:
    return {"criteria": {key: {"score": score, "comment": "bedömt"} for key in CRITERIA}}


def setup(funds: list[tuple[str, float]], start: date, weeks: int = 16, interval_days: int = 30) -> dict:
    return {"start_date": start.isoformat(), "pilot_end_date": (start + timedelta(weeks=weeks)).isoformat(),
            "estimated_cost": sum(a for _, a in funds), "test_group": "Två förskolor",
            "partners": ["Lunds universitet"],
            "effect_goals": [{"indicator": "tid_sparad", "unit": "timmar/vecka", "baseline": 0, "target": 5}],
            "evaluation_interval_days": interval_days,
            "requested_funds": [{"administration": c, "amount": a} for c, a in funds]}


def evaluation(decision: str, spent: list[tuple[str, float]] = (), value: float = 2.0) -> dict:
    return {"measurements": [{"indicator": "tid_sparad", "value": value}],
            "funds_spent": [{"administration": c, "amount": a} for c, a in spent],
            "lessons": f"Lärdom efter utvärdering ({decision}).", "pilot_decision": decision}


class Driver:
    def __init__(self, engine, clock, instance_id: str):
        self.engine, self.clock, self.instance_id = engine, clock, instance_id
        self.path: list[str] = []

    @classmethod
    def submit(cls, engine, clock, data: dict) -> Driver:
        instance = engine.start(PROCESS_KEY, data, actor="idea-owner", business_key=data["title"])
        driver = cls(engine, clock, instance["id"])
        driver.settle()
        return driver

    def settle(self) -> None:
        """Let workers and the scheduler catch up (in-process), as they would in the background."""
        self.engine.tick()

    def open_tasks(self) -> list[dict]:
        return self.engine.tasks(instance_id=self.instance_id)

    def task(self, element_id: str) -> dict:
        tasks = [t for t in self.open_tasks() if t["element_id"] == element_id]
        if not tasks:
            waiting = [t["element_id"] for t in self.open_tasks()]
            raise AssertionError(f"{element_id} is not open; open tasks: {waiting}")
        return tasks[0]

    def complete(self, element_id: str, data: dict, actor: str | None = None) -> dict:
        task = self.task(element_id)
        actor = actor or PEOPLE.get(task["lane"], "someone")
        self.path.append(element_id)
        result = self.engine.complete_task(task["id"], data, actor=actor)
        self.settle()
        return result

    def wait(self, **delta) -> None:
        self.clock.advance(**delta)
        self.settle()

    def abort(self, reason: str) -> dict:
        self.path.append("avbryt")
        result = self.engine.correlate_message(ABORT_MESSAGE, {"reason": reason}, actor="coordinator",
                                               instance_id=self.instance_id)
        self.settle()
        return result

    def instance(self) -> dict:
        return self.engine.instance(self.instance_id)

    def record(self):
        with self.engine.db.unit_of_work() as uow:
            row = uow.session.scalar(select(Initiative).where(Initiative.instance_id == self.instance_id))
            return from_dict(row.record) if row else None

    # -- the usual steps ------------------------------------------------------------
    def screen(self, decision: str = "accept", **changes) -> None:
        """The coordinator's screening: accept (keeping or correcting kind and administration) or reject."""
        data = self.engine.task_form(self.task("granska_initiativ")["id"])["data"]
        form = {"screening_decision": decision, "kind": data["kind"], "administration": data["administration"],
                "screening_rationale": f"Granskat: {decision}.", **changes}
        if decision == "reject":
            form.setdefault("screening_category", "other")
        self.complete("granska_initiativ", form)

    def assign_owner(self, username: str) -> None:
        """A resident's idea: the coordinator names the internal owner who works it."""
        self.complete("tilldela_idebarare", {"internal_owner": username, "owner_note": "Driver idén internt."})

    def resume(self, why: str = "Förutsättningarna har ändrats.") -> None:
        """Lift a hold at the time gate before its date."""
        self.complete("vilande_tid", {"resume_rationale": why})

    def explore_idea(self, score: int = 2) -> None:
        self.complete("utforska_behov", {"need_analysis": "Intervjuer med personal.", "hypothesis": "AI sparar tid.",
                                         "estimated_value": 400000, "estimated_effects": "Mer tid med barnen."})
        self.complete("bedom_kriterier", criteria(score))

    def gate_time(self, decision: str = "go", **extra) -> None:
        self.complete("beslut_tid", {"time_decision": decision, "time_rationale": f"Beslut: {decision}.", **extra})

    def plan(self, funds: list[tuple[str, float]], **kwargs) -> None:
        self.complete("utforma_upplagg", setup(funds, self.clock.now().date(), **kwargs))

    def gate_money(self, decision: str = "grant", grants: list[tuple[str, float]] = ()) -> None:
        data = {"money_decision": decision, "money_rationale": f"Beslut: {decision}."}
        if decision == "grant":
            data["grants"] = [{"administration": c, "amount": a} for c, a in grants]
        self.complete("beslut_pengar", data)

    def evaluate(self, decision: str, spent=(), value: float = 2.0, after_days: int = 31) -> None:
        self.wait(days=after_days)
        self.complete("utvardera_pilot", evaluation(decision, list(spent), value))

    def prepare_scaling(self) -> None:
        self.complete("forbered_skalning", {
            "pilot_results": "Fem timmar sparade per vecka.", "development_proposal": "Bygg ut till alla förskolor.",
            "receiving_organisation": {"administration": "SOF", "unit": "Förskoleverksamheten"},
            "benefit_realisation": {"yearly_value": 2500000, "yearly_cost": 600000}})

    def gate_scale(self, decision: str = "scale") -> None:
        self.complete("beslut_skala_upp", {"scale_decision": decision, "scale_rationale": f"Beslut: {decision}."})

    def lessons(self, text: str = "Vi lärde oss att testa tidigt.") -> None:
        self.complete("dokumentera_lardomar", {"lessons_learned": text})
