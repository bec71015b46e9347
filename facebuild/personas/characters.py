"""Persona characters: one per speaker (its avatar) and one per call (its backdrop).

Only slugs of the manifest's call and speaker ids become ids and paths; the texts of the
personas and transcripts go to the templates (and through the privacy guard), never into
a file name. Each character's ``source`` records where it came from, with sha256s.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from facebuild.errors import Location
from facebuild.personas import transcripts
from facebuild.personas.manifest import Entry, read_manifest
from facebuild.personas.markdown import sections

AVATAR, BACKDROP = "avatar", "backdrop"


@dataclass
class Personas:
    """What a persona manifest adds to a cast."""

    characters: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    """Every input read (manifest, personas, transcripts and their folders), for
    change detection."""
    skipped: int = 0
    """Outputs that could not be made (bad entry, missing persona, call with no transcript)."""


def slug(text: str, limit: int = 48) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    found = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:limit].strip("-")
    return found or "x"


class _Slugs:
    """Stable, unique slugs: a second id with the same slug gets a short hash of itself."""

    def __init__(self) -> None:
        self.taken: dict[str, str] = {}
        self.given: dict[str, str] = {}

    def __call__(self, raw: str) -> str:
        if raw not in self.given:
            found = slug(raw)
            if self.taken.get(found, raw) != raw:
                found = f"{found}-{hashlib.sha256(raw.encode()).hexdigest()[:6]}"
            self.taken[found] = raw
            self.given[raw] = found
        return self.given[raw]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run_folder_of(manifest: Path) -> Path:
    """RUN for RUN/characters/persona_manifest.json; else the manifest's folder."""
    folder = manifest.parent
    return folder.parent if folder.name == "characters" else folder


def load_personas(manifest: Path, *, run_folder: Path | None = None,
                  transcript_root: Path | None = None, backdrops: bool = True,
                  extra: Mapping[str, Any] | None = None) -> Personas:
    """Characters from ``manifest``; ``extra`` keys are added to each of them."""
    run = run_folder or run_folder_of(manifest)
    root = transcript_root or run / "speakers"
    entries, problems = read_manifest(manifest, run)
    found = Personas(warnings=problems, skipped=len(problems), files=[manifest, root])
    calls, ids = _Slugs(), _Slugs()
    speakers: dict[str, _Slugs] = {}
    by_call: dict[str, list[tuple[Entry, dict[str, Any]]]] = {}
    for entry in entries:
        call = calls(entry.call_id)
        speaker = speakers.setdefault(call, _Slugs())(entry.speaker)
        persona = _persona(entry, run, found, manifest)
        by_call.setdefault(entry.call_id, [])
        if persona is None:
            continue
        said = transcripts.for_speaker(root, entry.call_id, entry.speaker, entry.channel)
        found.files += [*said.files, *{f.parent for f in said.files}]
        source = {"kind": AVATAR, "call_id": entry.call_id, "speaker": entry.speaker,
                  "channel": said.channel, **persona["source"], "transcripts": _listed(said, run)}
        files = [["persona", persona["path"]], *(["transcript", str(f)] for f in said.files)]
        found.characters.append({
            **(extra or {}), "id": ids(f"{call}-{speaker}"), "name": f"{entry.speaker} ({entry.call_id})",
            "call": call, "speaker": speaker, "variants": [AVATAR],
            "persona": {"text": persona["text"], "sections": persona["sections"]},
            "transcript": said.text, "source": source, "source_files": files})
        by_call[entry.call_id].append((entry, persona))
    for call_id, members in by_call.items() if backdrops else ():
        _backdrop(call_id, calls(call_id), members, root, run, manifest, ids, found, extra)
    return found


def _persona(entry: Entry, run: Path, found: Personas, manifest: Path) -> dict[str, Any] | None:
    found.files.append(entry.persona_path)
    try:
        data = entry.persona_path.read_bytes()
    except OSError as exc:
        why = "file not found" if isinstance(exc, FileNotFoundError) else exc.strerror or str(exc)
        found.warnings.append(f"{Location(manifest)}: {entry.label}: persona_path: {why}: "
                              f"{entry.persona_ref}; its avatar is skipped")
        found.skipped += 1
        return None
    text = data.decode("utf-8", errors="replace")
    return {"text": text, "sections": sections(text), "path": str(entry.persona_path),
            "source": {"persona": _shown(entry.persona_path, run),
                       "persona_sha256": hashlib.sha256(data).hexdigest()}}


def _backdrop(call_id: str, call: str, members: list[tuple[Entry, dict[str, Any]]], root: Path,
              run: Path, manifest: Path, ids: _Slugs, found: Personas,
              extra: Mapping[str, Any] | None) -> None:
    said = transcripts.for_call(root, call_id)
    found.files += [*said.files, *{f.parent for f in said.files}]
    if not said.files:
        found.warnings.append(f"{Location(manifest)}: call {call_id}: no transcript in "
                              f"{_shown(root, run)}/<call>/{{{','.join(transcripts.CHANNELS)}}}"
                              "/<speaker>/*.txt; its backdrop is skipped")
        found.skipped += 1
        return
    personas = [{"speaker": e.speaker, "text": p["text"], "sections": p["sections"]}
                for e, p in members]
    source = {"kind": BACKDROP, "call_id": call_id, "channel": said.channel,
              "transcripts": _listed(said, run),
              "personas": [{"speaker": e.speaker, "file": p["source"]["persona"],
                            "sha256": p["source"]["persona_sha256"]} for e, p in members]}
    files = [*(["transcript", str(f)] for f in said.files), *(["persona", p["path"]] for _, p in members)]
    found.characters.append({
        **(extra or {}), "id": ids(f"{call}-{BACKDROP}"), "name": f"call {call_id}", "call": call,
        "variants": [BACKDROP], "personas": personas, "transcript": said.text, "source": source,
        "source_files": files})


def _listed(said: transcripts.Transcript, run: Path) -> list[dict[str, str]]:
    return [{"file": _shown(f, run), "sha256": sha256(f)} for f in said.files]


def _shown(path: Path, run: Path) -> str:
    """A path relative to the run folder when it is inside it (portable provenance)."""
    try:
        return path.resolve().relative_to(run.resolve()).as_posix()
    except ValueError:
        return str(path)
