"""The app bench/api.py serves: the service as ``server:create_app()`` builds it, plus one
route the product does not have, ``POST /bench/floor``, the least a durable request does.

The floor goes through all a completion goes through before its own work (gunicorn, Flask,
the request guard, the product's bearer-token authentication with the user's grants, a
pooled connection) and then inserts one audit row and commits in the engine's unit of work.
It lives here, not in the product, so that the service offers nothing but its API; being
the same app in the same server, the two are measured under the same configuration.
"""
from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, current_app, g, jsonify

from engine import AuditEntry
from server import create_app as create_service

blp = Blueprint("bench_floor", __name__)


@blp.post("/bench/floor")
def floor():
    with current_app.extensions["engine"].db.unit_of_work(write=True) as uow:
        uow.session.add(AuditEntry(actor=g.principal.username, action="bench_floor", details={},
                                   at=datetime.now(UTC)))
        uow.commit()
    return jsonify({"recorded": True})


def create_app(**options):
    """``server.create_app(**options)`` with the floor route."""
    app = create_service(**options)
    app.register_blueprint(blp)
    # the product's own before_request hook authenticates it, as it does the API's blueprints
    app.config["API_SIGNED_IN_BLUEPRINTS"] = {*app.config["API_SIGNED_IN_BLUEPRINTS"], blp.name}
    return app
