"""The composition root: which parts make up each process the city runs.

- ``create_app``: the web service, i.e. the API's blueprints, the pages and this process's
  share of background work (the embedded runner, or the dispatcher that queues committed
  jobs on Redis);
- ``serve``: that app under gunicorn; ``run_worker`` and ``run_scheduler``: the rq worker
  and the timer/sweep loop.

It is the only package that imports several entrypoints (api, ui, workers); they never
import each other, and the command line reaches them through here.
"""
from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from api import register_api
from api.inputs import guard_request
from application.assembly import build_engine
from application.settings import Settings
from server.background import start_background
from ui import register_ui
from workers.queue import connect


def create_app(engine=None, background: bool = False, settings: Settings | None = None, **config) -> Flask:
    """The web service around ``engine`` (by default the innovation engine of ``settings``).

    ``background`` starts this process's share of background work: in the embedded mode
    jobs and timers run in a thread of the service; with Redis, committed jobs are queued
    for rq workers (timers then belong to ``innovation scheduler``).
    """
    settings = settings or Settings.from_environment()
    if engine is None:
        engine = build_engine(settings)
    app = Flask(__name__)
    app.config.update(JSON_SORT_KEYS=False, MAX_CONTENT_LENGTH=settings.max_request_bytes)
    app.config.update(config)
    app.extensions["engine"] = engine
    app.extensions["settings"] = settings
    app.before_request(guard_request)  # hostile input is refused before the API or a page sees it
    register_api(app)
    register_ui(app, settings)
    if settings.trusted_proxies:  # the client's address (login throttling) and scheme from the proxies
        n = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)
    app.extensions["redis"] = None if settings.embedded else connect(settings.redis_url)
    if background:
        app.extensions["background"] = start_background(engine, settings)
    return app
