"""Page numbers from the query string, for every paged list."""
from __future__ import annotations

from flask import request


def page_number() -> int:
    value = request.args.get("page", "1")
    return max(int(value), 1) if value.isdigit() else 1


def page_count(total: int, page_size: int) -> int:
    return max((total + page_size - 1) // page_size, 1)
