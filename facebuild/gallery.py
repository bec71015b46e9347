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

from collections.abc import Callable, Collection, Mapping
from html import escape
from pathlib import Path
from urllib.parse import quote

from facebuild import siterecord
from facebuild.atomic import holds, write_atomic
from facebuild.cast import Cast
from facebuild.distpaths import GALLERY
from facebuild.galleryhtml import FORMAT, Variants, by_variant, row_html, row_key, shown_fields
from facebuild.galleryrows import known_page, known_rows, page_body, page_body_bytes, remember, remembered
from facebuild.gcpause import paused_gc
from facebuild.lock import Lock, LockEntry
from facebuild.privacy import shown_text
from facebuild.sheetpages import PAGE_CELLS, page_count, page_path

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


def write_site(cast: Cast, lock: Lock, *, page_cells: int = PAGE_CELLS, scope: Collection[str] | None = None,
               lock_file: Path | None = None) -> None:
    """After a build wrote the lock: dist/index.html, and the pages of the contact sheet
    (``page_cells`` cells each) whose cells changed. Rows whose inputs did not change are
    taken from the page facebuild wrote last (see ``facebuild.galleryrows``). With ``scope``
    (the characters a build planned: any other is as it was), the rows of the others whose
    targets are not ``lock.altered()`` are taken by character from that page without a look
    at their lock entries, when it was made from the lock file read. ``lock_file``: where
    the caller has just written ``lock``, what the site is recorded as made from for the
    next build (see ``siterecord.lock_files``)."""
    from facebuild.sheetbuild import build_sheet, write_build_sheet

    index = cast.dist_dir / GALLERY
    files = siterecord.lock_files(lock, lock_file)
    shown = remembered(shown_text(cast))  # the sheet's labels are the gallery's names
    with paused_gc():  # 20,000 small strings and lists in the heap of a whole build
        altered = lock.altered()
        sheet = build_sheet(cast, lock, shown, files.read, page_cells=page_cells, scope=scope,
                            altered=altered)
        pages = page_count(len(sheet.characters), page_cells) if sheet.characters else 0
        page = (_scoped_page(cast, lock, files.read, scope, altered, pages, shown)
                if scope is not None else None)
        data, same = page or _whole_page(cast, lock, pages, shown)
    if not same:
        write_atomic(index, data)
    remember(index, cast.state_dir, made_from=files.written, made_by=FORMAT)
    write_build_sheet(cast, sheet, files.written, page_cells=page_cells)


def _whole_page(cast: Cast, lock: Lock, sheet_pages: int, shown: Callable[[str], str]) -> tuple[bytes, bool]:
    """The page from every lock entry (rows whose key did not change taken from the page
    written last), and whether dist holds it already."""
    index = cast.dist_dir / GALLERY
    known = known_page(index, cast.state_dir)
    page = gallery_html(cast, lock, sheet_pages=sheet_pages, shown=shown, known=known.rows if known else None)
    data = page.encode("utf-8", "replace")  # a lone surrogate from a hand-made lock: '?'
    return data, known.text == page if known else holds(index, data)


def _scoped_page(cast: Cast, lock: Lock, read: list[int] | None, scope: Collection[str],
                 altered: Collection[str], sheet_pages: int,
                 shown: Callable[[str], str]) -> tuple[bytes, bool] | None:
    """The page after a build of the characters in ``scope``, and whether dist holds it
    already; None when the page written last cannot be used (see ``known_rows``): it must
    have been made from the lock file ``read``."""
    known = known_rows(cast.dist_dir / GALLERY, cast.state_dir, read, FORMAT)
    if known is None:
        return None
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
            row = known.rows.get(escape(character_id))
            if row is not None:
                rows.append(row[0])
                keys.append(row[1])
            continue  # none: it had no entry in the lock read, and has none now
        variants = by_variant({name: lock.get(name) for name in names}, order)
        if variants:
            fields = shown_fields(character_id, characters.get(character_id), shown)
            rows.append(row_html(character_id, fields, variants, esc).encode("utf-8", "replace"))
            keys.append(row_key(character_id, fields, variants))
    head, foot = _frame(cast, len(rows), sheet_pages)
    data = b"".join([head.encode("utf-8", "replace"), page_body_bytes(rows, keys),
                     foot.encode("utf-8", "replace")])
    return data, data == known.data


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
        fields = shown_fields(character_id, by_id.get(character_id), shown)
        key = row_key(character_id, fields, variants)
        row = known.get(key) if known else None
        rows.append(row if row is not None else row_html(character_id, fields, variants, esc))
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


def _sheet_links(pages: int) -> tuple[str, str]:
    """The header's link to the contact sheet and, when it has several pages, the list of
    them under the rows."""
    if pages <= 1:
        return ('<a href="contact-sheet.png">contact sheet</a>' if pages else "", "")
    links = " ".join(f'<a href="{quote(page_path(Path("contact-sheet.png"), n).as_posix())}">{n}</a>'
                     for n in range(1, pages + 1))
    return (f'<a href="#sheets">contact sheet ({pages} pages)</a>',
            f'\n<nav id="sheets">contact sheet, {pages} pages: {links}</nav>')

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
    grouped = {character: by_variant(entries, order) for character, entries in found.items()}
    return {character: variants for character, variants in grouped.items() if variants}
