"""The public records in the city's WordPress shape, at the address its clients expect.

``/api/public/wp-json/wp/v2/project`` answers as api-project-manager does at
``/wp-json/wp/v2/project``: ``page`` and ``per_page`` (1-100, default 10), the totals in the
headers ``X-WP-Total`` and ``X-WP-TotalPages``, and errors in WordPress's own shape (a page past
the last is a 400 ``rest_post_invalid_page_number``), so the city's integration plugin and
dashboard can read this service instead. No login.
"""
from __future__ import annotations

import json
from urllib.parse import urlencode

from flask import Response, request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

from api.public_schemas import WordPressError, WordPressProject, WordPressQuery
from api.resources import reader
from application import publication
from innovation.adapters.wordpress import to_wp_project

blp = Blueprint("wordpress", __name__, url_prefix="/api/public/wp-json/wp/v2",
                description="The innovation database in the city's WordPress shape (api-project-manager).")
TOTALS = {"X-WP-Total": {"description": "projects in the list", "schema": {"type": "integer"}},
          "X-WP-TotalPages": {"description": "pages of per_page projects", "schema": {"type": "integer"}}}


def _json(body, status: int = 200, headers: dict | None = None) -> Response:
    return Response(json.dumps(body, ensure_ascii=False), status=status, headers=headers,
                    mimetype="application/json")


def wp_error(status: int, code: str, message: str, **data) -> Response:
    return _json({"code": code, "message": message, "data": {"status": status, **data}}, status)


@blp.errorhandler(HTTPException)
def _http_error(error: HTTPException):
    """Errors of these endpoints in WordPress's shape, as its clients parse them."""
    code = {404: "rest_no_route", 405: "rest_no_route"}.get(error.code or 500, "rest_error")
    return wp_error(error.code or 500, code, error.description or error.name)


def _base() -> str:
    return request.url_root.rstrip("/")


def _query() -> dict | Response:
    try:
        return WordPressQuery().load(request.args)
    except ValidationError as invalid:
        params = {name: " ".join(messages) for name, messages in invalid.messages.items()}
        return wp_error(400, "rest_invalid_param", f"Invalid parameter(s): {', '.join(params)}", params=params)


def _page_links(page: int, pages: int, args: dict) -> str:
    """RFC 8288 links to the neighbouring pages, as WordPress sends them."""
    def link(number: int, rel: str) -> str:
        return f'<{request.base_url}?{urlencode({**args, "page": number})}>; rel="{rel}"'
    return ", ".join([link(page - 1, "prev")] * (page > 1) + [link(page + 1, "next")] * (page < pages))


@blp.route("/project")
class Projects(MethodView):
    @blp.doc(parameters=[{"in": "query", "schema": WordPressQuery}])
    @blp.response(200, WordPressProject(many=True), headers=TOTALS)
    @blp.alt_response(400, schema=WordPressError, description="a parameter out of range, or a page past the last")
    def get(self):
        """Published and historical initiatives, most recently updated first, in the city's shape."""
        args = _query()
        if isinstance(args, Response):
            return args
        page, size = args["page"], args["per_page"]
        total, records = publication.public_records(reader(), page=page, page_size=size, q=args.get("search"))
        pages = -(-total // size)
        if page > pages and total > 0:
            return wp_error(400, "rest_post_invalid_page_number",
                            "The page number requested is larger than the number of pages available.")
        headers = {"X-WP-Total": str(total), "X-WP-TotalPages": str(pages)}
        links = _page_links(page, pages, {k: v for k, v in request.args.items() if k != "page"})
        if links:
            headers["Link"] = links
        base = _base()
        return _json([to_wp_project(record, base) for record in records], headers=headers)


@blp.route("/project/<project_id>")
class Project(MethodView):
    @blp.response(200, WordPressProject)
    @blp.alt_response(404, schema=WordPressError, description="no published initiative has this id")
    def get(self, project_id):
        """One initiative in the city's shape."""
        record = publication.public_record(reader(), project_id)
        if record is None:
            return wp_error(404, "rest_post_invalid_id", "Invalid post ID.")
        return _json(to_wp_project(record, _base()))
