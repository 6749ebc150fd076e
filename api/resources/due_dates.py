"""Due dates of user tasks: what the diagram says, and the process owner's defaults."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from api.auth import principal, require
from api.resources import engine
from api.schemas import DueDates, DueDefault, DueDefaultArgs, ErrorResponse
from application.access import DUE_SETTERS

blp = Blueprint("due_dates", __name__, url_prefix="/api/due-dates",
                description="When user tasks are due: the diagram's dueIn and timers, and defaults (process owners).")


@blp.route("/<string:process_key>")
class Tasks(MethodView):
    @require(*DUE_SETTERS)
    @blp.response(200, DueDates)
    def get(self, process_key):
        """The user tasks of the newest version, with the diagram's due date rule and the default."""
        return engine().due_dates(process_key)


@blp.route("/<string:process_key>/<string:element_id>")
class Default(MethodView):
    @require(*DUE_SETTERS)
    @blp.arguments(DueDefaultArgs)
    @blp.response(200, DueDefault)
    @blp.alt_response(422, schema=ErrorResponse, description="not an ISO 8601 duration, or no such user task")
    def put(self, args, process_key, element_id):
        """Set the default: a task that opens from now on without a due date from its diagram is due
        this long after it opens."""
        return engine().set_due_default(process_key, element_id, args["duration"], actor=principal().username)

    @require(*DUE_SETTERS)
    @blp.response(204)
    def delete(self, process_key, element_id):
        """Remove the default."""
        engine().set_due_default(process_key, element_id, None, actor=principal().username)
