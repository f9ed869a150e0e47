"""A tiny, safe expression language for workflow task configs (no ``eval``).

Strings may hold ``${ <expression> }``. A string that is exactly one expression evaluates to
the expression's value (any JSON type); otherwise each expression is interpolated as text.

Expressions::

    .                 the whole workflow context          .user.name   .items[0]   .m["k"]
    $env.NAME         runtime env (non-secret) / workflow env defaults
    $secret.NAME      secret runtime env (only inside http_call and agent_call tasks)
    $input.message    the trigger message of the execution
    literals          1  2.5  'text'  "text"  true  false  null  [1, 2]
    operators         == != < <= > >=   + - * / %   and or not   ( )
    functions         length(x) upper(x) lower(x) string(x) number(x) contains(a, b)

A missing key or index gives ``null`` (as in jq); type errors raise :class:`ExpressionError`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

_TOKEN = re.compile(
    r"\s*(?:(?P<num>\d+(?:\.\d+)?)|(?P<str>'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")"
    r"|(?P<op>==|!=|<=|>=|[<>+\-*/%()\[\],.$])|(?P<name>[A-Za-z_][A-Za-z0-9_]*))"
)
_KEYWORDS = {"and", "or", "not", "true", "false", "null"}


class ExpressionError(ValueError):
    """An expression that cannot be parsed or evaluated; the message says why."""


class _Unavailable:
    """A variable that exists but may not be read here (e.g. secrets inside the workflow)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason


def unavailable(reason: str) -> Any:
    """A scope variable whose use raises :class:`ExpressionError` with ``reason``."""
    return _Unavailable(reason)


@dataclass
class Scope:
    """What an expression can see: the context (``.``) and ``$`` variables."""

    context: Any = field(default_factory=dict)
    variables: Mapping[str, Any] = field(default_factory=dict)


# ---- parsing ------------------------------------------------------------------------------

Node = tuple[Any, ...]


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise ExpressionError(f"unexpected character {text[pos:].lstrip()[:1]!r} "
                                  f"at position {pos} in {text!r}")
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
        pos = match.end()
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokens(text)
        self.pos = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def accept(self, value: str) -> bool:
        token = self.peek()
        if token and token[1] == value and token[0] in ("op", "name"):
            self.pos += 1
            return True
        return False

    def expect(self, value: str) -> None:
        if not self.accept(value):
            found = self.peek()
            raise ExpressionError(
                f"expected {value!r} but found {found[1] if found else 'the end'!r} "
                f"in {self.text!r}")

    def parse(self) -> Node:
        if not self.tokens:
            raise ExpressionError("empty expression")
        node = self.or_()
        if self.peek() is not None:
            raise ExpressionError(f"unexpected {self.peek()[1]!r} in {self.text!r}")
        return node

    def or_(self) -> Node:
        node = self.and_()
        while self.accept("or"):
            node = ("or", node, self.and_())
        return node

    def and_(self) -> Node:
        node = self.not_()
        while self.accept("and"):
            node = ("and", node, self.not_())
        return node

    def not_(self) -> Node:
        if self.accept("not"):
            return ("not", self.not_())
        return self.compare()

    def compare(self) -> Node:
        node = self.additive()
        for op in ("==", "!=", "<=", ">=", "<", ">"):
            if self.accept(op):
                return ("cmp", op, node, self.additive())
        return node

    def additive(self) -> Node:
        node = self.term()
        while True:
            op = "+" if self.accept("+") else "-" if self.accept("-") else None
            if op is None:
                return node
            node = ("arith", op, node, self.term())

    def term(self) -> Node:
        node = self.unary()
        while True:
            op = next((o for o in ("*", "/", "%") if self.accept(o)), None)
            if op is None:
                return node
            node = ("arith", op, node, self.unary())

    def unary(self) -> Node:
        if self.accept("-"):
            return ("neg", self.unary())
        return self.postfix(self.primary())

    def postfix(self, node: Node) -> Node:
        while True:
            if self.accept("."):
                node = ("get", node, ("lit", self.name()))
            elif self.accept("["):
                node = ("get", node, self.or_())
                self.expect("]")
            else:
                return node

    def name(self) -> str:
        token = self.peek()
        if token is None or token[0] != "name":
            raise ExpressionError(f"expected a name after '.' in {self.text!r}")
        self.pos += 1
        return token[1]

    def primary(self) -> Node:
        token = self.peek()
        if token is None:
            raise ExpressionError(f"unexpected end of {self.text!r}")
        kind, value = token
        if kind == "num":
            self.pos += 1
            return ("lit", float(value) if "." in value else int(value))
        if kind == "str":
            self.pos += 1
            return ("lit", _unquote(value))
        if self.accept("("):
            node = self.or_()
            self.expect(")")
            return node
        if self.accept("["):
            items: list[Node] = []
            if not self.accept("]"):
                items.append(self.or_())
                while self.accept(","):
                    items.append(self.or_())
                self.expect("]")
            return ("list", items)
        if self.accept("."):
            token = self.peek()
            if token and token[0] == "name" and token[1] not in _KEYWORDS:
                return ("get", ("ctx",), ("lit", self.name()))
            return ("ctx",)
        if self.accept("$"):
            return ("var", self.name())
        if kind == "name":
            self.pos += 1
            if value in ("true", "false"):
                return ("lit", value == "true")
            if value == "null":
                return ("lit", None)
            if value in FUNCTIONS:
                self.expect("(")
                args: list[Node] = []
                if not self.accept(")"):
                    args.append(self.or_())
                    while self.accept(","):
                        args.append(self.or_())
                    self.expect(")")
                return ("call", value, args)
            raise ExpressionError(
                f"unknown name {value!r} in {self.text!r} (paths start with '.', "
                f"variables with '$'; functions: {', '.join(sorted(FUNCTIONS))})")
        raise ExpressionError(f"unexpected {value!r} in {self.text!r}")


def _unquote(literal: str) -> str:
    body = literal[1:-1]
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), body)


def parse(text: str) -> Node:
    """Parse one expression (the text between ``${`` and ``}``)."""
    return _Parser(text.strip()).parse()


# ---- evaluation ---------------------------------------------------------------------------

def _length(value: Any) -> int:
    if isinstance(value, str | list | dict):
        return len(value)
    if value is None:
        return 0
    raise ExpressionError(f"length() needs a string, list or object, got {_type(value)}")


def _number(value: Any) -> float | int:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ExpressionError(f"number() cannot convert {value!r}") from None
    return int(number) if number.is_integer() else number


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "length": _length,
    "upper": lambda v: to_text(v).upper(),
    "lower": lambda v: to_text(v).lower(),
    "string": lambda v: to_text(v),
    "number": _number,
    "contains": lambda a, b: (b in a) if isinstance(a, str | list | dict) else False,
}


def _type(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "boolean", int: "number", float: "number", str: "string", list: "list",
            dict: "object"}.get(type(value), type(value).__name__)


def truthy(value: Any) -> bool:
    """jq truthiness: only ``false`` and ``null`` are false."""
    return value is not None and value is not False


def to_text(value: Any) -> str:
    """How a value reads inside a string: JSON for containers and booleans, "" for null."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bool | list | dict):
        return json.dumps(value, sort_keys=True)
    return str(value)


def _get(container: Any, key: Any) -> Any:
    if isinstance(container, _Unavailable):
        raise ExpressionError(container.reason)
    if container is None:
        return None
    if isinstance(container, Mapping):
        if not isinstance(key, str):
            raise ExpressionError(f"an object is indexed by a name, not by {_type(key)}")
        value = container.get(key)
        if isinstance(value, _Unavailable):
            raise ExpressionError(value.reason)
        return value
    if isinstance(container, list):
        if isinstance(key, bool) or not isinstance(key, int | float):
            raise ExpressionError(f"a list is indexed by a number, not by {_type(key)}")
        index = int(key)
        return container[index] if -len(container) <= index < len(container) else None
    raise ExpressionError(f"cannot index {_type(container)} with {key!r}")


def _compare(op: str, left: Any, right: Any) -> bool:
    if op == "==":
        return left == right
    if op == "!=":
        return left != right
    numeric = (int, float)
    same = (isinstance(left, numeric) and isinstance(right, numeric)
            and not isinstance(left, bool) and not isinstance(right, bool)) or (
        isinstance(left, str) and isinstance(right, str))
    if not same:
        raise ExpressionError(f"cannot compare {_type(left)} {op} {_type(right)}")
    return {"<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right}[op]


def _arith(op: str, left: Any, right: Any) -> Any:
    if op == "+":
        if isinstance(left, str) or isinstance(right, str):
            return to_text(left) + to_text(right)
        if isinstance(left, list) and isinstance(right, list):
            return left + right
        if isinstance(left, dict) and isinstance(right, dict):
            return {**left, **right}
        if left is None:
            return right
        if right is None:
            return left
    for value in (left, right):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ExpressionError(f"cannot compute {_type(left)} {op} {_type(right)}")
    if op in ("/", "%") and right == 0:
        raise ExpressionError("division by zero")
    result = {"+": lambda: left + right, "-": lambda: left - right,
              "*": lambda: left * right, "/": lambda: left / right,
              "%": lambda: left % right}[op]()
    return int(result) if isinstance(result, float) and result.is_integer() else result


def evaluate(node: Node, scope: Scope) -> Any:
    """Evaluate a parsed expression in ``scope``."""
    kind = node[0]
    if kind == "lit":
        return node[1]
    if kind == "ctx":
        return scope.context
    if kind == "var":
        if node[1] not in scope.variables:
            known = ", ".join(f"${name}" for name in sorted(scope.variables)) or "none"
            raise ExpressionError(f"unknown variable ${node[1]} (known: {known})")
        value = scope.variables[node[1]]
        if isinstance(value, _Unavailable):
            raise ExpressionError(value.reason)
        return value
    if kind == "get":
        return _get(evaluate(node[1], scope), evaluate(node[2], scope))
    if kind == "list":
        return [evaluate(item, scope) for item in node[1]]
    if kind == "and":
        return truthy(evaluate(node[1], scope)) and truthy(evaluate(node[2], scope))
    if kind == "or":
        return truthy(evaluate(node[1], scope)) or truthy(evaluate(node[2], scope))
    if kind == "not":
        return not truthy(evaluate(node[1], scope))
    if kind == "neg":
        return _arith("-", 0, evaluate(node[1], scope))
    if kind == "cmp":
        return _compare(node[1], evaluate(node[2], scope), evaluate(node[3], scope))
    if kind == "arith":
        return _arith(node[1], evaluate(node[2], scope), evaluate(node[3], scope))
    if kind == "call":
        return FUNCTIONS[node[1]](*[evaluate(arg, scope) for arg in node[2]])
    raise ExpressionError(f"unknown node {kind}")  # pragma: no cover


# ---- templates ----------------------------------------------------------------------------

def split_template(text: str) -> list[str | Node]:
    """Split a string into literal parts and parsed ``${ ... }`` expressions."""
    parts: list[str | Node] = []
    pos = 0
    while True:
        start = text.find("${", pos)
        if start < 0:
            if pos < len(text):
                parts.append(text[pos:])
            return parts
        if start > pos:
            parts.append(text[pos:start])
        end = _closing_brace(text, start + 2)
        parts.append(parse(text[start + 2:end]))
        pos = end + 1


def _closing_brace(text: str, pos: int) -> int:
    quote = ""
    while pos < len(text):
        char = text[pos]
        if quote:
            if char == "\\":
                pos += 1
            elif char == quote:
                quote = ""
        elif char in ("'", '"'):
            quote = char
        elif char == "}":
            return pos
        pos += 1
    raise ExpressionError(f"unterminated '${{' in {text!r} (missing '}}')")


def is_expression(value: Any) -> bool:
    """True for a string that contains ``${``."""
    return isinstance(value, str) and "${" in value


def render(text: str, scope: Scope) -> Any:
    """Evaluate a template string (see module docstring)."""
    if "${" not in text:
        return text
    parts = split_template(text)
    if len(parts) == 1 and not isinstance(parts[0], str):
        return evaluate(parts[0], scope)
    return "".join(p if isinstance(p, str) else to_text(evaluate(p, scope)) for p in parts)


def resolve(value: Any, scope: Scope) -> Any:
    """Render every template string inside ``value`` (dicts and lists are walked)."""
    if isinstance(value, str):
        return render(value, scope)
    if isinstance(value, dict):
        return {key: resolve(item, scope) for key, item in value.items()}
    if isinstance(value, list):
        return [resolve(item, scope) for item in value]
    return value


def check_templates(value: Any, path: str = "") -> list[str]:
    """Syntax problems of every template inside ``value``, each prefixed with its path."""
    problems: list[str] = []
    if isinstance(value, str) and "${" in value:
        try:
            split_template(value)
        except ExpressionError as error:
            problems.append(f"{path or 'value'}: {error}")
    elif isinstance(value, dict):
        for key, item in value.items():
            problems.extend(check_templates(item, f"{path}.{key}" if path else str(key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            problems.extend(check_templates(item, f"{path}[{index}]"))
    return problems
