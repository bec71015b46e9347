"""Normalised views of a text for the detectors, each character of which remembers the
span of the original it came from, so that a hit found in the view masks exactly the
right characters of the original string.

Two views: ``nfkc`` (NFKC, any Unicode decimal digit as its ASCII digit, zero-width and
other format characters dropped) and ``spelled`` (on top of it, ``[at]``, ``(at)``, `` at ``
become ``@`` and ``[dot]``, `` dot `` become ``.``). Detectors match case-insensitively
(the case folding); every pattern here has bounded repetitions only, so a view is built
in time linear in the text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache
from typing import NamedTuple

_NON_ASCII_CHAR = re.compile(r"[^\x00-\x7f]")
_SPELLED = re.compile(
    r"[ \t]{0,3}(?P<bat>[\[({<][ \t]{0,2}at[ \t]{0,2}[\])}>])[ \t]{0,3}"
    r"|[ \t]{0,3}[\[({<][ \t]{0,2}(?P<bdot>dot|period)[ \t]{0,2}[\])}>][ \t]{0,3}"
    r"|(?<=[a-z0-9])[ \t]{1,3}(?P<at>at)[ \t]{1,3}(?=[a-z0-9])"
    r"|(?<=[a-z0-9])[ \t]{1,3}(?P<dot>dot)[ \t]{1,3}(?=[a-z0-9])", re.I | re.ASCII)
SPELLED_HINT = re.compile(r"[\[({<][ \t]{0,2}(?:at|dot|period)[ \t]{0,2}[\])}>]|[ \t]dot[ \t]",
                          re.I | re.ASCII)


class View(NamedTuple):
    """``text`` and, for each of its characters, where it came from in the original
    (``starts[i]:ends[i]``); both are None when the view is the original itself."""

    text: str
    starts: list[int] | None = None
    ends: list[int] | None = None

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The span of the original that the view's ``start:end`` came from."""
        if self.starts is None or self.ends is None:
            return start, end
        return self.starts[start], self.ends[end - 1]

    def rewrite(self, pattern: re.Pattern[str], replacement: Callable[[re.Match[str]], str]) -> View:
        """A view of this view with each match of ``pattern`` replaced."""
        pieces: list[str] = []
        starts: list[int] = []
        ends: list[int] = []
        own_starts = self.starts if self.starts is not None else range(len(self.text) + 1)
        own_ends = self.ends if self.ends is not None else range(1, len(self.text) + 1)
        done = 0
        for match in pattern.finditer(self.text):
            new = replacement(match)
            pieces += (self.text[done:match.start()], new)
            starts += own_starts[done:match.start()]
            ends += own_ends[done:match.start()]
            if len(new) == match.end() - match.start():  # one for one: each keeps its own
                starts += own_starts[match.start():match.end()]
                ends += own_ends[match.start():match.end()]
            elif new:
                first, last = self.span(match.start(), match.end())
                starts += [first] * len(new)
                ends += [last] * len(new)
            done = match.end()
        if not pieces:
            return self
        pieces.append(self.text[done:])
        starts += own_starts[done:len(self.text)]
        ends += own_ends[done:len(self.text)]
        return View("".join(pieces), starts, ends)


@lru_cache(maxsize=4096)
def _plain(char: str) -> str:
    """One non-ASCII character as the detectors see it."""
    digit = unicodedata.decimal(char, None)
    if digit is not None:
        return str(digit)
    if unicodedata.category(char) == "Cf":  # zero-width space, joiners, soft hyphen ...
        return ""
    return unicodedata.normalize("NFKC", char)


def nfkc(text: str) -> View:
    """The text under NFKC, with ASCII digits and no format characters."""
    if text.isascii():
        return View(text)
    return View(text).rewrite(_NON_ASCII_CHAR, lambda match: _plain(match.group(0)))


def _spelled(match: re.Match[str]) -> str:
    return "@" if match.group("bat") or match.group("at") else "."


def spelled(view: View) -> View:
    """``view`` with spelled-out and bracketed at and dot written as ``@`` and ``.``."""
    if SPELLED_HINT.search(view.text) is None:
        return view
    return view.rewrite(_SPELLED, _spelled)
