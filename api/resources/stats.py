"""Portfolio figures for admins."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from api.auth import require
from api.resources import reader
from api.schemas import Stats
from application import portfolio
from application.access import OPERATORS

blp = Blueprint("stats", __name__, url_prefix="/api/stats", description="Portfolio statistics (admins).")


@blp.route("")
class StatsView(MethodView):
    @require(*OPERATORS)
    @blp.response(200, Stats)
    def get(self):
        """Initiatives per phase, status and administration; funds granted and spent; median days per phase."""
        return portfolio.stats(reader())
