"""The engine's errors: each says what was wrong and where, so callers never guess.

Every error carries a stable ``code`` (its kind) and, where it applies, ``details``: a list
of problems naming the BPMN element or the form field. The HTTP layer maps codes to
status codes; the CLI prints the message. The message is English; an error or problem may
also carry a ``reason_code``/``code`` and its ``params``, stable names a caller translates
the sentence from (the pages show it in Swedish) without parsing the English.
"""
from __future__ import annotations

import dataclasses
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a diagram or with submitted data."""

    message: str
    element_id: str | None = None
    element_name: str | None = None
    field: str | None = None
    element_type: str | None = None  # the BPMN tag, e.g. scriptTask
    file: str | None = None  # which file of a deployment of several
    code: str | None = None  # what is wrong, as a stable name ("script_syntax")
    params: dict | None = dataclasses.field(default=None, compare=False)  # the values its sentence names

    def to_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v is not None}

    def __str__(self) -> str:
        where = self.field or " ".join(
            part for part in (self.element_type, self.element_id,
                              f"({self.element_name})" if self.element_name else None) if part
        )
        where = " ".join(part for part in (self.file, where) if part)
        return f"{where}: {self.message}" if where else self.message


class EngineError(Exception):
    code = "engine_error"

    def __init__(self, message: str, details: list[Problem] | None = None, *, reason_code: str | None = None,
                 params: dict | None = None):
        super().__init__(message)
        self.message = message
        self.details = list(details or [])
        self.reason_code = reason_code  # the message as a stable name ("instance_state"), with its params
        self.params = dict(params or {})

    def __str__(self) -> str:
        if not self.details:
            return self.message
        return self.message + "\n" + "\n".join(f"  - {p}" for p in self.details)


class DeploymentRejected(EngineError):
    code = "deployment_rejected"


class NotFound(EngineError):
    code = "not_found"


class InvalidData(EngineError):
    """Submitted data breaks the form's schema or uses a reserved key."""

    code = "invalid_data"


class Conflict(EngineError):
    """The request is well formed but the instance is not in a state to accept it."""

    code = "conflict"


class StaleVersion(Conflict):
    """The caller acted on an older version of the instance than the stored one."""

    code = "stale_version"


class ProcessFailure(EngineError):
    """A diagram's own script or expression failed while running; nothing was saved."""

    code = "process_failure"


class Busy(Conflict):
    """Another process holds the instance right now; nothing was changed, try again later."""

    code = "busy"
