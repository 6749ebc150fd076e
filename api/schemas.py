"""Marshmallow schemas: request validation and the single source of the OpenAPI document."""
from __future__ import annotations

from datetime import UTC

import marshmallow as ma
from marshmallow import fields, validate

from engine import INT_MAX, MAX_STRING_LENGTH, HumanTask, InstanceStatus, JobState, ProcessDefinition, ProcessInstance
from innovation.adapters.tables import Initiative
from innovation.domain.vocabulary import AbortCategory
from innovation.model import PROCESS_KEY

WITHIN_INT = validate.Range(min=0, max=INT_MAX)
FREE_TEXT = validate.Length(max=MAX_STRING_LENGTH)


def fits(column) -> validate.Length:
    """No longer than the column the value is stored in or compared with."""
    return validate.Length(max=column.type.length)


class Moment(fields.AwareDateTime):
    """A date-time filter in UTC (one without an offset is taken as UTC), refused if UTC has no such
    moment: 0001-01-01T00:00+01:00 lies before year 1 and cannot be compared with a stored time."""

    default_error_messages = {"range": "Must lie between years 1 and 9999 in UTC."}

    def __init__(self, **kwargs):
        super().__init__(default_timezone=UTC, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        moment = super()._deserialize(value, attr, data, **kwargs)
        try:
            return moment.astimezone(UTC)
        except OverflowError:
            raise self.make_error("range") from None


class Strict(ma.Schema):
    class Meta:
        unknown = ma.RAISE
        ordered = True


class Query(Strict):
    """Query arguments, where an empty value (``?lane=``, an empty filter field) means the filter is off."""

    @ma.pre_load
    def _drop_empty(self, data, **_):
        return {name: value for name, value in data.items() if value != ""}


class ErrorDetail(Strict):
    field = fields.String(metadata={"description": "JSON pointer of the offending field"})
    element_id = fields.String(metadata={"description": "BPMN element the problem belongs to"})
    element_name = fields.String()
    element_type = fields.String(metadata={"description": "its BPMN type, e.g. scriptTask"})
    file = fields.String(metadata={"description": "the file of a deployment of several it belongs to"})
    message = fields.String(required=True)
    code = fields.String(metadata={"description": "the problem as a stable name, e.g. script_syntax"})
    params = fields.Dict(metadata={"description": "the values the message names, by name"})


class ErrorResponse(Strict):
    status = fields.Integer(required=True)
    code = fields.String(required=True, metadata={
        "description": "the error as a stable name: its reason (instance_state, role_needed, …) or its kind "
                       "(not_found, conflict, invalid_data, …)"})
    message = fields.String(required=True, metadata={"description": "in English"})
    params = fields.Dict(required=True, metadata={"description": "the values the message names, by name"})
    details = fields.List(fields.Nested(ErrorDetail))


class TranslatedExpression(Strict):
    element_id = fields.String()
    element_type = fields.String()
    kind = fields.String(metadata={"description": "condition, timeDuration, …"})
    language = fields.String(metadata={"description": "JUEL or FEEL"})
    original = fields.String(metadata={"description": "as written in the diagram (which keeps it)"})
    python = fields.String(metadata={"description": "what the engine runs"})


class Definition(Strict):
    id = fields.Integer()
    process_key = fields.String()
    version = fields.Integer()
    name = fields.String(allow_none=True)
    sha256 = fields.String()
    deployed_by = fields.String()
    deployed_at = fields.String()
    forms = fields.List(fields.String())
    files = fields.List(fields.String(), metadata={
        "description": "the other files of its deployment it runs: DMN decisions, called processes"})
    created = fields.Boolean(metadata={"description": "false when identical content was already deployed"})
    warnings = fields.List(fields.Nested(ErrorDetail), metadata={
        "description": "what deploys but deserves a look, e.g. two parallel branches writing one variable"})
    expressions = fields.List(fields.Nested(TranslatedExpression), metadata={
        "description": "the diagram's JUEL and FEEL expressions and the Python each runs as"})


class DefinitionQuery(Query):
    process_key = fields.String(validate=fits(ProcessDefinition.process_key))


class DeployUpload(Strict):
    file = fields.Raw(metadata={"type": "string", "format": "binary", "description": "the .bpmn diagram"})
    files = fields.List(fields.Raw(metadata={"type": "string", "format": "binary"}),
                        metadata={"description": "several .bpmn, .dmn and .json (form) files deployed as one: "
                                                 "call activities and business rule tasks find their processes "
                                                 "and decisions among them"})
    forms = fields.List(fields.Raw(metadata={"type": "string", "format": "binary"}),
                        metadata={"description": "form JSON files the diagram references (optional; "
                                                 "forms/ is used for any not uploaded)"})


class ElementChange(Strict):
    element_id = fields.String()
    type = fields.String()
    name = fields.String(allow_none=True)


class DefinitionDiff(Strict):
    from_ = fields.Nested(Definition, data_key="from")
    to = fields.Nested(Definition)
    added = fields.List(fields.Nested(ElementChange))
    removed = fields.List(fields.Nested(ElementChange))
    changed = fields.List(fields.Nested(ElementChange))
    unified = fields.String()


class Task(Strict):
    id = fields.String()
    instance_id = fields.String()
    element_id = fields.String()
    name = fields.String(allow_none=True)
    lane = fields.String(allow_none=True)
    scope = fields.String(allow_none=True, metadata={
        "description": "for whom the task is, e.g. the administration deciding this share of a money decision"})
    assignee = fields.String(allow_none=True)
    candidate_groups = fields.List(fields.String(), allow_none=True,
                                   metadata={"description": "roles that may act on it, as the diagram says; "
                                                            "null: the lane's role"})
    candidate_users = fields.List(fields.String(), allow_none=True,
                                  metadata={"description": "users who may act on it, as the diagram says"})
    form = fields.String(allow_none=True)
    ui_form = fields.String(allow_none=True)
    state = fields.String()
    created_at = fields.String()
    due_at = fields.String(allow_none=True)
    overdue = fields.Boolean()
    completed_by = fields.String(allow_none=True)
    ended_at = fields.String(allow_none=True)
    title = fields.String(allow_none=True, metadata={"description": "the initiative's title"})
    administration = fields.String(allow_none=True)


class Timer(Strict):
    id = fields.String()
    instance_id = fields.String()
    element_id = fields.String()
    name = fields.String(allow_none=True)
    due_at = fields.String()


class Job(Strict):
    id = fields.String()
    instance_id = fields.String()
    task_id = fields.String()
    element_id = fields.String()
    operation = fields.String()
    input = fields.Dict()
    state = fields.String()
    attempts = fields.Integer()
    max_attempts = fields.Integer()
    last_error = fields.String(allow_none=True)
    error_history = fields.List(fields.Dict())
    run_after = fields.String()
    claimed_by = fields.String(allow_none=True)
    result = fields.Dict(allow_none=True)


class InstanceSummary(Strict):
    id = fields.String()
    process_key = fields.String()
    definition_version = fields.Integer()
    business_key = fields.String(allow_none=True)
    status = fields.String()
    version = fields.Integer(metadata={"description": "send back as `version` to detect stale updates"})
    started_by = fields.String()
    started_at = fields.String()
    updated_at = fields.String()
    ended_at = fields.String(allow_none=True)
    end_element = fields.String(allow_none=True)
    title = fields.String(allow_none=True)
    phase = fields.String(allow_none=True)
    administration = fields.String(allow_none=True)
    initiative_status = fields.String(allow_none=True)


class Decision(Strict):
    gate = fields.String(metadata={"description": "where it was decided: tid, pengar, skala_upp (the gates), pilot, "
                                                  "pilot_slutdatum (the forced decision), avbrott (an abort), ..."})
    decision = fields.String(metadata={"description": "go, kill, hold or recycle"})
    rationale = fields.String()
    decided_by = fields.String()
    decided_at = fields.String()
    administration = fields.String(metadata={"description": "for which administration it was decided (the "
                                                            "initiative's own unless a share of another's)"})
    amounts = fields.Dict(metadata={"description": "SEK per administration, as decimal strings"})
    category = fields.String(allow_none=True, metadata={"description": "an abort's category of reason"})


class Assessment(Strict):
    criteria_met = fields.Integer(metadata={"description": "how many criteria are met (score 2 or more)"})
    applicable = fields.Integer(metadata={"description": "of how many: 9, or 8 when teknisk höjd does not apply"})
    recommendation = fields.String(metadata={"description": "go, consider or weak; guidance, never a decision"})
    breakdown = fields.Dict(metadata={"description": "per criterion: the city's wording, score, comment, met"})
    assessed_by = fields.String()
    assessed_at = fields.String()


class InstanceDetail(InstanceSummary):
    data = fields.Dict()
    active_elements = fields.List(fields.Dict())
    tasks = fields.List(fields.Nested(Task))
    timers = fields.List(fields.Nested(Timer))
    jobs = fields.List(fields.Nested(Job))
    assessment = fields.Nested(Assessment, allow_none=True, metadata={"description": "the latest, which counts"})
    assessments = fields.List(fields.Nested(Assessment), metadata={"description": "every assessment, oldest first"})
    decisions = fields.List(fields.Nested(Decision), metadata={"description": "the decision log, oldest first"})


class InstancePage(Strict):
    items = fields.List(fields.Nested(InstanceSummary))
    page = fields.Integer()
    page_size = fields.Integer()
    total = fields.Integer()


class InstanceQuery(Query):
    process_key = fields.String(validate=fits(ProcessDefinition.process_key))
    status = fields.String(validate=validate.OneOf(list(InstanceStatus)))
    phase = fields.String(validate=fits(Initiative.phase))
    administration = fields.String(validate=fits(Initiative.administration))
    started_from = Moment()
    started_to = Moment()
    q = fields.String(validate=fits(Initiative.title), metadata={"description": "text in the initiative's title"})
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=INT_MAX))
    page_size = fields.Integer(load_default=25, validate=validate.Range(min=1, max=200))


class StartInstance(Strict):
    process_key = fields.String(load_default=PROCESS_KEY, validate=fits(ProcessDefinition.process_key))
    business_key = fields.String(allow_none=True, validate=fits(ProcessInstance.business_key))
    data = fields.Dict(load_default=dict, metadata={"description": "the start form's data"})


class SendMessage(Strict):
    business_key = fields.String(allow_none=True, validate=fits(ProcessInstance.business_key))
    instance_id = fields.String(validate=fits(ProcessInstance.id),
                                metadata={"description": "deliver to this instance (else by business key)"})
    version = fields.Integer(validate=WITHIN_INT, metadata={"description": "the instance version you acted on"})
    data = fields.Dict(load_default=dict, metadata={"description": "the message's payload"})


class VersionArgs(Strict):
    version = fields.Integer(validate=WITHIN_INT,
                             metadata={"description": "the instance version you acted on (optional)"})


class AbortArgs(VersionArgs):
    category = fields.String(required=True, validate=validate.OneOf(list(AbortCategory)), metadata={
        "description": "why, in the city's categories: funktionellt, ekonomiskt (the solution does not meet the "
                       "need), kostnad_effekt (cost too high for the effect), battre_losning (a better solution "
                       "was found), ej_implementerad (not implemented in any verksamhet), annat"})
    reason = fields.String(required=True, validate=[validate.Length(min=1), FREE_TEXT])


class AssessArgs(VersionArgs):
    criteria = fields.Dict(required=True, metadata={
        "description": "as the task bedom_kriterier: per criterion {score: 0..3, comment}; "
                       "technical_height may be scored \"ej_tillampligt\""})


class MigrateArgs(VersionArgs):
    to_version = fields.Integer(required=True, validate=WITHIN_INT)


class HistoryEntry(Strict):
    id = fields.Integer()
    actor = fields.String()
    action = fields.String()
    element_id = fields.String(allow_none=True)
    details = fields.Dict()
    at = fields.String()


class TaskQuery(Query):
    scope = fields.String(load_default="inbox", validate=validate.OneOf(["inbox", "mine", "available", "all"]),
                          metadata={"description": "inbox = mine + my roles' unclaimed tasks"})
    lane = fields.String(validate=fits(HumanTask.lane))
    instance_id = fields.String(validate=fits(HumanTask.instance_id))
    due_before = Moment()
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))


class CompleteTask(Strict):
    data = fields.Dict(required=True)
    version = fields.Integer(validate=WITHIN_INT)


class AssignArgs(Strict):
    assignee = fields.String(required=True, validate=fits(HumanTask.assignee))


class TaskForm(Strict):
    task = fields.Nested(Task)
    schema = fields.Dict(allow_none=True)
    ui_schema = fields.Dict(allow_none=True)
    data = fields.Dict()
    item = fields.Raw(allow_none=True, metadata={
        "description": "for one instance of a multi-instance task: the element of the collection it is for"})
    instance_version = fields.Integer()


class BudgetPosition(Strict):
    administration = fields.String()
    year = fields.Integer()
    budget = fields.Float()
    available = fields.Float()
    reserved = fields.Float()
    granted = fields.Float()
    spent = fields.Float()


class BudgetContext(Strict):
    administration = fields.String(allow_none=True, metadata={"description": "whose share this task decides"})
    request = fields.Dict(allow_none=True, metadata={"description": "the request to that administration"})
    position = fields.Nested(BudgetPosition, allow_none=True, metadata={
        "description": "that administration's innovation budget for the budget year, as it stands now"})
    budget_check = fields.Dict(allow_none=True, metadata={"description": "the budget check, a line per administration"})
    decisions = fields.Dict(allow_none=True, metadata={"description": "each administration's decision so far"})
    outcome = fields.Dict(allow_none=True, metadata={"description": "what the administrations decided together"})
    refusal = fields.String(allow_none=True, metadata={"description": "why the last reservation was refused"})


class NextStep(Strict):
    task_id = fields.String()
    element_id = fields.String()
    name = fields.String(allow_none=True)
    assignee = fields.String(allow_none=True, metadata={"description": "who holds it, if someone has taken it"})
    roles = fields.List(fields.String(), metadata={"description": "the roles it waits for (the task's candidates)"})
    users = fields.List(fields.String(), metadata={"description": "users it names besides"})
    administration = fields.String(allow_none=True, metadata={"description": "for which administration"})
    due_at = fields.String(allow_none=True)
    overdue = fields.Boolean()


class InitiativeWork(Strict):
    id = fields.String()
    title = fields.String(allow_none=True)
    kind = fields.String(allow_none=True)
    administration = fields.String(allow_none=True)
    phase = fields.String(allow_none=True)
    status = fields.String()
    started_at = fields.String(allow_none=True)
    updated_at = fields.String(allow_none=True, metadata={"description": "its last change"})
    next_steps = fields.List(fields.Nested(NextStep), metadata={"description": "its open tasks, soonest due first"})
    overdue = fields.Boolean(metadata={"description": "an open task is past its due date"})


class OwnInitiative(InitiativeWork):
    decisions = fields.List(fields.Nested(Decision), metadata={"description": "the decision log, oldest first"})


class AwaitingDecision(InitiativeWork):
    step = fields.Nested(NextStep, metadata={"description": "the task that waits for the administration"})


class AdministrationOverview(Strict):
    administration = fields.String()
    awaiting = fields.List(fields.Nested(AwaitingDecision))
    budget = fields.List(fields.Nested(BudgetPosition), metadata={"description": "the innovation budget per year"})


class AdministrationQuery(Query):
    administration = fields.String(validate=fits(Initiative.administration))


class PipelineInitiative(InitiativeWork):
    idle_days = fields.Integer(metadata={"description": "whole days since its last change"})
    stuck = fields.Boolean(metadata={"description": "active and unchanged for stuck_days days or more"})


class PipelinePhase(Strict):
    phase = fields.String(allow_none=True)
    initiatives = fields.List(fields.Nested(PipelineInitiative))


class Pipeline(Strict):
    administrations = fields.List(fields.String(), allow_none=True, metadata={
        "description": "the administrations shown; null: all (an admin)"})
    stuck_days = fields.Integer()
    phases = fields.List(fields.Nested(PipelinePhase), metadata={"description": "in the model's order"})
    stuck = fields.Integer()
    overdue = fields.Integer()


class DueTask(Strict):
    element_id = fields.String()
    name = fields.String(allow_none=True)
    due_in = fields.String(allow_none=True, metadata={"description": "the diagram's dueIn (ISO 8601 duration)"})
    timer = fields.Boolean(metadata={"description": "a timer on the task's boundary gives a due date"})
    default = fields.String(allow_none=True, metadata={"description": "the process owner's default duration"})


class DueDates(Strict):
    process_key = fields.String()
    version = fields.Integer()
    tasks = fields.List(fields.Nested(DueTask))


class DueDefaultArgs(Strict):
    duration = fields.String(required=True, validate=validate.Length(min=1, max=40), metadata={
        "description": "ISO 8601 duration from when the task opens, e.g. P14D"})


class DueDefault(Strict):
    process_key = fields.String()
    element_id = fields.String()
    duration = fields.String()
    set_by = fields.String()
    set_at = fields.String()


class OnHold(Strict):
    id = fields.String()
    title = fields.String(allow_none=True)
    administration = fields.String(allow_none=True)
    phase = fields.String(allow_none=True)
    gate = fields.String(allow_none=True)
    reason = fields.String()
    until = fields.String(allow_none=True, metadata={"description": "the date it is taken up again"})
    since = fields.String(allow_none=True)
    task_id = fields.String(allow_none=True, metadata={"description": "the open task that resumes it early"})


class JobQuery(Query):
    state = fields.String(load_default="open", validate=validate.OneOf(["open", "failed", *JobState]))
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))


class CancelArgs(Strict):
    reason = fields.String(validate=FREE_TEXT)


class TimerQuery(Query):
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))


class Stats(Strict):
    by_phase = fields.Dict()
    by_status = fields.Dict()
    by_administration = fields.Dict()
    funds = fields.Dict(metadata={"description": "granted and spent per administration (SEK)"})
    median_days_in_phase = fields.Dict()


class HealthReport(Strict):
    ok = fields.Boolean()
    database = fields.Dict()
    redis = fields.Dict()
    queue_depth = fields.Integer(allow_none=True)


class QueueState(Strict):
    mode = fields.String(metadata={"description": "rq or embedded"})
    running = fields.List(fields.Dict())
    queues = fields.List(fields.Dict())
    workers = fields.List(fields.Dict())
