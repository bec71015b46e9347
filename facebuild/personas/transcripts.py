"""Transcripts: ``speakers/<call_id>/<channel>/<speaker>/*.txt``. The ``right-vocals``
channel is preferred, ``left-vocals`` is the fallback. Ids from the manifest are used as
folder names to look in, never to write anything; an id that is not one plain path
component (``..``, ``a/b``) finds nothing."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

CHANNELS = ("right-vocals", "left-vocals")


@dataclass(frozen=True)
class Transcript:
    """The transcript files chosen for a speaker or a call, and their text."""

    channel: str | None
    files: tuple[Path, ...]

    @property
    def text(self) -> str:
        return "\n".join(read_text(file).strip() for file in self.files)


def read_text(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace")


def _component(name: str) -> bool:
    return bool(name) and name not in (".", "..") and "/" not in name and "\\" not in name \
        and "\0" not in name


def _folder(root: Path, *parts: str) -> Path | None:
    if not all(_component(part) for part in parts):
        return None
    folder = root.joinpath(*parts)
    return folder if folder.is_dir() else None


def channels(declared: str | None) -> list[str]:
    """The channels to try, in order: right-vocals, left-vocals, then the entry's own
    channel when it names another one."""
    extra = [declared] if declared and _component(declared) and declared not in CHANNELS else []
    return [*CHANNELS, *extra]


def for_speaker(root: Path, call_id: str, speaker: str, channel: str | None = None) -> Transcript:
    """The speaker's ``*.txt`` files on the first channel that has any."""
    for name in channels(channel):
        folder = _folder(root, call_id, name, speaker)
        files = sorted(folder.glob("*.txt")) if folder else []
        if files:
            return Transcript(name, tuple(files))
    return Transcript(None, ())


def for_call(root: Path, call_id: str) -> Transcript:
    """Every speaker's ``*.txt`` files of the call on the first channel that has any."""
    for name in CHANNELS:
        folder = _folder(root, call_id, name)
        files = sorted(folder.glob("*/*.txt")) if folder else []
        if files:
            return Transcript(name, tuple(files))
    return Transcript(None, ())
