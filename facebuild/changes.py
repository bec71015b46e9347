"""Compare a plan with the lock: what a build would do to each target, and why."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from facebuild.diststate import DistState
from facebuild.lock import Lock, LockEntry
from facebuild.planner import Plan, Target

STATUSES = ("new", "changed", "rederive", "edited", "removed", "unchanged")

_REASON_NAMES = {
    "schema": "facebuild version",
    "backend": "backend",
    "model": "model",
    "identity": "backend options",
    "prompt": "prompt",
    "negative": "negative",
    "seed": "seed",
    "width": "render size",
    "height": "render size",
    "template": "template",
    "options": "options",
    "reference": "reference",
    "size": "size",
    "crop": "crop",
    "format": "format",
}


@dataclass(frozen=True)
class Change:
    target: str
    status: str
    reasons: tuple[str, ...] = ()
    old: LockEntry | None = None
    new: Target | None = None

    @property
    def needs_output(self) -> bool:
        """Whether a build writes this target's file (edited ones only with --force)."""
        return self.status in ("new", "changed", "rederive")


@dataclass
class Diff:
    """The plan compared with the lock: one ``Change`` per target."""

    changes: dict[str, Change] = field(default_factory=dict)

    def by_status(self, status: str) -> list[Change]:
        return [c for c in self.changes.values() if c.status == status]

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(STATUSES, 0)
        for change in self.changes.values():
            counts[change.status] += 1
        return counts

    @property
    def has_changes(self) -> bool:
        return any(c.status != "unchanged" for c in self.changes.values())


IN_THE_WAY = "a file facebuild did not make is in the way"


def diff(plan: Plan, lock: Lock, *, dist_state: DistState | None = None) -> Diff:
    """Status and reasons for every target in the plan or the lock. It only compares: it
    writes nothing (the caller saves ``dist_state`` when it wants the digests kept)."""
    state = dist_state or DistState.load(plan.cast.state_dir, plan.cast.dist_dir)
    result = Diff()
    for name, target in plan.targets.items():
        old = lock.get(name)
        result.changes[name] = _compare(target, old, state, lock)
    for name in plan.covered(lock.names()):
        if name not in plan.targets:
            old = lock.get(name)
            assert old is not None
            edited = state.edited(old)
            reasons = ("edited by hand: kept",) if edited else ()
            result.changes[name] = Change(name, "removed", reasons, old, None)
    return result


def _in_the_way(path: str, state: DistState, lock: Lock) -> bool:
    """A file at ``path`` that is not one facebuild recorded making (or one it made and
    somebody edited since): a build keeps it, as it keeps a hand edit."""
    current = state.sha256(path)
    if current is None:
        return False
    owner = lock.owner(path)
    recorded = lock.get(owner) if owner is not None else None
    return current != (recorded.sha256 if recorded else None)


def _compare(target: Target, old: LockEntry | None, state: DistState, lock: Lock) -> Change:
    if old is None or old.file != target.output:
        if _in_the_way(target.output, state, lock):
            return Change(target.name, "edited", (IN_THE_WAY,), old, target)
        if old is None:
            return Change(target.name, "new", (), None, target)
        # moved: the file at the old path is removed by the build, unless edited by hand
        return Change(target.name, "changed", (*_reasons(old.render or {}, target.render_inputs),
                                               "output path"), old, target)
    reasons: list[str] = []
    if old.render_key != target.render_key:
        status = "changed"
        reasons = _reasons(old.render or {}, target.render_inputs)
    elif (old.output_key == target.output_key and (old.post or {}) == target.post
          and target.provenance == old.source):
        status = "unchanged"  # the keys and what they are made of are equal: no reasons to list
    else:
        reasons = _reasons(old.post or {}, target.post)
        if target.provenance != old.source:
            reasons.append("source")  # a persona file changed, its prompt did not
        status = "rederive" if reasons or old.output_key != target.output_key else "unchanged"
    current = state.sha256(old.file)
    if current is not None and current != old.sha256:
        return Change(target.name, "edited", ("edited by hand", *reasons), old, target)
    if status == "unchanged" and current is None:
        return Change(target.name, "rederive", ("file missing",), old, target)
    return Change(target.name, status, tuple(reasons), old, target)


def _reasons(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    found: list[str] = []
    for key in sorted(set(old) | set(new)):
        if old.get(key) != new.get(key):
            name = _REASON_NAMES.get(key, key)
            if name not in found:
                found.append(name)
    return found
