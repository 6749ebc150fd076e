"""Whole numbers from query strings and form fields (page numbers, versions, ids)."""
from __future__ import annotations

from flask import request

from engine import INT_MAX


def whole_number(text: str | None) -> int | None:
    """``text`` as a number 0..INT_MAX, or None for anything else: ``²`` passes ``isdigit`` but
    not ``int``, and a number past the database's integer range cannot name a row."""
    if not text or not (text.isascii() and text.isdigit()) or len(text) > len(str(INT_MAX)):
        return None
    number = int(text)
    return number if number <= INT_MAX else None


def page_number() -> int:
    return max(whole_number(request.args.get("page")) or 1, 1)


def page_count(total: int, page_size: int) -> int:
    return max((total + page_size - 1) // page_size, 1)
