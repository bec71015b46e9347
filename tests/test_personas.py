"""Personas as characters: the manifest, the persona Markdown, the transcripts, and the
cast data they make. ``write_run`` writes the invented run folder the avatar tests use."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import write

from facebuild.cast import load_cast
from facebuild.errors import CastError
from facebuild.personas import load_personas, read_manifest, slug
from facebuild.personas.markdown import sections

PLANTED = {
    "email": "maria.kowalski@example.org",
    "email2": "d.okafor@mailbox.example.com",
    "phone": "+44 20 7946 0958",
    "phone2": "(415) 555-0134",
    "card": "4111 1111 1111 1111",
    "ssn": "123-45-6789",
}
"""Values planted in the personas and transcripts; none may ever leave them."""

_FILLER = ("They speak in long, careful sentences and pause before answering. They like "
           "to explain the background of a problem before the problem itself, and they thank "
           "the other person often. ")


def persona(title: str, appearance: str, setting: str, extra: str = "") -> str:
    return f"""# Persona: {title}

## Summary
{_FILLER * 3}

## Appearance
- **Looks:** {appearance}
- Usually wears comfortable clothes and a wristwatch.

## Voice and speech
{_FILLER * 4}

## Personality
- Patient, a little anxious about money.
- {_FILLER * 2}

## Setting
{setting}

## Contact details
{extra or 'None given on the call.'}
"""


CALLS = {
    # call id: {speaker: (channel folder, appearance, setting, contact, transcript)}
    "call-2024-03-01-0001": {
        "SPEAKER_00": ("right-vocals",
                       f"mid-forties woman, short grey hair, round glasses, a lanyard that reads "
                       f"{PLANTED['email']}, navy cardigan",
                       "A cluttered home office with a window onto a rainy street.", "",
                       "Hello, I'm calling about my account. Sorry, it's noisy, the window is open."),
        "SPEAKER_01": ("right-vocals", "young man, curly black hair, green hoodie, headset",
                       "A bright call centre with rows of desks.", f"e-mail {PLANTED['email2']}",
                       f"I'm at my desk in the office with your card {PLANTED['card']} in "
                       "front of me.\nThank you for waiting."),
    },
    "2024-03-02_0815": {
        "agent": ("left-vocals", "older man with a white beard and a blue shirt",
                  "A quiet night shift office.", "",
                  "Good evening, you are through to the help desk."),
        "customer": ("left-vocals", f"tired nurse in green scrubs, a sticky note with "
                     f"{PLANTED['phone2']} on her sleeve",
                     "Hospital break room at night.", "",
                     f"I'm on a break at the hospital, call me back on {PLANTED['phone']} "
                     "tonight."),
        "supervisor": ("left-vocals", "woman with long red hair and a black blazer",
                       "An open-plan office.", "", "I am listening in on this call."),
    },
    "call-0003": {
        "SPEAKER_00": ("right-vocals", "teenager with a yellow raincoat and short brown hair",
                       "A bus stop in the rain.", "",
                       "It's raining outside and the bus is late. My social is 123-45-6789 "
                       "if you need it"),
        "SPEAKER_01": ("left-vocals", "grandmother with white hair and a purple scarf",
                       "A cosy kitchen with a kettle on.", "", "Take your time, dear."),
    },
}


def write_run(root: Path, *, absolute: bool = False) -> Path:
    """An invented run folder; returns its persona_manifest.json."""
    entries = []
    for call, speakers in CALLS.items():
        for speaker, (channel, look, setting, contact, said) in speakers.items():
            path = root / "characters" / call / speaker / "persona.md"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(persona(speaker, look, setting, contact), encoding="utf-8")
            folder = root / "speakers" / call / channel / speaker
            folder.mkdir(parents=True, exist_ok=True)
            lines = said.split("\n")
            for number, line in enumerate(lines, 1):
                (folder / f"segment_{number:03}.txt").write_text(line + "\n", encoding="utf-8")
            entry = {"call_id": call, "speaker": speaker, "channel": channel,
                     "persona_path": str(path if absolute else path.relative_to(root)),
                     "source_audio_paths": [f"audio/{call}.wav"], "audio_samples": []}
            entries.append(entry)
    manifest = root / "characters" / "persona_manifest.json"
    manifest.write_text(json.dumps(entries, indent=2), encoding="utf-8")
    return manifest


def test_manifest_entries_and_their_problems(tmp_path: Path) -> None:
    manifest = tmp_path / "characters" / "persona_manifest.json"
    write(manifest, json.dumps([
        {"call_id": "c1", "speaker": "A", "persona_path": "characters/c1/A.md"},
        {"call_id": "c1", "persona_path": "x.md"},
        {"speaker": "B", "persona_path": "x.md"},
        {"call_id": "c2", "speaker": "B", "persona_path": 3},
        "not an object",
        {"call_id": 7, "speaker": "C", "persona_path": "/abs/C.md", "channel": "left-vocals"},
        {"call_id": "c1", "speaker": "A", "persona_path": "again.md"},
        {"call_id": "c3", "speaker": "D", "persona_path": "d.md", "audio_samples": "one"},
    ]))
    entries, problems = read_manifest(manifest)
    assert [(e.index, e.call_id, e.speaker) for e in entries] == [(0, "c1", "A"), (5, "7", "C")]
    assert entries[0].persona_ref == "characters/c1/A.md"
    assert entries[1].persona_ref == "/abs/C.md" and entries[1].channel == "left-vocals"
    text = "\n".join(problems)
    assert "entry 1 (call c1, speaker ?): speaker: missing required field; skipped" in text
    assert "entry 2 (call ?, speaker B): call_id: missing required field" in text
    assert "entry 3 (call c2, speaker B): persona_path: expected a non-empty string, got int" in text
    assert "entry 4: expected an object" in text
    assert "entry 6 (call c1, speaker A): duplicate of entry 0" in text
    assert "entry 7 (call c3, speaker D): audio_samples: expected a list" in text
    assert all(line.startswith("characters/persona_manifest.json: entry ") for line in problems)


@pytest.mark.parametrize(("content", "message"), [
    ("{}", "must be a JSON list of entries, got dict"),
    ("null", "must be a JSON list of entries, got null"),
    ('[{"call_id": "c1",', "not valid JSON"),
])
def test_a_manifest_that_is_not_a_list_is_an_error(tmp_path: Path, content: str,
                                                   message: str) -> None:
    write(tmp_path / "persona_manifest.json", content)
    with pytest.raises(CastError, match=message):
        read_manifest(tmp_path / "persona_manifest.json")
    with pytest.raises(CastError, match="not found"):
        read_manifest(tmp_path / "missing.json")


def test_sections_by_heading_as_plain_sentences() -> None:
    found = sections(persona("SPEAKER_00", "tall, red coat", "A bus stop in the rain."))
    assert list(found) == ["Persona: SPEAKER_00", "Summary", "Appearance", "Voice and speech",
                           "Personality", "Setting", "Contact details"]
    assert found["Appearance"] == ("Looks: tall, red coat. Usually wears comfortable clothes "
                                   "and a wristwatch.")
    labelled = sections("Intro line\n**Look:** tall\n**Setting:** a kitchen\n**Setting:** again")
    assert labelled == {"intro": "Intro line.", "Look": "tall.", "Setting": "a kitchen.",
                        "Setting (2)": "again."}


def test_characters_slugs_channels_and_provenance(tmp_path: Path) -> None:
    manifest = write_run(tmp_path)
    found = load_personas(manifest)
    assert found.warnings == [] and found.skipped == 0
    by_id = {c["id"]: c for c in found.characters}
    assert sorted(by_id) == sorted([
        "call-2024-03-01-0001-speaker-00", "call-2024-03-01-0001-speaker-01",
        "2024-03-02-0815-agent", "2024-03-02-0815-customer", "2024-03-02-0815-supervisor",
        "call-0003-speaker-00", "call-0003-speaker-01", "call-2024-03-01-0001-backdrop",
        "2024-03-02-0815-backdrop", "call-0003-backdrop"])
    avatar = by_id["call-0003-speaker-01"]
    assert (avatar["call"], avatar["speaker"], avatar["variants"]) == ("call-0003", "speaker-01",
                                                                       ["avatar"])
    assert avatar["source"]["channel"] == "left-vocals"  # the fallback
    assert avatar["source"]["persona"] == "characters/call-0003/SPEAKER_01/persona.md"
    assert avatar["source"]["transcripts"][0]["file"] == \
        "speakers/call-0003/left-vocals/SPEAKER_01/segment_001.txt"
    assert len(avatar["source"]["persona_sha256"]) == 64
    assert "Appearance" in avatar["persona"]["sections"] and avatar["transcript"]
    backdrop = by_id["call-0003-backdrop"]
    assert backdrop["source"]["channel"] == "right-vocals"  # preferred when it has text
    assert [p["speaker"] for p in backdrop["personas"]] == ["SPEAKER_00", "SPEAKER_01"]
    assert "raining outside" in backdrop["transcript"]
    assert by_id["2024-03-02-0815-backdrop"]["source"]["channel"] == "left-vocals"


def test_the_entrys_own_channel_comes_first_then_the_other(tmp_path: Path) -> None:
    manifest = write_run(tmp_path, absolute=True)
    write(tmp_path / "speakers/call-0003/right-vocals/SPEAKER_01/a.txt", "From the right.")
    found = load_personas(manifest)
    avatar = next(c for c in found.characters if c["id"] == "call-0003-speaker-01")
    # the entry says left-vocals: the right-vocals S01 is another person
    assert avatar["source"]["channel"] == "left-vocals" and avatar["transcript"] == "Take your time, dear."
    assert avatar["source"]["persona"] == "characters/call-0003/SPEAKER_01/persona.md"
    for file in (tmp_path / "speakers/call-0003/left-vocals/SPEAKER_01").glob("*.txt"):
        file.unlink()
    avatar = next(c for c in load_personas(manifest).characters if c["id"] == "call-0003-speaker-01")
    assert avatar["source"]["channel"] == "right-vocals" and avatar["transcript"] == "From the right."


def test_ids_are_slugs_and_never_paths(tmp_path: Path) -> None:
    assert slug("Call 0002 / Zoë's line") == "call-0002-zoe-s-line"
    assert slug("../../etc") == "etc" and slug("###") == "x"
    write(tmp_path / "p.md", "## Appearance\nTall.")
    write(tmp_path / "speakers/../outside/right-vocals/x/1.txt", "Outside the run folder.")
    manifest = write(tmp_path / "persona_manifest.json", json.dumps([
        {"call_id": "../outside", "speaker": "x", "persona_path": "p.md"},
        {"call_id": "A B", "speaker": "s", "persona_path": "p.md"},
        {"call_id": "a-b", "speaker": "s", "persona_path": "p.md"},
    ]))
    found = load_personas(manifest)
    ids = [c["id"] for c in found.characters if "speaker" in c]
    assert ids[0] == "outside-x" and found.characters[0]["transcript"] == ""
    assert ids[1] == "a-b-s" and ids[2].startswith("a-b-") and ids[2] != "a-b-s"
    assert any("call ../outside: no transcript" in w for w in found.warnings)


def test_missing_persona_and_missing_transcript_skip_one_output_each(tmp_path: Path) -> None:
    manifest = write_run(tmp_path)
    (tmp_path / "characters/call-0003/SPEAKER_00/persona.md").unlink()
    for file in (tmp_path / "speakers/2024-03-02_0815").rglob("*.txt"):
        file.unlink()
    found = load_personas(manifest)
    assert found.skipped == 2
    assert found.warnings[0].endswith("entry 5 (call call-0003, speaker SPEAKER_00): persona_path: "
                                      "file not found: characters/call-0003/SPEAKER_00/persona.md; "
                                      "its avatar is skipped")
    assert "call 2024-03-02_0815: no transcript in speakers/" in found.warnings[1]
    ids = {c["id"] for c in found.characters}
    assert "call-0003-speaker-00" not in ids and "2024-03-02-0815-backdrop" not in ids
    assert "2024-03-02-0815-agent" in ids and "call-0003-backdrop" in ids


def test_personas_in_a_cast_file(tmp_path: Path, cli: Callable[..., tuple[int, str, str]]) -> None:
    write_run(tmp_path / "run")
    write(tmp_path / "cast.yaml", """\
        version: 1
        name: Calls
        privacy: {mode: redact}
        personas: run/characters/persona_manifest.json
        transcripts: run/speakers
        variants:
          avatar: {size: 128, frame: One person on a solid green background, template: avatar.j2,
                   output: "{call}/{speaker}.{format}"}
        characters:
          - id: call-0003-speaker-00
            seed: 99
        """)
    cast = load_cast(tmp_path / "cast.yaml")
    character = cast.character("call-0003-speaker-00")
    assert character.seed == 99 and (character.model_extra or {})["speaker"] == "speaker-00"
    assert cast.spec.variants["avatar"].size == (128, 128)  # the cast's own variant wins
    assert cast.spec.variants["backdrop"].size == (1368, 768)  # the default is added
    assert tmp_path / "run/characters/call-0003/SPEAKER_00/persona.md" in cast.sources
    code, out, err = cli("build", "cast.yaml", "--output-format", "plain")
    assert code == 0, out + err
    assert (tmp_path / "dist/call-0003/speaker-00.png").exists()
    assert (tmp_path / "dist/backdrops/call-0003.png").exists()
    code, out, _ = cli("build", "cast.yaml")
    assert "nothing to do" in out or "0 generated" in out
    (tmp_path / "run/speakers/call-0003/right-vocals/SPEAKER_00/segment_002.txt").write_text(
        "The bus shelter is dark and the street lights flicker.")
    code, out, _ = cli("build", "cast.yaml", "--output-format", "plain")
    assert "1 generated" in out and "call-0003-backdrop/backdrop" in out


def test_import_writes_an_editable_cast_and_never_overwrites(
        tmp_path: Path, cli: Callable[..., tuple[int, str, str]]) -> None:
    manifest = write_run(tmp_path / "run")
    code, out, err = cli("import", "personas", str(manifest), "-o", "casts/calls.yaml")
    assert code == 2 and "casts" in err  # the folder must exist
    (tmp_path / "casts").mkdir()
    code, out, err = cli("import", "personas", str(manifest), "-o", "casts/calls.yaml")
    assert code == 0, err
    text = (tmp_path / "casts/calls.yaml").read_text()
    assert "personas: ../run/characters/persona_manifest.json" in text
    assert "transcripts: ../run/speakers" in text and "#   call-0003-speaker-01" in text
    assert not any(value in text for value in PLANTED.values()) and "grey hair" not in text
    before = text
    code, _, err = cli("import", "personas", str(manifest), "-o", "casts/calls.yaml")
    assert code == 2 and "not overwritten" in err
    assert (tmp_path / "casts/calls.yaml").read_text() == before
    # the cast loads and plans; the planted personal data is what validate reports
    code, out, err = cli("validate", "casts/calls.yaml")
    assert code == 2, err
    lines = err.strip().splitlines()
    assert lines[0] == "error: 4 problem(s) with the limits of sketch-v1 or the privacy guard:"
    assert all("blocked by the privacy guard" in line for line in lines[1:])


def test_a_missing_persona_in_a_cast_keeps_its_old_output_and_exits_1(
        tmp_path: Path, cli: Callable[..., tuple[int, str, str]]) -> None:
    write_run(tmp_path / "run")
    write(tmp_path / "cast.yaml", """\
        version: 1
        name: Calls
        privacy: {mode: redact}
        personas: run/characters/persona_manifest.json
        transcripts: run/speakers
        """)
    code, out, err = cli("build", "cast.yaml", "--output-format", "plain")
    assert code == 0, out + err
    avatar = next((tmp_path / "dist").glob("call-0003/speaker-00/*.png"))
    (tmp_path / "run/characters/call-0003/SPEAKER_00/persona.md").unlink()
    code, out, err = cli("build", "cast.yaml", "--output-format", "plain")
    assert code == 1
    assert "its avatar is skipped" in err
    assert "output(s) skipped: a source is missing" in err
    assert avatar.exists()  # not taken for an output removed from the cast


def test_the_builders_labelled_fields_and_placeholders() -> None:
    from facebuild.personas.fields import persona_sections

    text = ("Here is the persona you asked for.\n**Name:** Rae\nShort Description: A tall "
            "courier.\nGreeting: Hi {{user}}!\nLong Description:\nWears a red cap.\nHas a "
            "scar on one cheek.\nSuggested Starters:\n- Where to?\nCategories: Urban\n"
            "Definition: {{char}}: On my way. {{User}}: Thanks.\n")
    found = persona_sections(text)
    assert found == {"Name": "Rae.", "Short Description": "A tall courier.", "Greeting": "Hi !",
                     "Long Description": "Wears a red cap. Has a scar on one cheek.",
                     "Suggested Starters": "Where to?", "Categories": "Urban.",
                     "Definition": "On my way. Thanks."}
    # one label alone is no builder format: a Markdown persona reads as before
    assert persona_sections("## Appearance\nName: on the badge.\n") == {
        "Appearance": "Name: on the badge."}
