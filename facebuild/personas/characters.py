"""Persona characters: one per speaker (its avatar) and one per call (its backdrop).

Ids from the manifest reach ids, paths, labels and the lock only as ``ids.Names`` give
them (checked by the privacy guard; opaque when it flags them); the texts of the personas
and transcripts go to the templates (and through the guard), never into a file name.
Persona and transcript files are read only inside the allowed roots. Each character's
``source`` records where it came from, with sha256s.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from facebuild.errors import Location
from facebuild.personas import transcripts
from facebuild.personas.fields import persona_sections, without_placeholders
from facebuild.personas.ids import Name, Names, flagged, opaque, shown
from facebuild.personas.manifest import Entry, read_manifest
from facebuild.personas.paths import Roots, find_persona, read_bounded
from facebuild.privacy import Guard

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


def sha256(path: Path) -> str:
    return hashlib.sha256(read_bounded(path)).hexdigest()


def run_folder_of(manifest: Path) -> Path:
    """RUN for RUN/characters/persona_manifest.json; else the manifest's folder."""
    folder = manifest.parent
    return folder.parent if folder.name == "characters" else folder


@dataclass
class _Loader:
    manifest: Path
    run: Path
    root: Path
    roots: Roots
    guard: Guard
    found: Personas
    extra: Mapping[str, Any]
    calls: Names = field(init=False)
    speakers: dict[str, Names] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.calls = Names(self.guard, "call")

    def warn(self, text: str, *, skip: bool = True) -> None:
        self.found.warnings.append(f"{Location(self.manifest)}: {text}")
        self.found.skipped += skip

    def unique_id(self, wanted: str, key: str) -> str:
        if self.ids.get(wanted, key) != key:
            wanted = f"{wanted}-{hashlib.sha256(key.encode()).hexdigest()[:6]}"
        self.ids[wanted] = key
        return wanted

    def origins(self, files: list[list[str]]) -> list[list[str]]:
        """The (kind, path) source files the privacy guard may name in a message: none
        whose path holds a component it flags (a folder named after a phone number)."""
        return [pair for pair in files
                if not any(flagged(self.guard, part) for part in Path(pair[1]).parts)]

    def shown_path(self, path: Path, *names: tuple[str, Name]) -> str:
        """A path for provenance: relative to the run folder when inside it, with every
        component the guard flags replaced by its opaque id."""
        try:
            text = path.resolve().relative_to(self.run.resolve()).as_posix()
        except ValueError:
            text = path.as_posix()
        hidden = {raw: name.folder for raw, name in names if name.hidden}
        parts = [hidden.get(part) or (opaque("part", part) if flagged(self.guard, part) else part)
                 for part in text.split("/")]
        return "/".join(parts)


def load_personas(manifest: Path, *, run_folder: Path | None = None,
                  transcript_root: Path | None = None, backdrops: bool = True,
                  extra: Mapping[str, Any] | None = None, guard: Guard | None = None,
                  allowed: Sequence[Path] = (), allow_hint: str = "--allow-root DIR") -> Personas:
    """Characters from ``manifest``; ``extra`` keys are added to each of them. Persona and
    transcript files must lie in the run folder or one of the ``allowed`` folders."""
    run = run_folder or run_folder_of(manifest)
    root = transcript_root or run / "speakers"
    guard = guard or Guard()
    entries, problems = read_manifest(manifest, guard)
    found = Personas(warnings=problems, skipped=len(problems), files=[manifest, root])
    load = _Loader(manifest, run, root, Roots.of(run, tuple(allowed), allow_hint), guard, found,
                   extra or {})
    by_call: dict[str, tuple[Name, list[tuple[Entry, Name, dict[str, Any]]]]] = {}
    channel_of: dict[tuple[str, str], str | None] = {}
    for entry in entries:
        call = load.calls(entry.call_id)
        label = entry.speaker
        first = channel_of.setdefault((entry.call_id, entry.speaker), entry.channel)
        if first != entry.channel:  # the same diarizer label on the other channel: another person
            label = f"{entry.speaker}-{entry.channel or 'nochannel'}"
        speaker = load.speakers.setdefault(call.folder, Names(guard, "speaker"))(label)
        if label != entry.speaker and not speaker.hidden:
            load.warn(f"{entry.label}: the speaker is also on another channel of this call: this "
                      f"one is named {speaker.shown}", skip=False)
        refused = [(what, name) for what, name in (("call_id", call), ("speaker", speaker))
                   if name.hidden]
        if refused and guard.mode == "fail":
            what, name = refused[0]
            load.warn(f"entry {entry.index}: {what}: holds personal data ({', '.join(name.hidden)}); "
                      "the entry is refused (use --redact, or privacy: {mode: redact}, to build "
                      "it under an opaque id)")
            continue
        persona = _persona(load, entry, call, speaker)
        by_call.setdefault(entry.call_id, (call, []))
        if persona is not None:
            _avatar(load, entry, call, speaker, persona)
            by_call[entry.call_id][1].append((entry, speaker, persona))
    for call_id, (call, members) in by_call.items() if backdrops else ():
        _backdrop(load, call_id, call, members)
    return found


def _persona(load: _Loader, entry: Entry, call: Name, speaker: Name) -> dict[str, Any] | None:
    where = find_persona(entry.persona_ref, load.run, load.manifest.parent, load.roots)
    ref = shown(load.guard, entry.persona_ref)
    if where.path is None:
        if where.outside:
            why = (f"outside the run folder and the allowed folders; allow its folder with "
                   f"{load.roots.hint}")
        else:
            why = "file not found"
        load.warn(f"{entry.label}: persona_path: {why}: {ref}; its avatar is skipped")
        return None
    if where.others:
        load.warn(f"{entry.label}: persona_path: {ref}: taken from {where.rule} (also found in "
                  f"{', '.join(where.others)})", skip=False)
    load.found.files.append(where.path)
    try:
        data = read_bounded(where.path)
    except OSError as exc:
        load.warn(f"{entry.label}: persona_path: {exc.strerror or 'unreadable'}: {ref}; "
                  "its avatar is skipped")
        return None
    text = without_placeholders(data.decode("utf-8", errors="replace"))
    return {"text": text, "sections": persona_sections(text), "path": str(where.path),
            "source": {"persona": load.shown_path(where.path, (entry.call_id, call),
                                                  (entry.speaker, speaker)),
                       "persona_sha256": hashlib.sha256(data).hexdigest()}}


def _avatar(load: _Loader, entry: Entry, call: Name, speaker: Name,
            persona: dict[str, Any]) -> None:
    channel = entry.channel if entry.channel and not flagged(load.guard, entry.channel) else None
    said = transcripts.for_speaker(load.root, entry.call_id, entry.speaker, load.roots, channel)
    load.found.files += [*said.files, *{f.parent for f in said.files}]
    names = ((entry.call_id, call), (entry.speaker, speaker))
    source = {"kind": AVATAR, "call_id": call.shown, "speaker": speaker.shown,
              "call_folder": call.folder, "speaker_folder": speaker.folder,
              "channel": said.channel, **persona["source"],
              "transcripts": _listed(load, said, *names)}
    files = [["persona", persona["path"]], *(["transcript", str(f)] for f in said.files)]
    load.found.characters.append({
        **load.extra, "id": load.unique_id(f"{call.slug}-{speaker.slug}", f"{call.shown}\0{speaker.shown}"),
        "name": f"{speaker.shown} ({call.shown})", "call": call.slug, "speaker": speaker.slug,
        "variants": [AVATAR], "persona": {"text": persona["text"], "sections": persona["sections"]},
        "transcript": said.text, "source": source, "source_files": load.origins(files)})


def _backdrop(load: _Loader, call_id: str, call: Name,
              members: list[tuple[Entry, Name, dict[str, Any]]]) -> None:
    said = transcripts.for_call(load.root, call_id, load.roots)
    load.found.files += [*said.files, *{f.parent for f in said.files}]
    if not said.files:
        load.warn(f"call {call.shown}: no transcript in {load.shown_path(load.root)}/<call>/"
                  f"{{{','.join(transcripts.CHANNELS)}}}/<speaker>/*.txt; its backdrop is skipped")
        return
    personas = [{"speaker": s.shown, "text": p["text"], "sections": p["sections"]}
                for _, s, p in members]
    source = {"kind": BACKDROP, "call_id": call.shown, "call_folder": call.folder,
              "channel": said.channel, "transcripts": _listed(load, said, (call_id, call)),
              "personas": [{"speaker": s.shown, "file": p["source"]["persona"],
                            "sha256": p["source"]["persona_sha256"]} for _, s, p in members]}
    files = [*(["transcript", str(f)] for f in said.files),
             *(["persona", p["path"]] for _, _, p in members)]
    load.found.characters.append({
        **load.extra, "id": load.unique_id(f"{call.slug}-{BACKDROP}", f"{call.shown}\0"),
        "name": f"call {call.shown}", "call": call.slug, "variants": [BACKDROP],
        "personas": personas, "transcript": said.text, "source": source,
        "source_files": load.origins(files)})


def _listed(load: _Loader, said: transcripts.Transcript,
            *names: tuple[str, Name]) -> list[dict[str, str]]:
    return [{"file": load.shown_path(f, *names), "sha256": sha256(f)} for f in said.files]
