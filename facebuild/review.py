"""The review page of ``facebuild diff --html FILE``: every changed target, the old image
(from the store, by the lock's render key) beside the new one, the prompt change as a
line diff, and the reasons. Images are embedded as data: URIs, so the one file can be
attached to a pull request, mailed or opened anywhere.
"""

from __future__ import annotations

import base64
import difflib
import io
import json
import re
import subprocess
from collections.abc import Callable
from html import escape
from pathlib import Path
from typing import Any

from PIL import Image

from facebuild import images
from facebuild.cast import Cast
from facebuild.changes import Change, Diff
from facebuild.diststate import DistState
from facebuild.errors import FacebuildError, UsageError
from facebuild.lock import LOCK_VERSION, Lock, parse_lock
from facebuild.planner import Plan, Target
from facebuild.store import Store
from facebuild.storeplace import local_root

PREVIEW_MAX = 512
"""Images larger than this are shown scaled down, to keep the page small."""
ORDER = ("new", "changed", "rederive", "edited", "removed")

Renderer = Callable[[Target], bytes | None]
"""The raw render of a target's new image, or None when it is not built yet."""

_STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:0 16px 32px;background:#f4f4f1;color:#222}
h1{font-size:20px}section{background:#fff;border:1px solid #ddd;border-radius:4px;padding:10px;
margin:12px 0}h2{font-size:16px;margin:0 0 6px}.status{display:inline-block;border-radius:3px;
padding:0 6px;margin-right:6px;color:#fff;background:#777}.new{background:#2a7}.changed{background:#d70}
.removed{background:#b33}.edited{background:#73b}.rederive{background:#38b}
.pair{display:flex;gap:16px;flex-wrap:wrap;align-items:flex-end}figure{margin:0}
figcaption{color:#555;font-size:12px}img{display:block;max-width:100%;height:auto;
image-rendering:auto;background:repeating-conic-gradient(#eee 0 25%,#fff 0 50%) 0 0/16px 16px}
img.tiny{image-rendering:pixelated}.none{width:160px;height:120px;display:flex;
align-items:center;justify-content:center;background:#eee;color:#777;text-align:center}
pre{white-space:pre-wrap;word-break:break-word;font-size:12px;margin:6px 0 0}
del,ins{display:block;text-decoration:none}del{background:#fdd}ins{background:#dfd}
"""


def review_html(the_plan: Plan, changes: Diff, new_render: Renderer, *, title: str) -> str:
    store = Store(local_root(the_plan.cast))
    shown = sorted((c for c in changes.changes.values() if c.status in ORDER),
                   key=lambda c: (ORDER.index(c.status), c.target))
    counts = ", ".join(f"{n} {s}" for s, n in changes.counts().items() if n and s in ORDER)
    sections = [_section(change, store, new_render) for change in shown]
    return "".join([
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">',
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>\n",
        f"<h1>{escape(title)}</h1><p>{escape(counts or 'nothing changed')}</p>\n",
        "\n".join(sections), "\n</body></html>\n",
    ])


def _section(change: Change, store: Store, new_render: Renderer) -> str:
    old, new = change.old, change.new
    if old is None:
        before = _none("new target")
    elif store.has(str(old.render_key)):
        before = _figure(store.get(str(old.render_key)), old.post or {}, "before")
    else:
        before = _none("old render not in the store")
    if new is None:
        after = _none("removed")
    else:
        try:
            render = new_render(new)
        except FacebuildError as exc:  # one refused render does not lose the whole page
            after = _none(f"render failed: {exc}")
        else:
            after = (_figure(render, new.post, "after") if render is not None
                     else _none("not built yet (diff --render shows it)"))
    reasons = f" ({', '.join(change.reasons)})" if change.reasons else ""
    old_render: dict[str, Any] = (old.render if old else None) or {}
    text = [_text_diff("prompt", str(old_render.get("prompt", "")), new.prompt if new else ""),
            _text_diff("negative", str(old_render.get("negative", "")),
                       new.request.negative if new else "")]
    if new is not None and old_render and old_render.get("seed") != new.seed:
        text.append(f"<pre>seed {escape(str(old_render.get('seed')))} → {new.seed}</pre>")
    return (f'<section id="{escape(change.target)}"><h2><span class="status {change.status}">'
            f"{change.status}</span>{escape(change.target)}<small>{escape(reasons)}</small></h2>"
            f'<div class="pair">{before}{after}</div>{"".join(text)}</section>')


def _figure(render: bytes, post: dict[str, Any], caption: str) -> str:
    data, mime = images.derive(render, post, {}), f"image/{post.get('format', 'png')}"
    width, height = post.get("size", [0, 0])
    if max(width, height) > PREVIEW_MAX:
        with Image.open(io.BytesIO(data)) as image:
            image.thumbnail((PREVIEW_MAX, PREVIEW_MAX), Image.Resampling.LANCZOS)
            out = io.BytesIO()
            image.save(out, format="PNG")
        data, mime, caption = out.getvalue(), "image/png", f"{caption} (shown at {PREVIEW_MAX} px)"
    scale = max(1, 128 // max(width, height, 1))
    tiny = ' class="tiny"' if scale > 1 else ""
    uri = f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
    shown = min(1.0, PREVIEW_MAX / max(width, height, 1)) * scale
    return (f'<figure><img{tiny} src="{uri}" width="{round(width * shown)}" '
            f'height="{round(height * shown)}" alt="{caption}">'
            f"<figcaption>{caption}, {width}×{height}</figcaption></figure>")


def _none(text: str) -> str:
    return f'<figure><div class="none">{escape(text)}</div></figure>'


def _text_diff(label: str, old: str, new: str) -> str:
    if old == new or not (old or new):
        return ""
    lines = difflib.ndiff(_sentences(old), _sentences(new))
    marked = []
    for line in lines:
        tag, body = line[:2], escape(line[2:])
        if tag == "- ":
            marked.append(f"<del>- {body}</del>")
        elif tag == "+ ":
            marked.append(f"<ins>+ {body}</ins>")
        elif tag == "  ":
            marked.append(f"  {body}\n")
    return f"<pre><b>{label}</b>\n{''.join(marked)}</pre>"


def _sentences(text: str) -> list[str]:
    """One sentence a line, so a prompt change reads as a small line diff."""
    return [s for s in re.split(r"(?<=[.!?])\s+", text) if s]


def committed_lock(cast: Cast, rev: str) -> Lock:
    """The cast's lock as committed at git revision ``rev`` (``diff --base REV``)."""
    folder = cast.base_dir.resolve()
    top = Path(_git(folder, rev, "rev-parse", "--show-toplevel",
                    fail=f"{folder} is not in a git repository"))
    relative = cast.lock_path.resolve().relative_to(top).as_posix()
    _git(folder, rev, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}",
         fail=f"unknown revision '{rev}'")
    text = _git(folder, rev, "show", f"{rev}:{relative}",
                fail=f"{relative} is not committed at {rev}")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"--base {rev}: {relative} at {rev} is not valid JSON ({exc})") from None
    if not isinstance(data, dict) or data.get("version") not in range(1, LOCK_VERSION + 1):
        raise UsageError(f"--base {rev}: {relative} at {rev} has an unsupported lock version")
    # its entries are checked as the lock's own are: a committed lock is as hostile
    return Lock(parse_lock(text, Path(f"{rev}:{relative}")))


def _git(folder: Path, rev: str, *args: str, fail: str) -> str:
    try:
        done = subprocess.run(["git", *args], cwd=folder, capture_output=True, text=True,
                              timeout=60)
    except FileNotFoundError:
        raise UsageError(f"--base {rev}: git is not installed") from None
    if done.returncode != 0:
        raise UsageError(f"--base {rev}: {fail}")
    return done.stdout.strip() if args[0] == "rev-parse" else done.stdout


class AsCommitted(DistState):
    """dist as the base revision built it: every file is the one its lock entry names, so
    a comparison with a committed lock reports no hand edits and no missing files."""

    def __init__(self, lock: Lock) -> None:
        super().__init__(Path(), Path(), {})
        self.files = {e.file: e.sha256 for e in lock.entries.values()}

    def sha256(self, relative: str) -> str | None:
        return self.files.get(relative)

    def save(self) -> None:
        pass
