"""Operations for admins: health, Prometheus metrics (scrape with a bearer token), queue state."""
from __future__ import annotations

from flask import Response, current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from api.auth import require
from api.resources import engine
from api.schemas import HealthReport, QueueState
from application import health
from application.access import OPERATORS

blp = Blueprint("system", __name__, url_prefix="/api", description="Health, metrics and queues.")


def _redis():
    return current_app.extensions.get("redis")


@blp.route("/health")
class Health(MethodView):
    @require(*OPERATORS)
    @blp.response(200, HealthReport)
    @blp.alt_response(503, schema=HealthReport, description="the database or Redis is unreachable")
    def get(self):
        """Database and Redis reachability and the queue depth."""
        report = health.health(engine(), _redis())
        return report, 200 if report["ok"] else 503


@blp.route("/metrics")
class Metrics(MethodView):
    @require(*OPERATORS)
    @blp.response(200, {"type": "string"}, content_type="text/plain")
    def get(self):
        """Prometheus metrics: jobs run, failed and retried; queue depth; timer lag; open incidents."""
        return Response(health.metrics_text(engine(), _redis()), mimetype="text/plain; version=0.0.4")


@blp.route("/queues")
class Queues(MethodView):
    @require(*OPERATORS)
    @blp.response(200, QueueState)
    def get(self):
        """Queues and workers, and what each worker is running."""
        return health.queue_state(engine(), _redis())
