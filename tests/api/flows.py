"""Steps of an initiative taken through the HTTP API, as each role would."""
from __future__ import annotations

from innovation.driver import criteria, evaluation, setup, start_data


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
            data.setdefault("screening_category", "other")
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

    def to_pilot(self, administration="SOF", amount=200_000):
        self.to_exploration()
        self.explore()
        self.complete(self.owner, "utforma_upplagg", setup([(administration, amount)], self.clock.now().date()))
        self.complete(self.decider, "beslut_pengar", {"money_decision": "grant", "money_rationale": "Ja.",
                                                      "grants": [{"administration": administration,
                                                                  "amount": amount}]})

    def evaluate(self, decision: str, spent=()):
        self.clock.advance(days=31)
        self.settle()
        self.complete(self.owner, "utvardera_pilot", evaluation(decision, list(spent)))

    def detail(self, user="admin"):
        return self.api.as_(user).get(f"/api/instances/{self.id}").json
