"""The persona builder's own format: Character.AI's labelled fields, one a line
(``Name:``, ``Short Description:``, ``Greeting:``, ``Long Description:``, ``Suggested
Starters:`` with a list under it, ``Categories:``, ``Definition:`` with example dialogs).

A persona with at least two of these labels is read field by field (a field runs until
the next label); anything else is read as Markdown by heading. Either way the
``{{char}}`` and ``{{user}}`` placeholders of example dialogs are removed.
"""

from __future__ import annotations

import re

from facebuild.personas.markdown import plain, sections

LABELS = ("Name", "Short Description", "Greeting", "Long Description", "Suggested Starters",
          "Categories", "Definition")
_CANONICAL = {label.lower(): label for label in LABELS}
_LABEL = re.compile(
    r"^\s{0,3}(?:#{1,6}\s*)?[*_]{0,2}\s*(" + "|".join(re.escape(label) for label in LABELS)
    + r")\s*[*_]{0,2}\s*:\s*[*_]{0,2}\s*(.*)$", re.I)
_PLACEHOLDER = re.compile(r"\{\{\s*(?:char|user)\s*\}\}\s*:?\s*", re.I)


def without_placeholders(text: str) -> str:
    """``{{char}}: Hello {{user}}!`` -> ``Hello !``: the placeholders and the colon of a
    dialog line go, the words stay."""
    return _PLACEHOLDER.sub("", text)


def labelled(text: str) -> dict[str, str] | None:
    """Field -> plain text when ``text`` is in the builder's format, else None."""
    found: dict[str, list[str]] = {}
    current: str | None = None
    for line in text.splitlines():
        match = _LABEL.match(line)
        if match:
            current = _CANONICAL[match.group(1).lower()]
            found.setdefault(current, [])
            if match.group(2).strip():
                found[current].append(match.group(2))
        elif current is not None:
            found[current].append(line)
    if len(found) < 2:
        return None
    return {label: plain(lines) for label, lines in found.items()}


def persona_sections(text: str) -> dict[str, str]:
    """The sections of a persona: its labelled fields, or its Markdown sections."""
    clean = without_placeholders(text)
    return labelled(clean) or sections(clean)
