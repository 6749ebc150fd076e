"""JUEL and FEEL expressions of the common kinds, translated into the engine's Python.

Camunda 7 diagrams write conditions and timers in JUEL (``${amount > 1000}``), Camunda 8
and DMN-minded tools in FEEL (``=amount > 1000``); the engine runs Python. At deploy each
such expression is parsed here (a tokenizer and a recursive-descent parser, never
``eval``) and printed as the Python it means; only the parsed spec runs the translation,
the stored diagram keeps what the process owner wrote. Anything outside ``SUPPORTED`` is
refused with what was not understood, so a diagram never deploys with an expression
that means something else here than in the tool it was drawn in.

Values follow Python's rules once translated: ``1 == 1.0``, ``"5" == 5`` is false
(JUEL would coerce), ``a.b`` on a missing key is an error like a missing variable.
"""
from __future__ import annotations

import ast
import keyword
import math
import re
import unicodedata
from dataclasses import dataclass

from engine.sandbox import RestrictedEnvironment

JUEL, FEEL = "JUEL", "FEEL"
SUPPORTED = ("variables and paths (a.b, a['b'], a[0]); strings, numbers, true, false, null; "
             "== != < > <= >= (JUEL also eq ne lt gt le ge, FEEL also =); and or not (JUEL also && || !); "
             "empty / not empty (JUEL); + - * / % (JUEL also div mod, FEEL also **); parentheses")
MAX_TOKENS = 200  # bounds the tree's depth, so printing and Python's compiler never recurse too far
MAX_NESTING = 30  # parentheses, brackets and prefix operators inside one another


class Refused(Exception):
    """The text is JUEL or FEEL (or claims to be) but not of a kind this module translates."""


@dataclass(frozen=True)
class Translation:
    language: str
    original: str
    python: str


# -- the tree -------------------------------------------------------------------------
@dataclass(frozen=True)
class Literal:
    value: object


@dataclass(frozen=True)
class Name:
    name: str


@dataclass(frozen=True)
class Item:
    """``base.key`` or ``base[key]``: a key of a map, an index of a list."""

    base: object
    key: object


@dataclass(frozen=True)
class Unary:
    op: str  # "not", "-", "empty"
    operand: object


@dataclass(frozen=True)
class Binary:
    op: str  # Python's spelling: or and == != < > <= >= + - * / % **
    left: object
    right: object


@dataclass(frozen=True)
class Text:
    """JUEL composite text: literal parts and ``${…}`` parts joined as one string."""

    parts: tuple


# -- tokens ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Token:
    kind: str  # "num", "str", "name", "op", "end"
    text: str
    value: object = None


_NUMBER = re.compile(r"(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?")
_NAME = re.compile(r"(?:[^\W\d]|\$)(?:\w|\$)*")
_OPERATORS = {
    JUEL: ("&&", "||", "==", "!=", "<=", ">=", "<", ">", "!", "+", "-", "*", "/", "%", "(", ")", "[", "]", "."),
    FEEL: ("**", "!=", "<=", ">=", "==", "=", "<", ">", "+", "-", "*", "/", "%", "(", ")", "[", "]", ".",
           "&&", "||", "!"),
}
_KEYWORDS = {
    JUEL: {"and": "and", "or": "or", "not": "not", "eq": "==", "ne": "!=", "lt": "<", "gt": ">", "le": "<=",
           "ge": ">=", "div": "/", "mod": "%", "empty": "empty"},
    FEEL: {"and": "and", "or": "or", "not": "not"},
}
_CONSTANTS = {"true": True, "false": False, "null": None}
_UNSUPPORTED_WORDS = {
    JUEL: {"instanceof"},
    FEEL: {"if", "then", "else", "for", "some", "every", "in", "between", "instance", "satisfies", "function",
           "return"},
}
_UNSUPPORTED_SIGNS = {
    "?": "the conditional operator ? : is not supported",
    ":": "the conditional operator ? : is not supported",
    "{": "map and set literals are not supported",
    ",": "lists and function arguments are not supported",
    ";": "several expressions in one are not supported",
    "=": "= assigns in JUEL; compare with == or eq",
    "&": "write && or and",
    "|": "write || or or",
}
_ESCAPES = {JUEL: {"'": "'", '"': '"', "\\": "\\"},
            FEEL: {'"': '"', "'": "'", "\\": "\\", "n": "\n", "r": "\r", "t": "\t"}}


def _tokens(text: str, start: int, language: str, embedded: bool) -> tuple[list[Token], int]:
    """The tokens from ``start`` up to the end, or (``embedded``) up to the closing ``}``;
    also the position after what was read."""
    tokens: list[Token] = []
    position = start
    operators = _OPERATORS[language]
    while True:
        while position < len(text) and text[position].isspace():
            position += 1
        if position == len(text):
            if embedded:
                raise Refused("the expression has no closing }")
            return tokens + [Token("end", "")], position
        if len(tokens) >= MAX_TOKENS:
            raise Refused(f"the expression is longer than {MAX_TOKENS} tokens; split it over several steps")
        char = text[position]
        if embedded and char == "}":
            return tokens + [Token("end", "")], position + 1
        number = _NUMBER.match(text, position)
        after_value = tokens and (tokens[-1].kind in ("name", "num", "str") or tokens[-1].text in (")", "]"))
        if number and not (char == "." and after_value):  # `a.b` and `(a).b` are paths, not numbers
            tokens.append(Token("num", number.group(), _number(number.group())))
            position = number.end()
            continue
        name = _NAME.match(text, position)
        if name:
            tokens.append(Token("name", name.group()))
            position = name.end()
            continue
        if char in "'\"":
            value, end = _string(text, position, language)
            tokens.append(Token("str", text[position:end], value))
            position = end
            continue
        sign = next((op for op in operators if text.startswith(op, position)), None)
        if sign is None:
            reason = _UNSUPPORTED_SIGNS.get(char, "it is not part of the supported expressions")
            raise Refused(f"{char!r} at position {position + 1}: {reason}")
        tokens.append(Token("op", sign))
        position += len(sign)


def _number(text: str):
    if re.fullmatch(r"\d+", text):
        if len(text) > 100:
            raise Refused(f"the number {text[:20]}… is too long")
        return int(text)
    value = float(text)
    if not math.isfinite(value):
        raise Refused(f"the number {text} is too large")
    return value


def _string(text: str, position: int, language: str) -> tuple[str, int]:
    quote = text[position]
    if language == FEEL and quote == "'":
        raise Refused("FEEL strings are written in double quotes")
    chars, position = [], position + 1
    while position < len(text):
        char = text[position]
        if char == quote:
            return "".join(chars), position + 1
        if char == "\\":
            escaped = text[position + 1:position + 2]
            if escaped not in _ESCAPES[language]:
                raise Refused(f"the escape \\{escaped} in a string is not supported")
            chars.append(_ESCAPES[language][escaped])
            position += 2
            continue
        chars.append(char)
        position += 1
    raise Refused("a string has no closing quote")


# -- the parser -----------------------------------------------------------------------
_LEVELS = (("or",), ("and",), ("==", "!="), ("<", ">", "<=", ">="), ("+", "-"), ("*", "/", "%"))
_SPELLING = {"||": "or", "&&": "and", "=": "==", "!": "not"}


class _Parser:
    def __init__(self, tokens: list[Token], language: str):
        self.tokens, self.language, self.index, self.nesting = tokens, language, 0, 0

    @property
    def token(self) -> Token:
        return self.tokens[self.index]

    def operator(self) -> str | None:
        """The current token as an operator in Python's spelling, or None."""
        token = self.token
        if token.kind == "op":
            return _SPELLING.get(token.text, token.text)
        if token.kind == "name":
            return _KEYWORDS[self.language].get(token.text)
        return None

    def expect(self, sign: str) -> None:
        if self.token.text != sign or self.token.kind != "op":
            raise Refused(f"expected {sign!r} but found {self._shown()}")
        self.index += 1

    def _shown(self) -> str:
        return "the end" if self.token.kind == "end" else repr(self.token.text)

    def parse(self):
        tree = self.binary(0)
        if self.token.kind != "end":
            raise Refused(f"unexpected {self._shown()}")
        return tree

    def binary(self, level: int):
        if level == len(_LEVELS):
            return self.power()
        left = self.binary(level + 1)
        while self.operator() in _LEVELS[level]:
            op = self.operator()
            self.index += 1
            left = Binary(op, left, self.binary(level + 1))
        return left

    def power(self):
        left = self.unary()
        while self.token.kind == "op" and self.token.text == "**":
            self.index += 1
            left = Binary("**", left, self.unary())
        return left

    def nested(self, parse):
        self.nesting += 1
        if self.nesting > MAX_NESTING:
            raise Refused(f"the expression nests deeper than {MAX_NESTING} levels")
        try:
            return parse()
        finally:
            self.nesting -= 1

    def unary(self):
        op = self.operator()
        if op in ("not", "-", "empty"):
            self.index += 1
            return self.nested(lambda: Unary(op, self.unary()))
        return self.postfix()

    def postfix(self):
        node = self.primary()
        if isinstance(node, Literal) and self.token.text in (".", "[") and self.token.kind == "op":
            raise Refused(f"{node.value!r} is a literal value and has no properties or items")
        while self.token.kind == "op" and self.token.text in (".", "["):
            if self.token.text == ".":
                self.index += 1
                if self.token.kind != "name":
                    raise Refused(f"a property name must follow '.', not {self._shown()}")
                node = Item(node, Literal(self.token.text))
                self.index += 1
            else:
                self.index += 1
                node = Item(node, self.nested(lambda: self.binary(0)))
                self.expect("]")
            if self.token.text == "(" and self.token.kind == "op":
                raise Refused("method calls are not supported")
        return node

    def primary(self):
        token = self.token
        self.index += 1
        if token.kind in ("num", "str"):
            return Literal(token.value)
        if token.kind == "name":
            if token.text in _CONSTANTS:
                return Literal(_CONSTANTS[token.text])
            if token.text in _UNSUPPORTED_WORDS[self.language] or token.text in _KEYWORDS[self.language]:
                raise Refused(f"{token.text!r} is not supported here")
            if self.token.text == "(" and self.token.kind == "op":
                raise Refused(f"function calls such as {token.text}(…) are not supported")
            return Name(_python_name(token.text))
        if token.text == "(":
            node = self.nested(lambda: self.binary(0))
            self.expect(")")
            return node
        self.index -= 1
        raise Refused(f"expected a value but found {self._shown()}")


def _python_name(name: str) -> str:
    """A variable name as Python can refer to it in the sandbox, or a refusal saying why not."""
    if "$" in name or not name.isidentifier() or unicodedata.normalize("NFKC", name) != name:
        raise Refused(f"the variable name {name!r} cannot be used in Python; rename the variable")
    if keyword.iskeyword(name):
        raise Refused(f"the variable name {name!r} is a Python keyword; rename the variable")
    if name.startswith("_") or name in _sandbox_names():
        raise Refused(f"the variable name {name!r} is reserved for the script engine; rename the variable")
    return name


def _sandbox_names() -> set[str]:
    """What diagram code already means by a name (helpers, builtins such as ``len``): a
    variable of that name could never be set, its reference would be the helper."""
    scope = RestrictedEnvironment().globals
    return {*scope, *scope["__builtins__"]}


# -- printing -------------------------------------------------------------------------
# Python's binding strength of what is printed; a child binding less than its place
# needs is put in parentheses, so the printed Python has the parsed tree's meaning.
_PRECEDENCE = {"or": 1, "and": 2, "not": 3, "==": 4, "!=": 4, "<": 4, ">": 4, "<=": 4, ">=": 4, "empty": 4,
               "+": 6, "-": 6, "*": 7, "/": 7, "%": 7, "neg": 8, "**": 9}
_ATOM = 10
EMPTY_VALUES = "(None, '', [], {})"


def to_python(node) -> str:
    return _print(node)[0]


def _print(node) -> tuple[str, int]:
    if isinstance(node, Literal):
        return repr(node.value), _ATOM
    if isinstance(node, Name):
        return node.name, _ATOM
    if isinstance(node, Item):
        return f"{_at_least(node.base, _ATOM)}[{to_python(node.key)}]", _ATOM
    if isinstance(node, Unary):
        if node.op == "not" and isinstance(node.operand, Unary) and node.operand.op == "empty":
            return f"{_at_least(node.operand.operand, 5)} not in {EMPTY_VALUES}", 4
        if node.op == "not":
            return f"not {_at_least(node.operand, 3)}", 3
        if node.op == "-":
            return f"-{_at_least(node.operand, 8)}", 8
        return f"{_at_least(node.operand, 5)} in {EMPTY_VALUES}", 4
    if isinstance(node, Text):
        return " + ".join(repr(part) if isinstance(part, str) else f"str({to_python(part)})"
                          for part in node.parts), 6
    level = _PRECEDENCE[node.op]
    if node.op == "**":
        left, right = _at_least(node.left, _ATOM), _at_least(node.right, 8)
    elif level == 4:  # Python chains comparisons; these never chain
        left, right = _at_least(node.left, 5), _at_least(node.right, 5)
    else:
        left, right = _at_least(node.left, level), _at_least(node.right, level + 1)
    return f"{left} {node.op} {right}", level


def _at_least(node, precedence: int) -> str:
    text, own = _print(node)
    return text if own >= precedence else f"({text})"


# -- entry points ---------------------------------------------------------------------
_OPENERS = re.compile(r"(?<!\\)[$#]\{")


def parse(text: str, language: str):
    """The tree of a JUEL ``${…}`` body or a FEEL expression (no ``=`` prefix)."""
    tokens, _ = _tokens(text, 0, language, embedded=False)
    return _Parser(tokens, language).parse()


def parse_juel(text: str):
    """A JUEL text: one ``${…}``/``#{…}`` expression, or literal text with such parts."""
    parts: list = []
    position = 0
    while True:
        opener = _OPENERS.search(text, position)
        literal = text[position:opener.start() if opener else len(text)]
        literal = literal.replace("\\${", "${").replace("\\#{", "#{")
        if literal:
            parts.append(literal)
        if opener is None:
            break
        tokens, position = _tokens(text, opener.end(), JUEL, embedded=True)
        if len(tokens) == 1:
            raise Refused("${} is empty")
        parts.append(_Parser(tokens, JUEL).parse())
    if len(parts) == 1 and not isinstance(parts[0], str):
        return parts[0]
    return Text(tuple(parts))


def _is_python(text: str) -> bool:
    try:
        ast.parse(text, mode="eval")
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return False
    return True


def language_of(text: str, declared: str | None = None) -> str | None:
    """JUEL or FEEL when the text (or its ``language`` attribute) says so; None for Python.

    Python wins whenever the text is valid Python and no JUEL or FEEL language is
    declared, so every diagram that ran before runs the same."""
    declared = (declared or "").strip().lower()
    stripped = text.strip()
    if not stripped:
        return None  # the checks of empty code say what to write
    if "feel" in declared:
        return FEEL
    if "juel" in declared or declared in ("el", "uel"):
        return JUEL
    if stripped.startswith("="):  # no Python expression starts so
        return FEEL
    marked = _OPENERS.search(stripped) is not None
    if not marked and not (declared and "python" not in declared) or _is_python(stripped):
        return None  # parsed only when the text may be meant as something else
    if marked:
        return JUEL
    raise Refused(f"language {declared!r} is not supported; write Python, JUEL or FEEL")


def translate(text: str, *, declared: str | None = None, composite: bool = False) -> Translation | None:
    """The Python of a JUEL or FEEL expression, None if ``text`` is Python already.

    ``composite`` allows JUEL literal text around ``${…}`` parts (a timer such as
    ``P${days}D``); a condition must be one expression, or it would be a string that is
    always true.
    """
    language = language_of(text, declared)
    if language is None:
        return None
    stripped = text.strip()
    if language == FEEL:
        body = stripped[1:] if stripped.startswith("=") else stripped
        tree = parse(body, FEEL)
    else:
        tree = parse_juel(stripped)
        if isinstance(tree, Text) and not composite:
            raise Refused("a condition is one ${…} expression; write ${a and b}, not ${a} and ${b} or text "
                          "around it")
    return Translation(language, text, to_python(tree))
