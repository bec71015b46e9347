"""Every user mistake: one line naming file, line and key (and the nearest valid key for
a typo), exit status 2, no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import CAST, write

CASES = {
    "yaml syntax": (
        ("variants:\n  bust: {size: 256, frame: Head", "variants:\n  bust: {size: 256, frame: [Head"),
        r"cast.yaml:\d+:\d+: YAML syntax error",
    ),
    "unknown key": (
        ("characters:\n", "charcters: []\ncharacters:\n"),
        r"cast.yaml:13:1: charcters: unknown key 'charcters' \(did you mean 'characters'\?\)",
    ),
    "unknown nested key": (
        ("  negative: text", "  negativ: text"),
        r"cast.yaml:6:3: world.negativ: unknown key 'negativ' in world \(did you mean 'negative'\?\)",
    ),
    "wrong type": (
        ("seed: 7", "seed: lots"),
        r"cast.yaml:8:1: seed: input should be a valid integer.*got 'lots'",
    ),
    "size not a size": (
        ("{size: 256, frame: Head", "{size: big, frame: Head"),
        r"cast.yaml:10:10: variants.bust.size: expected an int \(square\) or \[width, height\]",
    ),
    "duplicate id": (
        ("id: bob", "id: tessa-quark"),
        r"cast.yaml:18:5: characters\[tessa-quark\].id: duplicate character id 'tessa-quark' "
        r"\(first defined at cast.yaml:14:5\)",
    ),
    "path id": (
        ("id: bob", "id: ../../etc"),
        r"cast.yaml:18:5: characters\[1\].id: id '../../etc' is not a slug",
    ),
    "slash id": (("id: bob", "id: a/b"), r"characters\[1\].id: id 'a/b' is not a slug"),
    "empty id": (("id: bob", "id: ''"), r"characters\[1\].id: id '' is not a slug"),
    "unknown from": (
        ("from: bust", "from: bst"),
        r"cast.yaml:11:\d+: variants.icon.from: unknown variant 'bst' \(did you mean 'bust'\?\)",
    ),
    "from cycle": (
        ("{size: 256, frame: Head and shoulders portrait}", "{size: 256, from: icon}"),
        r"variants.bust.from: 'from:' makes a cycle: bust -> icon -> bust",
    ),
    "size zero": (
        ("{size: 256, frame: Head", "{size: 0, frame: Head"),
        r"cast.yaml:10:\d+: variants.bust.size: size must be between 1 and 4096 pixels per side, got 0x0",
    ),
    "size too big": (
        ("[200, 400]", "[200, 5000]"),
        r"variants.full.size: size must be between 1 and 4096 pixels per side, got 200x5000",
    ),
    "unknown backend": (
        ("{name: counting}", "{name: bedrok}"),
        r"cast.yaml:7:\d+: backend.name: unknown backend 'bedrok' \(did you mean 'bedrock'\?\)",
    ),
    "unknown variant on a character": (
        ("    role: Cook\n", "    role: Cook\n    variants: [bust, icn]\n"),
        r"characters\[bob\].variants: unknown variant 'icn' \(did you mean 'icon'\?\)",
    ),
    "missing template": (
        ("seed: 7", "seed: 7\ntemplate: fancy.j2"),
        r"cast.yaml:9:1: template: template 'fancy.j2' not found",
    ),
    "include matches nothing": (
        ("seed: 7", "seed: 7\ninclude: [people/*.yaml]"),
        r"cast.yaml:9:\d+: include\[0\]: include 'people/\*.yaml' matches no file",
    ),
    "version": (("version: 1", "version: 3"), r"cast.yaml:1:1: version: unsupported cast version 3"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_cast_is_one_clear_line(case: str, cast_file: Path, cli) -> None:
    (old, new), expected = CASES[case]
    assert old in CAST
    cast_file.write_text(CAST.replace(old, new, 1))
    for command in ("validate", "build", "diff"):
        code, out, err = cli(command, "cast.yaml")
        assert code == 2, (command, out, err)
        lines = err.strip().splitlines()
        assert len(lines) == 1, err
        assert lines[0].startswith("error: ")
        import re

        assert re.search(expected, lines[0]), lines[0]
        assert "Traceback" not in err
    assert not (cast_file.parent / "dist").exists()


def test_undefined_template_variable_names_template_line_and_variable(cast_file, cli) -> None:
    write(cast_file.parent / "templates" / "mine.j2",
          "{{ character.name }}.\n{{ character.hair_colour }} hair.\n")
    cast_file.write_text(CAST.replace("seed: 7", "seed: 7\ntemplate: mine.j2"))
    code, _, err = cli("build")
    assert code == 2
    assert "templates/mine.j2:2:" in err
    assert "hair_colour" in err
    assert "characters[tessa-quark]" in err


def test_every_mistake_is_listed_at_once(cast_file, cli) -> None:
    text = CAST.replace("id: bob", "id: Bob!").replace("from: bust", "from: nope")
    cast_file.write_text(text)
    code, _, err = cli("validate")
    assert code == 2
    assert len(err.strip().splitlines()) == 2


def test_typo_of_a_character_key_is_a_warning(cast_file, cli) -> None:
    cast_file.write_text(CAST.replace("description: Round", "descripton: Round"))
    code, _, err = cli("validate")
    assert code == 0
    assert "characters[bob].descripton: unknown key 'descripton'" in err
    assert "did you mean 'description'?" in err


def test_missing_cast_file(cli) -> None:
    code, _, err = cli("build", "nothere.yaml")
    assert code == 2
    assert err.strip() == ("error: nothere.yaml: no such cast file "
                           "(run 'facebuild init' to write one)")


def test_unknown_target(cast_file, cli) -> None:
    code, _, err = cli("build", "nobody/bust")
    assert code == 2
    assert "no target matches 'nobody/bust'" in err


def test_backend_option_errors_point_at_the_file_or_the_flag(cast_file, cli) -> None:
    cast_file.write_text(CAST.replace("backend: {name: counting}", "backend: {name: sketch, colour: red}"))
    code, _, err = cli("validate")
    assert code == 2
    assert err.startswith("error: cast.yaml:7:25: backend.colour: unknown option 'colour' for the "
                          "sketch backend")
    cast_file.write_text(CAST)
    code, _, err = cli("diff", "--backend", "bedrock", "--model", "cor")
    assert code == 2
    assert err.startswith("error: --model: unknown Bedrock model 'cor' (did you mean 'core'?")
    code, _, err = cli("diff", "--backend", "nope")
    assert (code, err.strip()) == (2, "error: --backend: unknown backend 'nope'")


def test_an_id_holding_a_phone_number_is_masked_where_a_message_names_the_character(cast_file, cli) -> None:
    personal = CAST.replace("id: bob", "id: bob-4155550199")
    cast_file.write_text(personal.replace("    role: Cook\n", "    role: Cook\n    seeds: {bsut: 3}\n"))
    code, _, err = cli("validate")
    assert code == 2
    assert "characters[bob-*** *** **99].seeds.bsut: unknown variant 'bsut'" in err, err
    cast_file.write_text(personal.replace("    role: Cook\n", "    rol: Cook\n"))
    code, _, err = cli("validate")
    assert code == 0
    assert "characters[bob-*** *** **99].rol: unknown key 'rol'" in err, err
    assert "4155550199" not in err
