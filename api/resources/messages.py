"""BPMN messages from outside: to the instance waiting for one, or starting a process."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from api.auth import principal, require
from api.resources import engine, reader
from api.schemas import ErrorResponse, InstanceDetail, SendMessage
from application import portfolio
from application.access import OPERATORS

blp = Blueprint("messages", __name__, url_prefix="/api/messages",
                description="Correlate a BPMN message; a message start event starts an instance.")


@blp.route("/<name>")
class Message(MethodView):
    @require(*OPERATORS)
    @blp.arguments(SendMessage)
    @blp.response(200, InstanceDetail)
    @blp.alt_response(404, schema=ErrorResponse, description="no instance waits and no process starts on it")
    @blp.alt_response(409, schema=ErrorResponse, description="the instance is not waiting for this message")
    def post(self, args, name):
        """Deliver the message to the one running instance with the business key (or the named
        instance); when none runs, start the deployed process whose start event waits for it."""
        view = engine().correlate_message(name, args["data"], actor=principal().username,
                                          instance_id=args.get("instance_id"), business_key=args.get("business_key"),
                                          expected_version=args.get("version"))
        return portfolio.with_initiative(reader(), view)
