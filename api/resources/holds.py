"""Initiatives on hold (vilande): why, at which gate, and until when."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from api.auth import require
from api.resources import reader
from api.schemas import OnHold
from application import portfolio
from application.access import HOLD_READERS

blp = Blueprint("holds", __name__, url_prefix="/api/holds", description="Initiatives on hold.")


@blp.route("")
class Holds(MethodView):
    @require(*HOLD_READERS)
    @blp.response(200, OnHold(many=True))
    def get(self):
        """Initiatives resting at a gate, with the reason and the date they are taken up again."""
        return portfolio.on_hold(reader())
