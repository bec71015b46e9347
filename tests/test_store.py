"""The local store: objects verified against the digest recorded when they were stored,
and only whole images of a sane size stored at all."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path
from typing import Any

import pytest
from conftest import CountingBackend, flat_png
from PIL import Image

from facebuild.backends import BACKENDS, RenderRequest, register_backend
from facebuild.rendercheck import BadRender, check_render
from facebuild.store import Store


def lock_of(cast_file: Path) -> dict[str, Any]:
    return json.loads((cast_file.parent / "cast.lock").read_text())["targets"]  # type: ignore[no-any-return]


def store_object(cast_file: Path, target: str) -> Path:
    key = lock_of(cast_file)[target]["render_key"]
    return cast_file.parent / ".facebuild" / "store" / key[:2] / f"{key}.png"


def pixel(path: Path) -> tuple[int, ...]:
    return Image.open(io.BytesIO(path.read_bytes())).convert("RGB").getpixel((30, 30))  # type: ignore[return-value]


def test_each_object_carries_the_sha256_recorded_when_it_was_stored(cast_file, cli) -> None:
    assert cli("build")[0] == 0
    obj = store_object(cast_file, "tessa-quark/bust")
    recorded = obj.with_suffix(".sha256").read_text().strip()
    assert recorded == hashlib.sha256(obj.read_bytes()).hexdigest()


def test_a_truncated_object_is_discarded_with_a_warning_and_rendered_again(cast_file, cli,
                                                                          counting) -> None:
    assert cli("build")[0] == 0
    good = (cast_file.parent / "dist/tessa-quark/bust.png").read_bytes()
    obj = store_object(cast_file, "tessa-quark/bust")
    obj.write_bytes(obj.read_bytes()[: obj.stat().st_size // 2])
    counting.calls.clear()
    code, out, err = cli("build", "--force", "tessa-quark/bust")
    assert code == 0, out + err
    warnings = [line for line in out.splitlines() if "warning" in line]
    assert len(warnings) == 1 and "tessa-quark/bust" in warnings[0], out
    assert "truncated or replaced" in warnings[0] and str(cast_file.parent) not in warnings[0]
    assert len(counting.calls) == 1  # rendered again, once
    assert (cast_file.parent / "dist/tessa-quark/bust.png").read_bytes() == good
    assert hashlib.sha256(obj.read_bytes()).hexdigest() == obj.with_suffix(".sha256").read_text().strip()


def test_a_replaced_object_is_not_used_and_explain_says_what_was_built(cast_file, cli,
                                                                      counting) -> None:
    assert cli("build")[0] == 0
    dist = cast_file.parent / "dist"
    genuine = pixel(dist / "tessa-quark/bust.png")
    obj = store_object(cast_file, "tessa-quark/bust")
    with Image.open(obj) as stored:
        impostor = Image.new("RGB", stored.size, (1, 2, 3))
    out_bytes = io.BytesIO()
    impostor.save(out_bytes, format="PNG")
    obj.write_bytes(out_bytes.getvalue())  # another valid PNG
    # the icon is derived from the bust's render: change only its size
    cast_file.write_text(cast_file.read_text().replace("icon: {size: 64", "icon: {size: 48"))
    counting.calls.clear()
    code, out, err = cli("build")
    assert code == 0, out + err
    assert "truncated or replaced" in out
    assert len(counting.calls) == 1
    assert pixel(dist / "tessa-quark/bust.png") == genuine
    icon = Image.open(io.BytesIO((dist / "tessa-quark/icon.png").read_bytes())).convert("RGB")
    assert icon.size == (48, 48) and icon.getpixel((20, 20)) != (1, 2, 3)
    code, out, _ = cli("explain", str(dist / "tessa-quark/icon.png"))
    assert code == 0 and "(as built)" in out


def test_a_replaced_object_is_reported_by_explain(cast_file, cli) -> None:
    assert cli("build")[0] == 0
    obj = store_object(cast_file, "tessa-quark/bust")
    obj.write_bytes(flat_png("someone else", 1, 64, 64))
    code, out, _ = cli("explain", "dist/tessa-quark/bust.png")
    assert code == 0
    assert "render:     in the store, but NOT the bytes stored for this key" in out


def test_an_object_stored_before_digests_is_trusted_once_when_whole(tmp_path) -> None:
    store = Store(tmp_path / "store")
    key = "ab" + "0" * 62
    store.path(key).parent.mkdir(parents=True)
    store.path(key).write_bytes(flat_png("x", 1, 32, 32))
    assert store.has(key) and store.digest_path(key).is_file()
    other = "cd" + "0" * 62
    store.path(other).parent.mkdir(parents=True)
    store.path(other).write_bytes(flat_png("x", 1, 32, 32)[:-20])
    assert not store.has(other) and not store.path(other).exists()


def test_a_key_from_an_untrusted_lock_never_leaves_the_store(tmp_path) -> None:
    victim = tmp_path / "victim.png"
    victim.write_bytes(b"not a png")
    store = Store(tmp_path / "store")
    for key in ("../victim", "../../victim", str(victim.with_suffix(""))):
        assert not store.has(key)
        with pytest.raises(KeyError):
            store.get(key)
        assert store.remove(key) == 0
    assert victim.read_bytes() == b"not a png"


class MangledBackend(CountingBackend):
    """An image service whose answers are broken in the ways a hostile server's can be."""

    def generate(self, request: RenderRequest, progress: Any = None) -> bytes:
        png = super().generate(request, progress)
        if "Bob" in request.prompt:
            return png + b"<script>trailing bytes</script>"
        if "Tessa" in request.prompt and request.height > request.width:
            return png[: len(png) // 2]
        return png


@pytest.fixture
def mangled(counting) -> Any:
    register_backend("counting", MangledBackend)
    yield MangledBackend
    BACKENDS.pop("counting", None)


def test_a_bad_answer_fails_only_its_target_and_is_never_stored(cast_file, cli, mangled) -> None:
    code, out, err = cli("build")
    assert code == 1
    failed = sorted(line.split()[1].rstrip(":") for line in out.splitlines()
                    if line.strip().startswith("FAILED"))
    assert failed == ["bob/bust", "bob/full", "bob/icon", "tessa-quark/full"], out
    assert "byte(s) after the end of its PNG image" in out
    assert "truncated PNG" in out or "does not decode" in out
    assert (cast_file.parent / "dist/tessa-quark/bust.png").is_file()
    objects = list((cast_file.parent / ".facebuild/store").glob("*/*.png"))
    assert len(objects) == 1  # only tessa-quark's bust render
    assert "Traceback" not in out + err


def test_check_render_refuses_what_may_not_be_stored() -> None:
    png = flat_png("p", 1, 40, 30)
    assert check_render(png) == png
    for bad, why in ((png + b"\0", "after the end"), (png[:-12], "truncated"),
                     (b"GIF89a" + png, "not a PNG")):
        with pytest.raises(BadRender, match=why):
            check_render(bad)
    with pytest.raises(BadRender, match="over the 100-byte limit"):
        check_render(png, max_bytes=100)
    with pytest.raises(BadRender, match="40x30 pixels, over"):
        check_render(png, max_pixels=1000)
    corrupt = bytearray(png)
    corrupt[40] ^= 0xFF  # inside the image data: its checksum no longer matches
    with pytest.raises(BadRender):
        check_render(bytes(corrupt))
    bomb = bytearray(png)  # a header that claims 100,000 x 100,000 pixels
    bomb[16:24] = (100_000).to_bytes(4, "big") * 2
    with pytest.raises(BadRender, match="100000x100000 pixels, over"):
        check_render(bytes(bomb))
