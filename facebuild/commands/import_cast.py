"""facebuild import personas MANIFEST -o cast.yaml: write an editable cast whose
characters come from a persona manifest. The cast refers to the manifest and the
transcripts (it copies no persona or transcript text), so it stays free of personal data
and follows the run folder when personas change. An existing file is never overwritten."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import yaml

from facebuild.errors import UsageError

HEADER = """\
# Persona avatars and call backdrops, imported from {manifest}.
# 'facebuild build {cast}' builds them; edit anything. The personas add one character per
# speaker (variant avatar) and one per call (variant backdrop); their ids are below.
# The privacy guard blocks a prompt that holds personal data (mode: fail), or replaces
# it (mode: redact); deny: names a file of terms, one a line, that must never appear.
"""
FOOTER = """\
# Characters the personas add ({count}). To change one, list it here with the same id;
# its keys win over the persona's, e.g.:
#   - id: {example}
#     seed: 1234
{listing}"""


def import_personas(manifest: Path, output: Path) -> int:
    """Write the cast ``output`` whose characters come from the persona ``manifest``."""
    from facebuild.personas import default_variants, load_personas, run_folder_of

    if output.exists():
        raise UsageError(f"{output} exists: not overwritten (choose another -o FILE)")
    personas = load_personas(manifest)
    for warning in personas.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    folder = output.parent
    run_folder = run_folder_of(manifest)
    data: dict[str, Any] = {
        "version": 1,
        "name": f"{run_folder.resolve().name} personas",
        "world": {"context": "", "style": "Clean digital illustration, soft even lighting",
                  "negative": "text, watermark, logo, blurry"},
        "backend": {"name": "sketch"},
        "seed": 0,
        "template": "avatar.j2",
        "privacy": {"mode": "fail"},
        "personas": _relative(manifest, folder),
        "transcripts": _relative(run_folder / "speakers", folder),
        "variants": {name: {k: v for k, v in variant.items() if v != {}}
                     for name, variant in default_variants().items()},
        "characters": [],
    }
    ids = [str(c["id"]) for c in personas.characters]
    text = HEADER.format(manifest=manifest, cast=output) + yaml.safe_dump(
        data, sort_keys=False, allow_unicode=True, width=100)
    text += FOOTER.format(count=len(ids), example=ids[0] if ids else "call-speaker",
                          listing="".join(f"#   {i}\n" for i in ids))
    try:
        with output.open("x", encoding="utf-8") as handle:
            handle.write(text)
    except FileExistsError:
        raise UsageError(f"{output} exists: not overwritten (choose another -o FILE)") from None
    except OSError as exc:
        raise UsageError(f"cannot write {output}: {exc.strerror or exc}") from None
    print(f"wrote {output}: {len(ids)} characters from {manifest}; build it with "
          f"'facebuild build {output}'")
    return 1 if personas.skipped else 0


def _relative(path: Path, start: Path) -> str:
    return Path(os.path.relpath(path.resolve(), start.resolve())).as_posix()
