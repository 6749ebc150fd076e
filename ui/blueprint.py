"""The UI blueprint: its static files, the npm packages it serves, headers and error pages."""
from __future__ import annotations

import json
import logging
from pathlib import Path

from flask import Blueprint, abort, render_template, send_from_directory
from werkzeug.exceptions import HTTPException

from application.portfolio import decision_log
from engine import EngineError, NotFound
from ui import i18n
from ui.paging import page_count

log = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parents[1]
NODE_MODULES = ROOT / "web" / "node_modules"
# Only these folders of web/node_modules are served: what the pages load, nothing else.
VENDOR = ("bpmn-js/dist/", "dmn-js/dist/")

bp = Blueprint("ui", __name__, template_folder="templates", static_folder="static",
               static_url_path="/ui/assets")

CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; "
       "font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")


def public(view):
    """Mark a view as open to everyone (the public database, login, assets)."""
    view.ui_public = True
    return view


@bp.get("/ui/vendor/<path:name>")
@public
def vendor(name):
    """Front-end packages installed from the npm lock file (web/node_modules); no CDN."""
    if not name.startswith(VENDOR):
        abort(404)
    return send_from_directory(NODE_MODULES, name, max_age=3600)


@bp.after_request
def security_headers(response):
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


# Functions every template (and imported macro) may call, and the filters that write numbers,
# money, moments, dates and counted things the page's way: {{ amount | money }}, {{ total | plural("monitor.count") }}.
for _helper in (i18n.t, i18n.pick, i18n.term, i18n.decision_term, page_count, decision_log):
    bp.add_app_template_global(_helper)
for _filter in (i18n.number, i18n.money, i18n.when, i18n.day, i18n.plural):
    bp.add_app_template_filter(_filter)


@bp.app_template_filter("pretty_json")
def pretty_json(value) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True, default=str)


def error_page(status: int, message: str):
    return render_template("ui/error.html", status=status, message=message), status


@bp.errorhandler(HTTPException)
def http_error(error: HTTPException):
    """The page's own message when it gave one, else the status's sentence in the page's language."""
    data = getattr(error, "data", None) or {}
    message = data.get("message") or (error.description if error.description != type(error).description else None)
    key = f"error.http.{error.code}"
    return error_page(error.code or 500, message or (i18n.t(key) if i18n.known(key) else error.name))


@bp.errorhandler(EngineError)
def engine_error(error: EngineError):
    return error_page(404 if isinstance(error, NotFound) else 409, i18n.error_text(error))


@bp.errorhandler(Exception)
def unexpected(error: Exception):
    log.exception("unexpected error on a page")
    return error_page(500, i18n.t("error.unexpected"))
