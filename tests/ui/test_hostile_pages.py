"""The main pages answer hostile query strings and form fields with a page and a 4xx (or ignore
them), never a 500: NUL characters, ``page=²``, numbers past the database's integer range."""
from __future__ import annotations

import pytest

from tests.api.flows import ApiInitiative

NUL = "%00"
BEYOND = "9" * 30


PUBLIC = [f"/public/initiatives?phase={NUL}", f"/public/initiatives?kind=a{NUL}&page=2",
          f"/public/initiatives.csv?administration={NUL}", f"/public/initiatives.json?status={NUL}",
          f"/public/initiatives/a{NUL}b", f"/login?next={NUL}", f"/public/initiatives?lang={NUL}"]
SIGNED_IN = [f"/monitor/instances?q={NUL}", f"/monitor/instances?status={NUL}", f"/monitor/instances/x{NUL}",
             f"/inbox?scope={NUL}", f"/tasks/a{NUL}b", f"/monitor/dashboard?process_key={NUL}",
             f"/modeler?definition={NUL}"]


@pytest.mark.parametrize("user, paths", [(None, PUBLIC), ("admin", SIGNED_IN)])
def test_pages_refuse_nul_with_a_page(page, user, paths):
    session = page(user)
    answers = {path: (r.status_code, r.mimetype) for path in paths for r in [session.get(path)]}
    assert answers == {path: (422, "text/html") for path in paths}


def test_numbers_that_are_not_page_numbers_are_ignored(page):
    admin = page("admin")
    expected = {"/public/initiatives?page=%C2%B2": 200, f"/public/initiatives?page={BEYOND}": 200,
                "/monitor/instances?page=%C2%B2": 200, f"/monitor/instances?page={BEYOND}": 200,
                f"/modeler/definitions/{BEYOND}.xml": 404, "/modeler/forms/x.json?definition=%C2%B2": 404}
    assert {path: admin.get(path).status_code for path in expected} == expected


def test_form_posts_with_odd_numbers_do_not_fail(page, api, engine, clock):
    flow = ApiInitiative(api, engine, clock)
    admin = page("admin")
    for version in ("²", BEYOND):
        response = admin.post(f"/monitor/instances/{flow.id}/suspend", data={"version": version})
        assert response.status_code == 302
    assert admin.post(f"/monitor/instances/{flow.id}/migrate", data={"to_version": "²"}).status_code == 302
    refused = admin.post(f"/monitor/instances/{flow.id}/abort", data={"reason": "nu\x00ll"})
    assert refused.status_code == 422
