"""The rows of dist/index.html that a build may take over from the page already there.

Making the 2,500 rows of a 10,000-target cast costs 90 ms; a build that changed one
character needs one new row. The page carries a key per row after them
(``<!--rows:KEY KEY ...-->``, a digest of what the row shows), and a row whose key is
still the same is taken from the page as it is.

The page in dist is anyone's file, so its rows are taken over only when it is the very
file facebuild last wrote there: right after writing it, its device, inode, size, mtime and
ctime are recorded in .facebuild/gallery.json. A page put there any other way (edited by
hand, checked out, extracted from an archive or a restored cache) has an inode and a ctime
no one can choose, so it is made anew: tampering with dist or .facebuild costs time,
never lets in a row facebuild did not make (short of a program running on this machine
between two builds, which could as well write dist itself).
"""

from __future__ import annotations

import json
import stat
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from facebuild.atomic import write_atomic

RECORD = "gallery.json"
"""In the state folder: the signature of the page facebuild last wrote."""

_MAIN, _END, _CLOSE = "<main>\n", "\n</main><!--rows:", "-->"
_ROW_END = "</section>"
"""How every row ends; escaped text holds no '<', so it ends nothing else."""


class KnownPage(NamedTuple):
    text: str
    rows: dict[str, str]
    """Each row of the page by its key."""


def page_body(rows: list[str], keys: list[str]) -> str:
    """The rows of the page between ``<main>`` and ``</main>``, and their keys after."""
    return _MAIN + "\n".join(rows) + _END + " ".join(keys) + _CLOSE


def known_page(page: Path, state: Path) -> KnownPage | None:
    """The page at ``page`` and its rows, when it is the file facebuild last wrote there
    (see the module's docstring); else None."""
    signature = _signature(page)
    if signature is None or signature != _recorded(state):
        return None
    try:
        text = page.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    start, end = text.find(_MAIN), text.rfind(_END)
    close = text.find(_CLOSE, end + len(_END))
    if start < 0 or end < start or close < 0:
        return None
    keys = text[end + len(_END):close].split()
    parts = (text[start + len(_MAIN):end] + "\n").split(_ROW_END + "\n") if keys else [""]
    if parts[-1] != "" or len(parts) != len(keys) + 1:
        return None
    return KnownPage(text, {key: part + _ROW_END for key, part in zip(keys, parts, strict=False)})


def remember(page: Path, state: Path) -> None:
    """Record the signature of ``page``, which facebuild has just written (or found to hold
    exactly what it would write). Only an optimisation: a failure is ignored."""
    signature = _signature(page)
    if signature is None or signature == _recorded(state):
        return
    try:
        write_atomic(state / RECORD, json.dumps({"page": signature}).encode())
    except OSError:
        pass


def _signature(path: Path) -> list[int] | None:
    try:
        status = path.lstat()
    except OSError:
        return None
    if not stat.S_ISREG(status.st_mode):
        return None
    return [status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns, status.st_ctime_ns]


def _recorded(state: Path) -> list[int] | None:
    path = state / RECORD
    try:
        status = path.lstat()
        if not stat.S_ISREG(status.st_mode) or status.st_size > 4096:
            return None
        signature = json.loads(path.read_bytes()).get("page")
    except (OSError, ValueError, AttributeError, RecursionError):
        return None
    if isinstance(signature, list) and len(signature) == 5 and all(type(n) is int for n in signature):
        return signature
    return None


def remembered(function: Callable[[str], str]) -> Callable[[str], str]:
    """``function`` answering each text once (for one page: the cache goes with it)."""
    answers: dict[str, str] = {}

    def answer(text: str) -> str:
        found = answers.get(text)
        if found is None:
            found = answers[text] = function(text)
        return found
    return answer
