"""One row of dist/index.html: a character's name, role and traits as the privacy guard
shows them, its variants and candidates, its prompts on demand, every string escaped; and
the row's key, a digest of everything it shows (see ``facebuild.galleryrows``)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from html import escape
from urllib.parse import quote

from facebuild import siterecord
from facebuild.castfile import Character
from facebuild.lock import LockEntry

SHOWN_MAX = 256
"""Variants larger than this are shown scaled down to fit, linked to the file itself."""
ENLARGED = 192
"""Icons of at most a third of this are also shown enlarged to about this size."""

FORMAT = siterecord.code_digest(__file__)
"""Part of every row's key: a row made by other code is made again."""


Variants = dict[str, dict[int, LockEntry]]
"""variant -> candidate number -> lock entry."""


def by_variant(entries: Mapping[str, LockEntry | None], order: Mapping[str, int]) -> Variants:
    """One character's entries (by target name) by variant (in the cast's ``order``, then
    any others by name) and candidate number (in order, whatever the order of the entries:
    a row's key is the same for a lock read and a lock built)."""
    variants: Variants = {}
    for name, entry in entries.items():
        if entry is None:
            continue
        target, _, number = name.partition("~")
        variant = target.partition("/")[2]
        candidates = variants.get(variant)
        if candidates is None:
            candidates = variants[variant] = {}
        candidates[int(number) if number.isdigit() else 1] = entry
    last = len(order)
    ordered = sorted(variants.items(), key=lambda kv: (order.get(kv[0], last), kv[0]))
    return {variant: candidates if len(candidates) == 1 else dict(sorted(candidates.items()))
            for variant, candidates in ordered}

Fields = tuple[str, str, list[str]]
"""A character's name, role and traits (with its tags) as the privacy guard shows them."""


def shown_fields(character_id: str, character: Character | None, shown: Callable[[str], str]) -> Fields:
    if character is None:  # kept in the lock (edited by hand) but no longer in the cast
        return shown(character_id), "", []
    traits = list(character.traits)
    tags = (character.model_extra or {}).get("tags")
    if isinstance(tags, list):
        traits += [str(t) for t in tags]
    return shown(character.name), shown(character.role), [shown(t) for t in traits]


def row_key(character_id: str, fields: Fields, variants: Variants) -> str:
    """What a row shows, as a digest: the code that makes rows, the character's shown
    fields, its variants, and per image its file (which names its candidate), sha256 and
    output key (which covers the size and the render key: prompt, negative, seed, backend,
    model). The fields joined by NUL (3x cheaper than ``repr``); when one holds a NUL, or an
    entry of a hand-made lock has no keys, its render and post-processing and all are taken
    by ``repr``, so two different rows never share a key."""
    name, role, traits = fields
    parts = [FORMAT, character_id, name, role, str(len(traits)), *traits]
    for variant, candidates in variants.items():
        parts.append(variant)
        for entry in candidates.values():
            if entry.output_key is None or entry.render_key is None:
                return _full_key(character_id, fields, variants)
            parts += (entry.file, entry.sha256, entry.output_key)
    text = "\0".join(parts)
    if text.count("\0") != len(parts) - 1:
        return _full_key(character_id, fields, variants)
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=12).hexdigest()


def _full_key(character_id: str, fields: Fields, variants: Variants) -> str:
    parts: list[object] = [FORMAT, character_id, fields]
    for variant, candidates in variants.items():
        for number, entry in candidates.items():
            parts.append((variant, number, entry))
    text = "repr" + repr(parts)  # never the start of a NUL-joined key, which is FORMAT's hex
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=12).hexdigest()


def row_html(character_id: str, fields: Fields, variants: Variants, esc: Callable[[str], str]) -> str:
    name, role, traits = fields
    search = " ".join([character_id, name, role, *traits]).lower()
    tag_html = "".join(f"<span>{esc(t)}</span>" for t in traits)
    figures = "".join([_figure(f"{character_id}/{v}", v, c, esc) for v, c in variants.items()])
    ident = escape(character_id)
    return (f'<section class="row" id="{ident}" data-search="{escape(search)}">'
            f'<div class="who"><h2>{escape(name)}</h2><code>{ident}</code>'
            f'<p class="role">{esc(role)}</p><p class="tags">{tag_html}</p></div>'
            f'<div class="body"><div class="variants">{figures}</div>{_details(variants, esc)}</div>'
            '</section>')


def _figure(target: str, variant: str, candidates: dict[int, LockEntry],
            esc: Callable[[str], str]) -> str:
    numbers = sorted(candidates)
    width, height = (candidates[numbers[0]].post or {}).get("size", [SHOWN_MAX] * 2)
    numbered = len(numbers) > 1
    shown_target = escape(target)
    cells = "".join([_candidate(shown_target, n, candidates[n], width, height, numbered)
                     for n in numbers])
    return (f'<figure><figcaption>{esc(variant)} <small>{width}×{height}</small></figcaption>'
            f'<div class="cands">{cells}</div></figure>')


def _details(variants: Variants, esc: Callable[[str], str]) -> str:
    """Prompt, negative, backend and model once per distinct prompt (a derived icon and
    every candidate share their source's), with the seed of each image."""
    prompts: dict[tuple[str, ...], dict[str, list[str]]] = {}
    for variant, candidates in variants.items():
        numbered = len(candidates) > 1
        for number in sorted(candidates):
            render = candidates[number].render or {}
            key = (str(render.get("prompt", "")), str(render.get("negative", "")),
                   str(render.get("backend", "")), str(render.get("model", "")))
            label = f"{variant} {number}" if numbered else variant
            prompts.setdefault(key, {}).setdefault(str(render.get("seed")), []).append(label)
    parts = ['<details><summary>prompts, seeds, models</summary>']
    for (prompt, negative, backend, model), seeds in prompts.items():
        images = "; ".join([f"{', '.join(labels)}: seed {seed}" for seed, labels in seeds.items()])
        parts.append(f"<dl><dt>images</dt><dd>{escape(images)}</dd><dt>model</dt>"
                     f"<dd>{esc(backend)} · {esc(model)}</dd><dt>prompt</dt>"
                     f"<dd>{escape(prompt)}</dd><dt>negative</dt><dd>{esc(negative)}</dd></dl>")
    return "".join(parts) + "</details>"


_URL_PLAIN = re.compile(r"[A-Za-z0-9_./-]*")
"""A path ``quote`` and ``escape`` leave as it is: nearly every file in dist."""


def _candidate(target: str, number: int, entry: LockEntry, width: int, height: int,
               numbered: bool) -> str:
    """One image; ``target`` is escaped already."""
    file = entry.file
    href = file if _URL_PLAIN.fullmatch(file) else escape(quote(file))
    src = f"{href}?v={escape(entry.sha256[:12])}"
    scale = min(1.0, SHOWN_MAX / max(width, height))
    shown_w, shown_h = max(1, round(width * scale)), max(1, round(height * scale))
    alt = f"{target} candidate {number}" if numbered else target
    images = (f'<img src="{src}" width="{shown_w}" height="{shown_h}" loading="lazy" '
              f'decoding="async" alt="{alt}">')
    factor = ENLARGED // max(width, height)
    if factor >= 3:
        images += (f'<img class="big" src="{src}" width="{width * factor}" '
                   f'height="{height * factor}" loading="lazy" alt="{alt}, enlarged">')
    label = (f'<span class="num" title="facebuild pick {target} {number}">{number}</span>'
             if numbered else "")
    return f'<div class="cand"><a href="{href}">{images}</a>{label}</div>'
