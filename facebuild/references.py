"""Reference edges of the build graph: which render is generated from which.

A variant's ``reference: bust`` makes its render depend on the bust's render; a
character's ``reference: refs/tessa.png`` makes every variant of that character without a
reference of its own depend on that file. The planner puts the referenced render's key (or
the file's sha256) into the referencing render's key, so a change flows down the edge and
no further.

Every mistake is found before anything is planned, with the cast's file and line: an
unknown variant, a derived (``from:``) variant on either end, a cycle, a character without
the variant its variant references, and a file that is missing, too large or outside the
cast's folder (casts are untrusted: a reference must not read the rest of the disk).
"""

from __future__ import annotations

import difflib
import hashlib
from pathlib import Path
from typing import NamedTuple

from facebuild.cast import Cast
from facebuild.castfile import Character
from facebuild.errors import CastError, CastErrors
from facebuild.privacy import scan

MAX_REFERENCE_BYTES = 32 * 1024 * 1024
"""A reference file larger than this is refused (a PNG of 8192×8192 is well below)."""


class ReferenceFile(NamedTuple):
    path: Path
    relative: str
    """As the cast wrote it, for the lock and messages."""
    sha256: str


def check_references(cast: Cast) -> dict[str, ReferenceFile]:
    """Raise ``CastErrors`` for every bad reference; return the reference files by the
    text the cast wrote, read and hashed once each."""
    errors: list[CastError] = []
    spec, where = cast.spec, cast.source_map.find

    def error(path: tuple[str | int, ...], key: str, message: str, hint: str | None) -> None:
        errors.append(CastError(message, location=where(path), key=key, hint=hint))

    for name, variant in spec.variants.items():
        ref = variant.reference
        if ref is None:
            continue
        path, key = ("variants", name, "reference"), f"variants.{name}.reference"
        if variant.from_ is not None:
            error(path, key, f"variant {name} is derived (from: {variant.from_}) and never "
                  "rendered, so it cannot be rendered from a reference",
                  "remove 'from:' or 'reference:'")
        elif ref not in spec.variants:
            near = difflib.get_close_matches(ref, list(spec.variants), n=1)
            error(path, key, f"reference to unknown variant {ref!r}",
                  f"did you mean '{near[0]}'?" if near else f"variants: {', '.join(spec.variants)}")
        elif spec.variants[ref].from_ is not None:
            error(path, key, f"reference to {ref}, a derived variant (from: "
                  f"{spec.variants[ref].from_}) that has no render of its own",
                  f"reference '{spec.variants[ref].from_}' instead")
        else:
            cycle = _cycle(cast, name)
            if cycle:
                error(path, key, f"references make a cycle: {' -> '.join(cycle)}",
                      "one variant in the chain must be rendered without a reference")
    if errors:
        raise CastErrors(errors) if len(errors) > 1 else errors[0]
    files: dict[str, ReferenceFile] = {}
    for index, character in enumerate(spec.characters):
        label = f"characters[{character.id}]"
        have = set(cast.variants_of(character))
        for wanted in cast.variants_of(character):
            needed = spec.variants[wanted].reference
            if needed is not None and needed not in have:
                error(("characters", index, "variants"), f"{label}.variants",
                      f"{character.id}/{wanted} is rendered from {needed}, which "
                      f"{character.id} does not have", f"add {needed} to its variants")
        if character.reference is not None and character.reference not in files:
            try:
                files[character.reference] = _read(cast, character.reference)
            except ValueError as exc:
                error(("characters", index, "reference"), f"{label}.reference", str(exc),
                      "name an image file inside the cast's folder, e.g. refs/tessa.png")
    if errors:
        raise CastErrors(errors) if len(errors) > 1 else errors[0]
    return files


def _cycle(cast: Cast, start: str) -> list[str]:
    """The cycle of references through ``start``, or [] when the chain ends."""
    chain = [start]
    current = cast.spec.variants[start].reference
    while current is not None and current in cast.spec.variants:
        if current == start:
            return [*chain, current]
        if current in chain:
            return []  # a cycle further down, reported at its own variants
        chain.append(current)
        current = cast.spec.variants[current].reference
    return []


def _read(cast: Cast, text: str) -> ReferenceFile:
    """The file, read within the cast's folder (links resolved), bounded in size. Its name
    goes into the lock and the manifest, so one the privacy guard flags is refused."""
    if scan(text):
        raise ValueError("the reference file's path holds what looks like personal data or a "
                         "secret; it would be written to the lock: rename the file")
    given = Path(text)
    if given.is_absolute() or ".." in given.parts:
        raise ValueError(f"reference {text!r} must be a relative path inside the cast's folder")
    folder = cast.base_dir.resolve()
    path = (cast.base_dir / given).resolve()
    if not path.is_relative_to(folder):
        raise ValueError(f"reference {text!r} leads out of the cast's folder")
    if not path.is_file():
        raise ValueError(f"reference file {text!r} does not exist")
    if path.stat().st_size > MAX_REFERENCE_BYTES:
        raise ValueError(f"reference file {text!r} is larger than "
                         f"{MAX_REFERENCE_BYTES // (1024 * 1024)} MB")
    with path.open("rb") as handle:
        data = handle.read(MAX_REFERENCE_BYTES + 1)
    return ReferenceFile(path, text, hashlib.sha256(data).hexdigest())


def reference_of(cast: Cast, character: Character, variant: str) -> tuple[str, str] | None:
    """What ``character``'s render of ``variant`` is rendered from: ("variant", name),
    ("file", text as written), or None."""
    own = cast.spec.variants[variant].reference
    if own is not None:
        return ("variant", own)
    if character.reference is not None:
        return ("file", character.reference)
    return None
