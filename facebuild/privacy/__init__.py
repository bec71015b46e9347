"""The privacy guard: personal data and secrets never reach a prompt, an artefact, a path
or a message raw. ``scan`` finds them, ``Guard`` applies a cast's settings, ``masked``
masks any other string."""

from __future__ import annotations

from facebuild.privacy.guard import (
    PLACEHOLDER,
    Guard,
    blocked_reason,
    describe,
    guard_for,
    guard_prompts,
    locate,
    read_deny,
    shown_text,
)
from facebuild.privacy.scanner import SECRET_KINDS, Hit, mask, masked, replace, scan

__all__ = [
    "PLACEHOLDER", "SECRET_KINDS", "Guard", "Hit", "blocked_reason", "describe", "guard_for",
    "guard_prompts", "locate", "mask", "masked", "read_deny", "replace", "scan", "shown_text",
]
