"""The restricted environment diagram code runs in: what it offers, what it refuses."""
from __future__ import annotations

import pytest

from engine.sandbox import SandboxViolation, compile_problem, reserved_key_problems, restricted_script_engine


@pytest.fixture
def sandbox():
    return restricted_script_engine().environment


def test_helpers_and_safe_builtins_are_there(sandbox):
    assert sandbox.evaluate('add_days("2026-03-01", 2)', {}) == "2026-03-03T00:00:00+00:00"
    assert sandbox.evaluate('date_start("2026-03-01T10:00:00+01:00")', {}) == "2026-03-01T00:00:00+00:00"
    assert sandbox.evaluate("days_duration(3.7)", {}) == "P3D"
    assert sandbox.evaluate('sum(row["a"] for row in rows)', {"rows": [{"a": 1}, {"a": 2}]}) == 3
    data = {"count": 1}
    sandbox.execute("count += 1\nordered = sorted([3, 1, 2])", data)
    assert data == {"count": 2, "ordered": [1, 2, 3]}


@pytest.mark.parametrize("code, refusal", [
    ("x = rows.__class__", (SandboxViolation, "starts with \"_\"")),
    ("import os", (SandboxViolation, "'import os' is not available in diagram code")),
    ("x = getattr(rows, 'append')", (NameError, "getattr")),
    ("x = open('/etc/passwd')", (NameError, "open")),
])
def test_escapes_fail_when_run(sandbox, code, refusal):
    error, message = refusal
    with pytest.raises(error, match=message):
        sandbox.execute(code, {"rows": []})


def test_the_compile_check_deploy_uses():
    assert compile_problem("count = count + 1", "exec") is None
    assert "SyntaxError" in compile_problem("amount >", "eval")
    assert "starts with \"_\"" in compile_problem("().__class__", "eval")


def test_reserved_keys_are_named_with_their_path():
    found = reserved_key_problems({"len": 3, "_secret": 1, "note": "__import__('os')",
                                   "nested": {"len": 1, "typename": "x"}, "rows": [{"typename": 1}]})
    assert found == ["/len: 'len' is reserved for the script engine",
                     "/_secret: '_secret' is reserved for the script engine",
                     "/nested/typename: 'typename' is reserved by the workflow serializer",
                     "/rows/0/typename: 'typename' is reserved by the workflow serializer"]
