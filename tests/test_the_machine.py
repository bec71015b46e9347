"""facebuild avatars as a drop-in for The-Machine's avatar step, on a run folder laid out
exactly as its persona builder writes it: ``outputs/run-…/`` with persona paths relative
to the folder the builder ran from, ``S00`` and ``SPEAKER_00`` labels, one speaker label
on both channels of a call, segment texts beside ``speaker_transcript.txt``, personas in
the builder's labelled format."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fake_comfyui import FakeComfyUI
from PIL import Image

from facebuild.personas import load_personas

Cli = Callable[..., tuple[int, str, str]]
RUN = "outputs/run-20261129-101500"
OUT = f"{RUN}/comfyui_images/avatar"

BUILDER_PERSONA = """\
Name: {name}
Short Description: {short}
Greeting: Well hello there, {{{{user}}}}! Is this the lost property office?
Long Description: {long}
Suggested Starters:
- Did anyone hand in a green umbrella?
- What time do you close today?
Categories: Friendly, Chatty
Definition: {{{{char}}}}: I left it on the number twelve.
{{{{user}}}}: Which stop was that?
{{{{char}}}}: The one by the bakery, love.
"""

# call id -> [(channel, speaker, short, long, segments)]; segments are (start, end, text)
CALLS: dict[str, list[tuple[str, str, str, str, list[tuple[float, float, str]]]]] = {
    "call_20261128-093000": [
        ("left-vocals", "S00", "A retired bus driver in a yellow raincoat.",
         "Short silver hair, round tortoiseshell glasses, a yellow raincoat over a knitted jumper.",
         [(0.0, 2.5, "Hello, is this the lost property office?"),
          (2.5, 6.0, "The kitchen radio is loud here, sorry."),
          (6.0, 9.0, "I lost my green umbrella on the bus.")]),
        ("right-vocals", "S00", "A young clerk with a headset.",
         "Curly black hair, a grey hoodie and a headset with a blinking light.",
         [(0.5, 3.0, "Lost property, how can I help?"),
          (3.0, 5.0, "Which bus were you on?")]),
    ],
    "0002": [
        ("right-vocals", "SPEAKER_00", "A night nurse on a break.",
         "Green scrubs, tired eyes, hair tied back in a bun, a lanyard with a pen.",
         [(0.0, 4.0, "I am on a break in the hospital corridor."),
          (4.0, 7.0, "The vending machine is humming.")]),
        ("left-vocals", "SPEAKER_01", "An older man in a cardigan.",
         "A white beard, a brown cardigan and reading glasses on a cord.",
         [(1.0, 3.0, "Take your time, I am in no hurry."),
          (3.0, 6.0, "It is raining outside the window.")]),
    ],
}


def write_machine_run(base: Path) -> Path:
    """The run folder under ``base`` (the folder The-Machine ran from); returns it."""
    run = base / RUN
    entries = []
    for call, speakers in CALLS.items():
        for channel, speaker, short, long, segments in speakers:
            folder = run / "speakers" / call / channel / speaker
            folder.mkdir(parents=True, exist_ok=True)
            for index, (start, end, text) in enumerate(segments):
                stem = f"{index:04}-{start:.2f}-{end:.2f}"
                (folder / f"{stem}.wav").write_bytes(b"RIFF")
                (folder / f"{stem}.txt").write_text(text + "\n", encoding="utf-8")
            joined = "\n".join(text for _, _, text in segments) + "\n"
            (folder / "speaker_transcript.txt").write_text(joined, encoding="utf-8")
            log = run / "speakers" / call / channel / f"{channel}_segments.txt"
            with log.open("a", encoding="utf-8") as handle:
                for start, end, text in segments:
                    handle.write(f"[{speaker}][{start:.2f}-{end:.2f}] {text}\n")
            (log.with_suffix(".json")).write_text("[]", encoding="utf-8")
            persona = run / "characters" / call / channel / speaker / "persona.md"
            persona.parent.mkdir(parents=True, exist_ok=True)
            persona.write_text(BUILDER_PERSONA.format(name=f"Caller {speaker}", short=short,
                                                      long=long), encoding="utf-8")
            (persona.parent / "speaker_transcript.txt").write_text(joined, encoding="utf-8")
            entries.append({"call_id": call, "channel": channel, "speaker": speaker,
                            "persona_path": str(persona.relative_to(base)),
                            "source_audio_paths": [str((folder / "0000.wav").relative_to(base))],
                            "audio_samples": []})
    (run / "characters" / "persona_manifest.json").write_text(json.dumps(entries, indent=2))
    return run


def avatars(cli: Cli, *extra: str) -> tuple[int, str, str]:
    return cli("avatars", "--persona-manifest", f"{RUN}/characters/persona_manifest.json",
               "--output-root", RUN, *extra)


@pytest.fixture
def run(tmp_path: Path) -> Path:
    return write_machine_run(tmp_path)


AVATARS = {
    "call_20261128-093000_S00": f"{OUT}/call_20261128-093000/S00/avatar.png",
    "call_20261128-093000_S00-right-vocals": f"{OUT}/call_20261128-093000/S00-right-vocals/avatar.png",
    "0002_SPEAKER_00": f"{OUT}/0002/SPEAKER_00/avatar.png",
    "0002_SPEAKER_01": f"{OUT}/0002/SPEAKER_01/avatar.png",
}
BACKDROPS = {
    "call_20261128-093000": f"{OUT}/backdrops/call_20261128-093000.png",
    "0002": f"{OUT}/backdrops/0002.png",
}


def test_a_machine_run_folder_gives_the_upstream_layout_and_manifest(run: Path, cli: Cli) -> None:
    code, out, err = avatars(cli)
    assert code == 0, out + err
    assert out.splitlines()[0] == "backend: sketch (offline, the default)"
    assert out.splitlines()[-1].startswith(f"placed 6 new or changed image(s) of 6 in {OUT}, "
                                           "with image_manifest.json; review them in "
                                           f"{RUN}/.facebuild/avatars/index.html")
    manifest = json.loads((run / "comfyui_images/avatar/image_manifest.json").read_text())
    assert manifest["backdrops"] == BACKDROPS  # key by key, plain string paths
    assert manifest["personas"] == AVATARS
    assert all(isinstance(p, str) for p in [*manifest["backdrops"].values(),
                                           *manifest["personas"].values()])
    for path in AVATARS.values():
        with Image.open(path) as image:
            assert image.size == (1024, 1024)
    for path in BACKDROPS.values():
        with Image.open(path) as image:
            assert image.size == (1368, 768)
    # downstream takes every image in comfyui_images/avatar/ for an avatar: nothing else there
    found = {p.relative_to(run / "comfyui_images/avatar").as_posix()
             for p in (run / "comfyui_images/avatar").rglob("*")
             if p.is_file() or p.is_symlink()}
    expected = {p.removeprefix(f"{OUT}/") for p in [*AVATARS.values(), *BACKDROPS.values()]}
    assert found == expected | {"image_manifest.json"}
    assert (run / ".facebuild/avatars/index.html").is_file()  # the review files are elsewhere
    assert (run / ".facebuild/avatars/contact-sheet.png").is_file()
    code, out, _ = avatars(cli)
    assert code == 0 and "0 generated" in out and "placed 0 new or changed image(s) of 6" in out


def test_builder_fields_make_the_prompt_and_placeholders_go(run: Path, cli: Cli) -> None:
    assert avatars(cli)[0] == 0
    files = json.loads((run / "comfyui_images/avatar/image_manifest.json").read_text())["files"]
    prompt = files["call_20261128-093000/S00/avatar.png"]["prompt"]
    assert "yellow raincoat" in prompt and "tortoiseshell glasses" in prompt
    for left_out in ("Well hello", "umbrella", "Friendly, Chatty", "bakery", "{{", "Caller S00",
                     "Greeting", "Definition"):
        assert left_out not in prompt
    other = files["call_20261128-093000/S00-right-vocals/avatar.png"]["prompt"]
    assert "Curly black hair" in other and "raincoat" not in other


def test_own_channel_first_and_speaker_transcript_over_segments(run: Path, cli: Cli) -> None:
    found = load_personas(run / "characters/persona_manifest.json")
    by_name = {c["name"]: c for c in found.characters}
    left = by_name["S00 (call_20261128-093000)"]
    right = by_name["S00-right-vocals (call_20261128-093000)"]
    assert left["source"]["channel"] == "left-vocals"  # not the right-vocals S00
    assert left["transcript"].startswith("Hello, is this the lost property office?")
    assert right["source"]["channel"] == "right-vocals"
    assert right["transcript"] == "Lost property, how can I help?\nWhich bus were you on?"
    assert [t["file"] for t in left["source"]["transcripts"]] == [
        "speakers/call_20261128-093000/left-vocals/S00/speaker_transcript.txt"]
    assert left["transcript"].count("kitchen radio") == 1  # never the segments as well
    # without speaker_transcript.txt: the segments, in their index order
    folder = run / "speakers/0002/left-vocals/SPEAKER_01"
    (folder / "speaker_transcript.txt").unlink()
    (folder / "0010-20.00-21.00.txt").write_text("Last of all.\n")
    (folder / "0002-9.00-10.00.txt").write_text("Then this.\n")
    found = load_personas(run / "characters/persona_manifest.json")
    said = next(c for c in found.characters if c["name"] == "SPEAKER_01 (0002)")["transcript"]
    assert said.splitlines() == ["Take your time, I am in no hurry.",
                                 "It is raining outside the window.", "Then this.", "Last of all."]
    code, out, err = avatars(cli)
    assert code == 0, out + err
    files = json.loads((run / "comfyui_images/avatar/image_manifest.json").read_text())["files"]
    backdrop = files["backdrops/call_20261128-093000.png"]
    assert backdrop["source"]["channel"] == "right-vocals"  # a call's transcript: right first
    assert backdrop["prompt"].count("bus were you on") <= 1


def test_relative_persona_paths_follow_the_rules(run: Path, tmp_path: Path, cli: Cli,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    manifest = run / "characters/persona_manifest.json"
    # from another folder the builder's paths still find the run folder by its name
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    found = load_personas(manifest.resolve(), run_folder=run.resolve())
    assert found.skipped == 0 and len(found.characters) == 6, found.warnings
    monkeypatch.chdir(tmp_path)
    # a path relative to the run folder, with another file of that name in the current folder
    entries = json.loads(manifest.read_text())
    entries[2]["persona_path"] = "characters/0002/right-vocals/SPEAKER_00/persona.md"
    manifest.write_text(json.dumps(entries))
    decoy = tmp_path / "characters/0002/right-vocals/SPEAKER_00/persona.md"
    decoy.parent.mkdir(parents=True)
    decoy.write_text("## Appearance\nA decoy.\n")
    code, out, err = avatars(cli, "--allow-root", str(tmp_path))
    assert code == 0, out + err
    assert ("entry 2 (call 0002, speaker SPEAKER_00): persona_path: characters/0002/right-vocals/"
            "SPEAKER_00/persona.md: taken from the run folder (also found in the current folder)"
            in err)
    files = json.loads((run / "comfyui_images/avatar/image_manifest.json").read_text())["files"]
    assert "Green scrubs" in files["0002/SPEAKER_00/avatar.png"]["prompt"]


@pytest.fixture
def comfyui() -> Iterator[FakeComfyUI]:
    fake = FakeComfyUI().start()
    yield fake
    fake.stop()


def test_comfyui_flags_imply_the_backend_and_inputs_pass_through(run: Path, tmp_path: Path,
                                                                cli: Cli, comfyui: FakeComfyUI) -> None:
    # the prompt goes where the mapping says: the node that would hold the negative text
    code, out, err = avatars(cli, "--api-url", comfyui.url, "--no-backdrops", "--avatar-inputs",
                             '{"prompt": "7.text", "negative": null}')
    assert code == 0, out + err
    assert out.splitlines()[0] == f"backend: comfyui at {comfyui.url} (implied by --api-url)"
    graphs: list[dict[str, Any]] = [post["prompt"] for post in comfyui.posts]
    assert len(graphs) == 4
    assert sorted(g["7"]["inputs"]["text"].split(". ")[1] for g in graphs) == [
        "A night nurse on a break", "A retired bus driver in a yellow raincoat",
        "A young clerk with a headset", "An older man in a cardigan"]
    assert all(g["6"]["inputs"]["text"].startswith("portrait of a character") for g in graphs)
    # a YAML file for the backdrops
    (tmp_path / "backdrop-inputs.yaml").write_text("prompt: '6.text'\nnegative: '7.text'\n")
    code, out, err = avatars(cli, "--api-url", comfyui.url, "--backdrop-inputs",
                             "backdrop-inputs.yaml", "--avatar-inputs",
                             '{"prompt": "7.text", "negative": null}')
    assert code == 0, out + err
    assert len(comfyui.posts) == 6  # the two backdrops; the avatars are in the store


@pytest.mark.parametrize(("extra", "message"), [
    (["--avatar-inputs", '{"promt": "6.text"}'], "--avatar-inputs: unknown key 'promt' "
                                                 "(did you mean 'prompt'?)"),
    (["--backdrop-inputs", "missing.yaml"], "--backdrop-inputs missing.yaml: neither a JSON "
                                            "mapping nor a file"),
    (["--avatar-inputs", "[1, 2]"], "--avatar-inputs [1, 2]: neither a JSON mapping nor a file"),
    (["--backend", "sketch", "--api-url", "http://127.0.0.1:9"],
     "--api-url is for the comfyui backend, not --backend sketch"),
])
def test_flag_mistakes_are_one_line_naming_the_flag(run: Path, cli: Cli, extra: list[str],
                                                    message: str) -> None:
    code, out, err = avatars(cli, *extra)
    assert code == 2 and err.count("\n") == 1 and message in err, out + err
    assert not (run / "comfyui_images").exists()


def test_targets_select_like_build(run: Path, cli: Cli) -> None:
    code, out, err = avatars(cli, "0002-speaker-00/avatar")
    assert code == 0, out + err
    assert "1 generated" in out
    found = sorted(p.relative_to(run / "comfyui_images/avatar").as_posix()
                   for p in (run / "comfyui_images/avatar").rglob("*.png"))
    assert found == ["0002/SPEAKER_00/avatar.png"]
    code, out, _ = avatars(cli, "*/backdrop")
    assert code == 0 and "2 generated" in out
    code, _, err = avatars(cli, "nobody/avatar")
    assert code == 2 and "no target matches 'nobody/avatar'" in err


def test_hand_edited_avatar_is_kept_unless_force(run: Path, cli: Cli) -> None:
    assert avatars(cli)[0] == 0
    avatar = run / "comfyui_images/avatar/0002/SPEAKER_01/avatar.png"
    Image.new("RGB", (1024, 1024), (10, 20, 30)).save(avatar)
    persona = run / "characters/0002/left-vocals/SPEAKER_01/persona.md"
    persona.write_text(persona.read_text().replace("white beard", "black beard"))
    code, out, err = avatars(cli)
    assert code == 1 and "0002/SPEAKER_01/avatar.png: changed since facebuild placed it" in err
    with Image.open(avatar) as image:
        assert image.getpixel((5, 5)) == (10, 20, 30)
    code, out, err = avatars(cli, "--force")
    assert code == 0, out + err
    with Image.open(avatar) as image:
        assert image.getpixel((5, 5)) != (10, 20, 30)
    # an entry gone from the manifest: its placed avatar goes too, and its emptied folder
    manifest = run / "characters/persona_manifest.json"
    entries = json.loads(manifest.read_text())
    manifest.write_text(json.dumps([e for e in entries if e["speaker"] != "SPEAKER_01"]))
    assert avatars(cli)[0] == 0
    assert not avatar.exists() and not avatar.parent.exists()


def test_files_of_an_older_layout_in_the_scanned_folder_are_reported(run: Path, cli: Cli) -> None:
    old = run / "comfyui_images/avatar"
    (old / ".facebuild/store/ab").mkdir(parents=True)
    (old / "cast.lock").write_text("{}")
    code, out, err = avatars(cli)
    assert code == 0, out + err
    assert "avatar still holds cast.lock, .facebuild of an older facebuild" in err
    assert (old / "cast.lock").exists()  # reported, never removed
