"""A BPMN process engine on SpiffWorkflow that knows nothing of innovation.

This module is the engine's whole public surface: code outside ``engine/`` imports from
here and never from a submodule (an import-linter contract checks it).

- ``Engine``: deploy, start, act on and query process instances (``engine.core``);
- its errors (``EngineError`` and subclasses) and value types (``Problem``, the states);
- the hooks others subscribe to: ``Engine.listeners`` receive an ``InstanceChanged`` after
  every change inside its transaction (read models); ``Engine.on_jobs_committed`` is told
  of new jobs after the commit (queue dispatchers, background runners); service-task
  operations are registered in an ``OperationRegistry`` by installed plug-ins
  (``load_plugins`` with a ``PluginHost``), which may also add script helpers;
- its tables, which read models may join read-only (``Base`` for schema tooling);
- diagram helpers the modeler needs (``BPMN_NAMESPACES``, ``FormSource``, ``diff_diagrams``,
  ``canonical_xml``).
"""
from engine.clock import ManualClock, SystemClock
from engine.core import Engine
from engine.errors import (
    Busy,
    Conflict,
    DeploymentRejected,
    EngineError,
    InvalidData,
    NotFound,
    Problem,
    ProcessFailure,
    StaleVersion,
)
from engine.forms import MAX_DEPTH, MAX_STRING_LENGTH, MalformedJson
from engine.forms import check as check_data
from engine.forms import loads as loads_json
from engine.operations import BpmnError, OperationContext, OperationRegistry, RetryPolicy
from engine.plugins import GROUP as PLUGIN_GROUP
from engine.plugins import PluginError, PluginHost, load_plugins
from engine.runtime import InstanceChanged
from engine.sandbox import ScriptLimits
from engine.sandbox import helper_descriptions as script_helpers
from engine.states import OPEN_JOBS, InstanceStatus, JobState, TaskStatus
from engine.tables import (
    INT_MAX,
    AuditEntry,
    Base,
    HumanTask,
    Job,
    ProcessDefinition,
    ProcessInstance,
    TaskDueDefault,
    Timer,
    UtcDateTime,
)
from engine.validation import NS as BPMN_NAMESPACES
from engine.validation import FormSource
from engine.versions import canonical as canonical_xml
from engine.versions import diff as diff_diagrams
from engine.views import definition_view, instance_summary, task_view
from engine.workflow import set_script_limits

__all__ = [
    "AuditEntry", "Base", "BPMN_NAMESPACES", "BpmnError", "Busy", "canonical_xml", "check_data", "Conflict",
    "definition_view", "DeploymentRejected", "diff_diagrams", "Engine", "EngineError", "FormSource", "HumanTask",
    "instance_summary", "InstanceChanged", "InstanceStatus", "INT_MAX", "InvalidData", "Job", "JobState",
    "load_plugins", "loads_json", "MalformedJson", "ManualClock", "MAX_DEPTH", "MAX_STRING_LENGTH", "NotFound",
    "OPEN_JOBS", "OperationContext", "OperationRegistry", "PLUGIN_GROUP", "PluginError", "PluginHost", "Problem",
    "ProcessDefinition", "ProcessFailure", "ProcessInstance", "RetryPolicy", "ScriptLimits", "script_helpers",
    "set_script_limits", "StaleVersion", "SystemClock", "TaskDueDefault", "task_view", "TaskStatus", "Timer",
    "UtcDateTime",
]
