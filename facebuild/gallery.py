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

from collections.abc import Callable
from html import escape
from urllib.parse import quote

from facebuild.atomic import write_text_if_changed
from facebuild.cast import Cast
from facebuild.castfile import Character
from facebuild.lock import Lock, LockEntry
from facebuild.privacy import shown_text

SHOWN_MAX = 256
"""Variants larger than this are shown scaled down to fit, linked to the file itself."""
ENLARGED = 192
"""Icons of at most a third of this are also shown enlarged to about this size."""

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


def write_site(cast: Cast, lock: Lock) -> None:
    """After a build wrote the lock: dist/index.html, and the contact sheet if its
    inputs changed."""
    from facebuild.sheet import write_build_sheet

    write_text_if_changed(cast.dist_dir / "index.html", gallery_html(cast, lock))
    write_build_sheet(cast, lock)


def gallery_html(cast: Cast, lock: Lock) -> str:
    shown = shown_text(cast)
    by_id = {character.id: character for character in cast.spec.characters}  # not a search per row
    rows = [_row(character, by_id.get(character), variants, shown)
            for character, variants in group(cast, lock).items()]
    title = escape(cast.spec.name)
    sheet = '<a href="contact-sheet.png">contact sheet</a>' if rows else ""
    return "".join([
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width,initial-scale=1">',
        f"<title>{title}</title><style>{_STYLE}</style></head><body>\n",
        f'<header class="top"><h1>{title}</h1>',
        '<input id="filter" type="search" placeholder="filter: name, role, trait" '
        'aria-label="filter by name, role or trait" autofocus>',
        f'<span id="count">{len(rows)} characters</span>{sheet}',
        '<a href="manifest.json">manifest.json</a></header>\n<main>\n',
        "\n".join(rows),
        f"\n</main><script>{_SCRIPT}</script></body></html>\n",
    ])


Variants = dict[str, dict[int, LockEntry]]
"""variant -> candidate number -> lock entry."""


def group(cast: Cast, lock: Lock) -> dict[str, Variants]:
    """Lock entries by character (in cast order, then any others) and variant (in the
    cast's order) and candidate number."""
    order = {name: i for i, name in enumerate(cast.spec.variants)}
    found: dict[str, Variants] = {c.id: {} for c in cast.spec.characters}
    for name, entry in sorted(lock.entries.items()):
        target, _, number = name.partition("~")
        character, _, variant = target.partition("/")
        candidates = found.setdefault(character, {}).setdefault(variant, {})
        candidates[int(number) if number.isdigit() else 1] = entry
    return {character: dict(sorted(variants.items(), key=lambda kv: order.get(kv[0], len(order))))
            for character, variants in found.items() if variants}


def _row(character_id: str, character: Character | None, variants: Variants,
         shown: Callable[[str], str]) -> str:
    if character is not None:
        name, role, traits = character.name, character.role, list(character.traits)
        tags = (character.model_extra or {}).get("tags")
        if isinstance(tags, list):
            traits += [str(t) for t in tags]
    else:  # kept in the lock (edited by hand) but no longer in the cast
        name, role, traits = character_id, "", []
    name, role, traits = shown(name), shown(role), [shown(t) for t in traits]
    search = " ".join([character_id, name, role, *traits]).lower()
    tag_html = "".join(f"<span>{escape(t)}</span>" for t in traits)
    figures = "".join(_figure(f"{character_id}/{v}", v, c) for v, c in variants.items())
    return (f'<section class="row" id="{escape(character_id)}" data-search="{escape(search)}">'
            f'<div class="who"><h2>{escape(name)}</h2><code>{escape(character_id)}</code>'
            f'<p class="role">{escape(role)}</p><p class="tags">{tag_html}</p></div>'
            f'<div class="body"><div class="variants">{figures}</div>{_details(variants)}</div></section>')


def _figure(target: str, variant: str, candidates: dict[int, LockEntry]) -> str:
    width, height = (candidates[min(candidates)].post or {}).get("size", [SHOWN_MAX] * 2)
    cells = "".join(_candidate(target, n, candidates[n], width, height, len(candidates) > 1)
                    for n in sorted(candidates))
    return (f'<figure><figcaption>{escape(variant)} <small>{width}×{height}</small></figcaption>'
            f'<div class="cands">{cells}</div></figure>')


def _details(variants: Variants) -> str:
    """Prompt, negative, backend and model once per distinct prompt (a derived icon and
    every candidate share their source's), with the seed of each image."""
    prompts: dict[tuple[str, ...], dict[str, list[str]]] = {}
    for variant, candidates in variants.items():
        for number, entry in sorted(candidates.items()):
            render = entry.render or {}
            key = tuple(str(render.get(k, "")) for k in ("prompt", "negative", "backend", "model"))
            label = f"{variant} {number}" if len(candidates) > 1 else variant
            prompts.setdefault(key, {}).setdefault(str(render.get("seed")), []).append(label)
    parts = ['<details><summary>prompts, seeds, models</summary>']
    for (prompt, negative, backend, model), seeds in prompts.items():
        images = "; ".join(f"{', '.join(labels)}: seed {seed}" for seed, labels in seeds.items())
        parts.append(f"<dl><dt>images</dt><dd>{escape(images)}</dd><dt>model</dt>"
                     f"<dd>{escape(backend)} · {escape(model)}</dd><dt>prompt</dt>"
                     f"<dd>{escape(prompt)}</dd><dt>negative</dt><dd>{escape(negative)}</dd></dl>")
    return "".join(parts) + "</details>"


def _candidate(target: str, number: int, entry: LockEntry, width: int, height: int,
               numbered: bool) -> str:
    file = entry.file
    src = escape(f"{quote(file)}?v={entry.sha256[:12]}")
    scale = min(1.0, SHOWN_MAX / max(width, height))
    shown_w, shown_h = max(1, round(width * scale)), max(1, round(height * scale))
    alt = escape(f"{target} candidate {number}" if numbered else target)
    images = (f'<img src="{src}" width="{shown_w}" height="{shown_h}" loading="lazy" '
              f'decoding="async" alt="{alt}">')
    factor = ENLARGED // max(width, height)
    if factor >= 3:
        images += (f'<img class="big" src="{src}" width="{width * factor}" '
                   f'height="{height * factor}" loading="lazy" alt="{alt}, enlarged">')
    label = (f'<span class="num" title="facebuild pick {escape(target)} {number}">{number}</span>'
             if numbered else "")
    return f'<div class="cand"><a href="{escape(quote(file))}">{images}</a>{label}</div>'

