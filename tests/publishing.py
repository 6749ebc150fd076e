"""Publishing in tests: nothing is public until a coordinator (here an admin) approves it."""
from __future__ import annotations

from application import publication
from application.accounts import Principal
from innovation.model import Role

EDITOR = Principal("redaktor", "Redaktör", frozenset({Role.ADMIN}), frozenset())


def publish(engine, instance_id: str, **changes) -> dict:
    """Approve the prefilled draft (with ``changes``) as an admin; returns the review view."""
    draft = publication.review(engine, EDITOR, instance_id)["draft"]
    return publication.save_review(engine, EDITOR, instance_id, {**draft, **changes}, publish=True)
