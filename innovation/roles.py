"""Which role works in which lane of processes/innovation.bpmn."""
from __future__ import annotations

LANE_ROLES = {
    "Idébärare": "idea_owner",
    "Innovationsledare": "coordinator",
    "Förvaltningsledning": "decision_maker",
}


def lanes_for(roles) -> list[str]:
    return [lane for lane, role in LANE_ROLES.items() if role in roles]
