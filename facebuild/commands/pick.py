"""facebuild pick: pin a candidate's seed into the cast file, changing nothing else.

``facebuild pick tessa-quark/bust 3`` writes ``seeds: {bust: <seed of candidate 3>}`` on
that character, in the file that defines it (the cast or an included file). Candidate 1
then has candidate 3's render key, so the next build takes it from the store.

The file is parsed with ruamel.yaml's round-trip loader, which knows where every key and
value is; the edit itself is made on those lines. A round-trip *dump* would also keep the
comments, but not always the layout (indentation, comment columns, where a new key lands
after a trailing comment), and a pick must be a one-line diff.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError

from facebuild.atomic import write_text_atomic
from facebuild.cast import Cast
from facebuild.castfile import Character
from facebuild.commands.common import load
from facebuild.errors import UsageError
from facebuild.planner import candidate_seed, target_seed


def pick(target: str, candidate: int, *, cast: Path) -> int:
    """Pin the seed of ``target``'s candidate number ``candidate`` in the file of ``cast``
    that defines the character."""
    the_cast = load(cast)
    index, character, variant = _target(the_cast, target)
    count = the_cast.spec.variants[variant].candidates
    if count < 2:
        raise UsageError(f"{target}: variant '{variant}' has no candidates to pick from "
                         f"(set candidates: N on variants.{variant}, then build)")
    if not 1 <= candidate <= count:
        raise UsageError(f"{target}: no candidate {candidate}; choose 1 to {count}")
    root = variant
    while (parent := the_cast.spec.variants[root].from_) is not None:
        root = parent  # a derived variant's seed is its source's
    seed = (candidate_seed(the_cast, character.id, variant, candidate) if candidate > 1
            else target_seed(the_cast, character, root))
    where = the_cast.source_map.find(("characters", index))
    if where is None or where.line is None or where.column is None:
        raise UsageError(f"{target}: cannot tell where {character.id} is defined; add "
                         f"'seeds: {{{root}: {seed}}}' to it by hand")
    text = where.file.read_text(encoding="utf-8")
    hint = f"add 'seeds: {{{root}: {seed}}}' to {character.id} at {where} by hand"
    new_text = pin_seed(text, where.line - 1, where.column - 1, root, seed, hint)
    if new_text == text:
        print(f"{target}: candidate {candidate} (seed {seed}) is already pinned")
        return 0
    write_text_atomic(where.file, new_text)
    print(f"pinned {target} candidate {candidate}: seeds.{root} = {seed} "
          f"in {where.file}:{where.line}")
    print("the next build takes this image from the store: no new generation")
    return 0


def _target(cast: Cast, name: str) -> tuple[int, Character, str]:
    character_id, _, variant = name.partition("/")
    for index, character in enumerate(cast.spec.characters):
        if character.id == character_id and variant in cast.variants_of(character):
            return index, character, variant
    known = [f"{c.id}/{v}" for c in cast.spec.characters for v in cast.variants_of(c)]
    near = difflib.get_close_matches(name.partition("~")[0], known, n=1, cutoff=0.6)
    hint = f"did you mean '{near[0]}'?" if near else "targets look like 'tessa-quark/bust'"
    raise UsageError(f"no target '{name}' in {cast.path} ({hint})")


def pin_seed(text: str, line: int, column: int, variant: str, seed: int, hint: str) -> str:
    """``text`` with ``seeds[variant] = seed`` on the mapping that starts at 0-based
    (``line``, ``column``); every other line is left as it is."""
    try:
        document = YAML(typ="rt").load(text)
    except YAMLError as exc:
        raise UsageError(f"cannot read the file to edit: {exc}; {hint}") from None
    node = _mapping_at(document, line, column)
    if node is None or node.fa.flow_style():
        raise UsageError(f"cannot edit this character in place; {hint}")
    lines = text.splitlines(keepends=True)
    newline = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
    seeds = node.get("seeds")
    if isinstance(seeds, CommentedMap) and seeds.fa.flow_style():
        at, col = node.lc.value("seeds")
        end = lines[at].find("}", col)
        if end < 0:
            raise UsageError(f"cannot edit a 'seeds' mapping spread over lines; {hint}")
        items = {**{str(k): v for k, v in seeds.items()}, variant: seed}
        flow = "{" + ", ".join(f"{k}: {v}" for k, v in items.items()) + "}"
        lines[at] = lines[at][:col] + flow + lines[at][end + 1:]
    elif isinstance(seeds, CommentedMap) and seeds and variant in seeds:
        at, col = seeds.lc.value(variant)
        old = re.match(r"[^\s#,}]+", lines[at][col:])
        lines[at] = lines[at][:col] + str(seed) + lines[at][col + (old.end() if old else 0):]
    elif isinstance(seeds, CommentedMap) and seeds:
        at, col = seeds.lc.key(next(iter(seeds)))
        lines.insert(at, " " * col + f"{variant}: {seed}{newline}")
    elif "seeds" in node:
        raise UsageError(f"'seeds' is not a mapping of variant to seed; {hint}")
    else:
        lines.insert(_slot(node, lines, hint), " " * node.lc.col
                     + f"seeds: {{{variant}: {seed}}}{newline}")
    return "".join(lines)


def _slot(node: CommentedMap, lines: list[str], hint: str) -> int:
    """Where a new key goes: after 'seed' if there is one, else after the last of id,
    name and role (one-line values); never between a comment and the key it describes."""
    keys = list(node)
    anchors = [k for k in ("seed", "role", "name", "id") if k in node]
    if not anchors:
        raise UsageError(f"cannot find a place for 'seeds'; {hint}")
    anchor = anchors[0]
    position = keys.index(anchor)
    if position + 1 < len(keys):
        slot = node.lc.key(keys[position + 1])[0]
        while slot - 1 > node.lc.key(anchor)[0] and lines[slot - 1].strip()[:1] in ("", "#"):
            slot -= 1
        return int(slot)
    at = int(node.lc.key(anchor)[0])
    after = lines[at + 1] if at + 1 < len(lines) else ""
    if after.strip() and not after.lstrip().startswith("#") and \
            len(after) - len(after.lstrip()) > node.lc.col:
        raise UsageError(f"cannot find a place for 'seeds'; {hint}")
    return at + 1


def _mapping_at(node: Any, line: int, column: int) -> CommentedMap | None:
    """The mapping of the document that starts at (``line``, ``column``)."""
    if isinstance(node, CommentedMap):
        if (node.lc.line, node.lc.col) == (line, column):
            return node
        children: Any = node.values()
    elif isinstance(node, CommentedSeq):
        children = node
    else:
        return None
    for child in children:
        found = _mapping_at(child, line, column)
        if found is not None:
            return found
    return None

