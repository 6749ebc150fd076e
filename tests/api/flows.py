"""Steps of an initiative taken through the HTTP API, as each role would."""
from __future__ import annotations

from datetime import timedelta

from innovation.driver import (
    criteria,
    evaluation,
    follow_up,
    forced_decision,
    in_use,
    receiving_confirmation,
    scale_proposal,
    setup,
    start_data,
)


class ApiInitiative:
    def __init__(self, api, engine, clock, administration="SOF", owner="ada", decider="frida", submitter="employee"):
        self.api, self.engine, self.clock = api, engine, clock
        self.owner, self.decider, self.administration = owner, decider, administration
        response = api.as_(owner).post("/api/instances", json={
            "business_key": f"api-{administration}",
            "data": start_data("Digital lånecykel", administration, submitter=submitter)})
        assert response.status_code == 201, response.json
        self.id = response.json["id"]
        self.settle()

    def settle(self):
        self.engine.tick()

    def publish(self, user: str = "ivar", **changes) -> dict:
        """The coordinator approves the draft (with ``changes``) for the public database."""
        draft = self.api.as_(user).get(f"/api/publications/{self.id}").json["draft"]
        response = self.api.as_(user).post(f"/api/publications/{self.id}/publish", json={**draft, **changes})
        assert response.status_code == 200, response.json
        return response.json

    def public(self) -> dict:
        """What the public API shows of the initiative (asserted to be public)."""
        response = self.api.as_(None).get(f"/api/public/initiatives/{self.id}")
        assert response.status_code == 200, response.json
        return response.json

    def task(self, user: str, element_id: str) -> dict:
        inbox = self.api.as_(user).get("/api/tasks", query_string={"instance_id": self.id}).json
        matching = [t for t in inbox if t["element_id"] == element_id]
        assert matching, f"{element_id} not in {user}'s inbox: {[t['element_id'] for t in inbox]}"
        return matching[0]

    def complete(self, user: str, element_id: str, data: dict, status: int = 200):
        task = self.task(user, element_id)
        response = self.api.as_(user).post(f"/api/tasks/{task['id']}/complete", json={"data": data})
        assert response.status_code == status, response.json
        self.settle()
        return response

    def screen(self, decision: str = "accept", user: str = "ivar", **changes):
        """The coordinator's screening, keeping the submitted kind and administration unless changed."""
        data = {"screening_decision": decision, "kind": "idedriven", "administration": self.administration,
                "screening_rationale": "Granskat.", **changes}
        if decision == "reject":
            data.setdefault("screening_category", "annat")
        return self.complete(user, "granska_initiativ", data)

    def gate_time(self, decision: str = "go", user: str | None = None, **extra):
        return self.complete(user or self.decider, "beslut_tid",
                             {"time_decision": decision, "time_rationale": "Bra idé.", **extra})

    def to_exploration(self):
        """Screened and given working time: the idea owner's utforska_behov is open."""
        self.screen()
        self.gate_time("go")

    def explore(self):
        self.complete(self.owner, "utforska_behov", {"need_analysis": "n", "hypothesis": "h", "estimated_value": 1,
                                                     "estimated_effects": "e"})
        self.complete("ivar", "bedom_kriterier", criteria(3))

    def to_money_gate(self, funds=(("SOF", 200_000),), **setup_args):
        """Screened, time granted, explored, and the set-up requesting ``funds`` submitted."""
        self.to_exploration()
        self.explore()
        self.complete(self.owner, "utforma_upplagg", setup(list(funds), self.clock.now().date(), **setup_args))

    def to_pilot(self, administration="SOF", amount=200_000):
        self.to_money_gate([(administration, amount)])
        self.complete(self.decider, "beslut_pengar", {"money_decision": "grant", "money_rationale": "Ja."})

    def wait(self, days: int):
        self.clock.advance(days=days)
        self.settle()

    def abort(self, category: str, reason: str, user: str = "ivar"):
        response = self.api.as_(user).post(f"/api/instances/{self.id}/abort",
                                           json={"category": category, "reason": reason})
        assert response.status_code == 200, response.json
        self.settle()
        return response

    def lessons(self, lessons: str, category: str | None = None, reason: str = "Beslutet att avsluta."):
        """Document the lessons; an abort's own reason is confirmed as the form shows it."""
        shown = self.api.as_("ivar").get(f"/api/tasks/{self.task('ivar', 'dokumentera_lardomar')['id']}/form").json
        abort = shown["data"].get("abort") or {"category": category, "reason": reason}
        return self.complete("ivar", "dokumentera_lardomar", {"abort": abort, "lessons_learned": lessons})

    def confirm_spending(self, element_id="bekrafta_kostnader", answer="confirm", coordinator="ivar"):
        data = {"spending_confirmation": answer} | ({"spending_comment": "Fel belopp."} if answer == "return" else {})
        self.complete(coordinator, element_id, data)

    def evaluate(self, decision: str, spent=(), status: int = 200):
        """An evaluation after the interval; reported spending is confirmed by the coordinator."""
        self.wait(31)
        response = self.complete(self.owner, "utvardera_pilot", evaluation(decision, list(spent)), status)
        if status == 200 and any(amount > 0 for _, amount in spent):
            self.confirm_spending()
        return response

    def end_date_decision(self, decision: str, spent=(), status: int = 200, **extra):
        """The decision the end date forces, with the interrupted period's spending (then confirmed)."""
        response = self.complete(self.decider, "tvingande_beslut", forced_decision(decision, list(spent), **extra),
                                 status)
        if status == 200 and any(amount > 0 for _, amount in spent):
            self.confirm_spending("bekrafta_slutkostnader")
        return response

    def scale_up(self, receiving="SOF", receiver=None):
        """The scale decision, confirmed by the receiving administration, which then takes it into use."""
        receiver = receiver or self.decider
        self.complete(self.owner, "forbered_skalning", scale_proposal(receiving))
        self.complete(self.decider, "beslut_skala_upp", {"scale_decision": "scale", "scale_rationale": "Värde visat."})
        today = self.clock.now().date()
        self.complete(receiver, "bekrafta_mottagande", receiving_confirmation(today + timedelta(days=180)))
        self.complete(receiver, "infor_losning", in_use(today))

    def follow_up(self, coordinator="ivar", **numbers):
        """The next benefit follow-up (182 and 365 days after go-live)."""
        self.wait(183)
        self.complete(coordinator, "folj_upp_nytta", follow_up(**numbers))

    def detail(self, user="admin"):
        return self.api.as_(user).get(f"/api/instances/{self.id}").json
