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
ABORT_MESSAGE = "avbryt_initiativ"  # the message that interrupts any phase with a category and a reason
ABORT_VARIABLE = "abort"  # where the diagram keeps the abort message's payload {category, reason}
ASSESSMENT_TASK = "bedom_kriterier"  # the coordinator's assessment of the nine criteria
ASSESSMENT_FORM = "criteria-assessment.schema.json"
ASSESSMENT_UI_FORM = "criteria-assessment.uischema.json"
REASSESSED = "criteria_reassessed"  # the audit action of an assessment made outside the diagram
LESSONS_TASK = "dokumentera_lardomar"  # every abort passes here; the abort's category is confirmed


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
    """A decision's user task and the form fields that carry it into the decision log."""

    gate: Gate
    decision_field: str
    rationale_field: str
    amounts_field: str | None = None
    logged: tuple[str, ...] | None = None  # the form's decisions that reach the log (None: all)


GATE_TASKS: dict[str, GateTask] = {
    "beslut_tid": GateTask(Gate.TID, "time_decision", "time_rationale"),
    # one task per paying administration (its scope); the amount is that administration's grant
    "beslut_pengar": GateTask(Gate.PENGAR, "money_decision", "money_rationale", "money_amount"),
    "valj_upplagg": GateTask(Gate.PENGAR, "setup_decision", "setup_rationale"),  # after a partial grant
    "beslut_skala_upp": GateTask(Gate.SKALA_UPP, "scale_decision", "scale_rationale"),
    "utvardera_pilot": GateTask(Gate.PILOT, "pilot_decision", "lessons", "funds_spent", logged=("stop", "scale")),
    "tvingande_beslut": GateTask(Gate.PILOT_SLUT, "pilot_decision", "forced_rationale", "supplementary_funds"),
    "bekrafta_mottagande": GateTask(Gate.MOTTAGANDE, "receiving_decision", "receiving_rationale"),
    "infor_losning": GateTask(Gate.INFORANDE, "implementation_decision", "implementation_rationale"),
    "folj_upp_nytta": GateTask(Gate.UPPFOLJNING, "follow_up_decision", "follow_up_rationale"),
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
DECISIONS = {"grant": "go", "scale": "go", "reject": "kill", "stop": "kill", "more_evidence": "recycle",
             "accept": "go", "decline": "kill", "in_use": "go", "not_implemented": "kill"}
DECISIONS.update(partial="go", proceed="go", rework="recycle")  # money gate: a share in part; after a partial grant

#: Tasks that report pilot spending -> the field with the lines; a line beyond what remains of
#: that administration's grant is refused on submission, naming the remaining amount.
SPENDING_TASKS = {"utvardera_pilot": "funds_spent", "tvingande_beslut": "funds_spent"}

#: Dates a decision sets for later (a timer waits for them): they must lie after today.
FUTURE_DATES = {"tvingande_beslut": ("new_end_date",), "beslut_skala_upp": ("scale_hold_until", "new_pilot_end_date"),
                "bekrafta_mottagande": ("implementation_deadline",)}

#: Dates that record what already happened: they may not lie after today.
PAST_DATES = {"infor_losning": ("in_use_from",)}

#: Tasks for the receiving administration (``receiving_organisation.administration`` of the
#: scale proposal), which carries the running cost, rather than the initiative's own.
RECEIVING_TASKS = ("bekrafta_mottagande", "infor_losning")

SCALE_PROPOSAL_TASK = "forbered_skalning"
IMPLEMENTATION_TASK = "infor_losning"
FOLLOW_UP_TASK = "folj_upp_nytta"


@dataclass(frozen=True)
class HoldPoint:
    """Where an initiative waits on hold: while the element is active the initiative is on hold
    at ``gate``; ``variable`` holds the date and the reason ({"hold_until", "hold_reason"})."""

    gate: Gate
    variable: str


HOLD_POINTS: dict[str, HoldPoint] = {
    "vilande_pengar": HoldPoint(Gate.PENGAR, "money_outcome"),  # no funds until a date; resumed early by hand
    "vilande_skala": HoldPoint(Gate.SKALA_UPP, "scale_hold"),  # at the scale gate, until a date
}

#: Everywhere an initiative on hold waits: the hold points, and the time gate's hold (which its
#: own decision puts on hold). Once none of them is active, the initiative is active again.
HOLD_ELEMENTS = (*HOLD_POINTS, "vilande_tid", "vanta_beslut_tid")

#: Tasks another role may act on besides the lane's own (e.g. the coordinator with the idea owner).
ALSO_ACTING: dict[str, tuple[Role, ...]] = {
    "valj_upplagg": (Role.COORDINATOR,),
}

#: The money gate's tasks, whose pages show the budget check and the decisions so far, and
#: the variables they read: kontrollera_budget's result (a line per paying administration),
#: each administration's decision (beslut_pengar's output) and what they decided together.
MONEY_GATE_TASKS = ("beslut_pengar", "valj_upplagg", "vilande_pengar")
BUDGET_CHECK, MONEY_DECISIONS, MONEY_OUTCOME = "budget_check", "money_decisions", "money_outcome"
SETUP_TASK = "utforma_upplagg"  # its form's dates and amounts are checked before it completes

#: Each phase is an expanded subprocess whose id is the phase's value.
PHASE_SUBPROCESSES = tuple(phase.value for phase in Phase)

#: End events of the process and the outcome each one records.
OUTCOMES = {"slut_realiserad": "realised", "slut_avbruten": "aborted"}
