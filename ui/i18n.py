"""Swedish (the default) or English: the page's language and the words in it (ui/texts.py).

The language comes from ``?lang=sv|en`` (kept in the session) or the login form. Form
titles in forms/ are written "Svenska / English"; ``pick`` takes the half that fits.
"""
from __future__ import annotations

import re
from datetime import datetime

from flask import has_request_context, session

from innovation.domain.administrations import ADMINISTRATIONS
from innovation.domain.vocabulary import ABORT_CATEGORY_TITLES
from ui.texts import TEXT

# Words the domain spells itself, in (Swedish, English).
_NAMES = {"administration": {a.code: (a.name_sv, a.name_en) for a in ADMINISTRATIONS},
          "category": {c.value: titles for c, titles in ABORT_CATEGORY_TITLES.items()}}

# The engine's validation messages (jsonschema's English) as sentences for the form user.
_MESSAGES = [
    (re.compile(r"is a required property$"), "msg.required"),
    (re.compile(r"should be non-empty$|is too short$"), "msg.empty"),
    (re.compile(r"is too long$"), "msg.long"),
    (re.compile(r"is not of type 'integer'"), "msg.whole"),
    (re.compile(r"is not of type 'number'"), "msg.number"),
    (re.compile(r"is not an amount|is not whole kronor"), "msg.amount"),
    (re.compile(r"is less than or equal to the minimum of (\S+)"), "msg.above"),
    (re.compile(r"is less than the minimum of (\S+)"), "msg.min"),
    (re.compile(r"is greater than the maximum of (\S+)"), "msg.max"),
    (re.compile(r"is not a 'date'"), "msg.date"),
    (re.compile(r"is not a 'email'"), "msg.email"),
    (re.compile(r"contains an e-mail address"), "msg.personal"),
    (re.compile(r"is not valid under any of the given schemas|is not one of"), "msg.choose"),
]


def lang() -> str:
    return session.get("lang", "sv") if has_request_context() else "sv"


def t(key: str, **values) -> str:
    pair = TEXT.get(key)
    if pair is None:
        return key
    text = pair[0] if lang() == "sv" else pair[1]
    return text.format(**values) if values else text


def texts(prefix: str) -> dict[str, str]:
    """Every text under ``prefix`` in the page's language, for a script on the page."""
    return {key.removeprefix(prefix): t(key) for key in TEXT if key.startswith(prefix)}


def pick(text: str | None) -> str:
    """The Swedish or English half of a bilingual form text ("Titel / Title")."""
    if not text or " / " not in text:
        return text or ""
    swedish, english = text.split(" / ", 1)
    return swedish if lang() == "sv" else english


def term(group: str, value) -> str:
    """A vocabulary word: phase, kind, status, gate, decision, recommendation, instance status,
    administration, abort category."""
    if group in _NAMES:
        names = _NAMES[group].get(value)
        return (names[0] if lang() == "sv" else names[1]) if names else str(value)
    return t(f"term.{group}.{value}") if f"term.{group}.{value}" in TEXT else str(value)


def decision_term(gate: str, decision: str) -> str:
    """A decision in its own gate's words ("Beviljat" at the money gate, "Godkänd" at the
    screening), else the general word for it."""
    key = f"term.decision.{gate}.{decision}"
    return t(key) if key in TEXT else term("decision", decision)


def engine_message(message: str) -> str:
    """A validation message from the engine in the page's language (unknown ones as they are)."""
    for pattern, key in _MESSAGES:
        match = pattern.search(message)
        if match:
            return t(key).format(*match.groups())
    return message


def number(value, decimals: int = 0) -> str:
    """Numbers the Swedish way (1 234 567,5) or the English way (1,234,567.5)."""
    if value is None:
        return "–"
    text = f"{float(value):,.{decimals}f}"
    return text.replace(",", "\u00a0").replace(".", ",") if lang() == "sv" else text


def when(value) -> str:
    """A date and time in UTC, written the same way in both languages (ISO, to the minute)."""
    if not value:
        return "–"
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.strftime("%Y-%m-%d %H:%M")
