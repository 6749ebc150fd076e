"""Admins: instances, an instance in depth with its operations, incidents, heatmap, portfolio."""
from __future__ import annotations

import re

from application import monitoring as ui_queries
from engine.operations import RetryPolicy
from tests.api.flows import ApiInitiative
from tests.ui.conftest import text


def _failing_scores(engine):
    """Scoring fails once per instance (one attempt allowed), so completing the criteria opens an incident."""
    score = engine.operations.get("innovation.score")

    def flaky(params, context):
        if context.attempt == 1:
            raise ConnectionError("the scoring service did not answer")
        return score(params, context)
    engine.operations.register("innovation.score", flaky, RetryPolicy(attempts=1, backoff_seconds=0))


def _flash(response) -> list[str]:
    return re.findall(r'<p class="flash[^"]*" role="[a-z]+">([^<]*)</p>', response.get_data(as_text=True))


def test_instances_filter_and_page(page, api, engine, clock):
    ApiInitiative(api, engine, clock)
    ApiInitiative(api, engine, clock, administration="MF", decider="mf_boss")
    admin = page("admin")
    assert "2 instanser" in text(admin.get("/monitor/instances"))
    only_mf = text(admin.get("/monitor/instances?administration=MF&status=running&phase=utforska_ide"))
    assert "1 instans" in only_mf and "1 instanser" not in only_mf
    assert "0 instanser" in text(admin.get("/monitor/instances?q=finns-inte"))
    assert page("ivar").get("/monitor/instances").status_code == 200


def test_an_admin_retries_an_incident(page, api, engine, clock):
    _failing_scores(engine)
    flow = ApiInitiative(api, engine, clock)
    flow.to_exploration()
    flow.explore()
    [job] = flow.detail()["jobs"]
    assert job["state"] == "incident"
    admin = page("admin")
    listing = admin.get("/monitor/instances").get_data(as_text=True)
    assert "Incidenter (1)" in listing and f"/monitor/jobs/{job['id']}/retry" in listing
    detail = admin.get(f"/monitor/instances/{flow.id}").get_data(as_text=True)
    assert "Fel: Beräkna poäng" in text(admin.get(f"/monitor/instances/{flow.id}")) and "ConnectionError" in detail
    retried = admin.post(f"/monitor/jobs/{job['id']}/retry")
    assert retried.headers["Location"] == f"/monitor/instances/{flow.id}"
    flow.settle()
    after = admin.get(f"/monitor/instances/{flow.id}")
    assert _flash(after)[-1] == "Anropet körs igen." and "Utforma upplägg" in text(after)
    assert page("ivar").post(f"/monitor/jobs/{job['id']}/retry").status_code == 403


def test_operations_name_the_version_they_act_on(page, api, engine, clock):
    flow = ApiInitiative(api, engine, clock)
    admin = page("admin")
    stale = admin.post(f"/monitor/instances/{flow.id}/suspend", data={"version": str(flow.detail()["version"] - 1)})
    assert "är nu i version" in _flash(admin.get(stale.headers["Location"]))[-1]
    version = flow.detail()["version"]
    offered = admin.get(f"/monitor/instances/{flow.id}").get_data(as_text=True)  # running: no resume, no move
    assert f"/monitor/instances/{flow.id}/suspend" in offered and f"/monitor/instances/{flow.id}/resume" not in offered
    assert f"/monitor/instances/{flow.id}/migrate" not in offered
    admin.post(f"/monitor/instances/{flow.id}/suspend", data={"version": str(version)})
    assert flow.detail()["status"] == "suspended"
    offered = admin.get(f"/monitor/instances/{flow.id}").get_data(as_text=True)
    assert f"/monitor/instances/{flow.id}/resume" in offered and f"/monitor/instances/{flow.id}/suspend" not in offered
    assert f"/monitor/instances/{flow.id}/migrate" not in offered  # one version deployed: nowhere to move
    admin.post(f"/monitor/instances/{flow.id}/resume", data={"version": str(version + 1)})
    assert flow.detail()["status"] == "running"
    for missing in ({"reason": " ", "category": "annat"}, {"reason": "Ingen effekt.", "category": "tråkigt"}):
        refused = admin.post(f"/monitor/instances/{flow.id}/abort", data=missing)
        assert _flash(admin.get(refused.headers["Location"]))[-1] == "Välj ett skäl och beskriv det för att avbryta."
    page("ivar").post(f"/monitor/instances/{flow.id}/abort", data={"category": "funktionellt",
                                                                    "reason": "Ingen effekt."})
    flow.settle()
    assert "dokumentera_lardomar" in [t["element_id"] for t in flow.detail()["tasks"]]
    assert page("ivar").post(f"/monitor/instances/{flow.id}/terminate").status_code == 403
    history = text(admin.get(f"/monitor/instances/{flow.id}"))
    assert "ivar Meddelande: Avbryt initiativ." in history and "admin Initiativet pausades." in history


def test_heatmap_counts_waiting_and_failed_per_element(page, api, engine, clock):
    _failing_scores(engine)
    failing = ApiInitiative(api, engine, clock)
    failing.to_exploration()
    failing.explore()
    ApiInitiative(api, engine, clock, administration="MF", decider="mf_boss").to_exploration()
    definition = engine.definitions("innovation")[0]
    with engine.db.unit_of_work() as uow:
        counts = ui_queries.element_counts(uow.session, [definition["id"]])
        durations = ui_queries.task_durations(uow.session, [definition["id"]])
    assert counts == {"berakna_poang": {"waiting": 0, "failed": 1}, "utforska_behov": {"waiting": 1, "failed": 0}}
    assert durations["utforska_behov"]["completed"] == 1
    body = text(page("owner").get("/monitor/activity"))
    assert "Beräkna poäng 0 1" in body and "Utforska behov och idé 1 0" in body


def test_the_portfolio_shows_the_funnel_and_funds(page, api, engine, clock):
    ApiInitiative(api, engine, clock).to_pilot(amount=200_000)
    ApiInitiative(api, engine, clock, administration="MF", decider="mf_boss")
    body = text(page("admin").get("/monitor/dashboard"))
    assert "Utforska idé 1" in body and "Utveckla pilot 1" in body
    assert "Skol- och fritidsförvaltningen 200 000 kr 0 kr" in body.replace("\u00a0", " ")


def test_a_coordinator_sees_and_aborts_only_initiatives_of_their_administrations(page, api, engine, clock):
    sof = ApiInitiative(api, engine, clock)
    ff = ApiInitiative(api, engine, clock, administration="FF")
    fredrik = page("fredrik")  # coordinator of FF
    listing = fredrik.get("/monitor/instances").get_data(as_text=True)
    assert f"/monitor/instances/{ff.id}" in listing and f"/monitor/instances/{sof.id}" not in listing
    assert fredrik.get(f"/monitor/instances/{sof.id}").status_code == 403
    assert fredrik.get(f"/monitor/instances/{sof.id}/diagram.xml").status_code == 403
    refused = fredrik.post(f"/monitor/instances/{sof.id}/abort", data={"category": "annat", "reason": "Fel förvaltning."})
    assert refused.status_code == 403 and sof.detail()["status"] == "running"
    done = fredrik.post(f"/monitor/instances/{ff.id}/abort", data={"category": "battre_losning", "reason": "Dubblett."})
    assert done.status_code == 302
    ff.settle()
    assert [t["element_id"] for t in ff.detail()["tasks"]] == ["dokumentera_lardomar"]


def _actions(response) -> set[str]:
    """The operations a page offers: the last part of each form's action on the instance."""
    return {action.rsplit("/", 1)[-1] for action in
            re.findall(r'<form method="post" action="(/monitor/instances/[^"]+)"', response.get_data(as_text=True))}


def test_only_what_the_server_would_do_is_offered(page, api, engine, clock):
    """No button for an operation the server refuses: by role, by administration, by status."""
    flow = ApiInitiative(api, engine, clock)  # SOF, running, one deployed version
    admin, ivar, fredrik = page("admin"), page("ivar"), page("fredrik")
    path = f"/monitor/instances/{flow.id}"
    assert _actions(admin.get(path)) == {"suspend", "terminate", "abort"}  # no resume, no migrate to itself
    assert _actions(ivar.get(path)) == {"abort"}  # SOF's coordinator: no operator's buttons
    other = fredrik.get(path)
    if other.status_code == 200:  # FF's coordinator may read it, not act on it
        assert _actions(other) == set()
    assert fredrik.post(f"{path}/abort", data={"category": "battre_losning", "reason": "x"}).status_code == 403
    assert admin.post(f"{path}/suspend", data={"version": str(flow.detail()["version"])}).status_code == 302
    assert _actions(admin.get(path)) == {"resume", "terminate"}
    assert admin.post(f"{path}/terminate", data={"version": str(flow.detail()["version"])}).status_code == 302
    assert _actions(admin.get(path)) == set() and _actions(ivar.get(path)) == set()
    assert "Åtgärder" not in text(admin.get(path))
