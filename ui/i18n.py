"""Swedish (the default) or English: the page's language, its words and its numbers and dates.

The words are gettext catalogues, ``ui/translations/{sv,en}/LC_MESSAGES/messages.po``, read
with Babel when first needed (no compiled .mo file to keep in step). A message's id is a
stable key ("inbox.title"), translated in both catalogues, so a template calls ``t(key)``
and code can build keys for vocabularies (``term.phase.idea``) and error codes.

The language comes from ``?lang=sv|en`` (kept in the session) or the login form. Form
titles in forms/ are written "Svenska / English"; ``pick`` takes the half that fits.
"""
from __future__ import annotations

import functools
import re
from datetime import date, datetime
from decimal import Decimal
from io import BytesIO
from pathlib import Path

from babel import Locale, dates, numbers
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from flask import Flask, has_request_context, session
from flask_babel import Babel, Domain

from innovation.domain.administrations import ADMINISTRATIONS
from innovation.domain.vocabulary import ABORT_CATEGORY_TITLES

CATALOGUES = Path(__file__).resolve().parent / "translations"
LANGUAGES = ("sv", "en")
# Numbers and dates follow Swedish and British English (day before month, 24-hour clock).
LOCALES = {"sv": Locale.parse("sv_SE"), "en": Locale.parse("en_GB")}
TIME_ZONE = "Europe/Stockholm"  # the city's clock; stored times are UTC

# Words the domain spells itself, in (Swedish, English).
_NAMES = {"administration": {a.code: (a.name_sv, a.name_en) for a in ADMINISTRATIONS},
          "category": {c.value: titles for c, titles in ABORT_CATEGORY_TITLES.items()}}
# Parameters of error messages that are vocabulary words (term groups), translated before use.
_TERM_PARAMETERS = {"status": "instance", "needs": "instance", "state": "task", "roles": "role",
                    "role": "role", "stand_in": "role"}
# jsonschema's English validation messages, as the catalogue's sentences for the form user.
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


@functools.cache
def catalog(language: str) -> Catalog:
    """The catalogue of ``language`` as Babel reads its .po file."""
    with (CATALOGUES / language / "LC_MESSAGES" / "messages.po").open("rb") as file:
        return read_po(file, locale=language, domain="messages")


@functools.cache
def translations(language: str) -> Translations:
    """The catalogue of ``language`` as gettext translations (compiled in memory)."""
    compiled = BytesIO()
    write_mo(compiled, catalog(language))
    compiled.seek(0)
    return Translations(compiled, domain="messages")


class _Catalogues(Domain):
    """Flask-Babel's gettext and ngettext read the same .po catalogues as ``t``."""

    def get_translations(self):
        return translations(lang())


def install(app: Flask) -> None:
    """Flask-Babel on ``app``, for Python code that uses it: its gettext over these catalogues,
    its format_* helpers in the page's language and on the city's clock. The templates use
    ``t`` and this module's filters, so Flask-Babel adds nothing to Jinja."""
    babel = Babel(app, configure_jinja=False, locale_selector=lambda: str(locale()),
                  timezone_selector=lambda: TIME_ZONE)
    babel.domain_instance = _Catalogues()


def lang() -> str:
    return session.get("lang", "sv") if has_request_context() else "sv"


def locale() -> Locale:
    return LOCALES[lang()]


def known(key: str) -> bool:
    """Whether the catalogues hold ``key`` (both do: a test checks)."""
    return key in catalog(lang())


def t(key: str, **values) -> str:
    """The text of ``key`` in the page's language, its ``{placeholders}`` filled; unknown keys as they are."""
    text = translations(lang()).gettext(key)
    return text.format(**values) if values else text


def in_both(key: str) -> tuple[str, str]:
    """The text of ``key`` in Swedish and in English, for a page that shows both side by side."""
    return translations("sv").gettext(key), translations("en").gettext(key)


def plural(count, key: str, **values) -> str:
    """A counted text in the form ``count`` takes ("1 instans", "2 instanser"); ``{count}`` is the number."""
    text = translations(lang()).ngettext(key, key, int(count or 0))
    return text.format(count=number(count or 0), **values)


def texts(prefix: str) -> dict[str, str]:
    """Every text under ``prefix`` in the page's language, for a script on the page."""
    return {message.id.removeprefix(prefix): t(message.id) for message in catalog(lang())
            if isinstance(message.id, str) and message.id.startswith(prefix)}


def pick(text: str | None) -> str:
    """The Swedish or English half of a bilingual form text ("Titel / Title")."""
    if not text or " / " not in text:
        return text or ""
    swedish, english = text.split(" / ", 1)
    return swedish if lang() == "sv" else english


def term(group: str, value) -> str:
    """A vocabulary word: phase, kind, status, gate, decision, recommendation, instance status,
    role, administration, abort category."""
    if group in _NAMES:
        names = _NAMES[group].get(value)
        return (names[0] if lang() == "sv" else names[1]) if names else str(value)
    key = f"role.{value}" if group == "role" else f"term.{group}.{value}"
    return t(key) if known(key) else str(value)


def decision_term(gate: str, decision: str) -> str:
    """A decision in its own gate's words ("Beviljat" at the money gate, "Godkänd" at the
    screening), else the general word for it."""
    key = f"term.decision.{gate}.{decision}"
    return t(key) if known(key) else term("decision", decision)


def message(code: str | None, params: dict | None, fallback: str) -> str:
    """A message with a stable ``code`` (engine errors, refusals, deploy problems) in the page's
    language: the catalogue's ``message.<code>`` with its parameters, vocabulary words and lists
    among them translated; ``fallback`` (the English sentence) for a code it does not know."""
    key = f"message.{code}"
    if not code or not known(key):
        return fallback
    values = {}
    for name, value in (params or {}).items():
        group = _TERM_PARAMETERS.get(name)
        items = value if isinstance(value, list | tuple) else [value]
        words = [term(group, item) if group else _value(item) for item in items]
        values[name] = f" {t('word.or')} ".join(words)
    try:
        return t(key, **values)
    except (KeyError, IndexError):  # a catalogue text naming a parameter this message lacks
        return fallback


def _value(value) -> str:
    """A parameter as text: numbers the page's way with every decimal they have (0,001 stays 0,001)."""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return numbers.format_decimal(value, locale=locale(), decimal_quantization=False)
    return str(value)


def error_text(error) -> str:
    """An engine error or access refusal for a person: the translated sentence when its code is
    known, else a sentence for its kind followed by the engine's own (English) detail."""
    code, params = getattr(error, "reason_code", None), getattr(error, "params", None)
    detail = getattr(error, "message", None) or str(error)
    if code and known(f"message.{code}"):
        return message(code, params, detail)
    kind = f"error.kind.{getattr(error, 'code', '')}"
    return f"{t(kind)} ({detail})" if known(kind) else detail


def problem_text(problem) -> str:
    """One problem (a deploy check's, or a field's) in the page's language."""
    return message(problem.code, problem.params, problem.message) if problem.code else engine_message(problem.message)


def engine_message(text: str) -> str:
    """A validation message from jsonschema (English) as a sentence for the form user
    (unknown ones as they are)."""
    for pattern, key in _MESSAGES:
        match = pattern.search(text)
        if match:
            return t(key).format(*match.groups())
    return text


# Numbers, money and dates the page's way: the Jinja filters number, money, when and day.

def number(value, decimals: int = 0) -> str:
    """1 234 567,5 in Swedish, 1,234,567.5 in English; "–" for nothing."""
    if value is None or value == "":
        return "–"
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return numbers.format_decimal(float(value) if decimals else value, format=pattern, locale=locale())


def money(value) -> str:
    """Kronor: "1 250 000 kr" in Swedish, "1,250,000 SEK" in English (öre only when there are any)."""
    if value is None or value == "":
        return "–"
    return numbers.format_currency(value, "SEK", format="#,##0.## ¤", currency_digits=False, locale=locale())


def _moment(value) -> datetime | date | None:
    if not value:
        return None
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def when(value) -> str:
    """A moment on the city's clock: 2026-11-30 14:05 in Swedish, 30/11/2026, 14:05 in English."""
    moment = _moment(value)
    if moment is None:
        return "–"
    if not isinstance(moment, datetime):
        return day(moment)
    if moment.tzinfo is None:  # stored times are UTC
        moment = moment.replace(tzinfo=dates.UTC)
    return dates.format_datetime(moment, "short", tzinfo=dates.get_timezone(TIME_ZONE), locale=locale())


def day(value) -> str:
    """A date: 2026-11-30 in Swedish, 30 Nov 2026 in English."""
    moment = _moment(value)
    if moment is None:
        return "–"
    if isinstance(moment, datetime) and moment.tzinfo is not None:
        moment = moment.astimezone(dates.get_timezone(TIME_ZONE))
    return dates.format_date(moment, "short" if lang() == "sv" else "medium", locale=locale())
