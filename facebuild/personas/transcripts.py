"""Transcripts: ``speakers/<call_id>/<channel>/<speaker>/``, as the upstream diarizer
writes them: one ``.txt`` per segment (``<index>-<start>-<end>.txt``) and
``speaker_transcript.txt``, all of them joined in order. That file is read when it is
there, otherwise the segments in their index order; never both, or every sentence would
be said twice.

A speaker's transcript comes from the entry's own channel first, then the other one; a
call's (for its backdrop) from ``right-vocals``, else ``left-vocals``. Ids from the
manifest are folder names to look in, never to write anything; an id that is not one
plain path component (``..``, ``a/b``) finds nothing, and a file that lies outside the
allowed roots once its symlinks are resolved is never read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from facebuild.personas.paths import MAX_FILE_BYTES, Roots, read_bounded

CHANNELS = ("right-vocals", "left-vocals")
JOINED = "speaker_transcript.txt"
MAX_TEXT_BYTES = 4 * MAX_FILE_BYTES
"""At most this much transcript text is read for one character."""


@dataclass(frozen=True)
class Transcript:
    """The transcript files chosen for a speaker or a call, and their text."""

    channel: str | None
    files: tuple[Path, ...]

    @property
    def text(self) -> str:
        parts: list[str] = []
        budget = MAX_TEXT_BYTES
        for file in self.files:
            data = read_bounded(file, min(budget, MAX_FILE_BYTES))
            budget -= len(data)
            parts.append(data.decode("utf-8", errors="replace").strip())
            if budget <= 0:
                break
        return "\n".join(parts)


def _component(name: str) -> bool:
    return bool(name) and name not in (".", "..") and "/" not in name and "\\" not in name \
        and "\0" not in name


def _folder(root: Path, *parts: str) -> Path | None:
    if not all(_component(part) for part in parts):
        return None
    folder = root.joinpath(*parts)
    return folder if folder.is_dir() else None


def _order(path: Path) -> tuple[tuple[int, str], ...]:
    """Segment files by their numbers (``2-…`` before ``10-…``), then by name."""
    return tuple((int(part), "") if part.isdigit() else (-1, part)
                 for part in re.split(r"(\d+)", path.name))


def speaker_files(folder: Path, roots: Roots) -> list[Path]:
    """``speaker_transcript.txt`` when it is there, otherwise the segment texts in order."""
    joined = folder / JOINED
    if joined.is_file() and roots.allows(joined):
        return [joined]
    return sorted((f for f in folder.glob("*.txt") if f.name != JOINED and roots.allows(f)),
                  key=_order)


def channels(declared: str | None) -> list[str]:
    """The channels to try, in order: the entry's own channel, then the others."""
    own = [declared] if declared and _component(declared) else []
    return [*own, *(name for name in CHANNELS if name not in own)]


def for_speaker(root: Path, call_id: str, speaker: str, roots: Roots,
                channel: str | None = None) -> Transcript:
    """The speaker's transcript files on the first channel that has any."""
    for name in channels(channel):
        folder = _folder(root, call_id, name, speaker)
        files = speaker_files(folder, roots) if folder else []
        if files:
            return Transcript(name, tuple(files))
    return Transcript(None, ())


def for_call(root: Path, call_id: str, roots: Roots) -> Transcript:
    """Every speaker's transcript files of the call on the first channel that has any."""
    for name in CHANNELS:
        folder = _folder(root, call_id, name)
        speakers = sorted(p for p in folder.iterdir() if p.is_dir()) if folder else []
        files = [file for speaker in speakers for file in speaker_files(speaker, roots)]
        if files:
            return Transcript(name, tuple(files))
    return Transcript(None, ())
