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


#: What the people of the demo and the tests write as their reasons, per form and decision,
#: so that a decision log reads as the city would write it.
SAID = {
    "screening": {"accept": "Ett innovationsinitiativ i rätt förvaltning.", "reject": "Inget innovationsinitiativ."},
    "time": {"go": "Behovet är tydligt; arbetstid beviljas för att utforska idén.",
             "hold": "Ingen tid förrän arbetsbelastningen minskar.", "kill": "Idén prioriteras inte nu.",
             "recycle": "Initiativet hör till en annan förvaltning."},
    "money": {"grant": "Ryms i årets innovationsmedel.", "partial": "Vi bidrar med en del av beloppet.",
              "hold": "Inga medel förrän nästa budgetår.", "reject": "Inte prioriterat i vår förvaltning."},
    "setup": {"proceed": "Vi går vidare med de beviljade medlen.", "rework": "Vi arbetar om upplägget."},
    "forced": {"stop": "Slutdatum nått: piloten avslutas.", "scale": "Slutdatum nått: resultaten räcker för att skala.",
               "extend": "Slutdatum nått: piloten förlängs för mer underlag."},
    "scale": {"scale": "Piloten har visat tydligt värde.", "reject": "Värdet räcker inte för att skala.",
              "hold": "Beslutet väntar på nästa budgetår.", "more_evidence": "Mer underlag behövs från piloten."},
    "receiving": {"accept": "Vi tar emot lösningen och bär driftkostnaden.",
                  "decline": "Vi kan inte bära driftkostnaden."},
}


def said(form: str, decision: str) -> str:
    return SAID[form].get(decision, decision)


def start_data(title: str, administration: str = "SOF", kind: str = "idedriven", submitter: str = "employee",
               **extra) -> dict:
    return {"title": title, "description": f"{title}: en beskrivning.", "need": "Ett verkligt behov.",
            "kind": kind, "administration": administration, "submitter": submitter,
            "idea_owner": {"name": "Ada Lind", "email": "ada.lind@helsingborg.se", "show_publicly": False},
            "collaborators": ["Hbg Works"], "strategic_area": "Lärande", **extra}


def criteria(score: int = 2) -> dict:
    return {"criteria": {key: {"score": score, "comment": "bedömt"} for key in CRITERIA}}


def setup(funds: list[tuple[str, int]], start: date, weeks: int = 16, interval_days: int = 30,
          other_financing: list[tuple[str, str, int]] = ()) -> dict:
    """A set-up requesting ``funds`` (administration, whole kronor) and naming any
    ``other_financing`` (source, who, amount)."""
    return {"start_date": start.isoformat(), "pilot_end_date": (start + timedelta(weeks=weeks)).isoformat(),
            "estimated_cost": sum(a for _, a in funds) + sum(a for *_, a in other_financing),
            "test_group": "Två förskolor", "partners": ["Lunds universitet"],
            "effect_goals": [{"indicator": "tid_sparad", "unit": "timmar/vecka", "baseline": 0, "target": 5}],
            "evaluation_interval_days": interval_days,
            "requested_funds": [{"administration": c, "amount": a} for c, a in funds],
            "other_financing": [{"source": s, "description": d, "amount": a} for s, d, a in other_financing]}


def share_decision(decision: str, administration: str, amount: int | None = None,
                   hold_until: str | None = None) -> dict:
    """One administration's decision on its share of the request (the beslut_pengar form)."""
    data = {"money_decision": decision, "money_rationale": said("money", decision)}
    if amount is not None:
        data["money_amount"] = amount
    if hold_until is not None:
        data["money_hold_until"] = hold_until
    return data


def lines(amounts) -> list[dict]:
    return [{"administration": c, "amount": a} for c, a in amounts]


def evaluation(decision: str, spent: list[tuple[str, float]] = (), value: float = 2.0) -> dict:
    return {"measurements": [{"indicator": "tid_sparad", "value": value}], "funds_spent": lines(spent),
            "lessons": f"Lärdom efter utvärdering ({decision}).", "pilot_decision": decision}


def forced_decision(decision: str, spent=(), **extra) -> dict:
    return {"pilot_decision": decision, "forced_rationale": said("forced", decision), "funds_spent": lines(spent),
            "supplementary_funds": [], **extra}


def scale_proposal(receiving: str = "SOF") -> dict:
    return {"pilot_results": "Fem timmar sparade per vecka.", "development_proposal": "Bygg ut till alla förskolor.",
            "receiving_organisation": {"administration": receiving, "unit": "Förskoleverksamheten"},
            "benefit_realisation": {"yearly_value": 2500000, "yearly_cost": 600000}}


def receiving_confirmation(deadline: date, decision: str = "accept") -> dict:
    data = {"receiving_decision": decision, "receiving_rationale": said("receiving", decision)}
    if decision == "accept":
        data |= {"yearly_running_cost": 600000, "implementation_deadline": deadline.isoformat()}
    return data


def in_use(since: date) -> dict:
    return {"implementation_decision": "in_use", "implementation_rationale": "I drift i verksamheten.",
            "in_use_from": since.isoformat(), "verksamhet": "Förskoleverksamheten i Helsingborg",
            "managed_by": "SOF digitalisering"}


def follow_up(value: float = 2_000_000, cost: float = 650_000, measured: float = 4.5,
              decision: str = "on_track") -> dict:
    return {"realised_yearly_value": value, "realised_yearly_cost": cost,
            "effects": [{"indicator": "tid_sparad", "value": measured}], "follow_up_decision": decision,
            "follow_up_rationale": "Uppföljning av effekthemtagningen."}


class Driver:
    def __init__(self, engine, clock, instance_id: str):
        self.engine, self.clock, self.instance_id = engine, clock, instance_id
        self.path: list[str] = []
        self.aborted: dict | None = None  # the abort message's payload, confirmed with the lessons

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

    def task(self, element_id: str, scope: str | None = None) -> dict:
        tasks = [t for t in self.open_tasks() if t["element_id"] == element_id and scope in (None, t["scope"])]
        if not tasks:
            waiting = [t["element_id"] for t in self.open_tasks()]
            raise AssertionError(f"{element_id} is not open; open tasks: {waiting}")
        return tasks[0]

    def complete(self, element_id: str, data: dict, actor: str | None = None, scope: str | None = None) -> dict:
        task = self.task(element_id, scope)
        actor = actor or PEOPLE.get(task["lane"], "someone") + (f"-{task['scope']}" if task["scope"] else "")
        self.path.append(element_id)
        result = self.engine.complete_task(task["id"], data, actor=actor)
        self.settle()
        return result

    def wait(self, **delta) -> None:
        self.clock.advance(**delta)
        self.settle()

    def abort(self, reason: str, category: str = "annat") -> dict:
        self.path.append("avbryt")
        self.aborted = {"category": category, "reason": reason}
        result = self.engine.correlate_message(ABORT_MESSAGE, self.aborted, actor="coordinator",
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
                "screening_rationale": said("screening", decision), **changes}
        if decision == "reject":
            form.setdefault("screening_category", "annat")
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
        self.complete("beslut_tid", {"time_decision": decision, "time_rationale": said("time", decision), **extra})

    def plan(self, funds: list[tuple[str, float]], **kwargs) -> None:
        self.complete("utforma_upplagg", setup(funds, self.clock.now().date(), **kwargs))

    def shares(self) -> dict[str, int]:
        """The open money decisions: administration -> the amount requested from it."""
        return {t["scope"]: self.engine.task_form(t["id"])["item"]["requested"]
                for t in self.open_tasks() if t["element_id"] == "beslut_pengar"}

    def decide_share(self, administration: str, decision: str, amount: int | None = None,
                     hold_until: str | None = None) -> None:
        self.complete("beslut_pengar", share_decision(decision, administration, amount, hold_until),
                      scope=administration)

    def gate_money(self, decision: str = "grant", grants: list[tuple[str, int]] = ()) -> None:
        """Every paying administration decides on its share: with ``grant`` each one in
        ``grants`` grants its amount (in part where less than requested) and any other
        rejects; ``reject`` (or ``kill``) rejects every share."""
        granted = dict(grants) if decision == "grant" else {}
        for code, requested in sorted(self.shares().items()):
            amount = granted.get(code)
            if amount is None:
                self.decide_share(code, "reject")
            elif amount < requested:
                self.decide_share(code, "partial", amount)
            else:
                self.decide_share(code, "grant")

    def choose_after_partial_grant(self, decision: str = "proceed") -> None:
        self.complete("valj_upplagg", {"setup_decision": decision, "setup_rationale": said("setup", decision)})

    def confirm_spending(self, element_id: str = "bekrafta_kostnader", answer: str = "confirm") -> None:
        """The coordinator confirms (or sends back) reported spending before it is booked."""
        data = {"spending_confirmation": answer}
        if answer == "return":
            data["spending_comment"] = "Fakturan saknas."
        self.complete(element_id, data)

    def evaluate(self, decision: str, spent=(), value: float = 2.0, after_days: int = 31) -> None:
        self.wait(days=after_days)
        self.complete("utvardera_pilot", evaluation(decision, list(spent), value))
        if any(amount > 0 for _, amount in spent):
            self.confirm_spending()

    def end_date_decision(self, decision: str, spent=(), **extra) -> None:
        """The decision the pilot end date forces, with the interrupted period's spending."""
        self.complete("tvingande_beslut", forced_decision(decision, spent, **extra))
        if any(amount > 0 for _, amount in spent):
            self.confirm_spending("bekrafta_slutkostnader")

    def prepare_scaling(self, receiving: str = "SOF") -> None:
        self.complete("forbered_skalning", scale_proposal(receiving))

    def gate_scale(self, decision: str = "scale", **extra) -> None:
        self.complete("beslut_skala_upp", {"scale_decision": decision, "scale_rationale": said("scale", decision),
                                           **extra})

    def confirm_receiving(self, decision: str = "accept", deadline_days: int = 180) -> None:
        self.complete("bekrafta_mottagande",
                      receiving_confirmation(self.clock.now().date() + timedelta(days=deadline_days), decision))

    def go_live(self) -> None:
        self.complete("infor_losning", in_use(self.clock.now().date()))

    def scale_up(self, receiving: str = "SOF") -> None:
        """Scale decided with the receiving administration, and the solution taken into use."""
        self.prepare_scaling(receiving)
        self.gate_scale("scale")
        self.confirm_receiving()
        self.go_live()

    def follow_up_benefit(self, **numbers) -> None:
        """Wait for the next benefit follow-up (6, then 12 months after go-live) and record it."""
        self.wait(days=183)  # follow-ups are due 182 and 365 days after go-live
        self.complete("folj_upp_nytta", follow_up(**numbers))

    def lessons(self, text: str = "Vi lärde oss att testa tidigt.", category: str = "funktionellt") -> None:
        """Document the lessons, confirming the abort's reason (or giving one after a decision to stop)."""
        given = self.aborted or self.instance()["data"].get("abort") or {}
        why = {"category": category, "reason": "Beslutet att avsluta."} | {k: v for k, v in given.items() if v}
        self.complete("dokumentera_lardomar", {"abort": why, "lessons_learned": text})
