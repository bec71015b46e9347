"""facebuild explain PATH: where a file in dist came from, from its manifest entry (and
its PNG text chunks when it has no manifest)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from facebuild.errors import UsageError


def explain(path: Path, *, as_json: bool = False) -> int:
    """Print where the file at ``path`` came from (one JSON object with ``as_json``)."""
    if not path.is_file():
        raise UsageError(f"{path}: no such file")
    found = find_entry(path)
    if found is None:
        from facebuild.images import png_text

        text = png_text(path.read_bytes()) if path.suffix == ".png" else {}
        if "render_key" not in text:
            raise UsageError(f"{path}: not made by facebuild (no manifest.json above it names "
                             "it, and it carries no facebuild metadata)")
        entry: dict[str, Any] = {"target": text.get("facebuild:target"), **text}
        manifest = None
    else:
        manifest, entry = found
    actual = hashlib.sha256(path.read_bytes()).hexdigest()
    chain = reference_chain(manifest, entry) if manifest is not None else []
    if as_json:
        state = None if "sha256" not in entry else entry["sha256"] == actual
        print(json.dumps({"file": str(path), "sha256": actual, "as_built": state,
                          "manifest": str(manifest) if manifest else None, "entry": entry,
                          "chain": chain},
                         indent=2, sort_keys=True, ensure_ascii=False))
        return 0
    print(f"file:       {path}")
    print(f"target:     {entry.get('target')}")
    if "sha256" in entry:
        state = "as built" if entry["sha256"] == actual else "EDITED since the build"
        print(f"sha256:     {actual} ({state})")
    for key in ("seed", "backend", "model", "render_key", "template", "price"):
        if entry.get(key) is not None:
            print(f"{key + ':':<11} {entry[key]}")
    if entry.get("render_key") is not None:
        print(f"render:     {_render_verdict(path, str(entry['render_key']))}")
    print(f"prompt:     {entry.get('prompt')}")
    print(f"negative:   {entry.get('negative')}")
    inputs = entry.get("inputs")
    if isinstance(inputs, dict):  # a ComfyUI workflow: where each value went
        order = ["prompt", "negative", "seed", "width", "height", "output"]
        keys = [k for k in order if k in inputs] + sorted(k for k in inputs if k not in order)
        shown = ", ".join(f"{key} -> {inputs[key] if inputs[key] is not None else 'not injected'}"
                          for key in keys)
        print(f"injected:   {shown}")
    for key, value in sorted((entry.get("source") or {}).items()):
        print(f"source.{key}: {json.dumps(value) if not isinstance(value, str) else value}")
    for link in chain:  # what its render was generated from, down to the first render
        print(f"from:       {link['target']} (strength {link['strength']:g}): seed {link['seed']}, "
              f"render {str(link['render_key'])[:12]}, prompt: {link['prompt']}"
              if link.get("render_key") else f"from:       {link['file']} (strength "
              f"{link['strength']:g}): sha256 {link['sha256']}")
    if manifest is not None:
        print(f"manifest:   {manifest}")
    return 0


def reference_chain(manifest: Path, entry: dict[str, Any]) -> list[dict[str, Any]]:
    """The renders ``entry``'s render was generated from, nearest first, as the manifest
    records them (a reference file ends the chain)."""
    try:
        files = json.loads(manifest.read_text(encoding="utf-8")).get("files", {})
    except (ValueError, AttributeError, OSError):
        return []
    by_target = {str(e.get("target")): e for e in files.values() if isinstance(e, dict)}
    chain: list[dict[str, Any]] = []
    reference, name = entry.get("reference"), entry.get("depends_on")
    while isinstance(reference, dict) and len(chain) < 100:
        strength = reference.get("strength", 0.0)
        found = by_target.get(str(name))
        if found is None or found.get("render_key") != reference.get("render_key"):
            chain.append({"file": name, "sha256": reference.get("sha256")
                          or reference.get("render_key"), "strength": strength})
            break
        chain.append({"target": name, "render_key": found.get("render_key"),
                      "seed": found.get("seed"), "prompt": found.get("prompt"),
                      "strength": strength})
        reference, name = found.get("reference"), found.get("depends_on")
    return chain


def _render_verdict(path: Path, key: str) -> str:
    """The stored render behind a file: the store in ``.facebuild/`` of the nearest folder
    above it that has one."""
    from facebuild.store import Store

    for folder in path.resolve().parents:
        root = folder / ".facebuild" / "store"
        if root.is_dir():
            return Store(root).verdict(key)
    return "not checked (no .facebuild/store above the file)"


def find_entry(path: Path) -> tuple[Path, dict[str, Any]] | None:
    """The manifest.json above ``path`` that lists it, and its entry there."""
    resolved = path.resolve()
    for folder in resolved.parents:
        for name in ("manifest.json", "image_manifest.json"):
            manifest = folder / name
            if not manifest.is_file():
                continue
            try:  # a manifest is a file in dist: it may hold anything
                data = json.loads(manifest.read_text(encoding="utf-8"))
            except (ValueError, OSError):
                continue
            files = data.get("files") if isinstance(data, dict) else None
            if not isinstance(files, dict):
                continue
            entry = files.get(resolved.relative_to(folder).as_posix())
            if isinstance(entry, dict):
                return manifest, entry
    return None
