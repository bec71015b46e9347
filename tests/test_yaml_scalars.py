"""The cast reader gives every scalar the type PyYAML's safe loader gives it: a number, a
boolean, null or a date where YAML 1.1 says so, a string otherwise (it takes a shortcut for
the strings, which are most of a cast)."""

from __future__ import annotations

import datetime
from pathlib import Path

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from facebuild.errors import CastError
from facebuild.yamlfile import SourceMap, read_meant_document

WORDS = ["yes", "No", "ON", "off", "y", "n", "True", "false", "~", "null", "Null", "NULL", "1e3", "1.5e+3",
         ".5", ".inf", "-.inf", ".NaN", "0x1F", "0o17", "017", "0b101", "1_000", "190:20:30", "-12",
         "+12", "2001-12-14", "2001-12-14t21:59:43.10-05:00", "Friendly", "person-00007",
         "Tessa Quark", "3 apples", "7up", "-dash", "+plus", "_under", "'quoted'", '"double"', "ñame",
         "", "0", "Yes please", "nullable", "trueish", "Off-world"]


def _load(text: str, tmp_path: Path) -> object:
    path = tmp_path / "doc.yaml"
    path.write_text(text, encoding="utf-8")
    data, _ = read_meant_document(path, SourceMap())
    return data


class _Expected(yaml.CSafeLoader):
    """PyYAML's own safe loader, on the same parser, but for a plain ``=`` or ``<<`` value:
    PyYAML refuses it (it has no constructor for the value and merge tags); facebuild reads
    it as the text it is."""


for _tag in ("tag:yaml.org,2002:value", "tag:yaml.org,2002:merge"):
    _Expected.add_constructor(_tag, yaml.constructor.SafeConstructor.construct_scalar)


def _safe(text: str) -> object:
    return yaml.load(text, Loader=_Expected)


def _same(ours: object, theirs: object) -> bool:
    if isinstance(ours, float) and isinstance(theirs, float) and ours != ours:
        return theirs != theirs  # NaN
    return type(ours) is type(theirs) and ours == theirs


def test_the_words_yaml_types_are_typed_as_pyyaml_types_them(tmp_path: Path) -> None:
    text = "".join(f"k{i}: {word}\n" for i, word in enumerate(WORDS))
    ours, theirs = _load(text, tmp_path), _safe(text)
    assert isinstance(ours, dict) and isinstance(theirs, dict)
    assert [k for k in theirs if not _same(ours[k], theirs[k])] == []
    typed = {word: ours[f"k{i}"] for i, word in enumerate(WORDS)}
    assert typed["yes"] is True and typed["off"] is False and typed["~"] is None and typed["0x1F"] == 31
    assert typed["2001-12-14"] == datetime.date(2001, 12, 14) and typed["Friendly"] == "Friendly"


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(WORDS), st.text(st.sampled_from("aZyNo0159.-+:_~<= ,eE"),
                                                          max_size=12)), min_size=1, max_size=8))
def test_any_plain_scalar_is_read_as_pyyaml_reads_it(tmp_path_factory: object, values: list[str]) -> None:
    folder = tmp_path_factory.mktemp("doc")  # type: ignore[attr-defined]
    text = "".join(f"k{i}: {value}\n" for i, value in enumerate(values))
    text += "list: [" + ", ".join(values) + "]\n"
    try:
        theirs = _safe(text)
    except yaml.YAMLError:
        try:
            _load(text, folder)
        except CastError:
            return
        raise AssertionError(f"read without error: {text!r}") from None
    ours = _load(text, folder)
    assert isinstance(ours, dict) and isinstance(theirs, dict)
    for key, value in theirs.items():
        if isinstance(value, list):
            assert all(_same(a, b) for a, b in zip(ours[key], value, strict=True)), text
        else:
            assert _same(ours[key], value), (text, key)


def test_a_plain_equals_or_double_angle_value_is_text(tmp_path: Path) -> None:
    assert _load("a: =\nb: <<\nc: [=, <<]\n", tmp_path) == {"a": "=", "b": "<<", "c": ["=", "<<"]}


def test_merge_keys_merge_as_yaml_says(tmp_path: Path) -> None:
    text = ("base: &base {size: [256, 256], crop: center}\n"
            "big:\n  <<: *base\n  size: [512, 512]\n"
            "both:\n  <<: [*base, {format: webp}]\n")
    assert _load(text, tmp_path) == _safe(text) == {
        "base": {"size": [256, 256], "crop": "center"},
        "big": {"size": [512, 512], "crop": "center"},
        "both": {"size": [256, 256], "crop": "center", "format": "webp"}}


def test_a_merge_of_no_mapping_is_one_line_with_its_place(tmp_path: Path) -> None:
    try:
        _load("a: 1\nb:\n  <<: 5\n", tmp_path)
    except CastError as exc:
        assert "doc.yaml:3" in str(exc) and "<< merges a mapping" in str(exc)
    else:
        raise AssertionError("a merge of 5 was read")


MERGED_CAST = """\
version: 1
name: Harbour
world: {context: A harbour town., style: Cartoon portraits.}
seed: 1
variants:
  bust: &portrait {size: 256, frame: "Head and shoulders portrait"}
  wide:
    <<: *portrait
    size: [512, 256]
characters:
  - &crew {id: mara, name: Mara, role: Harbour master, description: Tall, with a red coat.}
  - <<: *crew
    id: bolt
    name: Bolt
"""


def test_a_cast_shares_fields_by_merge_keys(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    cast = tmp_path / "cast.yaml"
    cast.write_text(MERGED_CAST)
    code, out, err = cli("prompts", str(cast))
    assert code == 0, err
    assert "== bolt/wide" in out and "512x256" in out and "Bolt, Harbour master" in out
