"""Cheap tests that say which detectors can match a text at all, so that the prompts of a
10,000-target plan cost little: substring tests on the lower-cased text first, then short
case-sensitive patterns only where a substring was found."""

from __future__ import annotations

import re

_STREET_WORDS = (" street", " st.", " avenue", " ave", " road", " rd.", " boulevard", " blvd",
                 " lane", " terrace", " crescent", " highway", " hwy", " way", " drive", " dr.",
                 " place", " pl.", " court", " ct.", " close", " square", " row", " parkway",
                 "straße", "strasse", "weg ", "gasse", "platz", "allee", "rue ", "chemin")
_STREET_WORD = re.compile("|".join(re.escape(w) for w in _STREET_WORDS))
# a number and a word after it ("221b baker street", "5 rue de"), or "straße 5"
_NUMBER_WORD = re.compile(r"\d[a-z]?,?\s{1,3}[a-z][a-z'-]{1,30}\s|(?:ße|sse|weg|gasse|platz|allee)\s{1,3}\d")
_BIRTH_WORD = re.compile(r"born|birth|dob|d\.o\.b|b\.")
_DIGIT = re.compile(r"\d")
# 8 digits or more, with up to 3 other characters between them: every phone number
LONG_NUMBER = re.compile(r"\d(?:[^\w\n]{0,3}\d){7}", re.ASCII)
_CHECK_DIGITS = re.compile(r"\d\d(?:[ -]?[a-z0-9]){10}", re.ASCII)  # of an IBAN, and 10 more
_DOTTED = re.compile(r"\d\.\d")
_HEX_COLON = re.compile(r"[0-9a-f]:[0-9a-f:]")
_KEY_ID = re.compile(r"A[BCGIKNPRS][A-Z]A[A-Z0-9]{16}", re.ASCII)


def spelled_out(low: str) -> bool:
    """Whether ``low`` may hold a spelled-out or bracketed at or dot."""
    return "dot" in low or "period" in low or ("at" in low and (
        "(" in low or "[" in low or "{" in low or "<" in low))


def personal_kinds(text: str, low: str) -> set[str]:
    """The kinds of personal data whose detector can match ``text`` (``low`` is it lower-cased)."""
    kinds: set[str] = set()
    digit = _DIGIT.search(text) is not None
    if "@" in text or spelled_out(low):
        kinds.add("e-mail address")
    if not digit:  # every other kind has a digit
        return kinds
    if LONG_NUMBER.search(text):
        kinds |= {"payment card number", "US social security number", "phone number"}
    if _CHECK_DIGITS.search(low):
        kinds.add("IBAN")
    if _BIRTH_WORD.search(low):
        kinds.add("date of birth")
    if _DOTTED.search(text) or (text.count(":") > 1 and _HEX_COLON.search(low)):
        kinds.add("IP address")
    if _NUMBER_WORD.search(low) and _STREET_WORD.search(low):
        kinds.add("street address")
    return kinds


def may_hold_secret(text: str, low: str) -> bool:
    """Whether a secret detector can match ``text``."""
    return ("secret" in low or "bearer" in low or "://" in low or "authori" in low or "eyj" in low
            or "-----begin" in low or _KEY_ID.search(text) is not None)
