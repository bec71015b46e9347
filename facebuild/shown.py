"""A value from a cast as an error message may show it: one line, short, and with any
personal datum or secret masked by the privacy guard (an error goes to CI logs)."""

from __future__ import annotations

from typing import Any

from facebuild.privacy import replace, scan

MAX_SHOWN = 60
"""Characters of a value an error message shows at most."""


def shown(value: Any) -> str:
    """``repr(value)`` masked and cut to MAX_SHOWN characters."""
    try:
        text = repr(value)  # escapes newlines and control characters: the message stays one line
    except ValueError:  # an integer too long to print
        return "<a very long number>"
    return _cut(replace(text, scan(text), None))


def masked(text: str) -> str:
    """``text`` (a key or an id inside a key path) escaped, masked and cut, without quotes."""
    escaped = repr(text)[1:-1]
    return _cut(replace(escaped, scan(escaped), None))


def _cut(text: str) -> str:
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 1] + "…"


def screened(message: str) -> str:
    """A message built from a cast's values (a template error quoting a name), masked but
    not cut."""
    return replace(message, scan(message), None)
