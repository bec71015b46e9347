"""persona_manifest.json: a JSON list of ``{call_id, speaker, persona_path, channel?,
source_audio_paths?, audio_samples?}`` written by an upstream persona builder.

A manifest that cannot be read or is not a list is an error. A bad entry is a problem
that names the entry (its index, and its call id and speaker unless the privacy guard
flags them) and the field; the caller skips that entry with a warning and goes on with
the others.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from facebuild.errors import CastError, Location
from facebuild.personas.ids import shown
from facebuild.personas.paths import read_bounded
from facebuild.privacy import Guard

MAX_MANIFEST_BYTES = 64 << 20
REQUIRED = ("call_id", "speaker", "persona_path")
OPTIONAL_TEXT = ("channel",)
OPTIONAL_LISTS = ("source_audio_paths", "audio_samples")


@dataclass(frozen=True)
class Entry:
    """One speaker of one call, as the manifest lists it."""

    index: int
    call_id: str
    speaker: str
    persona_ref: str
    """``persona_path`` as written: absolute, or relative (see ``paths.find_persona``)."""
    channel: str | None = None
    label: str = ""
    """``entry 3 (call c1, speaker S00)``, ids shown only when the guard lets them pass."""


def entry_label(index: int, call_id: Any, speaker: Any, guard: Guard) -> str:
    call = shown(guard, str(call_id)) if isinstance(call_id, str | int) and str(call_id) else "?"
    who = shown(guard, speaker) if isinstance(speaker, str) and speaker else "?"
    return f"entry {index} (call {call}, speaker {who})"


def read_manifest(path: Path, guard: Guard | None = None) -> tuple[list[Entry], list[str]]:
    """The valid entries of the manifest at ``path`` and one problem line per bad entry.
    Raises ``CastError`` when the file is missing, not JSON, or not a list."""
    guard = guard or Guard()
    where = Location(path)
    try:
        raw = read_bounded(path, MAX_MANIFEST_BYTES + 1)
        if len(raw) > MAX_MANIFEST_BYTES:
            raise CastError(f"the persona manifest is larger than {MAX_MANIFEST_BYTES >> 20} MiB",
                            location=where)
        data = json.loads(raw.decode("utf-8"))
    except FileNotFoundError:
        raise CastError("persona manifest not found", location=where,
                        hint="expected RUN/characters/persona_manifest.json") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CastError(f"cannot read the persona manifest: {exc}", location=where) from None
    except json.JSONDecodeError as exc:
        raise CastError(f"the persona manifest is not valid JSON: {exc.msg}",
                        location=Location(path, exc.lineno, exc.colno)) from None
    except RecursionError:
        raise CastError("the persona manifest is nested too deeply", location=where) from None
    if not isinstance(data, list):
        raise CastError(f"the persona manifest must be a JSON list of entries, got "
                        f"{type(data).__name__ if data is not None else 'null'}", location=where,
                        hint='e.g. [{"call_id": "...", "speaker": "...", "persona_path": "..."}]')
    entries: list[Entry] = []
    problems: list[str] = []
    seen: dict[tuple[str, str, str | None], int] = {}
    for index, item in enumerate(data):
        entry, problem = _entry(index, item, guard)
        if entry is not None and (entry.call_id, entry.speaker, entry.channel) in seen:
            first = seen[(entry.call_id, entry.speaker, entry.channel)]
            problem = f"{entry.label}: duplicate of entry {first}; skipped"
            entry = None
        if problem is not None:
            problems.append(f"{where}: {problem}")
        if entry is not None:
            seen[(entry.call_id, entry.speaker, entry.channel)] = index
            entries.append(entry)
    return entries, problems


def _entry(index: int, item: Any, guard: Guard) -> tuple[Entry | None, str | None]:
    if not isinstance(item, dict):
        return None, f"entry {index}: expected an object with call_id, speaker and persona_path, " \
                     f"got {type(item).__name__}; skipped"
    label = entry_label(index, item.get("call_id"), item.get("speaker"), guard)
    for field in REQUIRED:
        value = item.get(field)
        if value is None:
            return None, f"{label}: {field}: missing required field; skipped"
        if field != "call_id" and not isinstance(value, str) or not str(value).strip():
            return None, f"{label}: {field}: expected a non-empty string, got " \
                         f"{type(value).__name__}; skipped"
    if not isinstance(item["call_id"], str | int) or isinstance(item["call_id"], bool):
        return None, f"{label}: call_id: expected a string, got {type(item['call_id']).__name__}; skipped"
    for field in OPTIONAL_TEXT:
        if item.get(field) is not None and not isinstance(item[field], str):
            return None, f"{label}: {field}: expected a string; skipped"
    for field in OPTIONAL_LISTS:
        if item.get(field) is not None and not isinstance(item[field], list):
            return None, f"{label}: {field}: expected a list; skipped"
    channel = item.get("channel") or None
    return Entry(index, str(item["call_id"]).strip(), item["speaker"].strip(),
                 str(item["persona_path"]), channel, label), None
