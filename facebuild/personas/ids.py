"""The ids of a persona manifest (call ids, speakers) as they may be shown and used as
folder names.

An id is untrusted text, and may be personal data (``call_id: "+1 415 555 0199"``). Every
id goes through the privacy guard before it reaches a path, a label, a lock key or a
message. An id the guard flags is never shown raw nor slugged: it becomes a stable opaque
id (``call-<sha256 prefix>``), or its entry is refused in ``fail`` mode. An id the guard
lets pass is kept as it is for a folder name when it is one safe path component
(``SPEAKER_00``, ``S00``, ``call-0003``), and slugged otherwise.
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field

from facebuild.privacy import Guard, scan

RESERVED = frozenset({"backdrops", "image_manifest.json"})
"""Names the output folder uses itself: never a call's folder."""

_SAFE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


def slug(text: str, limit: int = 48) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    found = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:limit].strip("-")
    return found or "x"


@functools.cache
def opaque(kind: str, raw: str) -> str:
    """A stable id that says nothing of ``raw``: ``call-3f2a9c41d07b``. A phone number has
    few enough values to be tried one by one: a plain digest would give it back in
    minutes, so the id is a slow, memory-hungry one (scrypt, 8 MB and 25 ms a guess;
    10,000,000,000 numbers take 8 CPU-years), the same on every machine."""
    digest = hashlib.scrypt(f"{kind}:{raw}".encode("utf-8", "surrogatepass"), salt=_OPAQUE_SALT,
                            n=2**13, r=8, p=1, dklen=16)
    return f"{kind}-{digest.hex()[:12]}"


_OPAQUE_SALT = b"facebuild opaque id 1"


def flagged(guard: Guard, text: str) -> list[str]:
    """The kinds of personal data the guard finds in ``text`` (none in ``off`` mode)."""
    if guard.mode == "off" or not text:
        return []
    return sorted({hit.kind for hit in scan(text, guard.deny)})


def safe_component(name: str) -> bool:
    """One plain path component: no separators, no ``..``, no control or odd characters,
    no leading dot or dash, not a name the output folder uses itself."""
    return bool(_SAFE.fullmatch(name)) and ".." not in name and name not in RESERVED


def shown(guard: Guard, text: str) -> str:
    """``text`` for a message: as it is unless the guard flags it or it holds control
    characters."""
    if flagged(guard, text) or any(unicodedata.category(c)[0] == "C" for c in text):
        return "[withheld]"
    return text


@dataclass(frozen=True)
class Name:
    """How one id appears: ``shown`` in labels, lock keys, sources and the upstream image
    manifest; ``folder`` as a path component; ``slug`` in character ids."""

    shown: str
    folder: str
    slug: str
    hidden: tuple[str, ...] = ()
    """The kinds of personal data the guard found in the raw id (then ``shown`` is opaque)."""


@dataclass
class Names:
    """Names for the ids of one kind (``call`` or ``speaker``), unique within their scope:
    two raw ids never share a folder or a slug."""

    guard: Guard
    kind: str
    given: dict[str, Name] = field(default_factory=dict)
    taken_folders: dict[str, str] = field(default_factory=dict)
    taken_slugs: dict[str, str] = field(default_factory=dict)

    def __call__(self, raw: str) -> Name:
        if raw not in self.given:
            self.given[raw] = self._name(raw)
        return self.given[raw]

    def _name(self, raw: str) -> Name:
        hidden = tuple(flagged(self.guard, raw))
        if hidden:
            token = opaque(self.kind, raw)
            return Name(token, self._unique(token, raw, self.taken_folders),
                        self._unique(token, raw, self.taken_slugs), hidden)
        folder = raw if safe_component(raw) else slug(raw)
        return Name(raw, self._unique(folder, raw, self.taken_folders),
                    self._unique(slug(raw), raw, self.taken_slugs))

    def _unique(self, wanted: str, raw: str, taken: dict[str, str]) -> str:
        if taken.get(wanted.lower(), raw) != raw:  # also apart on case-insensitive disks
            wanted = f"{wanted}-{hashlib.sha256(raw.encode()).hexdigest()[:6]}"
        taken[wanted.lower()] = raw
        return wanted
