"""The people of the API, page and notification tests: users with roles and an API token each."""
from __future__ import annotations

from application import accounts as users

PEOPLE = {
    "admin": [("admin", None)],
    "owner": [("process_owner", None)],
    "ada": [("idea_owner", None)],
    "bo": [("idea_owner", None)],
    "ivar": [("coordinator", "SOF"), ("coordinator", "MF")],
    "fredrik": [("coordinator", "FF")],
    "frida": [("decision_maker", "SOF")],
    "mf_boss": [("decision_maker", "MF")],
}


def add_people(engine) -> dict[str, str]:
    """Every user of PEOPLE with their roles and a new token; returns the tokens by user."""
    issued = {}
    with engine.db.unit_of_work(write=True) as uow:
        for username, grants in PEOPLE.items():
            users.add_user(uow.session, username)
            for role, administration in grants:
                users.grant(uow.session, username, role, administration)
            issued[username] = users.issue_token(uow.session, username)
        uow.commit()
    return issued
