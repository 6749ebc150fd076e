"""Process instances: start, list, inspect, history, and admin operations."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from api.auth import principal, require
from api.resources import engine, reader
from api.schemas import (
    AbortArgs,
    AssessArgs,
    ErrorResponse,
    HistoryEntry,
    InstanceDetail,
    InstancePage,
    InstanceQuery,
    MigrateArgs,
    StartInstance,
    VersionArgs,
)
from application import access, portfolio
from application.access import ABORTERS, ASSESSORS, INSTANCE_READERS, OPERATORS, STARTERS

blp = Blueprint("instances", __name__, url_prefix="/api/instances",
                description="Start and follow process instances; admins operate on them.")


def _may_read(instance_id: str) -> None:
    access.authorize_instance(reader(), principal(), instance_id, "reading an initiative", reading=True)


def _detail(view: dict) -> dict:
    return portfolio.with_initiative(reader(), view)


@blp.route("")
class Instances(MethodView):
    @require(*INSTANCE_READERS)
    @blp.arguments(InstanceQuery, location="query")
    @blp.response(200, InstancePage)
    def get(self, args):
        """Instances, newest first, filtered by definition, state, phase, administration, dates, title."""
        return portfolio.instance_page(reader(), within=access.instance_scope(principal()), **args)

    @require(*STARTERS)
    @blp.arguments(StartInstance)
    @blp.response(201, InstanceDetail)
    @blp.alt_response(422, schema=ErrorResponse, description="the start data breaks the start form")
    def post(self, args):
        """Start an instance (submit an initiative) with its start-form data."""
        started = engine().start(args["process_key"], args["data"], actor=principal().username,
                                 business_key=args.get("business_key"))
        return _detail(started)


@blp.route("/<instance_id>")
class Instance(MethodView):
    @require(*INSTANCE_READERS)
    @blp.response(200, InstanceDetail)
    def get(self, instance_id):
        """State, current tasks, waiting timers, jobs, data and version."""
        _may_read(instance_id)
        return _detail(engine().instance(instance_id))


@blp.route("/<instance_id>/history")
class History(MethodView):
    @require(*INSTANCE_READERS)
    @blp.response(200, HistoryEntry(many=True))
    def get(self, instance_id):
        """The audit log of the instance."""
        _may_read(instance_id)
        engine().instance(instance_id)
        return engine().history(instance_id)


def _operation(name: str, summary: str):
    """An admin operation endpoint (suspend, resume, terminate): same shape, different verb."""
    def post(self, args, instance_id):
        return _detail(getattr(engine(), name)(instance_id, actor=principal().username,
                                               expected_version=args.get("version")))
    post.__doc__ = summary
    post = blp.alt_response(409, schema=ErrorResponse, description="stale version or wrong state")(post)
    post = require(*OPERATORS)(blp.response(200, InstanceDetail)(blp.arguments(VersionArgs)(post)))
    view = type(f"{name.title()}Instance", (MethodView,), {"post": post})
    return blp.route(f"/<instance_id>/{name}", endpoint=f"instance_{name}")(view)


SuspendView = _operation("suspend", "Suspend a running instance: nothing moves, timers wait.")
ResumeView = _operation("resume", "Resume a suspended (or failed) instance; due timers fire.")
TerminateView = _operation("terminate", "Terminate an instance for good.")


@blp.route("/<instance_id>/abort")
class Abort(MethodView):
    @require(*ABORTERS)
    @blp.arguments(AbortArgs)
    @blp.response(200, InstanceDetail)
    @blp.alt_response(409, schema=ErrorResponse, description="the instance is not waiting for an abort")
    def post(self, args, instance_id):
        """Abort an initiative with a category and a reason (the BPMN message avbryt_initiativ);
        the decision log records it."""
        return access.abort_initiative(engine(), reader(), principal(), instance_id, args["category"], args["reason"],
                                       expected_version=args.get("version"))


@blp.route("/<instance_id>/assessments")
class Assessments(MethodView):
    @require(*ASSESSORS)
    @blp.arguments(AssessArgs)
    @blp.response(201, InstanceDetail)
    @blp.alt_response(409, schema=ErrorResponse, description="beslut pengar is taken, or the version is stale")
    @blp.alt_response(422, schema=ErrorResponse, description="the criteria break the criteria form")
    def post(self, args, instance_id):
        """Assess the nine criteria again before beslut pengar; every assessment is kept with
        who made it and when, and the latest counts."""
        return access.reassess(engine(), reader(), principal(), instance_id, {"criteria": args["criteria"]},
                               expected_version=args.get("version"))


@blp.route("/<instance_id>/migrate")
class Migrate(MethodView):
    @require(*OPERATORS)
    @blp.arguments(MigrateArgs)
    @blp.response(200, InstanceDetail)
    @blp.alt_response(409, schema=ErrorResponse, description="unsafe: details name the elements that block it")
    def post(self, args, instance_id):
        """Move an instance to another version of its process when nothing it holds would be lost."""
        return _detail(engine().migrate(instance_id, args["to_version"], actor=principal().username,
                                        expected_version=args.get("version")))
