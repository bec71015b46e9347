"""facebuild init: a starter cast that builds at once with the offline sketch backend."""

from __future__ import annotations

import argparse
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


def run(args: argparse.Namespace) -> int:
    folder = Path(args.directory)
    target = folder / "cast.yaml"
    if target.exists():
        raise UsageError(f"{target} already exists; facebuild init never overwrites a cast")
    write_text_atomic(target, STARTER)
    print(f"wrote {target}; now run: facebuild build {target}")
    return 0
