"""The public innovation database: no login, only public fields."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from api.resources import reader
from api.schemas import PublicInitiative, PublicQuery
from application import portfolio
from engine import NotFound

blp = Blueprint("public", __name__, url_prefix="/api/public",
                description="The city's innovation database, open to everyone.")


@blp.route("/initiatives")
class Initiatives(MethodView):
    @blp.arguments(PublicQuery, location="query")
    @blp.response(200, PublicInitiative(many=True))
    def get(self, args):
        """Initiatives with their public fields; an idea owner is named only if they agreed."""
        return portfolio.public_initiatives(reader(), **args)


@blp.route("/initiatives/<initiative_id>")
class InitiativeView(MethodView):
    @blp.response(200, PublicInitiative)
    def get(self, initiative_id):
        """One initiative's public fields."""
        found = portfolio.public_initiatives(reader(), instance_id=initiative_id)
        if not found:
            raise NotFound(f"initiative {initiative_id} does not exist")
        return found[0]
