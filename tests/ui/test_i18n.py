"""Every text the pages and scripts use exists in Swedish and English."""
from __future__ import annotations

import re
from pathlib import Path

from ui import i18n
from ui.texts import TEXT

UI = Path(__file__).resolve().parents[2] / "ui"


def test_every_key_used_has_both_languages():
    used = set()
    for path in list(UI.rglob("*.html")) + list(UI.rglob("*.py")):
        used |= set(re.findall(r"""\bt\(\s*["']([a-z_]+(?:\.[a-z_]+)+)["']""", path.read_text(encoding="utf-8")))
    for path in UI.rglob("*.js"):
        used |= {"js." + key for key in re.findall(r"\bT\.([a-zA-Z_]+)", path.read_text(encoding="utf-8"))}
        used |= {"js." + key for key in re.findall(r"texts\.([a-zA-Z_]+)", path.read_text(encoding="utf-8"))}
    missing = sorted(key for key in used if key not in TEXT)
    assert missing == []
    assert all(sv and en for sv, en in TEXT.values())


def test_engine_messages_are_translated():
    assert i18n.engine_message("'title' is a required property") == "Fältet måste fyllas i."
    assert i18n.engine_message("0 is less than or equal to the minimum of 0") == "Ange ett tal större än 0."
    assert i18n.engine_message("something else") == "something else"
    assert i18n.number(1234567.5, 1) == "1\u00a0234\u00a0567,5"
