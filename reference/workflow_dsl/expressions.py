"""Runtime expressions as the real Stigmer workflow runner has them: jq, whole strings only.

A string that is *entirely* ``${ <jq program> }`` (after trimming) is evaluated with libjq
(PyPI ``jq``) and replaced by its first result, of any JSON type. Any other string is plain
text, even if it contains ``${ ... }`` somewhere inside: there is no interpolation (as in
Serverless Workflow's strict mode and zigflow). Objects and lists are walked.

Variables (Serverless Workflow / zigflow state)::

    $input     the workflow's input: {"message": <trigger message>}
    $context   the workflow context, replaced by each task's ``export.as`` expression
    $data      values stored along the way (set tasks, call results by task name)
    $output    the previous task's output
    $env       runtime environment values (secrets only where the runner resolves them)

plus the scope's own variables (a loop's item and index, a caught error). ``.`` is whatever
the caller gives (null in a set task); ``now`` is the workflow's clock (deterministic on
replay), not the host's. The process environment is never exposed: ``env``
and ``$ENV`` are empty, and libjq's other ways out (``input``, ``debug``, ``stderr``,
``halt_error``, ``input_filename``, module imports) are disabled.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import jq

STATE_VARIABLES = ("context", "input", "output", "data", "env")

# Definitions placed before every program: they shadow the builtins that reach outside the
# data given (a prefix also makes `import`/`include`, which must come first, a syntax error).
_SANDBOX = (
    'def env: {}; def input: error("input is not available in workflow expressions"); '
    "def inputs: empty; def debug: .; def debug(m): .; def stderr: .; def input_filename: null; "
    'def halt: error("halt is not available in workflow expressions"); '
    'def halt_error: error("halt_error is not available in workflow expressions"); '
    'def halt_error(c): error("halt_error is not available in workflow expressions"); '
    "def get_search_list: []; "
)


class ExpressionError(ValueError):
    """An expression that cannot be compiled or evaluated; ``field`` names where it is."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.reason = message
        self.field = field


@dataclass
class Scope:
    """What an expression sees: ``.`` and the ``$`` variables (state + extra)."""

    dot: Any = None
    variables: Mapping[str, Any] = field(default_factory=dict)
    now: float | None = None  # what jq's `now` gives: the workflow's clock, for replay

    def with_dot(self, dot: Any) -> Scope:
        return Scope(dot=dot, variables=self.variables, now=self.now)

    def with_variables(self, **extra: Any) -> Scope:
        return Scope(dot=self.dot, variables={**self.variables, **extra}, now=self.now)


def is_expression(value: Any) -> bool:
    """True for a string that is entirely ``${ ... }`` (the only strings evaluated)."""
    if not isinstance(value, str):
        return False
    text = value.strip()
    return text.startswith("${") and text.endswith("}")


def program_of(value: str) -> str:
    """The jq program inside ``${ ... }``."""
    return value.strip()[2:-1].strip()


@functools.lru_cache(maxsize=512)
def _compiled(program: str, names: tuple[str, ...]) -> Any:
    binds = "".join(f"$__scope.v.{name} as ${name} | " for name in names)
    text = (f"{_SANDBOX}{{}} as $ENV | . as $__scope | def now: $__scope.now // "
            f'error("now is not available here"); {binds}$__scope.dot | ({program}\n)')
    try:
        return jq.compile(text)
    except ValueError as error:
        raise ExpressionError(_clean(str(error), program)) from None


def _clean(message: str, program: str) -> str:
    """libjq's message without our prefix: the first line, naming the user's program."""
    first = message.strip().splitlines()[0] if message.strip() else "invalid jq"
    first = first.split(" at <top-level>")[0]
    return f"{first} (in jq program {program!r})"


def check(value: str, names: Iterable[str] = ()) -> None:
    """Compile an expression with the state variables and ``names``; raise if it is invalid."""
    _compiled(program_of(value), tuple(sorted({*STATE_VARIABLES, *names})))


def evaluate(value: str, scope: Scope, where: str = "") -> Any:
    """The first result of the expression ``value`` (``${ ... }``) in ``scope``."""
    program = program_of(value)
    names = tuple(sorted({*STATE_VARIABLES, *scope.variables}))
    variables = {name: scope.variables.get(name) for name in names}
    try:
        code = _compiled(program, names)
        state = _plain({"dot": scope.dot, "v": variables, "now": scope.now})
        results = code.input_value(state).all()
    except ExpressionError as error:
        raise ExpressionError(error.reason, where) from None
    except ValueError as error:
        raise ExpressionError(f"jq: {str(error).strip()} (in {program!r})", where) from None
    if not results:
        raise ExpressionError(f"jq program {program!r} gave no result", where)
    return results[0]


def _plain(value: Any) -> Any:
    """JSON-able copy (tuples -> lists; unknown types -> text), as jq receives it."""
    return json.loads(json.dumps(value, default=str))


def resolve(value: Any, scope: Scope, where: str = "") -> Any:
    """Evaluate every whole-string expression inside ``value``; other strings stay as text."""
    if isinstance(value, str):
        return evaluate(value, scope, where) if is_expression(value) else value
    if isinstance(value, dict):
        return {key: resolve(item, scope, f"{where}.{key}" if where else str(key))
                for key, item in value.items()}
    if isinstance(value, list):
        return [resolve(item, scope, f"{where}[{i}]") for i, item in enumerate(value)]
    return value


def check_templates(value: Any, path: str = "", names: Iterable[str] = ()) -> list[str]:
    """Compile problems of every expression inside ``value``, each prefixed with its path."""
    names = tuple(names)
    problems: list[str] = []
    if is_expression(value):
        try:
            check(value, names)
        except ExpressionError as error:
            problems.append(f"{path or 'value'}: {error.reason}")
    elif isinstance(value, dict):
        for key, item in value.items():
            problems += check_templates(item, f"{path}.{key}" if path else str(key), names)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            problems += check_templates(item, f"{path}[{index}]", names)
    return problems


def truthy(value: Any) -> bool:
    """jq truthiness: only ``false`` and ``null`` are false."""
    return value is not None and value is not False


def to_text(value: Any) -> str:
    """A value where text is needed (a URL, a header, a message): JSON unless a string."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return json.dumps(value, sort_keys=True)
