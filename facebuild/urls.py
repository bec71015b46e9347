"""Mask what must never be shown: the user-info of a URL (``http://admin:pw@host``) and
secret-looking values in a command line, before a URL or an argv reaches a message, a
log or a file of facebuild's state."""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit, urlunsplit

MASK = "***"
_USERINFO = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<info>[^/@\s?#]*)@")
_SECRET_FLAG = re.compile(r"^--?[\w-]*(?:password|passwd|secret|token|api-key|apikey|key)[\w-]*$",
                          re.IGNORECASE)
_SECRET_ASSIGN = re.compile(
    r"(?P<name>[\w-]*(?:password|passwd|secret|token|api[-_]?key)[\w-]*)=(?P<value>\S+)",
    re.IGNORECASE)


def mask_url(url: str) -> str:
    """``url`` with any user name and password replaced by ``***``; other text as is."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return mask_text(url)
    if "@" not in parts.netloc:
        return mask_text(url)
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{MASK}@{host}"))


def mask_text(text: str) -> str:
    """Every URL's user-info in free text masked (``scheme://user:pw@`` -> ``scheme://***@``)."""
    return _USERINFO.sub(lambda m: f"{m['scheme']}{MASK}@", text)


def mask_argv(argv: Iterable[str]) -> list[str]:
    """A command line fit for a log: user-info in URLs, the value after a secret-looking
    flag (``--token X``), and ``name=value`` pairs with a secret-looking name, masked."""
    masked: list[str] = []
    hide_next = False
    for arg in argv:
        if hide_next:
            masked.append(MASK)
            hide_next = False
            continue
        name, eq, _value = arg.partition("=")
        if _SECRET_FLAG.match(name):
            if eq:
                masked.append(f"{name}={MASK}")
            else:
                masked.append(arg)
                hide_next = True
            continue
        arg = _SECRET_ASSIGN.sub(lambda m: f"{m['name']}={MASK}", arg)
        masked.append(mask_text(arg))
    return masked
