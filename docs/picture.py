"""Draw docs/moon-hard-lemonade.png, the README's picture: the example cast built with the
offline sketch backend, one column per character (bust, full body, icon).

    python docs/picture.py          # builds the example in a temporary copy
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image

HERE = Path(__file__).resolve().parent
EXAMPLE = HERE.parent / "examples" / "casts" / "moon-hard-lemonade"
CELL = 256


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        cast = Path(folder) / "cast"
        shutil.copytree(EXAMPLE, cast, ignore=shutil.ignore_patterns("dist", ".facebuild", "*.lock"))
        subprocess.run([sys.executable, "-m", "facebuild", "-q", "build", str(cast / "cast.yaml")],
                       check=True)
        dist = cast / "dist"
        people = sorted(p.name for p in dist.iterdir() if (p / "bust.png").is_file())
        order = _cast_order(cast / "cast.yaml", people)
        sheet = Image.new("RGB", (CELL * len(order), CELL * 2 + 64), "white")
        for column, person in enumerate(order):
            with Image.open(dist / person / "bust.png") as bust:
                sheet.paste(bust.convert("RGB"), (column * CELL, 0))
            with Image.open(dist / person / "full.png") as full:
                sheet.paste(full.convert("RGB").resize((CELL, CELL), Image.Resampling.LANCZOS),
                            (column * CELL, CELL))
            with Image.open(dist / person / "icon.png") as icon:
                sheet.paste(icon.convert("RGB"), (column * CELL + (CELL - 64) // 2, CELL * 2))
        sheet.save(HERE / "moon-hard-lemonade.png", optimize=True)


def _cast_order(cast: Path, people: list[str]) -> list[str]:
    """The characters in the order the cast lists them."""
    text = cast.read_text(encoding="utf-8")
    return sorted(people, key=lambda person: text.find(f"id: {person}"))


if __name__ == "__main__":
    main()
