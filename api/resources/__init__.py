"""One blueprint per resource, and what they share: the engine and a per-request reader."""
from flask import current_app, g


def engine():
    """The engine this app serves (set by the app factory)."""
    return current_app.extensions["engine"]


def mailbox() -> str:
    """The public contact's mailbox pattern (settings.public_contact_email)."""
    return current_app.extensions["settings"].public_contact_email


def reader():
    """A read-only session for this request (authentication, checks, queries share one connection)."""
    if "reader" not in g:
        g.reader = engine().db.unit_of_work()
        g.reader.__enter__()
    return g.reader.session


def close_reader(_error=None) -> None:
    unit = g.pop("reader", None)
    if unit is not None:
        unit.__exit__(None, None, None)
