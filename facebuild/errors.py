"""The few exceptions facebuild raises, and what each one means for a user.

A ``FacebuildError`` is a user mistake or an outside condition the user can fix; the CLI
prints it as one line and exits 2. Anything else is a bug: exit 3 and a log file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Location:
    """Where in a source file something came from (1-based line and column)."""

    file: Path
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        text = _display_path(self.file)
        if self.line is not None:
            text += f":{self.line}"
            if self.column is not None:
                text += f":{self.column}"
        return text


def _display_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


class FacebuildError(Exception):
    """Base of every error a user can fix. ``str(err)`` is the one line to show."""


class CastError(FacebuildError):
    """Raised by cast loading and prompt rendering: a mistake in cast.yaml, an included
    file or a template, located by file, line and key."""

    def __init__(
        self,
        message: str,
        *,
        location: Location | None = None,
        key: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.message = message
        self.location = location
        self.key = key
        self.hint = hint
        super().__init__(self.format())

    def format(self) -> str:
        parts = []
        if self.location is not None:
            parts.append(f"{self.location}:")
        if self.key:
            parts.append(f"{self.key}:")
        parts.append(self.message)
        text = " ".join(parts)
        if self.hint:
            text += f" ({self.hint})"
        return text


class CastErrors(FacebuildError):
    """Raised by ``load_cast`` when a cast has several mistakes: all of them, one per line."""

    def __init__(self, errors: list[CastError]) -> None:
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


class UsageError(FacebuildError):
    """Raised by commands for a bad flag, target name or path on the command line."""


class BackendError(FacebuildError):
    """Raised by a backend: a render that failed (one target), or a backend that cannot be
    used at all (missing credentials, unreachable server). ``target`` is filled in by the
    builder when the failure belongs to one target."""

    def __init__(self, message: str, *, target: str | None = None, retryable: bool = False) -> None:
        self.message = message
        self.target = target
        self.retryable = retryable
        super().__init__(message)

    def __str__(self) -> str:
        return f"{self.target}: {self.message}" if self.target else self.message


class ContentFilteredError(BackendError):
    """Raised by a backend when the service's content filter refused a prompt or an image.
    Never retried. ``reason`` is the service's own words (e.g. "Filter reason: prompt")."""

    def __init__(self, message: str, *, target: str | None = None, retryable: bool = False,
                 reason: str | None = None) -> None:
        super().__init__(message, target=target, retryable=retryable)
        self.reason = reason if reason is not None else message


class LimitError(FacebuildError):
    """Raised before any generation when a target breaks the chosen model's limits
    (prompt length, seed range, size, region) or the cost ceiling."""


class CacheError(FacebuildError):
    """Raised by ``PortraitClient`` when its cache cannot be read or written (a cache
    folder that is a file or not writable, a cache object that fails)."""


class BuildLockedError(FacebuildError):
    """Raised by the builder when another build of the same cast holds the build lock."""


class ModelNotFoundError(CastError):
    """Raised by a backend (and so by ``PortraitClient``) for an unknown model id;
    ``known`` lists the valid ones."""

    def __init__(self, message: str, *, known: list[str], key: str | None = "backend.model",
                 hint: str | None = None, location: Location | None = None) -> None:
        self.known = known
        super().__init__(message, key=key, hint=hint, location=location)


GenerationError = BackendError
"""The name users of the earlier ai_facegen library catch for a failed generation."""

ContentModerationError = ContentFilteredError
"""The name users of the earlier ai_facegen library catch for a content-filter refusal."""

FaceGenError = FacebuildError
"""The base class users of the earlier ai_facegen library catch."""
