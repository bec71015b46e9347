"""Persona privacy: ids that are personal data never reach a path, a label, a lock key, a
file or a message; persona and transcript files are read only inside the allowed roots;
the gallery and contact sheet show names as the guard passes them."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import write

from facebuild.cast import load_cast
from facebuild.images import png_text
from facebuild.lock import read_lock
from facebuild.sheet import sheet_items

Cli = Callable[..., tuple[int, str, str]]
PHONE_ID = "+1 415 555 0199"
MAIL_ID = "jane.doe@example.com"
LEAKS = ("415 555 0199", "4155550199", "415-555-0199", "jane.doe", "jane-doe", "example.com",
         "example-com")
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
KEY_ID = "AKIAIOSFODNN7EXAMPLE"


def persona_run(root: Path, entries: list[tuple[str, str]]) -> Path:
    """A run folder with one persona and transcript per (call id, speaker)."""
    listed = []
    for call, speaker in entries:
        persona = root / "characters" / call / speaker / "persona.md"
        write(persona, "## Appearance\nA tall person in a red coat.\n")
        write(root / "speakers" / call / "right-vocals" / speaker / "speaker_transcript.txt",
              "We are in a quiet office on a rainy morning.\n")
        listed.append({"call_id": call, "speaker": speaker, "channel": "right-vocals",
                       "persona_path": str(persona.relative_to(root))})
    return write(root / "characters/persona_manifest.json", json.dumps(listed))


def every_byte(folder: Path, *texts: str) -> bytes:
    """Every byte under ``folder``, the text chunks of its PNGs decoded, the names of its
    files and folders, and ``texts``."""
    blobs = [t.encode() for t in texts]
    for file in (p for p in folder.rglob("*") if p.is_file()):
        data = file.read_bytes()
        blobs.append(data)
        if data[:8] == b"\x89PNG\r\n\x1a\n":
            blobs.append(json.dumps(png_text(data), ensure_ascii=False).encode())
    blobs += [p.as_posix().encode() for p in folder.rglob("*")]  # the names of files and folders
    return b"\n".join(blobs)


def avatars(cli: Cli, *extra: str) -> tuple[int, str, str]:
    return cli("avatars", "--persona-manifest", "run/characters/persona_manifest.json",
               "--output-root", "run", "--output-format", "plain", *extra)


def test_an_id_that_is_personal_data_is_refused_in_fail_mode(tmp_path: Path, cli: Cli) -> None:
    persona_run(tmp_path / "run", [(PHONE_ID, "SPEAKER_00"), ("call-0002", MAIL_ID),
                                   ("call-0002", "S01"), ("call-0003", "S00")])
    said = tmp_path / f"run/speakers/call-0002/right-vocals/{MAIL_ID}/speaker_transcript.txt"
    said.write_text("Call me back on (415) 555-0134 from the office.\n")
    code, out, err = avatars(cli)
    assert code == 1
    # the call's backdrop holds that number: blocked, and the message names no folder of it
    assert "FAILED  call-0002-backdrop/backdrop: blocked by the privacy guard: phone number " \
           "*** *** **34 in the rendered prompt" in out
    warnings = [line for line in err.splitlines() if line.startswith("warning:")]
    assert "persona_manifest.json: entry 0: call_id: holds personal data (phone number); the " \
           "entry is refused" in warnings[0]
    assert "entry 1: speaker: holds personal data (e-mail address)" in warnings[1]
    manifest = json.loads((tmp_path / "run/comfyui_images/avatar/image_manifest.json").read_text())
    assert manifest["personas"] == {
        "call-0002_S01": "run/comfyui_images/avatar/call-0002/S01/avatar.png",
        "call-0003_S00": "run/comfyui_images/avatar/call-0003/S00/avatar.png"}
    blob = every_byte(tmp_path / "run/comfyui_images", out, err)
    blob += every_byte(tmp_path / "run/.facebuild")
    assert not any(leak.encode() in blob for leak in LEAKS)


def test_redact_mode_builds_under_opaque_ids(tmp_path: Path, cli: Cli) -> None:
    persona_run(tmp_path / "run", [(PHONE_ID, "SPEAKER_00"), (PHONE_ID, MAIL_ID)])
    code, out, err = avatars(cli, "--redact")
    assert code == 0, out + err
    out_dir = tmp_path / "run/comfyui_images/avatar"
    manifest = json.loads((out_dir / "image_manifest.json").read_text())
    [call] = manifest["backdrops"]
    assert call.startswith("call-") and len(call) == 17
    speakers = sorted(key.removeprefix(f"{call}_") for key in manifest["personas"])
    assert speakers[0] == "SPEAKER_00" and speakers[1].startswith("speaker-")
    for key, path in manifest["personas"].items():
        assert Path(path).is_file() and key.replace("_", "/", 1) in path
    source = manifest["files"][f"{call}/SPEAKER_00/avatar.png"]["source"]
    assert source["persona"] == f"characters/{call}/SPEAKER_00/persona.md"
    lock = read_lock(tmp_path / "run/.facebuild/cast.lock")
    assert all(name.startswith("call-") for name in lock.entries)
    gallery = (tmp_path / "run/.facebuild/avatars/index.html").read_text()
    assert f"SPEAKER_00 ({call})" in gallery
    blob = every_byte(tmp_path / "run/comfyui_images", out, err) + every_byte(tmp_path / "run/.facebuild")
    assert not any(leak.encode() in blob for leak in LEAKS)
    code, out, _ = avatars(cli, "--redact")  # stable: the same opaque ids again
    assert code == 0 and "0 generated" in out


def fake_credentials(home: Path) -> Path:
    return write(home / ".aws/credentials",
                 f"[default]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET}\n")


def test_persona_and_transcript_files_stay_inside_the_run_folder(tmp_path: Path, cli: Cli) -> None:
    credentials = fake_credentials(tmp_path / "home")
    manifest = persona_run(tmp_path / "run", [("call-0001", "S00"), ("call-0001", "S01"),
                                              ("call-0002", "S00"), ("call-0003", "S00")])
    entries = json.loads(manifest.read_text())
    entries[0]["persona_path"] = "~/.aws/credentials"
    entries[1]["persona_path"] = str(credentials)
    link = tmp_path / "run/characters/call-0002/S00/persona.md"
    link.unlink()
    link.symlink_to(credentials)
    manifest.write_text(json.dumps(entries))
    said = tmp_path / "run/speakers/call-0003/right-vocals/S00/speaker_transcript.txt"
    said.unlink()
    said.symlink_to(credentials)
    write(said.parent / "0000-0.00-1.00.txt", "A segment of our own.\n")
    code, out, err = avatars(cli, "--redact")
    assert code == 1
    lines = [line for line in err.splitlines() if "persona_path" in line]
    assert len(lines) == 3 and all(
        "persona_path: outside the run folder and the allowed folders; allow its folder with "
        "--allow-root DIR" in line for line in lines)
    for text in (out, err, *(p.read_bytes().decode("latin-1")
                             for p in (tmp_path / "run").rglob("*") if p.is_file()
                             and p.resolve() != credentials)):
        assert KEY_ID not in text and SECRET not in text and "aws_secret" not in text
    files = json.loads((tmp_path / "run/comfyui_images/avatar/image_manifest.json").read_text())
    transcripts = files["files"]["call-0003/S00/avatar.png"]["source"]["transcripts"]
    assert [t["file"] for t in transcripts] == ["speakers/call-0003/right-vocals/S00/0000-0.00-1.00.txt"]


def test_another_root_only_when_the_user_allows_it(tmp_path: Path, cli: Cli) -> None:
    manifest = persona_run(tmp_path / "run", [("call-0001", "S00")])
    shared = write(tmp_path / "shared/personas/s00.md", "## Appearance\nA green hat.\n")
    entries = json.loads(manifest.read_text())
    entries[0]["persona_path"] = str(shared)
    manifest.write_text(json.dumps(entries))
    code, _, err = avatars(cli)
    assert code == 1 and "outside the run folder" in err
    code, out, err = avatars(cli, "--allow-root", "shared")
    assert code == 0, out + err
    code, _, err = avatars(cli, "--allow-root", "nowhere")
    assert code == 2 and err == "error: --allow-root nowhere: no such folder\n"
    write(tmp_path / "cast.yaml", """\
        version: 1
        name: Calls
        personas: run/characters/persona_manifest.json
        """)
    cast = load_cast(tmp_path / "cast.yaml")
    assert cast.skipped == 1  # the avatar; the call's backdrop comes from its transcript
    assert any("allow its folder with persona_roots: [DIR] in the cast" in w for w in cast.warnings)
    with (tmp_path / "cast.yaml").open("a") as handle:
        handle.write("persona_roots: [shared]\n")
    cast = load_cast(tmp_path / "cast.yaml")
    assert cast.skipped == 0 and "green hat" in str(
        (cast.character("call-0001-s00").model_extra or {})["persona"])


CAST = """\
    version: 1
    name: Callers
    privacy: {mode: redact}
    template: description.j2
    variants:
      bust: {size: 64}
    characters:
      - id: caller-one
        name: Jane Roe jane.roe@example.org
        role: Caller on +44 20 7946 0958
        description: A tall person in a red coat.
        traits: [SSN 123-45-6789, patient]
        tags: [card 4111 1111 1111 1111]
    """


@pytest.mark.parametrize("mode", ["redact", "fail"])
def test_gallery_and_contact_sheet_show_names_as_the_guard_passes_them(
        tmp_path: Path, cli: Cli, mode: str) -> None:
    write(tmp_path / "cast.yaml", CAST.replace("mode: redact", f"mode: {mode}"))
    write(tmp_path / "templates/description.j2", "{{ character.description }}")
    code, out, err = cli("build", "cast.yaml", "--output-format", "plain")
    assert code == 0, out + err
    gallery = (tmp_path / "dist/index.html").read_text()
    for planted in ("jane.roe@example.org", "7946 0958", "123-45-6789", "4111 1111 1111 1111"):
        assert planted not in gallery
    assert "patient" in gallery and "Jane Roe" in gallery
    if mode == "redact":
        assert "Jane Roe [redacted]" in gallery and "Caller on [redacted]" in gallery
    cast = load_cast(tmp_path / "cast.yaml")
    [(label, file, _)] = sheet_items(cast, read_lock(cast.lock_path))
    assert label == ("Jane Roe [redacted]" if mode == "redact" else "Jane Roe j***@***.org")
    assert file.is_file()
    blob = every_byte(tmp_path / "dist", out, err)
    assert not any(planted.encode() in blob for planted in ("jane.roe", "7946", "123-45", "4111"))


def test_nothing_is_written_through_a_symlink_out_of_the_run_folder(tmp_path: Path, cli: Cli) -> None:
    persona_run(tmp_path / "run", [("call-0001", "S00")])
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "run/comfyui_images").symlink_to(tmp_path / "elsewhere")
    code, _, err = avatars(cli)
    assert code == 2 and err.count("\n") == 1 and "leads out of the run folder" in err
    assert list((tmp_path / "elsewhere").iterdir()) == []


def test_an_opaque_id_is_no_plain_digest_of_the_id_it_hides() -> None:
    """A phone number has few enough values to try them all: its opaque id must not be a
    digest one can compute for each guess in a microsecond."""
    from facebuild.personas.ids import opaque

    token = opaque("call", PHONE_ID)
    assert token == opaque("call", PHONE_ID) != opaque("call", PHONE_ID + "1")
    assert token.startswith("call-") and len(token) == 17
    for plain in (hashlib.sha256, hashlib.sha1, hashlib.md5, hashlib.blake2b):
        for text in (PHONE_ID, f"call:{PHONE_ID}"):
            assert plain(text.encode()).hexdigest()[:12] != token.removeprefix("call-")
