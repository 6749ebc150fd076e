"""The public innovation database: no login, published records only."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from api.public_schemas import PublicInitiative, PublicQuery, PublicTermView
from api.resources import reader
from application import publication
from engine import NotFound

blp = Blueprint("public", __name__, url_prefix="/api/public",
                description="The city's innovation database, open to everyone: what coordinators published.")


@blp.route("/initiatives")
class Initiatives(MethodView):
    @blp.arguments(PublicQuery, location="query")
    @blp.response(200, PublicInitiative(many=True))
    def get(self, args):
        """Published initiatives (and historical records of the city's earlier database), the most
        recently updated first; an idea owner is named only while they consent."""
        _, records = publication.public_records(reader(), **args)
        return [record.to_dict() for record in records]


@blp.route("/initiatives/<initiative_id>")
class InitiativeView(MethodView):
    @blp.response(200, PublicInitiative)
    def get(self, initiative_id):
        """One published initiative."""
        found = publication.public_record(reader(), initiative_id)
        if found is None:
            raise NotFound(f"initiative {initiative_id} does not exist")
        return found.to_dict()


@blp.route("/terms")
class Terms(MethodView):
    @blp.response(200, PublicTermView(many=True))
    def get(self):
        """The vocabularies of category, sector and technology."""
        return [publication.term_view(term) for term in publication.terms(reader())]
