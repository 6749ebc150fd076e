"""One blueprint per resource."""
from flask import current_app


def engine():
    """The engine this app serves (set by the app factory)."""
    return current_app.extensions["engine"]
