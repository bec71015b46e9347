"""The detectors of personal data. Each reads the normalised views of a text and yields the
spans it is sure of; well-kept libraries decide the hard parts: ``phonenumbers`` finds
phone numbers in any national format, ``python-stdnum`` checks IBANs, Luhn card numbers
and US social security numbers. Both are imported by the detector that needs them, only
when a text has a candidate (stdnum takes 9 ms to import, phonenumbers 20 ms).

Every pattern here has bounded repetitions only (a test walks them all), so each starting
position costs a bounded amount of work and a scan is linear in the text.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator
from functools import lru_cache

from facebuild.privacy.gates import LONG_NUMBER
from facebuild.privacy.normalise import nfkc
from facebuild.privacy.texts import Detector, Found, Texts, found, matches

_A = re.ASCII
_MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
          r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)")
_YEAR = r"(?:19|20)\d{2}"
DATE = re.compile(
    rf"(?<![\d.])(?:\d{{1,2}}[./-]\d{{1,2}}[./-]{_YEAR}|{_YEAR}-\d{{1,2}}-\d{{1,2}}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s{{1,3}}(?:of\s{{1,3}})?{_MONTH}\b\.?(?:,?\s{{1,3}}{_YEAR})?"
    rf"|{_MONTH}\b\.?\s{{1,3}}\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s{{1,3}}{_YEAR})?)(?![\d.]\d)", re.I | _A)
BIRTH = re.compile(r"\b(?:born|birth|birthday|dob|d\.o\.b|b\.)\W", re.I)
_SENTENCE = re.compile(r"[.!?]\s{1,5}(?=[A-Z])")
_STREET = (r"street|st\.|avenue|ave\.?|road|rd\.|boulevard|blvd\.?|lane|terrace|crescent"
           r"|highway|hwy\.?")
_STREET_CAPS = r"Way|Drive|Dr\.|Place|Pl\.|Court|Ct\.|Close|Square|Row|Parkway"
_NAME = (r"(?!(?i:the|a|an|of|on|in|to|down|up|along|across|my|our|your|his|her|their|this|that"
         r"|from|and|or|at|by|for|with|miles?|km|hours?|minutes?|days?|years?|times?|blocks?)\b)")
STREET = re.compile(
    rf"\b\d{{1,5}}[a-zA-Z]?,?\s{{1,3}}(?:{_NAME}(?i:[a-z][a-z'-]{{1,30}})\s{{1,3}}){{1,3}}(?i:{_STREET})(?!\w)"
    rf"|\b\d{{1,5}}[a-zA-Z]?,?\s{{1,3}}(?:[A-Z][a-z'-]{{1,30}}\s{{1,3}}){{1,3}}(?:{_STREET_CAPS})(?!\w)"
    r"|\b[A-Z][a-zäöüß]{1,30}(?:straße|strasse|weg|gasse|platz|allee)\s{1,3}\d{1,4}[a-z]?\b"
    r"|\b\d{1,4}(?:\s?(?:bis|ter))?,?\s{1,3}(?:rue|avenue|boulevard|place|chemin|allée)\s{1,3}\w{1,30}", re.I)
IP = re.compile(
    r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?!\.?\d|\w)"
    r"|(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])", _A)
_GAP = re.compile(r"[ -]")
_BASE36 = {ord(c): str(ord(c) - 55) for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"}
IBAN = re.compile(r"(?<![a-z0-9])[a-z]{2}[ -]?\d{2}(?:[ -]?[a-z0-9]){10,30}", re.I | _A)
CARD = re.compile(r"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])", _A)
SSN = re.compile(r"(?<![\d-])\d{3}([- ])\d{2}\1\d{4}(?![\d-])"
                 r"|\b(?:ssn|social\s{1,3}security(?:\s{1,3}(?:number|no\.?|#))?|ss#)\W{0,5}(\d{9})(?!\d)",
                 re.I | _A)
# no look-behind: an over-long local part still has its last 64 characters (and the domain) masked
EMAIL = re.compile(r"[a-z0-9][a-z0-9._%+-]{0,63}@(?:[a-z0-9][a-z0-9-]{0,62}\.){1,8}"
                   r"[a-z]{2,24}(?![a-z0-9-])", re.I | _A)
_PLAIN_AT = re.compile(r"@|[\[({<]\s{0,2}at\s{0,2}[\])}>]", re.I)
_SPELLED_DOT = re.compile(r"\sdot\s|[\[({<]\s{0,2}(?:dot|period)\s{0,2}[\])}>]", re.I)
_TLDS = frozenset("com org net edu gov mil int info biz io co ai app dev me eu".split())
_SEED = re.compile(r"\bseeds?\s{0,2}[:=#]?\s{0,2}$", re.I)
_TRUNK = re.compile(r"(?<![^\s(\[])0\d", _A)  # a national number starts with 0: "020 7946 0958"
PHONE_REGIONS = ("US", "GB", "DE", "FR")  # US also finds every +<country code> number


def ibans(texts: Texts) -> Iterator[Found]:
    """IBANs in any case and spacing; the longest prefix of a candidate that is valid."""
    text, pos = texts.view.text, 0
    while (match := IBAN.search(text, pos)) is not None:
        gaps = [match.start() + gap.start() for gap in _GAP.finditer(match.group(0))]
        ends = [end for end in (*gaps, match.end()) if end - match.start() >= 15]
        end = next((end for end in reversed(ends) if _iban_at(text, match.start(), end)), None)
        if end is None:
            pos = match.start() + 1
            continue
        yield found(texts.view, match.start(), end)
        pos = end


def _iban_at(text: str, start: int, end: int) -> bool:
    """A valid IBAN at ``start:end``: the cheap mod-97 check first, then stdnum's."""
    if end < len(text) and text[end].isalnum():
        return False
    compact = text[start:end].upper().replace(" ", "").replace("-", "")
    if not 15 <= len(compact) <= 34 or int((compact[4:] + compact[:4]).translate(_BASE36)) % 97 != 1:
        return False
    return _valid_iban(compact)


@lru_cache(maxsize=1024)
def _valid_iban(compact: str) -> bool:
    """stdnum's check (country, structure), which is slow: a text repeating one candidate
    pays it once."""
    from stdnum import iban

    return iban.is_valid(compact)


def cards(texts: Texts) -> Iterator[Found]:
    from stdnum import luhn

    for hit in matches(CARD, texts.view):
        if luhn.is_valid(re.sub(r"\D", "", hit[2])):
            yield hit


def social_security(texts: Texts) -> Iterator[Found]:
    """``123-45-6789`` anywhere; nine digits in a row only after ``SSN`` or the like."""
    from stdnum.us import ssn

    for match in SSN.finditer(texts.view.text):
        group = 2 if match.group(2) else 0
        if ssn.is_valid(match.group(group)):
            yield found(texts.view, match.start(group), match.end(group))


def emails(texts: Texts) -> Iterator[Found]:
    """Addresses, also spelled out (``jane at example dot com``) or bracketed
    (``jane [at] example [dot] com``); a plain `` at `` counts only with a spelled-out dot
    and a common or two-letter top-level domain, so that "look at example.com" is not an
    address."""
    for start, end, value in matches(EMAIL, texts.spelled):
        written = nfkc(texts.original[start:end]).text
        tld = value.rsplit(".", 1)[-1].lower()
        if _PLAIN_AT.search(written) is None and (
                _SPELLED_DOT.search(written) is None or (tld not in _TLDS and len(tld) != 2)):
            continue
        yield start, end, value


def births(texts: Texts) -> Iterator[Found]:
    """A date with "born", "DOB" or "birthday" close to it, in the same sentence."""
    text = texts.view.text
    for match in DATE.finditer(text):
        before = _SENTENCE.split(text[max(0, match.start() - 40):match.start()])[-1]
        after = _SENTENCE.split(text[match.end():match.end() + 25])[0]
        if BIRTH.search(f"{before} {after} "):
            yield found(texts.view, match.start(), match.end())


def phones(texts: Texts) -> Iterator[Found]:
    """Phone numbers that are valid for their region (so sizes and years are not), and not
    right after "seed" (``seed 4294967295`` is a seed)."""
    import phonenumbers  # only for a text with 8 digits close together

    text = texts.view.text
    for first, last in _windows(text):
        window = text[first:last]
        regions = PHONE_REGIONS if _TRUNK.search(window) else PHONE_REGIONS[:1]
        tries = max(65535, len(window))  # each try takes a character or more: none is left unseen
        for region in regions:
            matcher = phonenumbers.PhoneNumberMatcher(window, region, leniency=phonenumbers.Leniency.VALID,
                                                      max_tries=tries)
            for match in matcher:
                start, end = first + match.start, first + match.end
                if _SEED.search(text, max(0, start - 12), start) is None:
                    yield found(texts.view, start, end)


def _windows(text: str) -> list[tuple[int, int]]:
    """The parts of ``text`` that can hold a phone number: 8 digits or more close together,
    with 30 characters on either side (a number is at most about 25), overlaps merged."""
    windows: list[tuple[int, int]] = []
    for match in LONG_NUMBER.finditer(text):
        first, last = max(0, match.start() - 30), min(len(text), match.end() + 30)
        if windows and first <= windows[-1][1]:
            windows[-1] = (windows[-1][0], last)
        else:
            windows.append((first, last))
    return windows


def addresses(texts: Texts) -> Iterator[Found]:
    for hit in matches(IP, texts.view):
        if _ip(hit[2]):
            yield hit


def _ip(text: str) -> bool:
    if ":" in text and len(re.sub(r"[^0-9A-Fa-f]", "", text)) < 3:
        return False
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def streets(texts: Texts) -> Iterator[Found]:
    return matches(STREET, texts.view)


# in order of precedence: a span claimed by an earlier kind is not reported again
PERSONAL: tuple[tuple[str, Detector], ...] = (
    ("IBAN", ibans),
    ("payment card number", cards),
    ("US social security number", social_security),
    ("e-mail address", emails),
    ("date of birth", births),
    ("phone number", phones),
    ("IP address", addresses),
    ("street address", streets),
)
