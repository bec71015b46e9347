"""facebuild clean: remove outputs facebuild made that are no longer in the cast.

Files facebuild did not make, and outputs edited by hand, are listed and left alone.
``--json`` prints one object instead of lines: ``{"removed": [...], "kept": [...],
"left": [...], "dry_run": bool}``, paths relative to dist: ``removed`` the outputs removed
(or that would be, with ``--dry-run``), ``kept`` those edited by hand and so kept, ``left``
the files facebuild did not make.
"""

from __future__ import annotations

import json
from pathlib import Path

from facebuild import cleanup
from facebuild.cleanup import Cleaned
from facebuild.commands.common import backend_for, load


def clean(cast: Path, *, dry_run: bool = False, as_json: bool = False) -> int:
    """Remove (or with ``dry_run`` list) the outputs of the cast at ``cast`` that it no
    longer has; print lines, or one JSON object with ``as_json``."""
    the_cast = load(cast)
    result = cleanup.clean(the_cast, dry_run=dry_run, backend=backend_for(the_cast, {}))
    if as_json:
        print(json.dumps({"removed": list(result.removed), "kept": list(result.kept),
                          "left": list(result.left), "dry_run": result.dry_run}, indent=2))
    else:
        report(result)
    return 0


def report(result: Cleaned) -> None:
    for file in result.kept:
        print(f"kept     {file} (edited by hand)")
    for file in result.removed:
        print(f"{'would remove' if result.dry_run else 'removed'}  {file}")
    for file in result.left:
        print(f"left     {file} (not made by facebuild)")
    print(f"{len(result.removed)} output(s) {'to remove' if result.dry_run else 'removed'}")
