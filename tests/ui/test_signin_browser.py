"""Sign-in pages in a real browser (every page checked with axe-core as in test_browser.py).

Single sign-on runs against a real OpenID Connect provider: the certified `oidc-provider`
package started by the test (tests/ui/oidc_provider.mjs) on a loopback port.

Chromium signs in on the provider's own pages as a user whose ``groups`` claim the admins
mapped to roles; the service creates the user and gives exactly those roles. Nothing of the
protocol is imitated: discovery, PKCE, the code exchange, the ID token signature and the
userinfo call are the provider's and Authlib's.
"""
from __future__ import annotations

import json
import os
import socket
import subprocess

import pytest
from sqlalchemy import select

from application import accounts
from engine.tables import AuditEntry
from tests.conftest import _browser_unavailable
from tests.ui.live import start_live
from tests.ui.test_browser import ROOT, run

PROVIDER = ROOT / "tests" / "ui" / "oidc_provider.mjs"
CLIENT = {"client_id": "innovation", "client_secret": "a-secret-only-for-this-test"}
KIM = {"name": "Kim Kommun", "preferred_username": "kim.kommun", "email": "kim@helsingborg.example",
       "groups": ["innovationsledare", "beslut-sof", "alla-anstallda"]}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def provider_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def live(node, sqlite_states, tmp_path_factory, provider_port):
    service, stop = start_live(sqlite_states.fresh("migrated", tmp_path_factory.mktemp("sso") / "ui.db"), oidc_issuer=f"http://127.0.0.1:{provider_port}",
                               oidc_client_id=CLIENT["client_id"], oidc_client_secret=CLIENT["client_secret"],
                               oidc_scopes="openid profile email groups", oidc_label="Helsingborgs inloggning")
    yield service
    stop()


@pytest.fixture(scope="module")
def provider(node, live, provider_port):
    if not (ROOT / "web" / "node_modules" / "oidc-provider" / "package.json").is_file():
        _browser_unavailable("web/node_modules/oidc-provider is missing (run: npm ci --prefix web)")
    config = {"port": provider_port, "client": {**CLIENT, "redirect_uri": live.url + "/login/sso/callback"},
              "accounts": {"kim": KIM}}
    proc = subprocess.Popen([node, str(PROVIDER)], cwd=ROOT, text=True, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env={**os.environ, "OIDC_TEST_CONFIG": json.dumps(config)})
    started = proc.stdout.readline()
    if not started:
        proc.kill()
        pytest.fail(f"the OpenID Connect provider did not start: {proc.stderr.read()[-2000:]}")
    yield json.loads(started)["issuer"]
    proc.terminate()
    proc.communicate(timeout=15)


def test_a_city_user_signs_in_through_the_provider_with_the_roles_its_groups_map_to(node, live, provider):
    mapped = run(node, live, "mappings", claim="groups", value="innovationsledare", role="coordinator",
                 administration="SOF")
    assert mapped["pages"] == ["login", "sign-in roles", "sign-in roles with a mapping"]
    assert mapped["flash"] == "Mappningen är tillagd."
    with live.engine.db.unit_of_work(write=True) as uow:
        accounts.add_mapping(uow.session, "groups", "beslut-sof", "decision_maker", "SOF")
        accounts.add_mapping(uow.session, "groups", "processagare", "process_owner")  # kim is not in it
        uow.commit()
    report = run(node, live, "sso", issuer=provider, login="kim")
    assert report["pages"] == ["login with single sign-on", "signed in through the provider"]
    assert report["landed"] == "/inbox" and report["who"] == "Kim Kommun"
    assert "Instanser" in report["nav"] and "Modellera" not in report["nav"]
    assert report["instancesStatus"] == "Instanser"
    with live.engine.db.unit_of_work() as uow:
        kim = accounts.principal_for(uow.session, "kim.kommun")
        assert accounts.signs_in_externally(uow.session, "kim.kommun")
        logins = uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "login")).all()
    assert kim.roles == {"coordinator", "decision_maker"} and kim.administrations == {"SOF"}
    assert [(e.actor, e.details["method"]) for e in logins] == [("admin", "password"), ("kim.kommun", "oidc")]

    # The admins change the mapping: the next sign-in follows it, the old role goes.
    with live.engine.db.unit_of_work(write=True) as uow:
        [coordinators] = [m for m in accounts.list_mappings(uow.session) if m["value"] == "innovationsledare"]
        accounts.remove_mapping(uow.session, coordinators["id"])
        accounts.add_mapping(uow.session, "groups", "alla-anstallda", "idea_owner")
        uow.commit()
    again = run(node, live, "sso", issuer=provider, login="kim")
    assert "Instanser" not in again["nav"] and "Nytt initiativ" in again["nav"]
    with live.engine.db.unit_of_work() as uow:
        assert accounts.principal_for(uow.session, "kim.kommun").roles == {"idea_owner", "decision_maker"}


def test_a_caseworker_creates_and_revokes_a_token_and_meets_a_password_error(node, live):
    report = run(node, live, "account")
    assert report["pages"] == ["login", "tokens", "tokens with a new token", "tokens after revoking",
                               "password with an error"]
    assert report["tokenWorked"] == 200 and report["tokenAfterRevoke"] == 401
    assert report["flash"] == "Nyckeln skript är återkallad."
    assert report["passwordError"] == "Lösenorden är inte lika."


def test_an_admin_creates_a_coordinator_who_replaces_her_one_time_password(node, live, tmp_path):
    shot = tmp_path / "users.png"
    report = run(node, live, "people", screenshot=str(shot), newPassword="kims-eget-långa-lösenord")
    assert report["pages"] == ["login", "users", "users with an error", "users with a new user", "user kim",
                               "user kim with a new password", "login",
                               "first password change", "pipeline after the change"]
    assert report["takenError"] == "Användarnamnet är upptaget; välj ett annat." and report["takenMarked"] == "true"
    assert "kim\tKim Karlsson\tkim@helsingborg.se\tInnovationsledare" in report["listed"]
    assert report["resetDiffers"] is True
    assert report["must"].startswith("Ditt lösenord var engångs.")
    with live.engine.db.unit_of_work() as uow:
        assert accounts.check_password(uow.session, "kim", "kims-eget-långa-lösenord") is not None
        assert accounts.principal_for(uow.session, "kim").roles == {"coordinator"}
    assert shot.stat().st_size > 10_000
