"""The publish step: coordinators review and approve an initiative's public record; the idea
owner gives or withdraws consent to be named; admins edit the vocabularies."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from api.auth import principal, require
from api.public_schemas import (
    ConsentArgs,
    ConsentView,
    PublicationView,
    PublicContent,
    PublicTermView,
    TermArgs,
)
from api.resources import engine, mailbox, reader
from api.schemas import ErrorResponse
from application import publication
from application.access import PUBLISHERS, TERM_EDITORS

blp = Blueprint("publications", __name__, url_prefix="/api/publications",
                description="Review and publish initiatives in the public database; consent to be named.")


def _view(view: dict) -> dict:
    return {**view, "schema": publication.review_schema(publication.terms(reader()))}


@blp.route("/<initiative_id>")
class Review(MethodView):
    @require(*PUBLISHERS)
    @blp.response(200, PublicationView)
    def get(self, initiative_id):
        """The draft to approve (prefilled from the initiative record the first time), what the
        public reads now, and every approved version with who approved it and when."""
        return _view(publication.review(engine(), principal(), initiative_id, mailbox=mailbox()))


@blp.route("/<initiative_id>/draft")
class Draft(MethodView):
    @require(*PUBLISHERS)
    @blp.arguments(PublicContent)
    @blp.response(200, PublicationView)
    @blp.alt_response(422, schema=ErrorResponse, description="the content breaks the schema, or holds an e-mail")
    def put(self, content, initiative_id):
        """Save the public content as a draft: nothing changes for the public until it is approved."""
        return _view(publication.save_review(engine(), principal(), initiative_id, content, publish=False,
                                            mailbox=mailbox()))


@blp.route("/<initiative_id>/publish")
class Publish(MethodView):
    @require(*PUBLISHERS)
    @blp.arguments(PublicContent)
    @blp.response(200, PublicationView)
    @blp.alt_response(409, schema=ErrorResponse, description="a historical record: read-only")
    @blp.alt_response(422, schema=ErrorResponse, description="the content breaks the schema, or holds an e-mail")
    def post(self, content, initiative_id):
        """Approve the content: a new version, which the public reads at once (coordinators of
        the initiative's administration, admins)."""
        return _view(publication.save_review(engine(), principal(), initiative_id, content, publish=True,
                                            mailbox=mailbox()))


@blp.route("/<initiative_id>/consent")
class Consent(MethodView):
    @blp.response(200, ConsentView)
    def get(self, initiative_id):
        """Whether the idea owner consents to be named (the idea owner, coordinators, admins)."""
        return publication.consent(engine(), principal(), initiative_id)

    @blp.arguments(ConsentArgs)
    @blp.response(200, ConsentView)
    def put(self, args, initiative_id):
        """Give (the idea owner) or withdraw (also coordinators and admins) consent to be named;
        a withdrawal removes the name from the public record at once."""
        return publication.set_consent(engine(), principal(), initiative_id, args["name_consent"])


@blp.route("/terms/<vocabulary>/<key>")
class Term(MethodView):
    @require(*TERM_EDITORS)
    @blp.arguments(TermArgs)
    @blp.response(200, PublicTermView)
    def put(self, args, vocabulary, key):
        """Add or rename a term of a vocabulary (category, sector, technology); records follow."""
        return publication.save_term(engine(), principal(), vocabulary, key, args["name_sv"], args["name_en"])
