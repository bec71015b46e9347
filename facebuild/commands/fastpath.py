"""The no-op fast path of ``build`` and ``diff`` (see ``facebuild.uptodate``), and what it
needs from the command line. Imports only light modules: it runs before the heavy ones."""

from __future__ import annotations

import gc
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from facebuild import uptodate
from facebuild.distpaths import CONTACT_SHEET, GALLERY, MANIFEST, is_own_file
from facebuild.gcpause import off_until_exit
from facebuild.summaries import build_summary, diff_summary, start_line
from facebuild.urls import mask_url

if TYPE_CHECKING:
    from facebuild.commands.options import Overrides
    from facebuild.planner import Plan


def _key(cast: Path, overrides: Overrides) -> str:
    """What the stamp was made for; written into ``.facebuild/``, so URLs go in masked."""
    options = overrides.backend_options()
    urls = options.get("url")
    if urls is not None:
        options["url"] = mask_url(urls) if isinstance(urls, str) else [mask_url(u) for u in urls]
    key: dict[str, Any] = {"cast": str(cast.resolve()), "backend": options}
    if overrides.redact:
        key["privacy"] = "redact"  # a build with the guard redacting is up to date for itself
    return json.dumps(key, sort_keys=True)


def verdict(cast: Path, overrides: Overrides) -> uptodate.Verdict | None:
    """What the stamp says of the cast at ``cast`` with ``overrides``: None when it says
    nothing (no stamp, or something besides characters changed).

    The stamp, and a cast's node graph when its bytes changed, are large and all live: the
    garbage collector is off while they are read, and stays off when nothing is left to do
    but print a line (a collection over that heap would cost more than the check: 0.25 s at
    100,000 targets; see ``facebuild.gcpause.off_until_exit``)."""
    off_until_exit()
    found = uptodate.check(cast.parent, _key(cast, overrides))
    if found is None or found.edited:
        gc.enable()  # work to do: the collector as usual
    return found


def noop_build(found: uptodate.Verdict | None) -> bool:
    """Print what a no-op build prints and return True, if nothing moved."""
    if found is None or found.edited:
        return False
    counts = {"generated": 0, "derived": 0, "cached": _targets(found), "failed": 0}
    print(start_line(0, 0, 0.0))
    print(build_summary(counts, 0, 0.0, False))
    return True


def noop_diff(found: uptodate.Verdict | None) -> bool:
    """Print what a diff that finds nothing prints and return True, if nothing moved."""
    if found is None or found.edited:
        return False
    print(diff_summary({"unchanged": _targets(found)}, 0, 0.0, ""))
    return True


def _targets(found: uptodate.Verdict) -> int:
    count = found.summary.get("targets")
    return count if isinstance(count, int) else 0


def record(the_plan: Plan, overrides: Overrides, targets: int,
           found: uptodate.Verdict | None = None, removed: Sequence[str] = ()) -> None:
    """Remember that every one of the cast's ``targets`` is up to date: those of
    ``the_plan``, and for a plan of some characters (``Plan.scope``) the others, as
    ``found`` (the verdict) found them before the build, but for the files in dist the
    build ``removed``."""
    from facebuild.diststate import DistState

    cast = the_plan.cast
    inputs = [*cast.sources, *_template_files(cast.base_dir), *_option_files(the_plan)]
    dist = str(cast.dist_dir) + os.sep  # strings: pathlib is slow for 10,000 files
    outputs: dict[str, list[Any] | None] = {}
    known: dict[str, Any] = {}  # a plan of some characters: their few files are read
    if the_plan.scope is not None and found is not None and found.outputs:
        # as checked before the build, but for the files it removed (gone, or moved)
        outputs = dict(found.outputs)
        for relative in removed:
            outputs.pop(dist + relative, None)
    else:
        known = DistState.load(cast.state_dir, cast.dist_dir).cache
    for target in the_plan.targets.values():
        recorded = known.get(target.output)
        outputs[dist + target.output] = (recorded if recorded and
                                         uptodate.file_stat(dist + target.output) == recorded[:2]
                                         else uptodate.fingerprint(dist + target.output))
    for own in _own_files(cast.dist_dir):
        outputs[dist + own] = uptodate.fingerprint(dist + own, digest=False)  # megabytes
    try:
        key = _key(cast.path or cast.base_dir, overrides)
        uptodate.record(cast.base_dir, key, inputs, list(cast.spec.include), cast.lock_path,
                        outputs, {"targets": targets}, cast.meanings)
    except OSError as exc:  # only an optimisation: never fail a build for it
        print(f"warning: cannot write {uptodate.stamp_path(cast.base_dir)}: {exc}",
              file=sys.stderr)


def _own_files(dist: Path) -> list[str]:
    """The manifest, the gallery and the contact sheet's first page (recorded even when
    missing), and every further page there is: a page deleted by hand is a change."""
    try:
        present = [name for name in os.listdir(dist) if is_own_file(name)]
    except OSError:
        present = []
    return sorted({MANIFEST, GALLERY, CONTACT_SHEET, *present})


def forget(cast: Path) -> None:
    uptodate.forget(cast.parent)


def _template_files(base_dir: Path) -> list[Path]:
    folder = base_dir / "templates"
    return [folder, *sorted(p for p in folder.rglob("*") if p.is_file())] if folder.is_dir() else []


def _option_files(the_plan: Plan) -> list[Path]:
    """Files named in backend, variant or character options (workflows, reference images),
    and characters' reference files."""
    spec = the_plan.cast.spec
    values: list[Any] = list((spec.backend.model_extra or {}).values())
    values += [v for variant in spec.variants.values() for v in variant.options.values()]
    values += [v for character in spec.characters for v in character.options.values()]
    values += [character.reference for character in spec.characters if character.reference]
    found: list[Path] = []
    for value in values:
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str) and len(item) < 512:
                candidate = the_plan.cast.base_dir / item
                if candidate.is_file():
                    found.append(candidate)
    return found
