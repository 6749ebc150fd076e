"""The public database's schemas: the public record, the publish step and consent, and the
city's WordPress shape; the rest of the API's schemas are in ``api.schemas``."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from api.schemas import Query, Strict, fits
from engine import INT_MAX
from innovation.adapters.tables import Publication, PublicTerm


class PublicSummary(Strict):
    what = fields.String()
    why = fields.String()
    how = fields.String()


class PublicFunds(Strict):
    administration = fields.String()
    amount = fields.String(metadata={"description": "kronor as a decimal text, e.g. 250000.00"})
    date = fields.String(metadata={"description": "ISO date of the booking"})


class PublicImpactGoal(Strict):
    goal = fields.String()
    unit = fields.String()
    baseline = fields.Float(allow_none=True)
    target = fields.Float(allow_none=True)
    latest = fields.Float(allow_none=True)
    comment = fields.String()
    completed = fields.Boolean()


class PublicContact(Strict):
    name = fields.String()
    email = fields.String(metadata={"description": "the administration's functional mailbox, never a person's"})


class PublicInitiative(Strict):
    """One record of the public innovation database (innovation.domain.publication.PublicRecord)."""

    id = fields.String()
    title = fields.String()
    summary = fields.Nested(PublicSummary, metadata={"description": "what, why, how in Swedish"})
    summary_en = fields.Nested(PublicSummary, allow_none=True)
    kind = fields.String(allow_none=True)
    status = fields.String()
    progress = fields.Integer(metadata={"description": "0-100 along the phases; -1 when aborted"})
    phase = fields.String(allow_none=True)
    phase_reached = fields.String(allow_none=True, metadata={"description": "the last phase of an ended one"})
    administration = fields.String()
    participating_administrations = fields.List(fields.String())
    partners = fields.List(fields.String())
    challenge = fields.String(allow_none=True)
    category = fields.String(allow_none=True)
    sectors = fields.List(fields.String())
    technologies = fields.List(fields.String())
    global_goals = fields.List(fields.Integer())
    expected_impact = fields.List(fields.String())
    innovation_height = fields.String(allow_none=True, metadata={"description": "criteria met, e.g. 7 av 9"})
    estimated_budget = fields.String(allow_none=True)
    funds_granted = fields.List(fields.Nested(PublicFunds))
    funds_used = fields.List(fields.Nested(PublicFunds))
    impact_goals = fields.List(fields.Nested(PublicImpactGoal))
    resident_involvement = fields.List(fields.String())
    lessons_learned = fields.List(fields.String(), metadata={"description": "reviewed lessons only"})
    city_wide = fields.Boolean()
    challenges_core_business = fields.Boolean()
    internal = fields.Boolean()
    contact = fields.Nested(PublicContact)
    idea_owner = fields.String(allow_none=True, metadata={"description": "only while the idea owner consents"})
    start_date = fields.String(allow_none=True)
    end_date = fields.String(allow_none=True)
    published_at = fields.String(allow_none=True)
    updated_at = fields.String(allow_none=True)
    historical = fields.Boolean(metadata={"description": "imported from the city's earlier database"})


class PublicQuery(Query):
    phase = fields.String(validate=fits(Publication.phase))
    kind = fields.String(validate=fits(Publication.kind))
    administration = fields.String(validate=fits(Publication.administration))
    status = fields.String(validate=fits(Publication.status))
    q = fields.String(validate=fits(Publication.title), metadata={"description": "words of the title"})
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=INT_MAX))
    page_size = fields.Integer(load_default=1000, validate=validate.Range(min=1, max=1000))


class PublicTermView(Strict):
    vocabulary = fields.String()
    key = fields.String()
    name_sv = fields.String()
    name_en = fields.String()


class TermArgs(Strict):
    name_sv = fields.String(required=True, validate=fits(PublicTerm.name_sv))
    name_en = fields.String(required=True, validate=fits(PublicTerm.name_en))


class PublicContent(ma.Schema):
    """The public content a coordinator approves, as the JSON Schema in ``schema`` of
    GET /api/publications/{id} describes it (validated against it, field by field)."""

    class Meta:
        unknown = ma.INCLUDE


class PublicationVersionView(Strict):
    version = fields.Integer()
    published_by = fields.String()
    published_at = fields.String()
    content = fields.Dict()


class PublicationView(Strict):
    id = fields.String()
    state = fields.String(metadata={"description": "unpublished or published"})
    version = fields.Integer(metadata={"description": "approved versions so far"})
    pending = fields.Boolean(metadata={"description": "a draft awaits approval; the public reads the last approved"})
    draft = fields.Dict(metadata={"description": "the content to approve: pending, else approved, else prefilled"})
    candidates = fields.Dict(metadata={"description": "lessons and effect goals of the record not yet in the draft"})
    contact = fields.Dict()
    name_consent = fields.Boolean()
    public = fields.Dict(allow_none=True, metadata={"description": "what the public reads now"})
    published_at = fields.String(allow_none=True)
    updated_at = fields.String(allow_none=True)
    history = fields.List(fields.Nested(PublicationVersionView))
    schema = fields.Dict(metadata={"description": "JSON Schema of the content to save or publish"})


class ConsentArgs(Strict):
    name_consent = fields.Boolean(required=True, metadata={"description": "the idea owner may be named publicly"})


class ConsentView(Strict):
    id = fields.String()
    title = fields.String()
    name = fields.String()
    name_consent = fields.Boolean()
    may_give = fields.Boolean(metadata={"description": "the caller is the idea owner (others may only withdraw)"})
    published = fields.Boolean()
    public_name = fields.String(allow_none=True)



class WordPressQuery(ma.Schema):
    """The list's query as WordPress reads it (unknown arguments are ignored, as WordPress does)."""

    class Meta:
        unknown = ma.EXCLUDE

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=INT_MAX),
                          metadata={"description": "page of the list, from 1"})
    per_page = fields.Integer(load_default=10, validate=validate.Range(min=1, max=100),
                              metadata={"description": "projects per page, 1-100"})
    search = fields.String(validate=validate.Length(max=300), metadata={"description": "words in the title"})


class Loose(ma.Schema):
    """A part of the city's shape: the keys named are documented, others may follow."""

    class Meta:
        unknown = ma.INCLUDE


class Rendered(Loose):
    rendered = fields.String(required=True, metadata={"description": "HTML"})


class WordPressTerm(Loose):
    term_id = fields.Integer(required=True)
    name = fields.String(required=True)
    slug = fields.String(required=True)
    taxonomy = fields.String(required=True)
    description = fields.String()
    parent = fields.Integer()
    progress_value = fields.Integer(metadata={"description": "status only: 0-100 along the phases, -1 cancelled"})


def _terms(description: str):
    return fields.List(fields.Nested(WordPressTerm), allow_none=True, metadata={"description": description})


class WordPressProject(Loose):
    """One initiative as the city's api-project-manager serves /wp-json/wp/v2/project: every
    field of its ACF groups by name, taxonomies as embedded terms; ``innovation`` holds ours."""

    id = fields.Raw(required=True, metadata={"description": "the post id: a whole number for a record of the "
                                                            "city's database, else this service's id"})
    date = fields.String(allow_none=True, metadata={"description": "published, Europe/Stockholm"})
    date_gmt = fields.String(allow_none=True)
    modified = fields.String(allow_none=True, metadata={"description": "last updated, Europe/Stockholm"})
    modified_gmt = fields.String(allow_none=True)
    slug = fields.String(required=True)
    link = fields.String(required=True, metadata={"description": "the public page"})
    title = fields.Nested(Rendered, required=True)
    content = fields.Nested(Rendered)
    project_what = fields.String(metadata={"description": "Vad?"})
    project_why = fields.String(metadata={"description": "Varför?"})
    project_how = fields.String(metadata={"description": "Hur?"})
    project_lessons_learned = fields.String(metadata={"description": "Lärdomar"})
    status = _terms("one term, with progress_value")
    organisation = _terms("the owner administration")
    participants = _terms("participating administrations")
    partner = _terms("partners")
    challenge_category = _terms("category")
    sector = _terms("sectors")
    technology = _terms("technologies")
    global_goal = _terms("UN global goals")
    expected_impact = _terms("expected impact")
    innovation_potential = _terms("innovation height")
    estimated_budget = fields.String(allow_none=True, metadata={"description": "kronor"})
    funds_granted = fields.List(fields.Dict(), allow_none=True, metadata={"description": "{amount, date, comment}"})
    funds_used = fields.List(fields.Dict(), allow_none=True, metadata={"description": "{amount, date, comment}"})
    impact_goals = fields.List(fields.Dict(), allow_none=True, metadata={
        "description": "{impact_goal, impact_goal_comment, impact_goal_completed}"})
    city_wide_initiative = fields.Boolean()
    challenging_the_core_business = fields.Boolean()
    internal_project = fields.Boolean()
    innovation = fields.Dict(metadata={"description": "this service's fields the plugin has no key for"})


class WordPressError(Loose):
    """An error as WordPress's REST API gives it."""

    code = fields.String(required=True, metadata={"description": "e.g. rest_post_invalid_page_number"})
    message = fields.String(required=True)
    data = fields.Dict(required=True, metadata={"description": "{status, params?}"})
