"""cast.lock as tests read it: each target's whole entry.

A version 2 row leaves out what the lock says elsewhere (the render a derived target shares
with the target it names in ``render_of``, an output key that is the digest of its post and
render key, a file named after the target): reading the lock restores them, as facebuild does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from facebuild.lock import read_lock


def lock_targets(folder: Path) -> dict[str, dict[str, Any]]:
    """The entries of ``folder/cast.lock`` by target, with every field each one holds."""
    return {name: entry.to_dict() for name, entry in read_lock(folder / "cast.lock").entries.items()}
