"""The build journal: each output a build finished, appended as it is written, so that a
build killed before it wrote cast.lock loses nothing. Reading the lock replays it
(``facebuild.lock.replay_journal``): outputs written by that build are known as
facebuild's own work, not as hand edits."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from facebuild.errors import FacebuildError
from facebuild.lockentry import LockEntry


class Journal:
    """Append-only record of outputs written during a build (one JSON line each)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        # never through a link planted in .facebuild: appending there would write elsewhere
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW, 0o666)
        except OSError as exc:
            raise FacebuildError(f"{path}: cannot keep the build journal there ({exc.strerror}); "
                                 "facebuild makes that file itself: delete what is there") from None
        self._handle = os.fdopen(descriptor, "a", encoding="utf-8")

    def wrote(self, target: str, entry: LockEntry) -> None:
        self._append({"target": target, "entry": entry.to_dict()})

    def removed(self, target: str) -> None:
        self._append({"target": target, "removed": True})

    def _append(self, record: dict[str, Any]) -> None:
        self._handle.write(json.dumps(record, sort_keys=True) + "\n")
        self._handle.flush()  # a kill loses nothing flushed; no fsync per output

    def close(self, *, delete: bool) -> None:
        self._handle.close()
        if delete:
            self.path.unlink(missing_ok=True)
