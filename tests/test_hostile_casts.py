"""Generated hostile casts (random structures; strings full of path, format, Jinja and
Unicode characters; ids, output patterns, includes, cast-local templates): every run of
validate, prompts, diff and build ends with exit 0, 1 or 2, never a traceback, writes nothing
outside its own folder and finishes in bounded time and memory."""

from __future__ import annotations

import itertools
import os
import resource
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from facebuild.cli import main

ATTACKS = [
    "../../escape", "/etc/passwd", "..", ".", "", " ", "a\n", "a\x00b", "\u202e", "ｆｕｌｌ",
    "{character}", "{character!r}", "{0}", "{character.__class__}", "{{ 7 * 7 }}",
    "{% for i in range(9) %}x{% endfor %}", "{{ cycler.__init__.__globals__ }}", "{#", "%s%n",
    "123-45-6789", "jane@example.com", "C:\\x", "~/x", "*", "**/*.yaml", "$HOME", "-1",
]
NASTY = st.one_of(
    st.sampled_from(ATTACKS),
    st.text(alphabet=st.sampled_from(list("ab-/.\\{}:!%#~*?[]$\n\t\x00é字🙂\u202e ")), max_size=20),
    st.text(max_size=12),
)
SLUG = st.from_regex(r"[a-z0-9]{1,6}(-[a-z0-9]{1,4})?", fullmatch=True)
ID = st.one_of(SLUG, SLUG, SLUG, NASTY)  # mostly valid, so that runs get past validation
SCALAR = st.one_of(NASTY, st.integers(-(2**70), 2**70), st.booleans(), st.none(),
                   st.floats(allow_nan=True), st.integers(16, 32))
ANY = st.recursive(SCALAR, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                   st.dictionaries(NASTY, inner, max_size=3)),
                   max_leaves=8)
SIZE = st.one_of(st.integers(16, 32), st.integers(16, 32),
                 st.lists(st.integers(16, 32), min_size=2, max_size=2), ANY)
OUTPUT = st.one_of(st.sampled_from([
    "{character}/{variant}.{format}", "{variant}-{character}.{format}", "{name}/{variant}.{format}",
    "../{character}/{variant}.{format}", "/tmp/{character}.{format}",
    "{character}/../../{variant}.{format}", "{character}",
    # format specs, conversions, attribute and index access (issue 10, item 1)
    "{character:.^2.0}/{character:.^2.0}/X-{character}/{variant}.{format}",
    "{character:/<1.0}tmp/{character}/{variant}.{format}", "{character!r}/{variant}.{format}",
    "{character.__class__}/{variant}.{format}", "{character[0]}/{variant}.{format}",
    "{description}/{variant}.{character}.{format}"]), NASTY)
TEMPLATE_TEXT = st.lists(st.sampled_from([
    "{{ character.name }}", "{{ world.context|upper }}", "{{ variant.frame }}", "{{ nope }}",
    "{% if character.role %}{{ character.role }}{% endif %}", "{{ ''.__class__ }}",
    "{{ 'x' * 10**9 }}", "{% for i in range(10) %}{{ i }}{% endfor %}", "{{ 1/0 }}", "{% if %}",
    "{{ cycler.__init__.__globals__.os.popen('touch PWNED') }}", "{% include 'other.j2' %}",
    "{% include '../cast.yaml' %}", "{{ character|tojson }}", "{{ style }}", "plain words",
]), max_size=5).map(" ".join)

VARIANT = st.fixed_dictionaries(
    {"size": SIZE},
    optional={"frame": NASTY, "template": st.one_of(st.just("t.j2"), NASTY), "format": NASTY,
              "from": ID, "output": OUTPUT, "negative": NASTY, "crop": NASTY, "candidates": SCALAR})
CHARACTER = st.one_of(*[st.fixed_dictionaries(
    {"id": ID, "name": NASTY},
    optional={"role": NASTY, "description": NASTY, "seed": SCALAR, "variants": st.lists(ID, max_size=2),
              "seeds": st.dictionaries(ID, SCALAR, max_size=2), "traits": st.lists(NASTY, max_size=2),
              "extra": ANY, "options": ANY})] * 4, ANY)
CAST = st.fixed_dictionaries(
    {"version": st.sampled_from([1] * 9 + [2]), "name": NASTY,
     "variants": st.one_of(*[st.dictionaries(ID, VARIANT, min_size=1, max_size=2)] * 4, ANY),
     "characters": st.one_of(*[st.lists(CHARACTER, max_size=3)] * 4, ANY)},
    optional={"world": st.fixed_dictionaries({}, optional={"context": NASTY, "style": NASTY,
                                                           "negative": NASTY}),
              "output": OUTPUT, "template": st.one_of(st.just("t.j2"), NASTY), "seed": SCALAR,
              "dist": st.one_of(st.just("dist"), NASTY), "include": st.lists(NASTY, max_size=2),
              "privacy": st.one_of(st.just({"mode": "redact"}), ANY), "junk": ANY})
# hostile values in a valid shape: these get past validation into prompts, keys and dist
SHAPED = st.fixed_dictionaries(
    {"version": st.just(1), "name": NASTY,
     "world": st.fixed_dictionaries({"context": NASTY, "style": NASTY, "negative": NASTY}),
     "variants": st.dictionaries(SLUG, st.fixed_dictionaries(
         {"size": st.integers(16, 32), "frame": NASTY, "negative": NASTY},
         optional={"output": OUTPUT, "template": st.just("t.j2")}), min_size=1, max_size=2),
     "characters": st.lists(st.fixed_dictionaries(
         {"id": SLUG, "name": NASTY, "description": NASTY, "role": NASTY},
         optional={"hair": NASTY, "seed": st.integers(-(2**40), 2**40)}), max_size=3,
         unique_by=lambda c: c["id"])},
    optional={"template": st.just("t.j2"), "output": OUTPUT, "privacy": st.just({"mode": "redact"})})
_LAUGHS = "".join(f"{c}: &{c} [{','.join([f'*{p}'] * 9)}]\n"
                  for p, c in zip("abcdefgh", "bcdefghi", strict=True))
RAW = [  # whole lines a careless or hostile hand might add to a cast
    "seed: " + "7" * 5000, "a: &a [*a]", 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    + _LAUGHS, "x: !!python/object/apply:os.system ['touch PWNED']", "x: " + "[" * 300 + "]" * 300,
    "x: 2001-13-45", "characters: [{id: \"bob\\n\", name: Bob}]", "\t- broken", "variants: *nowhere",
]
EXAMPLE = st.fixed_dictionaries({
    "cast": st.one_of(SHAPED, SHAPED, CAST),
    "template": st.one_of(st.none(), TEMPLATE_TEXT),
    "include": st.one_of(st.none(), st.lists(CHARACTER, max_size=2)),
    "mangle": st.one_of(st.none(), st.none(), st.tuples(st.integers(0, 40),
                                                         st.one_of(NASTY, st.sampled_from(RAW)))),
})
_counter = itertools.count()


def _snapshot(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


def _write_example(folder: Path, example: dict[str, Any]) -> None:
    cast = dict(example["cast"])
    if example["include"] is not None:
        (folder / "more.yaml").write_text(yaml.safe_dump(example["include"], allow_unicode=True))
        cast["include"] = [*(cast.get("include") or []), "more.yaml"] if isinstance(
            cast.get("include"), list) else ["more.yaml"]
    if example["template"] is not None and "template" not in cast:
        cast["template"] = "t.j2"
    text = yaml.safe_dump(cast, allow_unicode=True, sort_keys=False)
    if example["mangle"] is not None:  # raw lines: broken YAML, aliases, tags, huge numbers
        at, extra = example["mangle"]
        lines = text.splitlines()
        text = "\n".join([*lines[:at], extra, *lines[at:]]) + "\n"
    (folder / "cast.yaml").write_text(text, encoding="utf-8")
    if example["template"] is not None:
        (folder / "templates").mkdir()
        (folder / "templates" / "t.j2").write_text(example["template"])
        (folder / "templates" / "other.j2").write_text("{{ character.name }}")


@pytest.mark.filterwarnings("ignore")
@settings(max_examples=150, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                 HealthCheck.data_too_large, HealthCheck.filter_too_much])
@given(example=EXAMPLE)
def test_generated_casts_end_cleanly_and_stay_inside(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                     example: dict[str, Any]) -> None:
    folder = tmp_path / f"ex{next(_counter)}"
    folder.mkdir()
    _write_example(folder, example)
    outside = {p for p in _snapshot(tmp_path) if Path(p).parts[0] != folder.name}
    siblings = set(os.listdir(tmp_path.parent))
    old = Path.cwd()
    os.chdir(folder)
    try:
        for command in ("validate", "prompts", "diff", "build"):
            started = time.monotonic()
            code = main([command, "cast.yaml"] + (["--output-format", "plain"] if command == "build" else []))
            took = time.monotonic() - started
            out, err = capsys.readouterr()
            assert code in (0, 1, 2), (command, code, err)
            assert "Traceback" not in out + err and "internal error" not in err, err
            assert took < 30, (command, took)  # a hang guard, not a speed target
            peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KB
            assert peak_mb < 1024, (command, peak_mb)  # the whole test process, a blow-up guard
    finally:
        os.chdir(old)
    assert not (folder / "PWNED").exists()
    now = _snapshot(tmp_path)
    assert {p for p in now if Path(p).parts[0] != folder.name} == outside
    assert set(os.listdir(tmp_path.parent)) == siblings
