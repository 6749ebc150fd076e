"""Each role's own work: the idea owner's initiatives, the decision makers' administration, the
coordinators' pipeline (application/overviews.py)."""
from __future__ import annotations

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from api.auth import principal
from api.resources import engine, reader
from api.schemas import AdministrationOverview, AdministrationQuery, OwnInitiative, Pipeline
from application import overviews
from application.settings import Settings

blp = Blueprint("overviews", __name__, url_prefix="/api",
                description="Each role's own work: my initiatives, my administration, the pipeline.")


@blp.route("/my-initiatives")
class MyInitiatives(MethodView):
    @blp.response(200, OwnInitiative(many=True))
    def get(self):
        """The caller's initiatives as idea owner: status, phase, next steps and who holds them, decisions."""
        return overviews.my_initiatives(reader(), principal(), engine().now())


@blp.route("/administration-overview")
class Administration(MethodView):
    @blp.arguments(AdministrationQuery, location="query")
    @blp.response(200, AdministrationOverview(many=True))
    def get(self, args):
        """Per administration the caller decides for (decision makers, managers): what awaits its
        decision and its budget per year (granted, reserved, spent, available)."""
        return overviews.administration_overview(reader(), principal(), engine().now(), args.get("administration"))


@blp.route("/pipeline")
class PipelineView(MethodView):
    @blp.response(200, Pipeline)
    def get(self):
        """The running initiatives of the caller's administrations (coordinators; admins all) by phase,
        with what is stuck and what is overdue."""
        settings = current_app.extensions.get("settings") or Settings()
        return overviews.pipeline(reader(), principal(), engine().now(), settings.stuck_days)
