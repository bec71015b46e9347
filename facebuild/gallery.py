"""dist/index.html: a static page of the whole cast, written by every build that changed
something. Self-contained (no server, no external fonts, scripts or CDNs; relative links
only), so it works from a checkout, a zip or a static host.

One row per character: name, role, traits, each variant at its real size (tiny icons also
enlarged with crisp pixels), candidates side by side and numbered, and on demand the
prompt, seed, backend and model. Images load lazily and off-screen rows are not laid out,
so the page stays fast with thousands of characters. Everything comes from the lock (what
is in dist) and the cast (names, roles, traits, as the privacy guard lets them pass), and
every string is escaped.
"""

from __future__ import annotations

import hashlib
import re
import sys
from collections.abc import Callable, Collection, Mapping
from html import escape
from pathlib import Path
from urllib.parse import quote

from facebuild import siterecord
from facebuild.atomic import holds, write_atomic
from facebuild.cast import Cast
from facebuild.castfile import Character
from facebuild.distpaths import GALLERY
from facebuild.galleryrows import (
    KnownRows,
    known_page,
    known_rows,
    page_body,
    page_body_bytes,
    remember,
    remembered,
)
from facebuild.gcpause import paused_gc
from facebuild.lock import Lock, LockEntry
from facebuild.privacy import shown_text
from facebuild.sheetpages import PAGE_CELLS, page_count, page_path

SHOWN_MAX = 256
"""Variants larger than this are shown scaled down to fit, linked to the file itself."""
ENLARGED = 192
"""Icons of at most a third of this are also shown enlarged to about this size."""


def _code_digest() -> str:
    try:
        source = Path(__file__).read_bytes()
    except OSError:  # no source beside the code: rows are made anew whenever the version is new
        from facebuild import __version__

        source = __version__.encode()
    return hashlib.sha256(repr((source, sys.version_info[:2])).encode()).hexdigest()[:16]


_FORMAT = _code_digest()
"""Part of every row's key: a row made by other code is made again."""

_STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:0;background:#f4f4f1;color:#222}
header.top{position:sticky;top:0;z-index:1;background:#222;color:#eee;padding:8px 16px;
display:flex;gap:16px;align-items:center;flex-wrap:wrap}
header.top h1{font-size:18px;margin:0}header.top a{color:#9cf}
#filter{font:inherit;padding:4px 8px;width:22em}
.row{display:flex;gap:16px;padding:12px 16px;border-bottom:1px solid #ddd;
content-visibility:auto;contain-intrinsic-size:auto 320px}
.row[hidden]{display:none}
.who{width:13em;flex:none}.body{flex:1;min-width:0}
.who h2{font-size:16px;margin:0}.who code{color:#777;font-size:12px}
.role{margin:2px 0;color:#444}.tags span{display:inline-block;background:#e2e6dc;border-radius:3px;
padding:0 5px;margin:2px 3px 0 0;font-size:12px}
.variants{display:flex;gap:16px;flex-wrap:wrap;align-items:flex-start}
figure{margin:0;background:#fff;border:1px solid #ddd;border-radius:4px;padding:6px;max-width:100%}
figcaption{font-weight:600}figcaption small{font-weight:400;color:#777}
.cands{display:flex;gap:8px;align-items:flex-end;flex-wrap:wrap}
.cand{display:flex;flex-direction:column;align-items:center;gap:2px}
.cand a{display:flex;gap:6px;align-items:flex-end}
.num{font-size:12px;color:#555}.cand img{display:block;max-width:100%;height:auto;
background:repeating-conic-gradient(#eee 0 25%,#fff 0 50%) 0 0/16px 16px}
img.big{image-rendering:pixelated}
details{max-width:60em;font-size:12px;margin-top:6px}dd{word-break:break-word}
#sheets{padding:12px 16px;word-spacing:4px}
dl{display:grid;grid-template-columns:auto 1fr;gap:0 8px;margin:4px 0}dt{color:#777}dd{margin:0}
"""

_SCRIPT = """
const box=document.getElementById('filter'),count=document.getElementById('count'),
rows=Array.from(document.querySelectorAll('.row'));
function apply(){const terms=box.value.toLowerCase().split(/\\s+/).filter(Boolean);let shown=0;
for(const row of rows){const hit=terms.every(t=>row.dataset.search.includes(t));row.hidden=!hit;
if(hit)shown++}count.textContent=shown+' of '+rows.length+' characters';
history.replaceState(null,'',box.value?'#q='+encodeURIComponent(box.value):location.pathname)}
box.addEventListener('input',apply);
if(location.hash.startsWith('#q=')){box.value=decodeURIComponent(location.hash.slice(3));apply()}
"""


def write_site(cast: Cast, lock: Lock, *, page_cells: int = PAGE_CELLS,
               scope: Collection[str] | None = None) -> None:
    """After a build wrote the lock: dist/index.html, and the pages of the contact sheet
    (``page_cells`` cells each) whose cells changed. Rows whose inputs did not change are
    taken from the page facebuild wrote last (see ``facebuild.galleryrows``). With ``scope``
    (the characters a build planned: any other is as it was), the rows of the others whose
    targets are not ``lock.altered()`` are taken by character from that page without a look
    at their lock entries, when it was made from the lock file read."""
    from facebuild.sheetbuild import build_sheet, write_build_sheet

    index = cast.dist_dir / GALLERY
    shown = remembered(shown_text(cast))  # the sheet's labels are the gallery's names
    with paused_gc():  # 20,000 small strings and lists in the heap of a whole build
        altered = lock.altered()
        sheet = build_sheet(cast, lock, shown, page_cells=page_cells, scope=scope, altered=altered)
        pages = page_count(len(sheet.characters), page_cells) if sheet.characters else 0
        rows = None
        if scope is not None:
            known = known_rows(index, cast.state_dir, siterecord.lock_read(lock), _FORMAT)
            rows = _scoped_rows(cast, lock, scope, altered, known, shown) if known is not None else None
        if rows is not None:
            head, foot = _frame(cast, len(rows[0]), pages)
            data = b"".join([head.encode("utf-8", "replace"), page_body_bytes(*rows),
                             foot.encode("utf-8", "replace")])
            same = holds(index, data)
        else:
            known_page_ = known_page(index, cast.state_dir)
            page = gallery_html(cast, lock, sheet_pages=pages, shown=shown,
                                known=known_page_.rows if known_page_ else None)
            data = page.encode("utf-8", "replace")  # a lone surrogate from a hand-made lock: '?'
            same = known_page_.text == page if known_page_ else holds(index, data)
    if not same:
        write_atomic(index, data)
    remember(index, cast.state_dir, made_from=siterecord.lock_written(lock, cast.lock_path), made_by=_FORMAT)
    write_build_sheet(cast, lock, sheet, page_cells=page_cells)


def gallery_html(cast: Cast, lock: Lock, *, sheet_pages: int = 1,
                 shown: Callable[[str], str] | None = None,
                 known: Mapping[str, str] | None = None) -> str:
    """The page; ``sheet_pages``: how many pages the contact sheet has, each linked;
    ``shown``: the privacy guard's view of a text (default: the cast's); ``known``: rows
    facebuild made before, by key, to take instead of making them again."""
    shown = shown or remembered(shown_text(cast))
    esc = remembered(escape)  # a world's negative, backends, models, roles: the same in every row
    by_id = {character.id: character for character in cast.spec.characters}  # not a search per row
    rows: list[str] = []
    keys: list[str] = []
    for character_id, variants in group(cast, lock).items():
        fields = _shown_fields(character_id, by_id.get(character_id), shown)
        key = _row_key(character_id, fields, variants)
        row = known.get(key) if known else None
        rows.append(row if row is not None else _row(character_id, fields, variants, esc))
        keys.append(key)
    head, foot = _frame(cast, len(rows), sheet_pages)
    return "".join([head, page_body(rows, keys), foot])


def _frame(cast: Cast, rows: int, sheet_pages: int) -> tuple[str, str]:
    """The page before its rows and after them."""
    title = escape(cast.spec.name)
    sheet, pages = _sheet_links(sheet_pages if rows else 0)
    return "".join([
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width,initial-scale=1">',
        f"<title>{title}</title><style>{_STYLE}</style></head><body>\n",
        f'<header class="top"><h1>{title}</h1>',
        '<input id="filter" type="search" placeholder="filter: name, role, trait" '
        'aria-label="filter by name, role or trait" autofocus>',
        f'<span id="count">{rows} characters</span>{sheet}',
        '<a href="manifest.json">manifest.json</a></header>\n',
    ]), f"{pages}<script>{_SCRIPT}</script></body></html>\n"


def _scoped_rows(cast: Cast, lock: Lock, scope: Collection[str], altered: Collection[str],
                 known: KnownRows, shown: Callable[[str], str]) -> tuple[list[bytes | memoryview], list[str]]:
    """The rows of the page and their keys, in ``group``'s order: those of the characters in
    ``scope``, with ``altered()`` targets or not in the cast made from their entries, every
    other taken from ``known``, the page made from the lock file read."""
    characters = {character.id: character for character in cast.spec.characters}
    remade = set(scope) | {name.partition("/")[0] for name in altered}
    targets: dict[str, list[str]] = {character: [] for character in remade}
    for name in lock.names():
        character = name.partition("/")[0]
        found = targets.get(character)
        if found is None and character not in characters:
            found = targets[character] = []  # kept in the lock (edited by hand), not in the cast
        if found is not None:
            found.append(name)
    order = {name: i for i, name in enumerate(cast.spec.variants)}
    others = sorted(character for character in targets if character not in characters)
    esc = remembered(escape)
    rows: list[bytes | memoryview] = []
    keys: list[str] = []
    for character_id in [*characters, *others]:
        names = targets.get(character_id)
        if names is None:
            row = known.get(escape(character_id))
            if row is not None:
                rows.append(row[0])
                keys.append(row[1])
            continue  # none: it had no entry in the lock read, and has none now
        variants = _variants({name: lock.get(name) for name in names}, order)
        if variants:
            fields = _shown_fields(character_id, characters.get(character_id), shown)
            rows.append(_row(character_id, fields, variants, esc).encode("utf-8", "replace"))
            keys.append(_row_key(character_id, fields, variants))
    return rows, keys


def _sheet_links(pages: int) -> tuple[str, str]:
    """The header's link to the contact sheet and, when it has several pages, the list of
    them under the rows."""
    if pages <= 1:
        return ('<a href="contact-sheet.png">contact sheet</a>' if pages else "", "")
    links = " ".join(f'<a href="{quote(page_path(Path("contact-sheet.png"), n).as_posix())}">{n}</a>'
                     for n in range(1, pages + 1))
    return (f'<a href="#sheets">contact sheet ({pages} pages)</a>',
            f'\n<nav id="sheets">contact sheet, {pages} pages: {links}</nav>')


Variants = dict[str, dict[int, LockEntry]]
"""variant -> candidate number -> lock entry."""


def group(cast: Cast, lock: Lock) -> dict[str, Variants]:
    """Lock entries by character (in cast order, then any others by id) and variant (in the
    cast's order, then any others by name) and candidate number."""
    order = {name: i for i, name in enumerate(cast.spec.variants)}
    found: dict[str, dict[str, LockEntry | None]] = {c.id: {} for c in cast.spec.characters}
    known = len(found)
    for name, entry in lock.entries.items():  # no setdefault: 20,000 empty dicts made for nothing
        character = name.partition("/")[0]
        entries = found.get(character)
        if entries is None:
            entries = found[character] = {}
        entries[name] = entry
    others = sorted(list(found)[known:])  # kept in the lock (edited by hand), not in the cast
    for character in others:
        found[character] = found.pop(character)
    grouped = {character: _variants(entries, order) for character, entries in found.items()}
    return {character: variants for character, variants in grouped.items() if variants}


def _variants(entries: Mapping[str, LockEntry | None], order: Mapping[str, int]) -> Variants:
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


def _shown_fields(character_id: str, character: Character | None, shown: Callable[[str], str]) -> Fields:
    if character is None:  # kept in the lock (edited by hand) but no longer in the cast
        return shown(character_id), "", []
    traits = list(character.traits)
    tags = (character.model_extra or {}).get("tags")
    if isinstance(tags, list):
        traits += [str(t) for t in tags]
    return shown(character.name), shown(character.role), [shown(t) for t in traits]


def _row_key(character_id: str, fields: Fields, variants: Variants) -> str:
    """What a row shows, as a digest: the code that makes rows, the character's shown
    fields, its variants, and per image its file (which names its candidate), sha256 and
    output key (which covers the size and the render key: prompt, negative, seed, backend,
    model). The fields joined by NUL (3x cheaper than ``repr``); when one holds a NUL, or an
    entry of a hand-made lock has no keys, its render and post-processing and all are taken
    by ``repr``, so two different rows never share a key."""
    name, role, traits = fields
    parts = [_FORMAT, character_id, name, role, str(len(traits)), *traits]
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
    parts: list[object] = [_FORMAT, character_id, fields]
    for variant, candidates in variants.items():
        for number, entry in candidates.items():
            parts.append((variant, number, entry))
    text = "repr" + repr(parts)  # never the start of a NUL-joined key, which is _FORMAT's hex
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=12).hexdigest()


def _row(character_id: str, fields: Fields, variants: Variants, esc: Callable[[str], str]) -> str:
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
