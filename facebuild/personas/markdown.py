"""Persona Markdown: the text as written, and its sections by heading as plain sentences,
so that a template can pick the parts that describe appearance or setting."""

from __future__ import annotations

import re

INTRO = "intro"
"""The section name of the text before the first heading."""

_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$")
_BOLD_HEADING = re.compile(r"^\s*\*\*([^*\n]{2,60}?):?\*\*:?\s*(.*)$")
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MARKERS = re.compile(r"^\s*(?:>\s*)*(?:[-*+]\s+|\d{1,3}[.)]\s+)?")
_EMPHASIS = re.compile(r"(\*\*|__|\*|`+)")
_RULE = re.compile(r"^\s*(?:[-*_]\s*){3,}$")


def sections(text: str) -> dict[str, str]:
    """Heading -> plain-text body, in document order. ``#`` headings of any level and
    bold-only lines (``**Appearance:**``) start a section; text before the first heading
    is ``intro``; a repeated heading gets `` (2)``. In a document without ``#`` headings,
    a line that starts with a bold label (``**Setting:** a kitchen``) starts one too."""
    lines = text.splitlines()
    labels = not any(_HEADING.match(line) for line in lines)
    found: dict[str, list[str]] = {}
    current = INTRO
    found[current] = []
    for line in lines:
        heading = _HEADING.match(line)
        bold = None if heading else _BOLD_HEADING.match(line)
        if bold and bold.group(2).strip() and not labels:
            bold = None
        if heading or bold:
            name = plain_line((heading or bold).group(1)).rstrip(":. ")  # type: ignore[union-attr]
            current = _unique(name or "section", found)
            found[current] = []
            if bold and bold.group(2).strip():
                found[current].append(bold.group(2))
        else:
            found[current].append(line)
    result = {name: plain(lines) for name, lines in found.items()}
    if not result[INTRO]:
        del result[INTRO]
    return result


def _unique(name: str, taken: dict[str, list[str]]) -> str:
    candidate, number = name, 1
    while candidate in taken:
        number += 1
        candidate = f"{name} ({number})"
    return candidate


def plain_line(line: str) -> str:
    """One Markdown line as plain text: no bullets, emphasis, links or table bars."""
    if _RULE.match(line):
        return ""
    line = _LINK.sub(r"\1", _MARKERS.sub("", line, count=1))
    line = _EMPHASIS.sub("", line).replace("|", ", ")
    return re.sub(r"\s+,", ",", re.sub(r"\s+", " ", line)).strip(" ,")


def plain(lines: list[str]) -> str:
    """Lines as sentences: each non-empty line ends with a full stop, joined by spaces."""
    sentences = []
    for line in lines:
        text = plain_line(line)
        if text:
            sentences.append(text if text[-1] in ".!?;:" else text + ".")
    return " ".join(sentences)
