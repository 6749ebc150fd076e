"""The HTTP API: flask-smorest blueprints, one per resource, over the application layer.

``register_api(app)`` mounts it on an app the composition root (``server``) builds; the
marshmallow schemas in ``api.schemas`` are the single source of its OpenAPI document.
"""
from __future__ import annotations

from flask import Flask, send_from_directory
from flask_smorest import Api
from werkzeug.exceptions import HTTPException

from api import auth, errors
from api.resources import (
    close_reader,
    definitions,
    due_dates,
    holds,
    instances,
    messages,
    operations,
    overviews,
    public,
    publications,
    stats,
    system,
    tasks,
    wordpress,
)
from api.schemas import ErrorResponse
from application.access import AccessDenied
from application.settings import ROOT
from engine import EngineError

SWAGGER_ASSETS = ROOT / "web" / "node_modules" / "swagger-ui-dist"
# Every resource but the public database (and its WordPress shape) needs a bearer token (so do the documentation's
# assets not: they are flask-smorest's own blueprint and a plain route).
SIGNED_IN = (definitions, instances, messages, tasks, operations, stats, system, holds, publications, overviews,
             due_dates)


class ServiceApi(Api):
    """flask-smorest's Api with our single error shape."""

    ERROR_SCHEMA = ErrorResponse

    def handle_http_exception(self, error):
        return errors.handle_http_exception(error)


def register_api(app: Flask) -> None:
    app.config.update(
        API_TITLE="Helsingborg innovation engine", API_VERSION="1",
        OPENAPI_VERSION="3.0.3", OPENAPI_URL_PREFIX="/api", OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="/docs", OPENAPI_SWAGGER_UI_URL="/api/docs/assets/",
    )
    app.config["API_SIGNED_IN_BLUEPRINTS"] = {module.blp.name for module in SIGNED_IN}
    api = ServiceApi(app, spec_kwargs={"security": [{"bearerAuth": []}]})
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    for module in (*SIGNED_IN, public, wordpress):
        api.register_blueprint(module.blp)
    app.before_request(auth.authenticate_request)
    app.teardown_request(close_reader)
    app.register_error_handler(AccessDenied, auth.handle_access_denied)
    app.register_error_handler(EngineError, errors.handle_engine_error)
    app.register_error_handler(HTTPException, errors.handle_http_exception)
    app.register_error_handler(Exception, errors.handle_unexpected)

    @app.get("/api/docs/assets/<path:name>", endpoint="swagger_assets")
    def swagger_assets(name):
        return send_from_directory(SWAGGER_ASSETS, name)
