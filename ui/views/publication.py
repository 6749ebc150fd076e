"""The publish step's pages: a coordinator reviews and approves an initiative's public record,
the idea owner consents (or not) to be named, admins edit the public vocabularies.

The rules are the application's (``application.publication``), the same the API applies.
"""
from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for

from application import publication
from application.access import PUBLISHERS, TERM_EDITORS
from application.publication import VOCABULARIES
from engine import InvalidData
from ui.auth import engine, require, settings
from ui.blueprint import bp
from ui.i18n import t
from ui.views.inbox import form_page

#: The review form's layout: long texts as text areas.
REVIEW_UI = {
    "summary": {name: {"ui:widget": "textarea", "ui:options": {"rows": 4}} for name in ("what", "why", "how")},
    "summary_en": {name: {"ui:widget": "textarea", "ui:options": {"rows": 3}} for name in ("what", "why", "how")},
    "lessons_learned": {"items": {"ui:widget": "textarea", "ui:options": {"rows": 2}}},
    "resident_involvement": {"items": {"ui:widget": "textarea", "ui:options": {"rows": 2}}},
    "impact_goals": {"items": {"comment": {"ui:widget": "textarea", "ui:options": {"rows": 2}}}},
}


@bp.route("/initiatives/<initiative_id>/publication", methods=["GET", "POST"])
@require(*PUBLISHERS)
def review(initiative_id):
    """The draft (prefilled the first time), what the public reads now, and the versions."""
    mailbox = settings().public_contact_email
    view = publication.review(engine(), g.principal, initiative_id, mailbox=mailbox)
    with engine().reading() as session:
        schema = publication.review_schema(publication.terms(session))

    def submit(data):
        publish = "_publish" in request.form
        publication.save_review(engine(), g.principal, initiative_id, data, publish=publish, mailbox=mailbox)
        flash(t("publication.published") if publish else t("publication.saved"), "success")
        return redirect(url_for("ui.review", initiative_id=initiative_id))

    shown = form_page(schema, REVIEW_UI, view["draft"], submit)
    if "response" in shown:
        return shown["response"]
    return render_template("ui/publication.html", view=view, form=shown), shown["status"]


@bp.route("/initiatives/<initiative_id>/public", methods=["GET", "POST"])
def consent(initiative_id):
    """The idea owner's own page: whether their name is shown publicly, changeable at any time."""
    if request.method == "POST":
        given = request.form.get("name_consent") == "yes"
        publication.set_consent(engine(), g.principal, initiative_id, given)
        flash(t("consent.given") if given else t("consent.withdrawn"), "success")
        return redirect(url_for("ui.consent", initiative_id=initiative_id))
    return render_template("ui/consent.html", view=publication.consent(engine(), g.principal, initiative_id))


@bp.route("/public/terms", methods=["GET", "POST"])
@require(*TERM_EDITORS)
def terms():
    """The vocabularies of category, sector and technology: add a term or rename one."""
    problems, status = [], 200
    if request.method == "POST":
        form = request.form
        try:
            publication.save_term(engine(), g.principal, form.get("vocabulary", ""), form.get("key", "").strip(),
                                  form.get("name_sv", ""), form.get("name_en", ""))
            flash(t("terms.saved"), "success")
            return redirect(url_for("ui.terms"))
        except InvalidData as error:
            problems, status = [f"{p.field}: {p.message}" for p in error.details], 422
    with engine().reading() as session:
        found = [publication.term_view(term) for term in publication.terms(session)]
    return render_template("ui/terms.html", terms=found, vocabularies=VOCABULARIES, problems=problems), status
