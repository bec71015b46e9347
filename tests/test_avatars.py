"""facebuild avatars: a whole run folder built with the sketch backend (and ComfyUI's
fake), nothing personal anywhere in what it writes or prints."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import write
from fake_comfyui import FakeComfyUI
from PIL import Image
from test_personas import PLANTED, write_run

from facebuild.backends.sketch import CHROMA_GREEN
from facebuild.cast import cast_from_data
from facebuild.commands.explain import find_entry
from facebuild.images import png_text
from facebuild.personas import default_variants, load_personas
from facebuild.prompts import PromptWriter

Cli = Callable[..., tuple[int, str, str]]
OUT = Path("run/comfyui_images/avatar")
AVATARS = {  # raw ids as folder names, as the upstream avatar step writes them
    "call-2024-03-01-0001_SPEAKER_00": "call-2024-03-01-0001/SPEAKER_00/avatar.png",
    "call-2024-03-01-0001_SPEAKER_01": "call-2024-03-01-0001/SPEAKER_01/avatar.png",
    "2024-03-02_0815_agent": "2024-03-02_0815/agent/avatar.png",
    "2024-03-02_0815_customer": "2024-03-02_0815/customer/avatar.png",
    "2024-03-02_0815_supervisor": "2024-03-02_0815/supervisor/avatar.png",
    "call-0003_SPEAKER_00": "call-0003/SPEAKER_00/avatar.png",
    "call-0003_SPEAKER_01": "call-0003/SPEAKER_01/avatar.png",
}
BACKDROPS = {
    "call-2024-03-01-0001": "backdrops/call-2024-03-01-0001.png",
    "2024-03-02_0815": "backdrops/2024-03-02_0815.png",
    "call-0003": "backdrops/call-0003.png",
}
BLOCKED = {  # target: what the guard says, and where it was
    "call-2024-03-01-0001-speaker-00/avatar":
        "e-mail address m***@***.org from persona run/characters/call-2024-03-01-0001/"
        "SPEAKER_00/persona.md:7",
    "2024-03-02-0815-customer/avatar":
        "phone number *** *** **34 from persona run/characters/2024-03-02_0815/customer/persona.md:7",
    "call-2024-03-01-0001-backdrop/backdrop":
        "payment card number **** **** **** 1111 from transcript run/speakers/call-2024-03-01-0001/"
        "right-vocals/SPEAKER_01/segment_001.txt:1",
    "2024-03-02-0815-backdrop/backdrop":
        "phone number +*** *** **58 from transcript run/speakers/2024-03-02_0815/left-vocals/"
        "customer/segment_001.txt:1",
}


def avatars(cli: Cli, *extra: str) -> tuple[int, str, str]:
    return cli("avatars", "--persona-manifest", "run/characters/persona_manifest.json",
               "--output-root", "run", *extra)


def assert_nothing_planted(folder: Path, *texts: str) -> None:
    """No planted value in any byte under ``folder``, in any PNG text chunk there, or in
    ``texts`` (the command's output): spaced, dashed and bare digit forms alike."""
    forbidden = set(PLANTED.values()) | {v.replace(" ", "") for v in PLANTED.values()}
    forbidden |= {"".join(c for c in v if c.isdigit()) for v in PLANTED.values() if "@" not in v}
    blobs = [text.encode() for text in texts]
    for file in (p for p in folder.rglob("*") if p.is_file()):
        data = file.read_bytes()
        blobs.append(data)
        if data[:8] == b"\x89PNG\r\n\x1a\n":
            blobs.append(json.dumps(png_text(data)).encode())
    for value in forbidden:
        assert all(value.encode() not in blob for blob in blobs), "a planted value leaked"


def picture(path: Path) -> tuple[tuple[int, int], tuple[int, ...]]:
    """Size and top-left pixel (RGB) of an image file."""
    with Image.open(path) as image:
        return image.size, image.convert("RGB").getpixel((4, 4))


@pytest.fixture
def run(tmp_path: Path) -> Path:
    write_run(tmp_path / "run")
    return tmp_path / "run"


def test_default_fail_mode_blocks_what_holds_personal_data(run: Path, cli: Cli) -> None:
    code, out, err = avatars(cli)
    assert code == 1
    failed = {line.split("FAILED  ")[1].split(":")[0]: line for line in out.splitlines()
              if "FAILED" in line}
    assert sorted(failed) == sorted(BLOCKED)
    for target, why in BLOCKED.items():
        assert f"{target}: blocked by the privacy guard: {why};" in failed[target]
    manifest = json.loads((OUT / "image_manifest.json").read_text())
    built = {k: v["path"] for k, v in manifest["images"].items()}
    assert built == {k: v for k, v in {**AVATARS, **BACKDROPS}.items()
                     if k not in ("call-2024-03-01-0001_SPEAKER_00", "2024-03-02_0815_customer",
                                  "call-2024-03-01-0001", "2024-03-02_0815")}
    for path in built.values():
        assert (OUT / path).is_file()
    assert_nothing_planted(run / "comfyui_images", out, err)


def test_redact_mode_builds_everything_with_sizes_and_provenance(run: Path, cli: Cli) -> None:
    code, out, err = avatars(cli, "--redact")
    assert code == 0, out + err
    manifest = json.loads((OUT / "image_manifest.json").read_text())
    assert {k: v["path"] for k, v in manifest["images"].items()} == {**AVATARS, **BACKDROPS}
    for key, path in AVATARS.items():
        assert picture(OUT / path) == ((1024, 1024), CHROMA_GREEN)  # keyable backdrop
        entry = manifest["files"][path]
        source = entry["source"]
        assert f"{source['call_id']}_{source['speaker']}" == key
        persona = run / source["persona"]
        assert source["persona_sha256"] == hashlib.sha256(persona.read_bytes()).hexdigest()
        for transcript in source["transcripts"]:
            assert transcript["sha256"] == hashlib.sha256((run / transcript["file"]).read_bytes()
                                                          ).hexdigest()
        assert entry["sha256"] == hashlib.sha256((OUT / path).read_bytes()).hexdigest()
        assert entry["backend"] == "sketch" and entry["seed"] and entry["render_key"]
        assert find_entry(OUT / path) is not None
    for call_id, path in BACKDROPS.items():
        size, corner = picture(OUT / path)
        assert size == (1368, 768) and corner != CHROMA_GREEN
        assert manifest["files"][path]["source"]["call_id"] == call_id
    prompts = [entry["prompt"] for entry in manifest["files"].values()]
    assert sum("[redacted]" in prompt for prompt in prompts) == 4
    assert_nothing_planted(run / "comfyui_images", out, err)


def test_twice_regenerates_nothing_and_one_persona_edit_one_avatar(run: Path, cli: Cli) -> None:
    assert avatars(cli, "--redact")[0] == 0
    code, out, _ = avatars(cli, "--redact")
    assert code == 0 and "0 generated, 0 derived, 10 cached" in out
    persona = run / "characters/call-0003/SPEAKER_01/persona.md"
    persona.write_text(persona.read_text().replace("purple scarf", "orange scarf"))
    code, out, _ = avatars(cli, "--redact")
    # the call's backdrop records that persona's sha256 too: rewritten from the store, for free
    assert "1 generated, 1 derived, 8 cached" in out
    assert "generated  call-0003-speaker-01/avatar -> call-0003/speaker-01/avatar.png" in out
    manifest = json.loads((OUT / "image_manifest.json").read_text())
    entry = manifest["files"]["call-0003/SPEAKER_01/avatar.png"]
    assert "orange scarf" in entry["prompt"]
    assert entry["source"]["persona_sha256"] == hashlib.sha256(persona.read_bytes()).hexdigest()


def test_initial_prompt_and_no_backdrops(run: Path, cli: Cli) -> None:
    code, out, err = avatars(cli, "--redact", "--no-backdrops", "--initial-prompt", "a drawing of")
    assert code == 0, out + err
    files = json.loads((OUT / "image_manifest.json").read_text())["files"]
    assert sorted(files) == sorted(AVATARS.values())
    assert all(entry["prompt"].startswith("a drawing of A single person") for entry in files.values())


def test_bad_input_is_one_clear_line_and_never_stops_the_others(run: Path, cli: Cli) -> None:
    manifest = run / "characters/persona_manifest.json"
    entries = json.loads(manifest.read_text())
    entries[1].pop("speaker")
    entries[5]["persona_path"] = "characters/nobody.md"
    manifest.write_text(json.dumps(entries))
    for file in (run / "speakers/2024-03-02_0815").rglob("*.txt"):
        file.unlink()
    code, out, err = avatars(cli, "--redact")
    assert code == 1
    warnings = [line for line in err.splitlines() if line.startswith("warning:")]
    assert "entry 1 (call call-2024-03-01-0001, speaker ?): speaker: missing required field; " \
           "skipped" in warnings[0]
    assert "entry 5 (call call-0003, speaker SPEAKER_00): persona_path: file not found: " \
           "characters/nobody.md; its avatar is skipped" in warnings[1]
    assert "call 2024-03-02_0815: no transcript in speakers/" in warnings[2]
    assert "Traceback" not in out + err and "0 failed" in out
    images = json.loads((OUT / "image_manifest.json").read_text())["images"]
    assert len(images) == 7  # 5 avatars and 2 backdrops
    manifest.write_text('{"call_id": "c1"}')
    code, out, err = avatars(cli)
    assert code == 2 and err.count("\n") == 1
    assert "persona_manifest.json: the persona manifest must be a JSON list of entries" in err
    code, _, err = cli("avatars", "--persona-manifest", "nowhere.json", "--output-root", "run")
    assert code == 2 and "nowhere.json: persona manifest not found" in err
    code, _, err = avatars(cli, "--backend", "sketch", "--avatar-workflow", "mine.json")
    assert code == 2 and "--avatar-workflow is for the comfyui backend, not --backend sketch" in err


def test_prompts_fit_the_model_limit_at_a_sentence_boundary(run: Path) -> None:
    persona = run / "characters/call-0003/SPEAKER_00/persona.md"
    long_look = " ".join(f"Detail number {n} of the outfit is a striped scarf." for n in range(200))
    persona.write_text(persona.read_text().replace("Usually wears comfortable clothes", long_look))
    found = load_personas(run / "characters/persona_manifest.json")
    cast = cast_from_data({"version": 1, "name": "t", "variants": default_variants(),
                           "characters": found.characters}, run)
    renderer = PromptWriter(cast, 400)
    for character in cast.spec.characters:
        for variant in cast.variants_of(character):
            text = renderer.prompt_for(character, variant).text
            assert len(text) <= 400 and text.endswith(".")
    text = renderer.prompt_for(cast.character("call-0003-speaker-00"), "avatar").text
    assert "Detail number 3 of the outfit" in text and "Detail number 199" not in text


@pytest.fixture
def comfyui() -> Iterator[FakeComfyUI]:
    fake = FakeComfyUI().start()
    yield fake
    fake.stop()


def test_comfyui_gets_both_workflows_and_only_checked_prompts(run: Path, cli: Cli,
                                                              comfyui: FakeComfyUI) -> None:
    code, out, err = avatars(cli, "--backend", "comfyui", "--api-url", comfyui.url,
                             "--batch-size", "2", "--redact", "--initial-prompt", "a drawing of")
    assert code == 0, out + err
    graphs: list[dict[str, Any]] = [post["prompt"] for post in comfyui.posts]
    assert len(graphs) == 10
    sizes = sorted((g["5"]["inputs"]["width"], g["5"]["inputs"]["height"]) for g in graphs)
    assert sizes == [(1024, 1024)] * 7 + [(1368, 768)] * 3
    assert all(g["6"]["inputs"]["text"].startswith("a drawing of ") for g in graphs)
    assert picture(OUT / BACKDROPS["call-0003"])[0] == (1368, 768)
    assert picture(OUT / AVATARS["call-0003_SPEAKER_00"])[0] == (1024, 1024)
    assert_nothing_planted(run / "comfyui_images", out, err, json.dumps(graphs))
    write(run / "mine.json", (Path(__file__).parent.parent / "workflows/sdxl_backdrop.json")
          .read_text().replace('"steps": 30', '"steps": 12'))
    code, out, _ = avatars(cli, "--backend", "comfyui", "--api-url", comfyui.url, "--redact",
                           "--initial-prompt", "a drawing of", "--backdrop-workflow",
                           str(run / "mine.json"))
    assert code == 0 and "3 generated" in out  # only the backdrops use another workflow
