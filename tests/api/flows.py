"""Steps of an initiative taken through the HTTP API, as each role would."""
from __future__ import annotations

from innovation.driver import criteria, evaluation, setup, start_data


class ApiInitiative:
    def __init__(self, api, engine, clock, administration="SOF", owner="ada", decider="frida"):
        self.api, self.engine, self.clock = api, engine, clock
        self.owner, self.decider = owner, decider
        response = api.as_(owner).post("/api/instances", json={
            "business_key": f"api-{administration}", "data": start_data("Digital lånecykel", administration)})
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

    def explore(self):
        self.complete(self.owner, "utforska_behov", {"need_analysis": "n", "hypothesis": "h", "estimated_value": 1,
                                                     "estimated_effects": "e"})
        self.complete("ivar", "bedom_kriterier", criteria(3))

    def to_money_gate(self, funds=(("SOF", 200_000),), **setup_args):
        """Explored, time granted, and the set-up requesting ``funds`` submitted."""
        self.explore()
        self.complete(self.decider, "beslut_tid", {"time_decision": "go", "time_rationale": "Bra idé."})
        self.complete(self.owner, "utforma_upplagg", setup(list(funds), self.clock.now().date(), **setup_args))

    def to_pilot(self, administration="SOF", amount=200_000):
        self.to_money_gate([(administration, amount)])
        self.complete(self.decider, "beslut_pengar", {"money_decision": "grant", "money_rationale": "Ja."})

    def evaluate(self, decision: str, spent=()):
        self.clock.advance(days=31)
        self.settle()
        self.complete(self.owner, "utvardera_pilot", evaluation(decision, list(spent)))

    def detail(self, user="admin"):
        return self.api.as_(user).get(f"/api/instances/{self.id}").json
