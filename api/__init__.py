"""The HTTP service: an app factory over the engine, one blueprint per resource."""
from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, send_from_directory
from flask_smorest import Api
from werkzeug.exceptions import HTTPException

from api import auth, errors, inputs
from api.resources import close_reader, definitions, instances, operations, public, stats, system, tasks
from api.schemas import ErrorResponse
from engine.errors import EngineError
from ui import register_ui
from workers.queue import connect
from workers.service import start_background

ROOT = Path(__file__).resolve().parents[1]
SWAGGER_ASSETS = ROOT / "web" / "node_modules" / "swagger-ui-dist"


class ServiceApi(Api):
    """flask-smorest's Api with our single error shape."""

    ERROR_SCHEMA = ErrorResponse

    def handle_http_exception(self, error):
        return errors.handle_http_exception(error)


def create_app(engine=None, background: bool = False, **config) -> Flask:
    """Build the service around ``engine`` (by default the innovation engine from the environment).

    ``background`` starts this process's share of background work: without Redis, jobs and
    timers run in a thread of the service; with ``REDIS_URL``, committed jobs are queued for
    rq workers (timers then belong to ``innovation scheduler``).
    """
    if engine is None:
        from innovation.bootstrap import build_engine
        engine = build_engine()
    app = Flask(__name__)
    app.config.update(
        API_TITLE="Helsingborg innovation engine", API_VERSION="1",
        OPENAPI_VERSION="3.0.3", OPENAPI_URL_PREFIX="/api", OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="/docs", OPENAPI_SWAGGER_UI_URL="/api/docs/assets/",
        PUBLIC_BLUEPRINTS={"public", "api-docs"}, PUBLIC_ENDPOINTS={"swagger_assets", "static"},
        JSON_SORT_KEYS=False, MAX_CONTENT_LENGTH=8 * 1024 * 1024,
    )
    app.config.update(config)
    app.extensions["engine"] = engine
    api = ServiceApi(app, spec_kwargs={"security": [{"bearerAuth": []}]})
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    for module in (definitions, instances, tasks, operations, public, stats, system):
        api.register_blueprint(module.blp)
    app.before_request(inputs.guard_request)
    app.before_request(auth.authenticate_request)
    app.teardown_request(close_reader)
    app.register_error_handler(EngineError, errors.handle_engine_error)
    app.register_error_handler(HTTPException, errors.handle_http_exception)
    app.register_error_handler(Exception, errors.handle_unexpected)

    @app.get("/api/docs/assets/<path:name>", endpoint="swagger_assets")
    def swagger_assets(name):
        return send_from_directory(SWAGGER_ASSETS, name)

    register_ui(app)
    redis_url = app.config.get("REDIS_URL", os.environ.get("REDIS_URL"))
    app.extensions["redis"] = connect(redis_url) if redis_url else None
    if background:
        app.extensions["background"] = start_background(engine, redis_url)
    return app
