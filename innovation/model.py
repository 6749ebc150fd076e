"""The contract between the code and ``processes/innovation.bpmn``.

Every name the code relies on in the diagram is spelled here once: the process key, the
lanes and the role that works in each, the gate tasks and the fields their forms decide
with, the phase subprocesses, the end events and the abort message. A test reads the
diagram and checks each of them, so renaming a gate or a lane in the modeler fails a test
instead of silently dropping a decision from the record.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from innovation.domain.vocabulary import Gate, Phase

PROCESS_KEY = "innovation"
ABORT_MESSAGE = "avbryt_initiativ"  # the message that interrupts any phase with a reason


class Role(StrEnum):
    """What a user may do; the roles in ``SCOPED_ROLES`` are held per administration."""

    IDEA_OWNER = "idea_owner"
    COORDINATOR = "coordinator"  # innovationsledare
    DECISION_MAKER = "decision_maker"  # förvaltningsledning
    PROCESS_OWNER = "process_owner"
    ADMIN = "admin"
    MANAGER = "manager"  # närmaste chef: decides beslut tid for the idea owners of an administration


#: Roles granted for one administration each; their holders act only on its initiatives.
SCOPED_ROLES = (Role.DECISION_MAKER, Role.COORDINATOR, Role.MANAGER)


class Lane(StrEnum):
    IDEBARARE = "Idébärare"
    INNOVATIONSLEDARE = "Innovationsledare"
    FORVALTNINGSLEDNING = "Förvaltningsledning"
    NARMASTE_CHEF = "Närmaste chef"


LANE_ROLES: dict[str, Role] = {
    Lane.IDEBARARE: Role.IDEA_OWNER,
    Lane.INNOVATIONSLEDARE: Role.COORDINATOR,
    Lane.FORVALTNINGSLEDNING: Role.DECISION_MAKER,
    Lane.NARMASTE_CHEF: Role.MANAGER,
}

#: Where an administration has no manager, its decision makers take the manager's tasks.
STAND_INS = {Role.MANAGER: Role.DECISION_MAKER}


@dataclass(frozen=True)
class GateTask:
    """A gate's user task and the form fields that carry its decision."""

    gate: Gate
    decision_field: str
    rationale_field: str
    amounts_field: str | None = None


GATE_TASKS: dict[str, GateTask] = {
    "beslut_tid": GateTask(Gate.TID, "time_decision", "time_rationale"),
    "beslut_pengar": GateTask(Gate.PENGAR, "money_decision", "money_rationale", "grants"),
    "beslut_skala_upp": GateTask(Gate.SKALA_UPP, "scale_decision", "scale_rationale"),
    "granska_initiativ": GateTask(Gate.GRANSKNING, "screening_decision", "screening_rationale"),
}

#: The screening task: its form settles the initiative's kind and administration.
SCREENING_TASK = "granska_initiativ"

#: Who submits: an employee gets working time (beslut tid), a resident an internal owner.
SUBMITTER_FIELD = "submitter"  # "employee" or "resident"


@dataclass(frozen=True)
class OwnerAssignment:
    """The task in which the coordinator names the user who works a resident's idea."""

    task: str
    field: str


OWNER_ASSIGNMENT = OwnerAssignment("tilldela_idebarare", "internal_owner")

#: A gate form's own word for a decision -> the record's decision (other words are the same).
DECISIONS = {"grant": "go", "scale": "go", "reject": "kill", "accept": "go"}

#: Each phase is an expanded subprocess whose id is the phase's value.
PHASE_SUBPROCESSES = tuple(phase.value for phase in Phase)

#: End events of the process and the outcome each one records.
OUTCOMES = {"slut_realiserad": "realised", "slut_avbruten": "aborted"}
