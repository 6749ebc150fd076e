"""JUEL and FEEL to Python (engine/expressions.py): the translations a process owner meets,
the refusals, and properties over generated expressions: the Python evaluated in the
sandbox gives what an independent reading of the expression gives, and hostile text is
refused with a reason, never a crash."""
from __future__ import annotations

import math
import operator

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from engine.expressions import FEEL, JUEL, MAX_NESTING, MAX_TOKENS, Refused, language_of, translate
from engine.sandbox import RestrictedEnvironment, compile_problem


def python(text: str, composite: bool = False) -> str:
    return translate(text, composite=composite).python


@pytest.mark.parametrize("text, expected", [
    ("${approved}", "approved"),
    ("${amount > 1000}", "amount > 1000"),
    ("#{amount gt 1000 && approved}", "amount > 1000 and approved"),
    ("${a.b.c == 'x' || !done}", "a['b']['c'] == 'x' or not done"),
    ("${order[0]['total'] ne null}", "order[0]['total'] != None"),
    ("${empty comment}", "comment in (None, '', [], {})"),
    ("${not empty comment and score ge 3}", "comment not in (None, '', [], {}) and score >= 3"),
    ("${(a + b) * c div 2 mod 7}", "(a + b) * c / 2 % 7"),
    ("${-(a - b) le -1.5e3}", "-(a - b) <= -1500.0"),
    ("${!a == b}", "(not a) == b"),  # in JUEL ! binds tighter than ==
    ("${a < b == c < d}", "(a < b) == (c < d)"),  # never a Python chain
    ("${true and false or null eq x}", "True and False or None == x"),
    ("${'it\\'s' == \"say \\\"hi\\\"\"}", "\"it's\" == 'say \"hi\"'"),
    ("  ${ approved }\n", "approved"),
    ("=amount > 1000", "amount > 1000"),
    ("=status = \"approved\" and not(rejected)", "status == 'approved' and not rejected"),
    ("=a != null or b <= 2", "a != None or b <= 2"),
    ("=-2 ** 2", "(-2) ** 2"),  # FEEL: negation binds tighter than **, which folds to the left
    ("=2 ** 3 ** 2", "(2 ** 3) ** 2"),
    ("=\"PT5M\"", "'PT5M'"),
    ("=line\\ttab", None),  # not a string: refused below
])
def test_translations(text, expected):
    if expected is None:
        with pytest.raises(Refused):
            translate(text)
        return
    translation = translate(text)
    assert translation.python == expected
    assert translation.original == text
    assert compile_problem(translation.python, "eval") is None


def test_composite_text_only_where_a_string_is_meant():
    assert python("P${days}D", composite=True) == "'P' + str(days) + 'D'"
    assert python("\\${not} ${x}", composite=True) == "'${not} ' + str(x)"
    with pytest.raises(Refused, match="one \\$\\{…\\} expression"):
        translate("${a} and ${b}")
    with pytest.raises(Refused, match="one \\$\\{…\\} expression"):
        translate("Amount: ${amount}")


@pytest.mark.parametrize("text, language", [
    ("amount > 1000", None), ("approved", None), ('"${not a juel}"', None), ("", None),
    ("${a}", JUEL), ("#{a}", JUEL), ("=a", FEEL), ("x ${a} y", JUEL),
])
def test_python_stays_python_and_markers_say_which_language(text, language):
    assert language_of(text) == language


def test_a_declared_language_decides():
    assert language_of("a > 1", "http://www.omg.org/spec/FEEL/20140401") == FEEL
    assert translate("x = 1", declared="FEEL").python == "x == 1"
    assert language_of("a > 1", "javascript") is None  # valid Python: runs as it always did
    with pytest.raises(Refused, match="javascript"):
        language_of("a === 1", "javascript")


@pytest.mark.parametrize("text, reason", [
    ("${a ? b : c}", "conditional operator"),
    ("${bean.check()}", "method calls"),
    ("${execution.getVariable('x')}", "method calls"),
    ("${f(x)}", "function calls"),
    ("${a = 1}", "compare with == or eq"),
    ("${a & b}", "write && or and"),
    ("${x", "no closing }"),
    ("${}", "empty"),
    ("${'x}", "no closing quote"),
    ("${'a\\n'}", "escape"),
    ("${_secret}", "reserved"),
    ("${len > 2}", "reserved"),
    ("${class == 1}", "Python keyword"),
    ("${a$b}", "cannot be used in Python"),
    ("${x instanceof y}", "instanceof"),
    ("${[1]}", "expected a value"),
    ("${'abc'.length}", "literal value"),
    ("${a.}", "property name must follow"),
    ("${a b}", "unexpected 'b'"),
    ("=if a then b else c", "'if' is not supported"),
    ("=a in [1, 2]", "lists"),
    ("='single'", "double quotes"),
    ("=date and time(\"2026-01-01T00:00:00\")", "function calls"),
    ("${" + "9" * 101 + "}", "too long"),
    ("${1e999}", "too large"),
    ("${" + "(" * (MAX_NESTING + 1) + "a" + ")" * (MAX_NESTING + 1) + "}", "nests deeper"),
    ("${" + "!" * (MAX_NESTING + 1) + "a}", "nests deeper"),
    ("${" + " + ".join(["a"] * MAX_TOKENS) + "}", "longer than"),
])
def test_refusals_say_what_was_not_understood(text, reason):
    with pytest.raises(Refused) as refused:
        translate(text)
    assert reason in str(refused.value)


# -- properties -----------------------------------------------------------------------
# An expression tree of the test's own, written out as JUEL or FEEL text with the
# precedence of those languages' grammars, and read by a reference interpreter. The
# translator must produce Python that the sandbox evaluates to the same value (or fails
# on, where the reference fails).
NAMES = ("amount", "approved", "order", "label")
ARITHMETIC = ("+", "-", "*", "/", "%")
COMPARISONS = ("==", "!=", "<", ">", "<=", ">=")
LEVEL = {"or": 1, "and": 2, "==": 3, "!=": 3, "<": 4, ">": 4, "<=": 4, ">=": 4, "+": 5, "-": 5, "*": 6, "/": 6,
         "%": 6, "**": 7}
UNARY, POSTFIX = 8, 9
SPELLINGS = {
    JUEL: {"or": ("or", "||"), "and": ("and", "&&"), "==": ("==", "eq"), "!=": ("!=", "ne"), "<": ("<", "lt"),
           ">": (">", "gt"), "<=": ("<=", "le"), ">=": (">=", "ge"), "/": ("/", "div"), "%": ("%", "mod"),
           "not": ("!", "not ")},
    FEEL: {"==": ("=", "=="), "not": ("not ",)},
}

small_ints = st.integers(-20, 20)
texts = st.text(st.characters(exclude_categories=("Cs",)), max_size=6)
values = st.recursive(
    st.none() | st.booleans() | small_ints | st.floats(-1e6, 1e6, allow_nan=False) | texts,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(("k", "total", "x")), inner,
                                                                max_size=3),
    max_leaves=6,
)
variables = st.fixed_dictionaries({name: values for name in NAMES})


def trees(language: str):
    literal = (st.none() | st.booleans() | st.integers(0, 50) | st.floats(0, 1e6, allow_nan=False) | texts
               ).map(lambda v: ("lit", v))
    leaf = literal | st.sampled_from(NAMES).map(lambda n: ("var", n))
    binary_ops = ("or", "and", *COMPARISONS, *ARITHMETIC) + (("**",) if language == FEEL else ())
    unary_ops = ("not", "neg") + (("empty",) if language == JUEL else ())

    def extend(inner):
        return (st.tuples(st.sampled_from(binary_ops), inner, inner)
                | st.tuples(st.sampled_from(unary_ops), inner)
                | st.tuples(st.just("item"), inner.filter(lambda n: n[0] != "lit"), st.sampled_from(("k", "total")).map(lambda k: ("lit", k))
                            | st.integers(0, 2).map(lambda i: ("lit", i))))
    return st.recursive(leaf, extend, max_leaves=10)


class TooBig(Exception):
    """The reference would build a value the sandbox refuses (or take ages to)."""


def _pow(a, b):
    if isinstance(a, int) and isinstance(b, int) and b > 1 and abs(a) > 1 and b * math.log2(abs(a)) > 60_000:
        raise TooBig
    return operator.pow(a, b)


def _mul(a, b):
    for sequence, count in ((a, b), (b, a)):
        if isinstance(sequence, (str, list)) and isinstance(count, int) and count > 10_000:
            raise TooBig
    if isinstance(a, int) and isinstance(b, int) and a.bit_length() + b.bit_length() > 60_000:
        raise TooBig
    return operator.mul(a, b)


BINARY = {"==": operator.eq, "!=": operator.ne, "<": operator.lt, ">": operator.gt, "<=": operator.le,
          ">=": operator.ge, "+": operator.add, "-": operator.sub, "*": _mul, "/": operator.truediv,
          "%": operator.mod, "**": _pow}


def reference(node, scope: dict):
    """What the expression means, read straight from the tree."""
    kind = node[0]
    if kind == "lit":
        return node[1]
    if kind == "var":
        return scope[node[1]]
    if kind == "item":
        return reference(node[1], scope)[reference(node[2], scope)]
    if kind == "not":
        return not reference(node[1], scope)
    if kind == "neg":
        return -reference(node[1], scope)
    if kind == "empty":
        value = reference(node[1], scope)
        return value is None or isinstance(value, (str, list, dict)) and len(value) == 0
    if kind == "or":
        return reference(node[1], scope) or reference(node[2], scope)
    if kind == "and":
        return reference(node[1], scope) and reference(node[2], scope)
    result = BINARY[kind](reference(node[1], scope), reference(node[2], scope))
    if isinstance(result, str) and len(result) > 10_000:
        raise TooBig
    return result


def _literal(value, language: str) -> str:
    if value is None or isinstance(value, bool):
        return {None: "null", True: "true", False: "false"}[value]
    if isinstance(value, (int, float)):
        return repr(value)
    quote = "\"" if language == FEEL else "'"
    return quote + value.replace("\\", "\\\\").replace(quote, "\\" + quote) + quote


@st.composite
def written(draw, language: str):
    """(tree, text): the tree written in the language, with parentheses where its grammar
    needs them and at random elsewhere, operators in any of their spellings."""
    tree = draw(trees(language))
    spell = SPELLINGS[language]

    def write(node) -> tuple[str, int]:
        kind = node[0]
        if kind == "lit":
            return _literal(node[1], language), POSTFIX
        if kind == "var":
            return node[1], POSTFIX
        if kind == "item":
            base = wrap(node[1], POSTFIX)
            key = node[2][1]
            if isinstance(key, str) and draw(st.booleans()):
                return f"{base}.{key}", POSTFIX
            return f"{base}[{write(node[2])[0]}]", POSTFIX
        if kind in ("not", "neg", "empty"):
            sign = {"neg": "-", "empty": "empty "}.get(kind) or draw(st.sampled_from(spell["not"]))
            return sign + wrap(node[1], UNARY), UNARY
        level = LEVEL[kind]
        sign = draw(st.sampled_from(spell.get(kind, (kind,))))
        return f"{wrap(node[1], level)} {sign} {wrap(node[2], level + 1)}", level

    def wrap(node, needed: int) -> str:
        text, level = write(node)
        return f"({text})" if level < needed or draw(st.integers(0, 5)) == 0 else text

    text = write(tree)[0]
    return tree, "${" + text + "}" if language == JUEL else "=" + text


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return type(a) is type(b) and repr(a) == repr(b)


@pytest.mark.parametrize("language", [JUEL, FEEL])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_the_translation_means_what_the_expression_means(language, data):
    tree, text = data.draw(written(language))
    scope = data.draw(variables)
    try:
        expected = reference(tree, dict(scope))
    except TooBig:
        assume(False)
    except Exception as exc:  # noqa: BLE001 - the translation must fail as well
        expected = exc
    try:
        translation = translate(text)
    except Refused as refused:  # only what the translator may refuse: too long or too deep
        assert "longer than" in str(refused) or "deeper than" in str(refused) or "too long" in str(refused)
        return
    try:
        actual = RestrictedEnvironment().evaluate(translation.python, dict(scope))
    except Exception as exc:  # noqa: BLE001
        assert isinstance(expected, Exception), (text, translation.python, exc)
        return
    assert not isinstance(expected, Exception), (text, translation.python, actual, expected)
    assert _same(actual, expected), (text, translation.python, actual, expected)


FRAGMENTS = ("a", "b", ".", "(", ")", "[", "]", "0", "1.5e3", "'x'", '"y"', "==", "=", "!=", "&&", "||", "!",
             "not", "and", "empty", "-", "+", "*", "**", "/", "<", "?", ":", ",", "${", "#{", "}", "{", "\\",
             " ", "\n", "_", "$", "class", "len", "null", "true", "é", "\u212a")


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(max_size=40),
                 st.lists(st.sampled_from(FRAGMENTS), max_size=30).map("".join)),
       st.sampled_from(("${", "#{", "=", "", "x ${")), st.sampled_from(("}", "")), st.booleans())
def test_hostile_text_is_refused_with_a_reason_or_translated_to_valid_python(body, opener, closer, composite):
    try:
        translation = translate(opener + body + closer, composite=composite)
    except Refused as refused:
        assert str(refused)
        return
    if translation is not None:
        assert compile_problem(translation.python, "eval") is None, translation
