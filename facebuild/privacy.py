"""The privacy guard: every rendered prompt is scanned for personal data before its render
key is computed, so that nothing raw reaches a backend, the lock, a manifest, PNG
metadata, the console or a log.

``fail`` (the default) replaces each hit by a mask and blocks the target; ``redact``
replaces it by a neutral placeholder and builds; ``off`` checks nothing. A hit is shown
only masked (``j***@***.com``, ``***-**-6789``) or by its kind, never as matched.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from facebuild.errors import CastError, Location

if TYPE_CHECKING:
    from facebuild.cast import Cast
    from facebuild.model import Character

PLACEHOLDER = "[redacted]"
_MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
          r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)")
_YEAR = r"(?:19|20)\d{2}"
_DATE = re.compile(
    rf"(?<![\d.])(?:\d{{1,2}}[./-]\d{{1,2}}[./-]{_YEAR}|{_YEAR}-\d{{1,2}}-\d{{1,2}}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}\b\.?(?:,?\s+{_YEAR})?"
    rf"|{_MONTH}\b\.?\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+{_YEAR})?)(?![\d.]\d)", re.I)
_BIRTH = re.compile(r"\b(?:born|birth|birthday|dob|d\.o\.b|b\.)\W", re.I)
_STREET = (r"street|st\.|avenue|ave\.?|road|rd\.|boulevard|blvd\.?|lane|terrace|crescent"
           r"|highway|hwy\.?")
_STREET_CAPS = r"Way|Drive|Dr\.|Place|Pl\.|Court|Ct\.|Close|Square|Row|Parkway"
_NAME = (r"(?!(?i:the|a|an|of|on|in|to|down|up|along|across|my|our|your|his|her|their|this|that"
         r"|from|and|or|at|by|for|with|miles?|km|hours?|minutes?|days?|years?|times?|blocks?)\b)")
_PATTERNS: dict[str, re.Pattern[str]] = {
    "IBAN": re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b"),
    "payment card number": re.compile(r"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])"),
    "US social security number": re.compile(
        r"(?<![\d-])(?!000|666|9\d\d)\d{3}([- ])(?!00)\d{2}\1(?!0000)\d{4}(?![\d-])"),
    "e-mail address": re.compile(
        r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b"
        r"|\b[a-z0-9._-]+ at [a-z0-9-]+ dot (?:com|org|net|edu|gov|io|co|uk|de|fr)\b", re.I),
    "date of birth": _DATE,
    "phone number": re.compile(
        r"(?<![\w+])\+\d{1,3}(?:[ .-]?\(?\d{1,5}\)?){2,6}(?!\w)"
        r"|(?<![\w(])(?:1[ .-])?(?:\(\d{3}\) ?|\d{3}[ .-])\d{3}[ .-]\d{4}(?!\w)"
        r"|(?<![\w.])0[1-9]\d{0,3}(?:[ .-]?\d{2,4}){2,4}(?![\w])"),
    "IP address": re.compile(
        r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?!\.?\d|\w)"
        r"|(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])"),
    "street address": re.compile(
        rf"\b\d{{1,5}}[a-z]?,?\s+(?:{_NAME}[A-Za-z][a-z'-]+\s+){{1,3}}(?i:{_STREET})(?!\w)"
        rf"|\b\d{{1,5}}[a-z]?,?\s+(?:[A-Z][a-z'-]+\s+){{1,3}}(?:{_STREET_CAPS})(?!\w)"
        r"|\b[A-Z][a-zäöüß]+(?:straße|strasse|weg|gasse|platz|allee)\s+\d{1,4}[a-z]?\b"
        r"|\b\d{1,4}(?:\s?(?:bis|ter))?,?\s+(?:rue|avenue|boulevard|place|chemin|allée)\s+\w+"),
}


_QUICK = re.compile(r"[0-9@]| dot ")
_STREET_WORDS = (" street", " st.", " avenue", " ave", " road", " rd.", " boulevard", " blvd",
                 " lane", " terrace", " crescent", " highway", " hwy", " way", " drive", " dr.",
                 " place", " pl.", " court", " ct.", " close", " square", " row", " parkway",
                 "straße", "strasse", "weg ", "gasse", "platz", "allee", "rue ", "chemin")
_STREET_WORD = re.compile("|".join(re.escape(w) for w in _STREET_WORDS))
_BIRTH_WORD = re.compile(r"born|birth|dob|d\.o\.b|b\.")
_LONG_NUMBER = re.compile(r"\d(?:[ ().-]{0,2}\d){7}")
_DOTTED = re.compile(r"\d\.\d")
_HEX_COLON = re.compile(r"[0-9A-Fa-f]:[0-9A-Fa-f:]")
_COUNTRY = re.compile(r"[A-Z]{2}\d\d")


def _worth(text: str) -> set[str]:
    """The kinds whose (slower) pattern can match ``text``: cheap tests first."""
    low = text.lower()
    kinds = set()
    if _LONG_NUMBER.search(text):  # 8 digits or more, with separators
        kinds |= {"payment card number", "US social security number", "phone number"}
    if _COUNTRY.search(text):
        kinds.add("IBAN")
    if "@" in text or " dot " in text:
        kinds.add("e-mail address")
    if _BIRTH_WORD.search(low):
        kinds.add("date of birth")
    if _DOTTED.search(text) or (text.count(":") > 1 and _HEX_COLON.search(text)):
        kinds.add("IP address")
    if _STREET_WORD.search(low):
        kinds.add("street address")
    return kinds


@dataclass(frozen=True)
class Hit:
    """One piece of personal data in a text. ``value`` is for locating it in the source
    files only: never print it, print ``mask``."""

    kind: str
    start: int
    end: int
    value: str
    mask: str


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def _luhn(number: str) -> bool:
    total = 0
    for i, char in enumerate(reversed(number)):
        value = int(char) * (2 if i % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def _iban(text: str) -> bool:
    compact = text.replace(" ", "")
    if not 15 <= len(compact) <= 34:
        return False
    moved = compact[4:] + compact[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


def _ip(text: str) -> bool:
    if ":" in text and len(re.sub(r"[^0-9A-Fa-f]", "", text)) < 3:
        return False
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _phone(text: str) -> bool:
    count = len(_digits(text))
    if text.startswith("+"):
        return 8 <= count <= 15
    return 9 <= count <= 12 and not re.fullmatch(r"\d{2}[./-]\d{2}[./-]\d{4}", text)


def _birth_context(text: str, start: int, end: int) -> bool:
    """"born", "DOB" or "birthday" close to the date, in the same sentence."""
    before = re.split(r"[.!?]\s+(?=[A-Z])", text[max(0, start - 40):start])[-1]
    after = re.split(r"[.!?]\s+(?=[A-Z])", text[end:end + 25])[0]
    return bool(_BIRTH.search(f"{before} {after} "))


_VALID: dict[str, Callable[[str], bool]] = {
    "IBAN": _iban,
    "payment card number": lambda v: 13 <= len(_digits(v)) <= 19 and _luhn(_digits(v)),
    "phone number": _phone,
    "IP address": _ip,
}


def mask(kind: str, value: str) -> str:
    """A rendition that says what was found without showing it."""
    digits = _digits(value)
    if kind == "e-mail address":
        tld = re.split(r"[. ]", value.strip())[-1]
        return f"{value[0]}***@***.{tld}"
    if kind == "payment card number":
        return f"**** **** **** {digits[-4:]}"
    if kind == "US social security number":
        return f"***-**-{digits[-4:]}"
    if kind == "IBAN":
        return f"{value[:2]}** **** ... {digits[-2:]}"
    if kind == "phone number":
        return f"{'+' if value.startswith('+') else ''}*** *** **{digits[-2:]}"
    if kind == "deny-list term":
        return f"{value[0]}***"
    return f"[{kind}]"


@lru_cache(maxsize=4096)
def _scan(text: str, deny: tuple[str, ...]) -> tuple[Hit, ...]:
    return tuple(scan(text, deny))


def scan(text: str, deny: Sequence[str] = ()) -> list[Hit]:
    """Every hit in ``text``, in order; a span claimed by an earlier kind (IBAN before card
    before SSN ...) is not reported again."""
    found: list[Hit] = []
    # every built-in kind needs a digit, an '@' or a spelled-out " dot "
    quick = _QUICK.search(text) is None
    worth = set() if quick else _worth(text)
    patterns = [(kind, pattern) for kind, pattern in _PATTERNS.items() if kind in worth]
    if deny:
        terms = "|".join(re.escape(t) for t in sorted(deny, key=len, reverse=True))
        patterns.insert(0, ("deny-list term", re.compile(rf"(?<!\w)(?:{terms})(?!\w)", re.I)))
    for kind, pattern in patterns:
        for match in pattern.finditer(text):
            start, end, value = match.start(), match.end(), match.group(0)
            check = _VALID.get(kind)
            if check is not None and not check(value):
                continue
            if kind == "date of birth" and not _birth_context(text, start, end):
                continue
            if any(start < hit.end and hit.start < end for hit in found):
                continue
            found.append(Hit(kind, start, end, value, mask(kind, value)))
    return sorted(found, key=lambda hit: hit.start)


def replace(text: str, hits: Iterable[Hit], placeholder: str | None) -> str:
    """``text`` with each hit replaced by ``placeholder``, or by its mask when None."""
    for hit in sorted(hits, key=lambda h: h.start, reverse=True):
        text = text[:hit.start] + (placeholder or hit.mask) + text[hit.end:]
    return text


@dataclass(frozen=True)
class Guard:
    """The privacy settings of one cast: ``mode`` and the deny-list terms."""

    mode: str = "fail"
    deny: tuple[str, ...] = ()

    def check(self, text: str, origins: Sequence[tuple[str, Path]] = ()) -> tuple[str, list[str]]:
        """The text to use, and a description of each hit (kind, mask, where it came
        from); no description is returned in redact mode, which builds."""
        if self.mode == "off" or not text:
            return text, []
        hits = _scan(text, self.deny)
        if not hits:
            return text, []
        if self.mode == "redact":
            return replace(text, hits, PLACEHOLDER), []
        return replace(text, hits, None), [describe(hit, origins) for hit in hits]


def describe(hit: Hit, origins: Sequence[tuple[str, Path]]) -> str:
    """``e-mail address j***@***.com from persona characters/a/persona.md:12``."""
    shown = hit.mask if hit.mask != f"[{hit.kind}]" else ""
    text = f"{hit.kind} {shown}".strip()
    where = locate(hit.value, origins)
    return f"{text} from {where}" if where else f"{text} in the rendered prompt"


def locate(value: str, origins: Sequence[tuple[str, Path]]) -> str | None:
    """``<kind> <file>:<line>`` of the first origin file holding ``value``."""
    flexible = re.compile(r"\s+".join(re.escape(part) for part in value.split()), re.I)
    for kind, path in origins:
        try:
            content = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        found = flexible.search(content)
        if found is not None:
            line = content.count("\n", 0, found.start()) + 1
            return f"{kind} {Location(path, line)}"
    return None


def read_deny(path: Path) -> tuple[str, ...]:
    """Terms one a line; blank lines and ``#`` comments skipped."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise CastError(f"cannot read the deny-list: {exc.strerror or exc}", key="privacy.deny",
                        location=Location(path)) from None
    return tuple(t for t in (line.strip() for line in lines) if t and not t.startswith("#"))


@lru_cache(maxsize=8)
def _cached_guard(mode: str, deny: str | None, stamp: tuple[int, int]) -> Guard:
    return Guard(mode, read_deny(Path(deny)) if deny else ())


def guard_for(mode: str, deny: Path | None) -> Guard:
    """The guard of a cast, cached while the deny-list file does not move."""
    stamp = (0, 0)
    if deny is not None and deny.exists():
        stat = deny.stat()
        stamp = (stat.st_mtime_ns, stat.st_size)
    return _cached_guard(mode, str(deny) if deny else None, stamp)


def blocked_reason(findings: Sequence[str]) -> str:
    """The one line a blocked target fails with."""
    shown = "; ".join(findings[:3]) + (f"; and {len(findings) - 3} more" if len(findings) > 3 else "")
    return (f"blocked by the privacy guard: {shown}; nothing was generated "
            "(remove it from the source, or set privacy: {mode: redact} / --redact)")


def guard_prompts(cast: Cast, character: Character, prompt: str,
                  negative: str) -> tuple[str, str, str | None]:
    """The checked prompt and negative prompt of one render, and why it is blocked (None
    when it may be built). Hits are looked up in the character's source files (a persona,
    transcripts) and the cast's own files to say where they came from."""
    settings = cast.spec.privacy
    guard = guard_for(settings.mode, cast.base_dir / settings.deny if settings.deny else None)
    files = (character.model_extra or {}).get("source_files") or []
    origins = [(str(kind), Path(path)) for kind, path in files]
    origins += [("cast file", path) for path in cast.sources]
    prompt, found = guard.check(prompt, origins)
    negative, more = guard.check(negative, origins)
    found += more
    return prompt, negative, blocked_reason(found) if found else None
