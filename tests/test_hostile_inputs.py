"""A cast, its includes and its templates come in pull requests and run in CI: whatever
they hold is one line and exit 2, runs no code and costs bounded time and memory."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

Cli = Callable[..., tuple[int, str, str]]

BASE = """\
version: 1
name: t
template: {template}
variants:
  icon: {{size: 16}}
characters:
  - {{id: ann, name: Ann}}
"""


def _bomb(levels: int) -> str:
    """The billion-laughs document: each level an alias list of nine of the previous."""
    lines = ["version: 1", "name: bomb", "variants:", "  icon: {size: 16}",
             'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    previous = "a"
    for name in "bcdefghijkl"[: levels - 1]:
        lines.append(f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]")
        previous = name
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("levels", [9, 12])
def test_alias_bomb_is_one_line_pointing_at_the_alias(tmp_path: Path, cli: Cli, levels: int) -> None:
    (tmp_path / "cast.yaml").write_text(_bomb(levels))
    assert len(_bomb(9).encode()) < 453  # the 453 bytes held nine levels too
    code, out, err = cli("validate", "cast.yaml")
    assert code == 2
    assert err.count("\n") == 1
    assert err.startswith("error: cast.yaml:10:4: ")  # f: &f, 9**6 nodes, the first list past the limit
    assert "aliases expand this document past 100,000 nodes" in err


def test_alias_loop_and_deep_nesting(tmp_path: Path, cli: Cli) -> None:
    (tmp_path / "loop.yaml").write_text(BASE.format(template="portrait.j2") + "x: &x [*x]\n")
    code, _, err = cli("validate", "loop.yaml")
    assert (code, err) == (2, "error: loop.yaml:8:4: an alias refers to the mapping or list that "
                              "contains it (YAML aliases may not loop)\n")
    (tmp_path / "deep.yaml").write_text(BASE.format(template="portrait.j2") + "x: " + "[" * 500
                                        + "]" * 500 + "\n")
    code, _, err = cli("validate", "deep.yaml")
    assert code == 2 and "nesting deeper than 100 levels" in err and err.count("\n") == 1


def test_oversized_include_and_endless_file(tmp_path: Path, cli: Cli) -> None:
    cast = BASE.format(template="portrait.j2") + "include: [big.yaml]\n"
    (tmp_path / "cast.yaml").write_text(cast)
    (tmp_path / "big.yaml").write_text("- {id: bob, name: Bob, description: '" + "x" * 9_000_000 + "'}\n")
    code, _, err = cli("validate", "cast.yaml")
    assert (code, err) == (2, "error: big.yaml: file is larger than 8 MB (split the cast or leave "
                              "large data out of it)\n")
    (tmp_path / "cast.yaml").write_text(cast.replace("big.yaml", "/dev/zero"))
    code, _, err = cli("validate", "cast.yaml")
    assert code == 2 and "include '/dev/zero' points outside the cast's folder" in err
    os.mkfifo(tmp_path / "pipe.yaml")  # opening it for reading would wait for a writer
    (tmp_path / "cast.yaml").write_text(cast.replace("big.yaml", "pipe.yaml"))
    code, _, err = cli("validate", "cast.yaml")
    assert (code, err) == (2, "error: pipe.yaml: not a regular file\n")


def test_five_thousand_digit_integer(tmp_path: Path, cli: Cli) -> None:
    (tmp_path / "cast.yaml").write_text(BASE.format(template="portrait.j2") + "seed: " + "7" * 5000 + "\n")
    code, _, err = cli("validate", "cast.yaml")
    assert (code, err) == (2, "error: cast.yaml:8:7: integer with too many digits (4,300 at most)\n")


def test_id_with_trailing_newline_is_refused(tmp_path: Path, cli: Cli) -> None:
    cast = BASE.format(template="portrait.j2").replace("id: ann", 'id: "ann\\n"')
    (tmp_path / "cast.yaml").write_text(cast)
    code, _, err = cli("validate", "cast.yaml")
    assert code == 2
    assert err == ("error: cast.yaml:7:6: characters[0].id: id 'ann\\n' is not a slug (use lowercase "
                   "letters, digits and '-', e.g. 'tessa-quark')\n")


def test_schema_error_masks_personal_data(tmp_path: Path, cli: Cli) -> None:
    (tmp_path / "cast.yaml").write_text(BASE.format(template="portrait.j2") + "seed: 123-45-6789\n")
    code, _, err = cli("validate", "cast.yaml")
    assert code == 2
    assert "123-45-6789" not in err and "got '***-**-6789'" in err


ESCAPES = {
    "globals": "{{ cycler.__init__.__globals__.os.popen('touch PWNED').read() }}",
    "mro": "{{ ''.__class__.__mro__[1].__subclasses__() }} {{ 'touch PWNED' }}",
    "self": "{{ self._TemplateReference__context.cycler.__init__.__globals__.os.system('touch PWNED') }}",
}


@pytest.mark.parametrize("command", ["validate", "diff", "prompts", "build"])
@pytest.mark.parametrize("attack", sorted(ESCAPES))
def test_template_cannot_run_code(tmp_path: Path, cli: Cli, command: str, attack: str) -> None:
    (tmp_path / "cast.yaml").write_text(BASE.format(template="evil.j2"))
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "evil.j2").write_text("A portrait of\n" + ESCAPES[attack] + "\n")
    code, _, err = cli(command, "cast.yaml")
    assert not (tmp_path / "PWNED").exists()
    assert code == 2
    assert err.startswith("error: templates/evil.j2:2: template refused by the sandbox: access to attribute")
    assert err.count("\n") == 1
    assert not (tmp_path / "dist").exists()


COSTLY = {
    "string times a billion": "{{ 'x' * 10**9 }}",
    "nested ranges": "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
    "replace squared": "{% set s = 'x' * 100000 %}{{ s|replace('x', s) }}",
    "doubling macro": "{% macro f(s, n) %}{% if n %}{{ f(s ~ s, n - 1) }}{% endif %}{% endmacro %}"
                      "{{ f('x', 40) }}",
    "centre": "{{ 'x'|center(10**9) }}",
    "ljust": "{{ 'x'.ljust(10**9) }}",
    "format width": "{{ '{:>1000000000}'.format(1) }}",
    "percent width": "{{ '%1000000000d' % 1 }}",
    "batch fill": "{{ [1]|batch(10**9, 'x')|list }}",
    "to_bytes": "{{ (1).to_bytes(10**9, 'big') }}",
    "huge power": "{{ 7 ** 1000000 }}",
    "long output": "{% for i in range(100000) %}{{ 'y' * 100 }}{% endfor %}",
}


@pytest.mark.parametrize("attack", sorted(COSTLY))
def test_template_cost_is_bounded(tmp_path: Path, cli: Cli, attack: str) -> None:
    (tmp_path / "cast.yaml").write_text(BASE.format(template="costly.j2"))
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "costly.j2").write_text(COSTLY[attack] + "\n")
    code, _, err = cli("prompts", "cast.yaml")
    assert code == 2
    assert err.startswith("error: templates/costly.j2")
    assert "refused by the sandbox" in err and err.count("\n") == 1


def test_template_runtime_errors_are_one_line(tmp_path: Path, cli: Cli) -> None:
    (tmp_path / "cast.yaml").write_text(BASE.format(template="bad.j2"))
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "bad.j2").write_text("ok\n{{ 1 / 0 }}\n")
    code, _, err = cli("prompts", "cast.yaml")
    assert (code, err) == (2, "error: templates/bad.j2:2: characters[ann]: template failed: "
                              "ZeroDivisionError\n")


def test_template_linking_outside_its_folder_is_refused(tmp_path: Path, cli: Cli) -> None:
    (tmp_path / "secret.txt").write_text("AKIAIOSFODNN7EXAMPLE")
    (tmp_path / "cast.yaml").write_text(BASE.format(template="link.j2"))
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "link.j2").symlink_to(tmp_path / "secret.txt")
    code, out, err = cli("prompts", "cast.yaml")
    assert code == 2 and "AKIA" not in out + err
    assert err == "error: cast.yaml:3:1: template: template 'link.j2' links outside its templates folder\n"


def test_sandboxed_templates_still_render(tmp_path: Path, cli: Cli) -> None:
    (tmp_path / "cast.yaml").write_text(BASE.format(template="fine.j2"))
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "fine.j2").write_text(
        "{{ character.name|upper }} {{ '{} of {}'.format(1, 10000) }} "
        "{% for t in ['a', 'b'] %}{{ t ~ loop.index }}{% endfor %} {{ 'ab'|replace('a', 'x') }} "
        "{{ [1, 2]|join('-') }} {{ 'q' * 3 }} {{ 2 ** 10 }} {{ '%05d' % 42 }} "
        "{% macro seed(n) %}{{ n }}{% endmacro %}{{ seed(3000000) }} seeds\n")
    code, out, err = cli("prompts", "cast.yaml")
    assert code == 0, err
    assert "prompt:   ANN 1 of 10000 a1b2 xb 1-2 qqq 1024 00042 3000000 seeds" in out


def test_oversized_template_is_refused_before_it_is_read(tmp_path: Path, cli: Cli) -> None:
    (tmp_path / "cast.yaml").write_text(BASE.format(template="big.j2"))
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "big.j2").write_text("{{ character.name }} " * 100_000)
    code, _, err = cli("prompts", "cast.yaml")
    assert (code, err) == (2, "error: cast.yaml:3:1: template: template 'big.j2' is larger than 1 MB\n")


def test_template_errors_mask_personal_data(tmp_path: Path, cli: Cli) -> None:
    cast = BASE.format(template="t.j2").replace("name: Ann", "name: jane@example.com")
    (tmp_path / "cast.yaml").write_text(cast)
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "t.j2").write_text("{{ character[character.name] }}\n")
    code, _, err = cli("prompts", "cast.yaml")
    assert code == 2 and "jane@example.com" not in err
    assert err.startswith("error: templates/t.j2:1: characters[ann]: undefined variable in template: "
                          "'dict object' has no attribute 'j***@***.com'")


@pytest.mark.parametrize("pattern", ["/etc/*", "../*.yaml", "people/../../*.yaml", "/**/*.yaml"])
def test_include_outside_the_cast_folder_is_refused(tmp_path: Path, cli: Cli, pattern: str) -> None:
    (tmp_path / "cast").mkdir()
    (tmp_path / "cast" / "cast.yaml").write_text(BASE.format(template="portrait.j2")
                                                 + f"include: ['{pattern}']\n")
    code, _, err = cli("validate", "cast/cast.yaml")
    assert (code, err) == (2, f"error: cast/cast.yaml:8:11: include[0]: include '{pattern}' points "
                              "outside the cast's folder (include files that lie beside the cast or "
                              "below it)\n")


def test_include_through_a_link_out_of_the_folder_is_refused(tmp_path: Path, cli: Cli) -> None:
    (tmp_path / "secret.yaml").write_text("- {id: eve, name: 'AKIAIOSFODNN7EXAMPLE'}\n")
    (tmp_path / "cast").mkdir()
    (tmp_path / "cast" / "people").mkdir()
    (tmp_path / "cast" / "people" / "eve.yaml").symlink_to(tmp_path / "secret.yaml")
    (tmp_path / "cast" / "cast.yaml").write_text(BASE.format(template="portrait.j2")
                                                 + "include: ['people/*.yaml']\n")
    code, out, err = cli("prompts", "cast/cast.yaml")
    assert code == 2 and "AKIA" not in out + err
    assert "include 'people/*.yaml' matches a link out of the cast's folder" in err


def test_an_error_never_echoes_personal_data_from_a_cast(tmp_path: Path, cli: Cli) -> None:
    """Every message goes through the privacy guard at the CLI edge, whichever check wrote
    it (here a backend option check that quotes the value it refuses)."""
    (tmp_path / "cast.yaml").write_text(
        "version: 1\nname: t\nworld: {context: a town, style: ink}\n"
        "backend: {name: bedrock, model: titan, region: us-east-1,\n"
        "          cfg_scale: 'Jane +1 415 555 0199 jane@example.com AKIAIOSFODNN7EXAMPLE'}\n"
        "variants:\n  icon: {size: 16}\ncharacters:\n  - {id: ann, name: Ann}\n")
    code, out, err = cli("validate")
    assert code == 2 and out == ""
    assert "backend.cfg_scale: expected a number" in err and err.count("\n") == 1
    for raw in ("415 555 0199", "jane@example.com", "AKIAIOSFODNN7EXAMPLE"):
        assert raw not in err
    (tmp_path / "ok").mkdir()  # several casts (a pre-commit hook): each error screened alike
    (tmp_path / "ok/cast.yaml").write_text(BASE.format(template="portrait.j2"))
    for flags in ((), ("--json",)):
        code, out, err = cli("validate", *flags, "ok/cast.yaml", "cast.yaml")
        assert code == 2 and "cfg_scale" in out + err
        for raw in ("415 555 0199", "jane@example.com", "AKIAIOSFODNN7EXAMPLE"):
            assert raw not in out + err


@pytest.mark.parametrize("manifest", ['[1, 2]', '{"files": [1]}', '{"files": "x"}', "not json"])
def test_explain_reads_a_manifest_of_any_shape(tmp_path: Path, cli: Cli, manifest: str) -> None:
    (tmp_path / "cast.yaml").write_text(BASE.format(template="portrait.j2"))
    assert cli("build")[0] == 0
    (tmp_path / "dist" / "manifest.json").write_text(manifest)
    code, out, err = cli("explain", "dist/ann/icon.png")
    assert code == 0 and "Traceback" not in err  # read from the PNG's own text chunks
    assert "target:     ann/icon" in out
