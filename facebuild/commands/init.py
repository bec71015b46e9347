"""facebuild init: a starter cast that builds at once with the offline sketch backend."""

from __future__ import annotations

from pathlib import Path

from facebuild.atomic import write_text_atomic
from facebuild.errors import UsageError

STARTER = """\
# yaml-language-server: $schema=https://facebuild.dev/cast.schema.json
# A starter cast. Build it with:  facebuild build cast.yaml
# Editors validate this file with the schema printed by:  facebuild schema
version: 1
name: My Game
world:
  context: A cozy harbour town where fishermen, inventors and sea spirits trade stories.
  style: Clean cartoon portraits, bold outlines, warm pastel palette.
  negative: text, watermark, logo, signature, blurry
seed: 1
variants:
  bust: {size: 256, frame: "Head and shoulders portrait, light background"}
  icon: {size: 64, from: bust}
characters:
  - id: captain-mara
    name: Captain Mara
    role: Harbour master
    description: Weathered sailor with red hair, green eyes, a blue coat and a captain's hat.
  - id: professor-bolt
    name: Professor Bolt
    role: Inventor
    description: Cheerful old inventor with white hair, a grey beard, round glasses and a brown vest.
"""


IGNORED = ".facebuild/"
GITIGNORE = f"""\
# facebuild's working state (render store, build journal, log): never commit it.
# Commit cast.yaml, cast.lock and your templates; dist/ too if people use the images
# from the repository (the lock records every file's sha256 either way).
{IGNORED}
"""


def init(folder: Path) -> int:
    """Write a starter cast.yaml in ``folder`` (never over an existing one)."""
    target = folder / "cast.yaml"
    if target.exists():
        raise UsageError(f"{target} already exists; facebuild init never overwrites a cast")
    write_text_atomic(target, STARTER)
    print(f"wrote {target}; now run: facebuild build {target}")
    if _ignore_state(folder / ".gitignore"):
        print(f"wrote {folder / '.gitignore'}: {IGNORED} is facebuild's state, not to commit")
    return 0


def _ignore_state(gitignore: Path) -> bool:
    """Add ``.facebuild/`` to the folder's .gitignore, keeping what it already says."""
    old = gitignore.read_text(encoding="utf-8") if gitignore.exists() else ""
    if any(line.strip() in (IGNORED, IGNORED.rstrip("/"), "/" + IGNORED) for line in old.splitlines()):
        return False
    glue = "" if not old or old.endswith("\n") else "\n"
    write_text_atomic(gitignore, old + glue + ("\n" if old else "") + GITIGNORE)
    return True
