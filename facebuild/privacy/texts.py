"""What a detector looks at: the original text and its normalised views, built once a scan."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from facebuild.privacy.normalise import View, nfkc, spelled

# (start, end) in the original text, and the normalised text matched (for the mask)
Found = tuple[int, int, str]


class Texts:
    """A text under scan: ``view`` is its NFKC view, ``spelled`` (built on first use) the
    view with spelled-out at and dot."""

    __slots__ = ("original", "view", "_spelled")

    def __init__(self, original: str) -> None:
        self.original = original
        self.view = nfkc(original)
        self._spelled: View | None = None

    @property
    def spelled(self) -> View:
        if self._spelled is None:
            self._spelled = spelled(self.view)
        return self._spelled


def found(view: View, start: int, end: int) -> Found:
    """A match at ``start:end`` of ``view``, as a span of the original."""
    first, last = view.span(start, end)
    return first, last, view.text[start:end]


def matches(pattern: re.Pattern[str], view: View, group: int = 0) -> Iterator[Found]:
    """Every match of ``pattern`` (or of its ``group``) in ``view``."""
    for match in pattern.finditer(view.text):
        if match.start(group) < match.end(group):
            yield found(view, match.start(group), match.end(group))


Detector = Callable[[Texts], Iterator[Found]]
"""A detector: every span of one kind of personal datum or secret in a text."""
