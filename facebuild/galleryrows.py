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

A build of some characters goes further (``known_rows``): it takes every other
character's row by its id, without a look at its lock entries, when the record also says
the page was made from the very lock file the build read (see ``facebuild.siterecord``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

from facebuild import siterecord

RECORD = "gallery.json"
"""In the state folder: the signature of the page facebuild last wrote, and the identity of
the lock file and the code it was made from."""

_MAIN, _END, _CLOSE = "<main>\n", "\n</main><!--rows:", "-->"
_ROW_END = "</section>"
"""How every row ends; escaped text holds no '<', so it ends nothing else."""
_ROW_START = b'<section class="row" id="'


class KnownPage(NamedTuple):
    text: str
    rows: dict[str, str]
    """Each row of the page by its key."""


def page_body(rows: list[str], keys: list[str]) -> str:
    """The rows of the page between ``<main>`` and ``</main>``, and their keys after."""
    return _MAIN + "\n".join(rows) + _END + " ".join(keys) + _CLOSE


def page_body_bytes(rows: list[bytes | memoryview], keys: list[str]) -> bytes:
    """``page_body`` of rows already encoded."""
    return b"".join([_MAIN.encode(), b"\n".join(rows), _END.encode(), " ".join(keys).encode(),
                     _CLOSE.encode()])


def known_page(page: Path, state: Path) -> KnownPage | None:
    """The page at ``page`` and its rows, when it is the file facebuild last wrote there
    (see the module's docstring); else None."""
    recorded = _recorded(state)
    data = siterecord.read_known(page, recorded.get("page")) if recorded else None
    rows = _rows(data) if data is not None else None
    if data is None or rows is None:
        return None
    try:
        return KnownPage(data.decode("utf-8"), {key: bytes(row).decode("utf-8") for _, row, key in rows})
    except UnicodeDecodeError:
        return None


class KnownRows(NamedTuple):
    data: bytes
    """The page."""
    rows: dict[str, tuple[memoryview, str]]
    """Each of its rows (its bytes) and its key, by the character id it shows, as escaped in
    its ``id`` attribute."""


def known_rows(page: Path, state: Path, lock_read: list[int] | None, made_by: str) -> KnownRows | None:
    """The rows of the page facebuild last wrote at ``page``, when it was made by the code
    ``made_by`` from the lock file read (``lock_read``, see ``facebuild.siterecord``): the
    rows of a character whose targets did not change since are the rows it has now."""
    recorded = _recorded(state)
    if (not recorded or lock_read is None or recorded.get("lock") != lock_read
            or recorded.get("format") != made_by):
        return None
    data = siterecord.read_known(page, recorded.get("page"))
    rows = _rows(data) if data is not None else None
    if data is None or rows is None:
        return None
    return KnownRows(data, {character: (row, key) for character, row, key in rows})


def _rows(data: bytes) -> list[tuple[str, memoryview, str]] | None:
    """Each row of a page as ``page_body`` lays them out: the character id it shows (as
    escaped in its ``id`` attribute), its bytes and its key; None when the page is not in
    that shape."""
    main, end = data.find(_MAIN.encode()), data.rfind(_END.encode())
    close = data.find(_CLOSE.encode(), end + len(_END))
    if main < 0 or end < main or close < 0:
        return None
    view = memoryview(data)
    rows: list[tuple[str, memoryview, str]] = []
    at, row_end = main + len(_MAIN), (_ROW_END + "\n").encode()
    for key in data[end + len(_END):close].split():
        stop = data.find(row_end, at, end + 1)
        quote = data.find(b'"', at + len(_ROW_START), stop)
        if stop < 0 or quote < 0 or not data.startswith(_ROW_START, at):
            return None
        rows.append((data[at + len(_ROW_START):quote].decode("utf-8", "replace"),
                     view[at:stop + len(_ROW_END)], key.decode("ascii", "replace")))
        at = stop + len(row_end)
    return rows if at == end + 1 or (not rows and at == main + len(_MAIN)) else None


def remember(page: Path, state: Path, *, made_from: list[int] | None = None, made_by: str = "") -> None:
    """Record the signature of ``page``, which facebuild has just written (or found to hold
    exactly what it would write), and the identity of the lock file it was made from (None:
    unknown) by the code ``made_by``. Only an optimisation: a failure is ignored."""
    signature = siterecord.identity(page)
    if signature is None:
        return
    record = {"page": signature, "lock": made_from, "format": made_by}
    if record != _recorded(state):
        siterecord.write_record(state / RECORD, record)


def _recorded(state: Path) -> dict[str, Any] | None:
    found = siterecord.read_record(state / RECORD, 4096)
    return found if found is not None and siterecord.is_identity(found.get("page")) else None


def remembered(function: Callable[[str], str]) -> Callable[[str], str]:
    """``function`` answering each text once (for one page: the cache goes with it)."""
    answers: dict[str, str] = {}

    def answer(text: str) -> str:
        found = answers.get(text)
        if found is None:
            found = answers[text] = function(text)
        return found
    return answer
