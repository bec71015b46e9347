"""Find every hit in a text, mask it, and replace it in the original string.

A scan builds the normalised views once, runs the detectors that cheap tests (``gates``)
say can match, and keeps the first claim on each span. Masks are pure functions
of what was matched, so the same input always gives the same output.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

from facebuild.privacy import secrets
from facebuild.privacy.gates import may_hold_secret, personal_kinds
from facebuild.privacy.normalise import nfkc
from facebuild.privacy.texts import Detector, Found, Texts, matches

SECRET_KINDS = frozenset(kind for kind, _ in secrets.SECRETS)
@dataclass(frozen=True)
class Hit:
    """One piece of personal data or one secret in a text. ``value`` is for locating it in
    the source files only: never print it, print ``mask``."""

    kind: str
    start: int
    end: int
    value: str
    mask: str


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def mask(kind: str, value: str) -> str:
    """A rendition that says what was found without showing it; ``value`` is the matched
    text as normalised. A secret shows nothing of itself."""
    digits = _digits(value)
    if kind == "e-mail address":
        return f"{value[0].lower()}***@***.{value.rsplit('.', 1)[-1].lower()}"
    if kind == "payment card number":
        return f"**** **** **** {digits[-4:]}"
    if kind == "US social security number":
        return f"***-**-{digits[-4:]}"
    if kind == "IBAN":
        return f"{value[:2].upper()}** **** ... {digits[-2:]}"
    if kind == "phone number":
        return f"{'+' if value.startswith('+') else ''}*** *** **{digits[-2:]}"
    if kind == "deny-list term":
        return f"{value[0]}***"
    return f"[{kind}]"


def _deny(deny: Sequence[str]) -> Detector:
    terms = "|".join(re.escape(nfkc(t).text) for t in sorted(deny, key=len, reverse=True))
    pattern = re.compile(rf"(?<!\w)(?:{terms})(?!\w)", re.I)

    def terms_in(texts: Texts) -> Iterator[Found]:
        return matches(pattern, texts.view)
    return terms_in


def _detectors(texts: Texts, deny: Sequence[str], personal: bool) -> list[tuple[str, Detector]]:
    text = texts.view.text
    low = text.lower()
    chosen = list(secrets.SECRETS) if may_hold_secret(text, low) else []
    if not personal:
        return chosen
    if deny:
        chosen.append(("deny-list term", _deny(deny)))
    worth = personal_kinds(text, low)
    if not worth:
        return chosen
    from facebuild.privacy import detectors  # its patterns compiled for the first text that needs one

    return chosen + [(kind, find) for kind, find in detectors.PERSONAL if kind in worth]


def scan(text: str, deny: Sequence[str] = (), personal: bool = True) -> list[Hit]:
    """Every hit in ``text``, in order; a span claimed by an earlier kind (secrets, the
    deny-list, IBAN before card before SSN ...) is not reported again. With ``personal``
    False, only secrets are looked for."""
    texts = Texts(text)
    found: list[Hit] = []
    starts: list[int] = []  # the claimed spans, sorted and disjoint
    ends: list[int] = []
    for kind, find in _detectors(texts, deny, personal):
        for start, end, value in find(texts):
            at = bisect.bisect_left(ends, start + 1)  # the first claimed span ending after start
            if at < len(starts) and starts[at] < end:
                continue
            starts.insert(at, start)
            ends.insert(at, end)
            found.append(Hit(kind, start, end, text[start:end], mask(kind, value)))
    return sorted(found, key=lambda hit: hit.start)


@lru_cache(maxsize=4096)
def cached_scan(text: str, deny: tuple[str, ...], personal: bool = True) -> tuple[Hit, ...]:
    return tuple(scan(text, deny, personal))


def replace(text: str, hits: Iterable[Hit], placeholder: str | None) -> str:
    """``text`` with each hit replaced by ``placeholder``, or by its mask when None."""
    pieces: list[str] = []
    done = 0
    for hit in sorted(hits, key=lambda h: h.start):
        pieces += (text[done:hit.start], placeholder or hit.mask)
        done = hit.end
    pieces.append(text[done:])
    return "".join(pieces)


def masked(text: str, deny: Sequence[str] = ()) -> str:
    """``text`` with every piece of personal data and every secret replaced by its mask:
    for a string that reaches a path, a label or a message."""
    return replace(text, cached_scan(text, tuple(deny)), None)
