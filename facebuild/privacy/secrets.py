"""The detectors of secrets: AWS access key ids and secret access keys, private key blocks,
bearer tokens and passwords in URLs. A secret is always masked (its mask is its kind, never
a part of it), in every mode of the guard, ``off`` included.

As in ``detectors``, every pattern has bounded repetitions only.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from facebuild.privacy.texts import Detector, Found, Texts, found, matches

_A = re.ASCII
KEY_ID = re.compile(r"(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|ANPA|ANVA|APKA|AROA)"
                    r"[A-Z0-9]{16}(?![A-Za-z0-9])", _A)
SECRET_KEY = re.compile(r"(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])", _A)
_KEY_CONTEXT = re.compile(r"aws|secret", re.I)
_DIGITISH = frozenset("0123456789/+")
BEGIN = re.compile(r"-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----", _A)
END = re.compile(r"-----END [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----", _A)
_TOKEN = r"[A-Za-z0-9\-._~+/]{6,4096}={0,4}"
HEADER = re.compile(rf"authori[sz]ation[\"']?\s{{0,3}}[:=]\s{{0,3}}[\"']?(?:(?:bearer|basic|token|digest)"
                    rf"\s{{1,5}})?({_TOKEN})", re.I | _A)
BEARER = re.compile(rf"\bbearer\s{{1,5}}({_TOKEN})", re.I | _A)
JWT = re.compile(r"(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,2048}\.[A-Za-z0-9_-]{2,4096}\.[A-Za-z0-9_-]{0,4096}",
                 _A)
URL_USER = re.compile(r"\b[a-z][a-z0-9+.-]{0,30}://([^\s/?#@:]{0,256}:[^\s/?#@]{1,256})@", re.I | _A)


def private_keys(texts: Texts) -> Iterator[Found]:
    """A ``-----BEGIN … PRIVATE KEY-----`` block up to its END line (or the end of the text)."""
    text, pos = texts.view.text, 0
    while (begin := BEGIN.search(text, pos)) is not None:
        end = END.search(text, begin.end())
        pos = end.end() if end is not None else len(text)
        yield found(texts.view, begin.start(), pos)


def key_ids(texts: Texts) -> Iterator[Found]:
    return matches(KEY_ID, texts.view)


def secret_keys(texts: Texts) -> Iterator[Found]:
    """40 characters of base64 with both cases and a digit, ``/`` or ``+``, within 100
    characters after "aws" or "secret" (``aws_secret_access_key = …``)."""
    text = texts.view.text
    for match in SECRET_KEY.finditer(text):
        value = match.group(0)
        mixed = value.lower() != value and value.upper() != value and any(c in _DIGITISH for c in value)
        if mixed and _KEY_CONTEXT.search(text, max(0, match.start() - 100), match.start()):
            yield found(texts.view, match.start(), match.end())


def bearer_tokens(texts: Texts) -> Iterator[Found]:
    """The token of an ``Authorization:`` header, of ``Bearer <token>`` (16 characters or
    more, one a digit: "a flag bearer standing" is no token), and any JSON web token."""
    for start, end, value in matches(HEADER, texts.view, 1):
        if len(value) >= 20 or (len(value) >= 8 and any(c.isdigit() for c in value)):
            yield start, end, value
    for start, end, value in matches(BEARER, texts.view, 1):
        if len(value) >= 16 and any(c.isdigit() for c in value):
            yield start, end, value
    yield from matches(JWT, texts.view)


def url_passwords(texts: Texts) -> Iterator[Found]:
    """The ``user:password`` of ``scheme://user:password@host``."""
    return matches(URL_USER, texts.view, 1)


SECRETS: tuple[tuple[str, Detector], ...] = (
    ("private key", private_keys),
    ("AWS access key id", key_ids),
    ("AWS secret access key", secret_keys),
    ("bearer token", bearer_tokens),
    ("password in URL", url_passwords),
)
