"""The privacy guard: every rendered prompt is scanned for personal data and secrets before
its render key is computed, so that nothing raw reaches a backend, the lock, a manifest,
PNG metadata, the console or a log.

``fail`` (the default) replaces each hit by a mask and blocks the target; ``redact``
replaces it by a neutral placeholder and builds; ``off`` checks no personal data, but
still masks secrets. A hit is shown only masked (``j***@***.com``, ``***-**-6789``) or by
its kind, never as matched.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from facebuild.errors import CastError, Location
from facebuild.privacy.scanner import Hit, cached_scan, replace

if TYPE_CHECKING:
    from facebuild.cast import Cast
    from facebuild.castfile import Character

PLACEHOLDER = "[redacted]"


@dataclass(frozen=True)
class Guard:
    """The privacy settings of one cast: ``mode`` and the deny-list terms."""

    mode: str = "fail"
    deny: tuple[str, ...] = ()

    def check(self, text: str, origins: Sequence[tuple[str, Path]] = ()) -> tuple[str, list[str]]:
        """The text to use, and a description of each hit (kind, mask, where it came
        from); no description is returned in redact or off mode, which build."""
        if not text:
            return text, []
        hits = cached_scan(text, self.deny, self.mode != "off")
        if not hits:
            return text, []
        if self.mode == "off":  # secrets only, masked
            return replace(text, hits, None), []
        if self.mode == "redact":
            return replace(text, hits, PLACEHOLDER), []
        return replace(text, hits, None), [describe(hit, origins) for hit in hits]


def describe(hit: Hit, origins: Sequence[tuple[str, Path]]) -> str:
    """``e-mail address j***@***.com from persona characters/a/persona.md:12``."""
    shown = hit.mask if hit.mask != f"[{hit.kind}]" else ""
    text = f"{hit.kind} {shown}".strip()
    where = locate(hit.value, origins)
    return f"{text} from {where}" if where else f"{text} in the rendered prompt"


def locate(value: str, origins: Sequence[tuple[str, Path]]) -> str | None:
    """``<kind> <file>:<line>`` of the first origin file holding ``value``."""
    flexible = re.compile(r"\s+".join(re.escape(part) for part in value.split()), re.I)
    for kind, path in origins:
        try:
            content = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        found = flexible.search(content)
        if found is not None:
            line = content.count("\n", 0, found.start()) + 1
            return f"{kind} {Location(path, line)}"
    return None


def read_deny(path: Path) -> tuple[str, ...]:
    """Terms one a line; blank lines and ``#`` comments skipped."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise CastError(f"cannot read the deny-list: {exc.strerror or exc}", key="privacy.deny",
                        location=Location(path)) from None
    return tuple(t for t in (line.strip() for line in lines) if t and not t.startswith("#"))


@lru_cache(maxsize=8)
def _cached_guard(mode: str, deny: str | None, stamp: tuple[int, int]) -> Guard:
    return Guard(mode, read_deny(Path(deny)) if deny else ())


def guard_for(mode: str, deny: Path | None) -> Guard:
    """The guard of a cast, cached while the deny-list file does not move."""
    stamp = (0, 0)
    if deny is not None and deny.exists():
        stat = deny.stat()
        stamp = (stat.st_mtime_ns, stat.st_size)
    return _cached_guard(mode, str(deny) if deny else None, stamp)


def shown_text(cast: Cast) -> Callable[[str], str]:
    """What the gallery and the contact sheet may show of a name, role, tag or trait: the
    text as the cast's privacy guard passes it (redacted, or masked in ``fail`` mode)."""
    settings = cast.spec.privacy
    guard = guard_for(settings.mode, cast.base_dir / settings.deny if settings.deny else None)
    return lambda text: guard.check(text)[0]


def blocked_reason(findings: Sequence[str]) -> str:
    """The one line a blocked target fails with."""
    shown = "; ".join(findings[:3]) + (f"; and {len(findings) - 3} more" if len(findings) > 3 else "")
    return (f"blocked by the privacy guard: {shown}; nothing was generated "
            "(remove it from the source, or set privacy: {mode: redact} / --redact)")


def guard_prompts(cast: Cast, character: Character, prompt: str,
                  negative: str) -> tuple[str, str, str | None]:
    """The checked prompt and negative prompt of one render, and why it is blocked (None
    when it may be built). Hits are looked up in the character's source files (a persona,
    transcripts) and the cast's own files to say where they came from."""
    settings = cast.spec.privacy
    guard = guard_for(settings.mode, cast.base_dir / settings.deny if settings.deny else None)
    files = (character.model_extra or {}).get("source_files") or []
    origins = [(str(kind), Path(path)) for kind, path in files]
    origins += [("cast file", path) for path in cast.sources]
    prompt, found = guard.check(prompt, origins)
    negative, more = guard.check(negative, origins)
    found += more
    return prompt, negative, blocked_reason(found) if found else None
