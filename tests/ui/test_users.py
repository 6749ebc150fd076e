"""The admin page for people (/admin/users): create with a one-time password shown once,
clear messages for bad input, roles granted and revoked, a reset that ends sessions, and
403 (audited) for everyone but admins."""
from __future__ import annotations

import re
import threading
import time

import pytest
from sqlalchemy import select, update
from werkzeug.datastructures import MultiDict

from application import accounts, people
from engine import Conflict, InvalidData, NotFound
from engine.tables import AuditEntry
from tests.ui.conftest import text


def form(**fields) -> MultiDict:
    """A form whose list values become repeated fields (checkboxes)."""
    return MultiDict([(k, v) for k, value in fields.items() for v in (value if isinstance(value, list) else [value])])


def one_time_password(response) -> str:
    return re.search(r'<code id="one-time-password">([^<]+)</code>', response.get_data(as_text=True)).group(1)


def audit(engine, action: str) -> list[AuditEntry]:
    with engine.db.unit_of_work() as uow:
        return uow.session.scalars(select(AuditEntry).where(AuditEntry.action == action)).all()


def roles_of(engine, username: str):
    with engine.db.unit_of_work() as uow:
        principal = accounts.principal_for(uow.session, username)
    return principal.roles, principal.administrations


def scoped(engine, username: str) -> set[tuple[str, str]]:
    with engine.db.unit_of_work() as uow:
        return set(accounts.principal_for(uow.session, username).scoped)


def test_an_admin_creates_a_user_who_signs_in_with_the_one_time_password(page, engine):
    admin = page("admin")
    created = admin.post("/admin/users", data=form(username="kim", display_name="Kim Kronqvist",
                                                  email="kim@helsingborg.se", coordinates_for=["KF"],
                                                  decides_for=["SOF", "MF"], manages_for=["MF"]))
    assert created.status_code == 200
    secret = one_time_password(created)
    assert "visas bara nu" in text(created)
    assert roles_of(engine, "kim") == ({"coordinator", "decision_maker", "manager"}, {"SOF", "MF"})
    assert scoped(engine, "kim") == {("coordinator", "KF"), ("decision_maker", "SOF"), ("decision_maker", "MF"),
                                     ("manager", "MF")}
    listed = text(admin.get("/admin/users"))
    assert secret not in listed  # shown once only
    assert ("kim Kim Kronqvist kim@helsingborg.se Beslutsfattare: MF, SOF; Innovationsledare: KF; Chef: MF "
            "Lösenord (engångslösenord ej bytt)") in listed
    kim = page()
    assert kim.sign_in("kim", secret).headers["Location"] == "/account/password"
    assert kim.get("/inbox").headers["Location"] == "/account/password"
    [entry] = audit(engine, "user_created")
    assert entry.actor == "admin" and entry.details["username"] == "kim" and secret not in str(entry.details)


def test_bad_input_is_a_message_next_to_its_field_and_creates_nobody(page, engine):
    admin = page("admin")
    taken = admin.post("/admin/users", data=form(username="ada", display_name="Ada två", email=""))
    assert taken.status_code == 409 and "Användarnamnet är upptaget; välj ett annat." in text(taken)
    assert 'id="username" name="username" maxlength="100" value="ada"' in taken.get_data(as_text=True)
    bad = admin.post("/admin/users?lang=en", data=form(username="Kim Larsson", display_name="",
                                                       email="kim-at-helsingborg", coordinates_for=["SOF"]))
    assert bad.status_code == 422
    page_text = text(bad)
    for message in ("The user name needs 2–100 characters", "Enter a name (1–200 characters).",
                    "Enter an e-mail address such as name@helsingborg.se."):
        assert message in page_text
    assert bad.get_data(as_text=True).count('aria-invalid="true"') == 3
    forged = admin.post("/admin/users?lang=sv", data=form(username="kim", display_name="Kim",
                                                  roles=["coordinator"], manages_for=["XX"]))
    assert forged.status_code == 422 and "Okänd roll." in text(forged) and "Okänd förvaltning." in text(forged)
    with engine.db.unit_of_work() as uow:
        assert accounts.principal_for(uow.session, "kim") is None
    assert audit(engine, "user_created") == []


def test_details_and_roles_are_changed_and_an_admin_keeps_their_own_admin_role(page, engine):
    admin = page("admin")
    assert admin.post("/admin/users/ivar", data=form(display_name="Ivar Ek", email="nope")).status_code == 422
    assert admin.post("/admin/users/ivar", data=form(display_name="Ivar Ek",
                                                     email="ivar.ek@helsingborg.se")).status_code == 200
    assert "ivar Ivar Ek ivar.ek@helsingborg.se" in text(admin.get("/admin/users"))
    assert admin.post("/admin/users/ivar/roles", data=form(roles=["idea_owner"], decides_for=["KF"])).status_code == 200
    assert roles_of(engine, "ivar") == ({"idea_owner", "decision_maker"}, {"KF"})
    assert page("ivar").get("/monitor/instances").status_code == 403  # the coordinator role is gone at once
    assert admin.post("/admin/users/ivar/roles", data=form()).status_code == 200
    assert roles_of(engine, "ivar") == (set(), set())
    refused = admin.post("/admin/users/admin/roles", data=form(roles=["process_owner"]))
    assert refused.status_code == 422 and "Du kan inte ta administratörsrollen från dig själv." in text(refused)
    assert roles_of(engine, "admin") == ({"admin"}, set())
    assert [e.details["username"] for e in audit(engine, "roles_changed")] == ["ivar", "ivar"]
    assert admin.get("/admin/users/nobody").status_code == 404


def test_a_reset_password_is_shown_once_and_ends_the_users_sessions(page, engine, password):
    old = password("ada")
    ada = page()
    ada.sign_in("ada", old)
    assert ada.get("/inbox").status_code == 200
    reset = page("admin").post("/admin/users/ada/password")
    assert reset.status_code == 200
    secret = one_time_password(reset)
    assert ada.get("/inbox").headers["Location"].startswith("/login")  # the old session is over
    assert page().sign_in("ada", old).status_code == 401
    assert page().sign_in("ada", secret).headers["Location"] == "/account/password"
    [entry] = audit(engine, "password_reset")
    assert (entry.actor, entry.details) == ("admin", {"username": "ada"})


def test_only_admins_see_and_use_the_page_and_refusals_are_audited(page, engine):
    assert "/admin/users" in page("admin").get("/admin/users").get_data(as_text=True)
    ivar = page("ivar")
    assert 'href="/admin/users"' not in ivar.get("/inbox").get_data(as_text=True)
    assert ivar.get("/admin/users").status_code == 403
    assert ivar.post("/admin/users", data=form(username="kim", display_name="Kim")).status_code == 403
    assert ivar.post("/admin/users/ada/password").status_code == 403
    assert [(e.actor, e.details["method"], e.details["path"]) for e in audit(engine, "access_denied")] == [
        ("ivar", "GET", "/admin/users"), ("ivar", "POST", "/admin/users"),
        ("ivar", "POST", "/admin/users/ada/password")]
    with engine.db.unit_of_work() as uow:
        assert accounts.principal_for(uow.session, "kim") is None


# -- the use cases themselves (application.people), on both databases ----------------------
def test_create_gives_a_temporary_password_and_refuses_a_taken_name_by_field(engine, tokens):
    roles = people.Roles(frozenset({"idea_owner"}), frozenset({"SOF"}), coordinates_for=frozenset({"SOF", "FF"}))
    with engine.db.unit_of_work(write=True) as uow:
        secret = people.create(uow.session, " kim ", "Kim", "kim@helsingborg.se", roles)
        uow.commit()
    with engine.db.unit_of_work(write=True) as uow:
        user = accounts.check_password(uow.session, "kim", secret)
        assert user is not None and user.password_temporary and user.email == "kim@helsingborg.se"
        assert people.person(uow.session, "kim")["roles"] == roles
        with pytest.raises(Conflict, match="user 'kim' already exists") as taken:
            people.create(uow.session, "kim", "Kim två", "", people.Roles())
        assert [p.field for p in taken.value.details] == ["username"]
        with pytest.raises(InvalidData) as bad:
            people.create(uow.session, "-x", " ", "a@b", people.Roles(frozenset({"decision_maker"})))
        assert [p.field for p in bad.value.details] == ["username", "display_name", "email", "roles"]


def test_a_decision_maker_always_has_an_administration(engine, tokens):
    with engine.db.unit_of_work(write=True) as uow:
        people.set_roles(uow.session, "bo", people.Roles(frozenset({"idea_owner"}), frozenset({"MF", "KF"})))
        uow.commit()
    with engine.db.unit_of_work() as uow:
        grants = uow.session.scalars(select(accounts.RoleGrant).join(accounts.User)
                                     .where(accounts.User.username == "bo")).all()
    assert sorted((g.role, g.administration) for g in grants) == [
        ("decision_maker", "KF"), ("decision_maker", "MF"), ("idea_owner", None)]


def test_reset_bumps_the_session_version_and_is_refused_for_single_sign_on_users(engine, tokens):
    with engine.db.unit_of_work(write=True) as uow:
        before = accounts.session_version(uow.session, "ada")
        secret = people.reset_password(uow.session, "ada")
        assert accounts.session_version(uow.session, "ada") == before + 1
        assert accounts.session_principal(uow.session, "ada", before) is None
        assert accounts.check_password(uow.session, "ada", secret).password_temporary
        uow.session.execute(update(accounts.User).where(accounts.User.username == "bo")
                            .values(external_id="https://idp.example#bo"))
        with pytest.raises(Conflict, match="signs in through the identity provider"):
            people.reset_password(uow.session, "bo")
        with pytest.raises(NotFound, match="user 'nobody' does not exist"):
            people.reset_password(uow.session, "nobody")


def test_two_admins_taking_one_name_at_once_get_a_conflict_not_an_error(engine, tokens, innovation_database_url):
    """PostgreSQL lets both check the name before either commits; the unique index decides.
    (SQLite lets one writer in at a time, so there the second sees the first's user.)"""
    if not innovation_database_url.startswith("postgresql"):
        pytest.skip("only PostgreSQL runs two writers at once")
    outcome = {}

    def second_admin():
        with engine.db.unit_of_work(write=True) as uow:
            try:
                people.create(uow.session, "kim", "Kim två", "", people.Roles())
            except Conflict as error:
                outcome["refused"] = error
    with engine.db.unit_of_work(write=True) as first:
        people.create(first.session, "kim", "Kim", "", people.Roles())  # inserted, not yet committed
        racer = threading.Thread(target=second_admin)
        racer.start()
        time.sleep(0.5)  # the second insert now waits on the unique index
        first.commit()
    racer.join(10)
    assert [p.field for p in outcome["refused"].details] == ["username"]
    with engine.db.unit_of_work() as uow:
        assert people.person(uow.session, "kim")["display_name"] == "Kim"
