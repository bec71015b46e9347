"""The rows of cast.lock a build of some characters leaves unparsed: the file's text, and
where each row starts and ends in it.

Reading 10,000 rows this way makes one string, not one per row, and writing copies the
runs of text between the rows that were parsed (see ``facebuild.lockentries.Lock``). A row
is found by its head, a line of four spaces and a quoted name: JSON escapes every newline
inside a string, so such a line only starts a row. A file whose rows cannot all be found
so (a name with an escape, a field moved to a row's indent by hand, rows out of order) is
not cut: the caller reads it whole.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from typing import BinaryIO

from facebuild.locktext import BETWEEN, BLOCK_END

_FIRST = re.compile(r'    "([^"\\\x00-\x1f]*)": \{\n')
"""A row's head: its name, with nothing escaped in it (ids and variants never are)."""
_NEXT = re.compile(r',\n' + _FIRST.pattern)
"""The head of every row after the first (a literal start: 13x faster to find than either)."""



class RawRows:
    """The rows of one lock file by name, each parsed at most once (``take``)."""

    def __init__(self, text: str, names: list[str], starts: list[int], ends: list[int]) -> None:
        self.text = text
        self.names = names
        """Every row's target, sorted as in the file."""
        self._starts, self._ends = starts, ends
        self.pending = {name: index for index, name in enumerate(names)}
        """The rows not taken yet, by target: their index in ``names``."""
        self._taken: list[int] = []

    @classmethod
    def read(cls, handle: BinaryIO, head: bytes, tail: bytes) -> RawRows | None:
        """The rows between ``head`` and ``tail`` of the file open in ``handle`` (checked by
        the caller), or None when they cannot be cut by their heads."""
        size = handle.seek(0, 2) - len(head) - len(tail)
        handle.seek(len(head))
        try:
            text = handle.read(size).decode("utf-8")
        except ValueError:
            return None
        first = _FIRST.match(text)
        if first is None:
            return None
        names = [first.group(1)]
        starts = [0]
        for match in _NEXT.finditer(text):
            names.append(match.group(1))
            starts.append(match.start(1) - 5)
        if text.count(BETWEEN) != len(names) - 1:
            return None  # a row whose head was not found: a name with an escape, a hand edit
        ends = [start - 2 for start in starts[1:]] + [len(text)]
        if not (all("/" in name for name in names)  # target names have a slash; fields not
                and all(a < b for a, b in zip(names, names[1:], strict=False))
                and all(text.startswith(BLOCK_END, end - len(BLOCK_END)) for end in ends)):
            return None
        return cls(text, names, starts, ends)

    def take(self, names: Iterable[str]) -> dict[str, str]:
        """The text of each row of ``names`` still pending, which is pending no more."""
        found: dict[str, str] = {}
        for name in names:
            index = self.pending.pop(name, None)
            if index is not None:
                found[name] = self.text[self._starts[index]:self._ends[index]]
                self._taken.append(index)
        if found:
            self._taken.sort()
        return found

    def holding(self, needles: Iterable[str]) -> set[str]:
        """The pending rows whose text holds one of ``needles``."""
        found: set[str] = set()
        for needle in needles:
            at = self.text.find(needle)
            while at >= 0:
                index = bisect_right(self._starts, at) - 1
                if self.names[index] in self.pending:
                    found.add(self.names[index])
                at = self.text.find(needle, self._ends[index])  # the next row
        return found

    def pieces(self, parsed: list[tuple[str, str]]) -> list[str]:
        """The blocks of the file's text: the pending rows as runs of the text read, and the
        ``parsed`` ones (name, text), sorted by name, each in its place among them."""
        out: list[str] = []
        cursor = 0
        for name, block in parsed:
            at = bisect_left(self.names, name)
            self._runs(cursor, at, out)
            out.append(block)
            cursor = at + 1 if at < len(self.names) and self.names[at] == name else at
        self._runs(cursor, len(self.names), out)
        return out

    def _runs(self, first: int, stop: int, out: list[str]) -> None:
        """Append the pending rows from index ``first`` up to ``stop``, a run of text each
        between rows taken."""
        taken = self._taken
        k = bisect_left(taken, first)
        while first < stop:
            end = taken[k] if k < len(taken) and taken[k] < stop else stop
            if first < end:
                out.append(self.text[self._starts[first]:self._ends[end - 1]])
            first = end + 1 if end < stop else stop
            k += 1
