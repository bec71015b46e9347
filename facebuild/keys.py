"""Content keys: the sha256 of a canonical JSON of exactly the inputs, nothing else."""

from __future__ import annotations

import hashlib
import json
from typing import Any

KEY_SCHEMA = 1
"""Bump when the meaning of a render changes for the same inputs (forces re-renders)."""


def canonical_json(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def digest(data: Any) -> str:
    return hashlib.sha256(canonical_json(data).encode("utf-8")).hexdigest()


def derive_seed(base: int, character: str, variant: str) -> int:
    """A seed that depends only on (base seed, character id, variant name), so adding,
    removing or reordering other characters never changes it. In [1, 2**31 - 2]: valid
    for every backend, and never 0 (which means 'random' to Stability models)."""
    raw = hashlib.sha256(f"{base}/{character}/{variant}".encode()).digest()
    return int.from_bytes(raw[:8], "big") % (2**31 - 2) + 1


def file_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
