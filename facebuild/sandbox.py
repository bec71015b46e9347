"""The Jinja environment every prompt template renders in, shipped or cast-local.

Cast-local templates arrive in pull requests and render in CI, so they run in Jinja's
``ImmutableSandboxedEnvironment`` (no Python internals, no method that changes a value)
with a budget per render on what they may cost: ``MAX_STEPS`` loop iterations and calls,
and ``MAX_CHARS`` characters produced in all (strings, list items, output). Operations that
can make a large value from a small one (``*``, ``**``, ``%``, ``replace``, ``join``,
``center``...) are estimated before they run, so a refused one never allocates.
"""

from __future__ import annotations

import contextvars
import functools
import operator
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.exceptions import SecurityError
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment

MAX_CHARS = 2_000_000
"""Characters one render may produce in values, and again in output: far above any prompt,
far below a memory risk."""
MAX_STEPS = 1_000_000
"""Loop iterations plus calls one render may make."""
MAX_INT_BITS = 20_000
"""The largest integer ``**`` and ``*`` may make (about 6,000 digits)."""

_LOOP_FILTER = "facebuild loop budget"  # not writable as a filter in a template
_WIDE_PERCENT = re.compile(r"%[^a-zA-Z%]*(?:\*|\d{5,})")
_WIDE_FORMAT = re.compile(r"\{[^{}]*:[^{}]*\d{5,}[^{}]*\}")  # {:>100000}


class _Budget:
    def __init__(self) -> None:
        self.steps = MAX_STEPS
        self.chars = MAX_CHARS
        self.output = MAX_CHARS  # joined text, counted apart: what {{ }} printed was charged

    def step(self) -> None:
        self.steps -= 1
        if self.steps < 0:
            raise SecurityError(f"template takes more than {MAX_STEPS:,} loop steps and calls")

    def spend(self, chars: int) -> None:
        if chars > self.chars:
            raise SecurityError(f"template output or values pass {MAX_CHARS:,} characters")
        self.chars -= chars


_budget: contextvars.ContextVar[_Budget] = contextvars.ContextVar("facebuild_template_budget")


def _current() -> _Budget:
    try:
        return _budget.get()
    except LookupError:  # a render outside render_bounded (the library's own use)
        budget = _Budget()
        _budget.set(budget)
        return budget


def render_bounded(template: Any, context: Mapping[str, Any]) -> str:
    """``template.render(context)`` with a fresh budget."""
    token = _budget.set(_Budget())
    try:
        return str(template.render(context))
    finally:
        _budget.reset(token)


def size(value: Any, limit: int = MAX_CHARS) -> int:
    """About how many characters ``value`` holds or prints as, counting a value each time
    it is referred to; stops counting past ``limit``."""
    total = 0
    stack = [value]
    while stack and total <= limit:
        item = stack.pop()
        if isinstance(item, str | bytes):
            total += len(item) + 1
        elif isinstance(item, bool | None):
            total += 5
        elif isinstance(item, int):
            total += item.bit_length() // 3 + 2
        elif isinstance(item, Mapping):
            total += 2 + len(item)
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list | tuple | set | frozenset):
            total += 2 + len(item)
            stack.extend(item)
        else:
            total += 8
    return total


def _estimate(name: str, subject: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> int:
    """Characters an amplifying operation would make, before it runs; 0 for the others,
    which make about what they are given (their result is charged after)."""
    params = [*args, *kwargs.values()]
    widest = max((abs(v) for v in params if isinstance(v, int) and not isinstance(v, bool)), default=0)
    texts = [v for v in params if isinstance(v, str)]
    if name == "replace" and isinstance(subject, str) and len(texts) >= 2:
        old, new = texts[0], texts[1]
        count = subject.count(old) if old else len(subject) + 1
        return len(subject) + count * max(0, len(new) - len(old))
    if name == "join":
        glue, items = (subject, params[0] if params else ()) if isinstance(subject, str) else (
            texts[0] if texts else "", subject)
        if not isinstance(items, list | tuple | str | Mapping):
            return 0  # an iterator: its items were charged as they were made
        return size(items) + len(glue) * len(items)
    text = subject if isinstance(subject, str) else ""
    if name == "indent":  # each line gets the indent (a width or a string)
        return len(text) + (text.count("\n") + 1) * max([widest, *map(len, texts)])
    if name == "expandtabs":
        return len(text) + text.count("\t") * widest
    if name in {"wordwrap", "translate"}:  # a wrap string per line; a table of long strings
        longest = max((size(v) for v in params if not isinstance(v, int | float)), default=1)
        return size(subject) * max(1, longest)
    if name in {"tojson", "pprint"}:
        return size(subject) * (1 + widest)
    if name in {"format", "format_map"} and isinstance(subject, str):
        wide = _WIDE_PERCENT.search(subject) or _WIDE_FORMAT.search(subject)
        return MAX_CHARS + 1 if wide else size(subject) + size(params) + widest * subject.count("{")
    return widest + size(subject) if widest else 0


def _charge(result: Any) -> Any:
    budget = _current()
    budget.spend(size(result, budget.chars))
    return result


def _bounded_filter(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    """A filter that counts a step, refuses an oversized result before making it, and
    charges what it made."""

    @functools.wraps(func)
    def bounded(*args: Any, **kwargs: Any) -> Any:
        budget = _current()
        budget.step()
        data = [a for a in args if not isinstance(a, Context | ImmutableSandboxedEnvironment)]
        data = [a for a in data if type(a).__name__ != "EvalContext"]
        if data:
            budget.spend(_estimate(name, data[0], tuple(data[1:]), kwargs))
        return _charge(func(*args, **kwargs))

    return bounded


def _finalize(value: Any) -> Any:
    """Every ``{{ value }}`` is charged before it is turned into text (in template code, so
    that an error names the line)."""
    if type(value) is str:  # most outputs: no need to walk a value
        _current().spend(len(value))
        return value
    return _charge(value)


def _counted(values: Iterable[Any]) -> Iterator[Any]:
    budget = _current()
    for value in values:
        budget.step()
        yield value


def _bounded_concat(parts: Iterable[Any]) -> str:
    """Join output parts and ``~`` operands, refusing past the output budget."""
    budget = _current()
    pieces = []
    total = 0
    for part in parts:
        if type(part) is not str:
            budget.spend(size(part, budget.chars))
            part = str(part)
        total += len(part)
        if total > budget.output:
            raise SecurityError(f"template output passes {MAX_CHARS:,} characters")
        pieces.append(part)
    budget.output -= total
    return "".join(pieces)


class _Generator(CodeGenerator):
    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        """``a ~ b`` through the bounded join (autoescape is off for prompts)."""
        self.write("concat((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")


_DICT_ATTRIBUTES = frozenset(dir(dict))
"""Every attribute a plain dict has (its class's and ``object``'s)."""

_BINOPS: dict[str, Callable[[Any, Any], Any]] = {
    "*": operator.mul, "**": operator.pow, "+": operator.add, "%": operator.mod,
}


class BoundedSandbox(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox with a budget on steps and characters per render."""

    code_generator_class = _Generator
    concat = staticmethod(_bounded_concat)
    intercepted_binops = frozenset(_BINOPS)

    def __init__(self, **options: Any) -> None:
        super().__init__(finalize=_finalize, **options)
        self.globals.pop("lipsum", None)  # lorem ipsum of any length: no use in a prompt
        self.filters = {name: _bounded_filter(name, f) for name, f in self.filters.items()}
        self.filters[_LOOP_FILTER] = _counted

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        """Every ``for`` loop counts its iterations against the budget."""
        tree = super()._parse(source, name, filename)
        for loop in tree.find_all(nodes.For):
            loop.iter = nodes.Filter(loop.iter, _LOOP_FILTER, [], [], None, None, lineno=loop.lineno)
        return tree

    def getattr(self, obj: Any, attribute: str) -> Any:
        """``character.name`` on a plain dict: Jinja tries the attribute first and takes the
        item when that raises; a name no dict has skips that raise (a third of a prompt's
        render), with the same result."""
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except (TypeError, LookupError):
                return self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        """``'...'.format(...)``, estimated before it runs (Jinja wraps it at access)."""
        wrapped = super().wrap_str_format(value)
        if wrapped is None:
            return None
        pattern = value.__self__

        def bounded(*args: Any, **kwargs: Any) -> str:
            _current().spend(_estimate(value.__name__, pattern, args, kwargs))
            return str(_charge(wrapped(*args, **kwargs)))

        return bounded

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        _current().spend(_binop_estimate(operator, left, right))
        return _charge(_BINOPS[operator](left, right))

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        budget = _current()
        budget.step()
        subject = getattr(__obj, "__self__", None)
        name = getattr(__obj, "__name__", "")
        if subject is not None and not isinstance(subject, type):  # a method: str.ljust, int.to_bytes
            budget.spend(_estimate(name, subject, args, kwargs))
        return _charge(super().call(__context, __obj, *args, **kwargs))


def _binop_estimate(operator: str, left: Any, right: Any) -> int:
    """Characters (or, for numbers, digits) ``left <operator> right`` would make."""
    if operator == "*":
        for seq, times in ((left, right), (right, left)):
            if isinstance(seq, str | bytes | list | tuple) and isinstance(times, int):
                return size(seq) * max(0, times)
        if isinstance(left, int) and isinstance(right, int):
            bits = left.bit_length() + right.bit_length()
            return bits // 3 if bits <= MAX_INT_BITS else MAX_CHARS + 1
    if operator == "**" and isinstance(left, int) and isinstance(right, int) and abs(left) > 1:
        bits = left.bit_length() * right
        return bits // 3 if bits <= MAX_INT_BITS else MAX_CHARS + 1
    if operator == "%" and isinstance(left, str):
        return MAX_CHARS + 1 if _WIDE_PERCENT.search(left) else size(left) + size(right)
    if operator == "+" and not isinstance(left, int | float):
        return size(left) + size(right)
    return 0
