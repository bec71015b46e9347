"""The build: real files, real images, the lock, and only what changed regenerated."""

from __future__ import annotations

import hashlib
import io
import json
import os
from pathlib import Path

from conftest import CAST
from lockfile import lock_targets
from PIL import Image

from facebuild.images import png_text
from facebuild.locking import held


def image(path: Path) -> Image.Image:
    return Image.open(io.BytesIO(path.read_bytes()))


def test_build_writes_every_output_at_its_exact_size(cast_file, cli, counting) -> None:
    code, out, _ = cli("build")
    assert code == 0, out
    dist = cast_file.parent / "dist"
    sizes = {p.relative_to(dist).as_posix(): image(p).size for p in dist.glob("*/*.png")}
    assert sizes == {
        "tessa-quark/bust.png": (256, 256), "tessa-quark/icon.png": (64, 64),
        "tessa-quark/full.png": (200, 400), "bob/bust.png": (256, 256),
        "bob/icon.png": (64, 64), "bob/full.png": (200, 400),
    }
    # icon derived from the bust: one generation per character for bust+icon, one for full
    assert len(counting.calls) == 4
    assert sorted((r.width, r.height) for r in counting.calls) == [(200, 400)] * 2 + [(512, 512)] * 2
    # the icon is the bust render scaled down: same colour in the middle
    bust, icon = image(dist / "bob/bust.png"), image(dist / "bob/icon.png")
    assert bust.getpixel((128, 128)) == icon.getpixel((32, 32))
    assert "built: 6 generated, 0 derived, 0 cached, 0 failed (4 renders)" in out


def test_png_metadata_and_lock_and_manifest_agree(cast_file, cli) -> None:
    cli("build")
    base = cast_file.parent
    lock = lock_targets(base)
    manifest = json.loads((base / "dist" / "manifest.json").read_text())["files"]
    assert sorted(lock) == ["bob/bust", "bob/full", "bob/icon",
                            "tessa-quark/bust", "tessa-quark/full", "tessa-quark/icon"]
    for name, entry in lock.items():
        data = (base / "dist" / entry["file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]
        text = png_text(data)
        assert text["prompt"] == entry["render"]["prompt"]
        assert text["seed"] == str(entry["render"]["seed"])
        assert text["render_key"] == entry["render_key"]
        assert text["model"] == "count-1"
        assert manifest[entry["file"]]["target"] == name
        assert manifest[entry["file"]]["sha256"] == entry["sha256"]
    assert "Tessa Quark, Digger." in lock["tessa-quark/bust"]["render"]["prompt"]
    assert lock["tessa-quark/icon"]["render_key"] == lock["tessa-quark/bust"]["render_key"]


def test_second_build_generates_nothing_and_writes_nothing(cast_file, cli, counting) -> None:
    cli("build")
    lock_before = (cast_file.parent / "cast.lock").read_bytes()
    mtimes = {p: p.stat().st_mtime_ns for p in (cast_file.parent / "dist").glob("*/*.png")}
    counting.calls.clear()
    code, out, _ = cli("build")
    assert code == 0
    assert counting.calls == []
    assert "0 generated, 0 derived, 6 cached" in out
    assert (cast_file.parent / "cast.lock").read_bytes() == lock_before
    assert mtimes == {p: p.stat().st_mtime_ns for p in mtimes}


def test_editing_one_character_regenerates_only_its_targets(cast_file, cli, counting) -> None:
    cli("build")
    counting.calls.clear()
    cast_file.write_text(CAST.replace("Round cook with a beard.", "Round cook, red apron."))
    code, out, _ = cli("build")
    assert code == 0
    assert sorted(r.label for r in counting.calls) == ["bob/bust", "bob/full"]
    assert "3 generated, 0 derived, 3 cached" in out


def test_changing_only_a_size_regenerates_nothing(cast_file, cli, counting) -> None:
    cli("build")
    counting.calls.clear()
    cast_file.write_text(CAST.replace("icon: {size: 64,", "icon: {size: 48,"))
    code, out, _ = cli("diff")
    assert "rederive bob/icon (size)" in " ".join(out.split())
    assert "a build would make 0 generations" in out
    code, out, _ = cli("build")
    assert counting.calls == []
    assert image(cast_file.parent / "dist/bob/icon.png").size == (48, 48)


def test_reverting_a_change_regenerates_nothing(cast_file, cli, counting) -> None:
    cli("build")
    first = (cast_file.parent / "dist/bob/bust.png").read_bytes()
    cast_file.write_text(CAST.replace("seed: 7", "seed: 8"))
    cli("build")
    assert (cast_file.parent / "dist/bob/bust.png").read_bytes() != first
    counting.calls.clear()
    cast_file.write_text(CAST)
    code, _, _ = cli("build")
    assert code == 0
    assert counting.calls == []
    assert (cast_file.parent / "dist/bob/bust.png").read_bytes() == first


def test_a_file_edited_by_hand_is_kept_until_force(cast_file, cli, counting) -> None:
    cli("build")
    bust = cast_file.parent / "dist/bob/bust.png"
    retouched = Image.new("RGB", (256, 256), (1, 2, 3))
    retouched.save(bust)
    retouched_bytes = bust.read_bytes()
    cast_file.write_text(CAST.replace("seed: 7", "seed: 9"))
    code, out, _ = cli("build")
    assert code == 0
    assert "kept  bob/bust: edited by hand, not overwritten" in out
    assert bust.read_bytes() == retouched_bytes
    code, out, _ = cli("diff")
    assert "edited bob/bust (edited by hand, seed)" in " ".join(out.split())
    code, out, _ = cli("build", "--force", "bob/bust")
    assert code == 0
    assert bust.read_bytes() != retouched_bytes
    assert image(bust).size == (256, 256)


def test_removed_targets_are_deleted_from_dist(cast_file, cli) -> None:
    cli("build")
    cast_file.write_text(CAST.replace("  full: {size: [200, 400], frame: Full body, crop: top}\n",
                                      ""))
    code, out, _ = cli("build")
    assert code == 0
    assert "removed  bob/full (bob/full.png)" in out
    assert not (cast_file.parent / "dist/bob/full.png").exists()
    lock = json.loads((cast_file.parent / "cast.lock").read_text())["targets"]
    assert "bob/full" not in lock


def test_one_failed_target_does_not_stop_the_others(cast_file, cli, counting) -> None:
    cast_file.write_text(CAST.replace("Round cook with a beard.", "FAIL"))
    code, out, _ = cli("build")
    assert code == 1
    assert "FAILED  bob/bust: the service refused this prompt" in out
    assert "FAILED  bob/icon: the service refused this prompt" in out
    assert (cast_file.parent / "dist/tessa-quark/bust.png").exists()
    assert not (cast_file.parent / "dist/bob/bust.png").exists()
    lock = json.loads((cast_file.parent / "cast.lock").read_text())["targets"]
    assert "bob/bust" not in lock and "tessa-quark/bust" in lock
    assert "3 generated, 0 derived, 0 cached, 3 failed" in out


def test_a_second_build_at_once_stops_with_a_clear_message(cast_file, cli, counting) -> None:
    state = cast_file.parent / ".facebuild"
    state.mkdir()
    with held(state / "build.lock", record_owner=True):
        code, _, err = cli("build")
    assert code == 2
    assert f"another facebuild build or gc of cast.yaml is running (pid {os.getpid()})" in err
    assert counting.calls == []


def test_build_only_named_targets(cast_file, cli, counting) -> None:
    code, out, _ = cli("build", "tessa-quark")
    assert code == 0
    assert sorted(p.name for p in (cast_file.parent / "dist").glob("*/*.png")) == [
        "bust.png", "full.png", "icon.png"]
    code, out, _ = cli("build", "cast.yaml", "*/icon")
    assert (cast_file.parent / "dist/bob/icon.png").exists()
    assert not (cast_file.parent / "dist/bob/full.png").exists()


def test_dry_run_generates_and_writes_nothing(cast_file, cli, counting) -> None:
    code, out, _ = cli("build", "--dry-run")
    assert code == 0
    assert "building 6 outputs, 4 generations" in out
    assert counting.calls == []
    assert not (cast_file.parent / "dist").exists()
    assert not (cast_file.parent / "cast.lock").exists()


def test_seeds_do_not_depend_on_other_characters(cast_file, cli) -> None:
    cli("build")
    before = json.loads((cast_file.parent / "cast.lock").read_text())["targets"]
    # drop tessa, add a newcomer first: bob's seeds and renders stay
    text = CAST.replace("  - id: tessa-quark\n    name: Tessa Quark\n    role: Digger\n"
                        "    description: Optimistic mechanic with a grin and short hair.\n",
                        "  - id: zed\n    name: Zed\n")
    cast_file.write_text(text)
    cli("build")
    after = json.loads((cast_file.parent / "cast.lock").read_text())["targets"]
    assert after["bob/bust"] == before["bob/bust"]
    assert "tessa-quark/bust" not in after


def test_explicit_seeds(cast_file, cli) -> None:
    cast_file.write_text(CAST.replace("    role: Cook\n", "    role: Cook\n    seed: 99\n"
                                      "    seeds: {full: 1234}\n"))
    cli("build")
    lock = json.loads((cast_file.parent / "cast.lock").read_text())["targets"]
    assert lock["bob/bust"]["render"]["seed"] == 99
    assert lock["bob/full"]["render"]["seed"] == 1234


def test_an_output_that_cannot_be_written_fails_alone(cast_file, cli, counting) -> None:
    (cast_file.parent / "dist").mkdir()
    (cast_file.parent / "dist" / "bob").write_text("a file where a folder should be")
    code, out, _ = cli("build")  # a file facebuild did not make is kept, as a hand edit
    assert code == 0 and "kept  bob/bust: a file facebuild did not make is in the way" in out
    assert (cast_file.parent / "dist" / "bob").read_text() == "a file where a folder should be"
    code, out, _ = cli("build", "--force")
    assert code == 1
    import re

    assert re.search(r"FAILED  bob/bust: cannot write dist/bob/bust.png: (Not a directory|File exists)",
                     out)
    assert "0 generated, 3 derived, 0 cached, 3 failed" in out
    assert (cast_file.parent / "dist" / "tessa-quark" / "bust.png").exists()


def test_outputs_get_ordinary_file_modes(cast_file, cli) -> None:
    import os

    cli("build")
    umask = os.umask(0)
    os.umask(umask)
    for path in (cast_file.parent / "dist/bob/bust.png", cast_file.parent / "cast.lock",
                 cast_file.parent / "dist/manifest.json"):
        assert path.stat().st_mode & 0o777 == 0o666 & ~umask, path


def test_a_deleted_gallery_comes_back_on_the_next_build(cast_file, cli) -> None:
    cli("build")
    index = cast_file.parent / "dist/index.html"
    index.unlink()
    code, _, _ = cli("build")
    assert code == 0
    assert index.exists()
