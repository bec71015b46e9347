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


def _safe(text: str) -> object:
    return yaml.load(text, Loader=yaml.CSafeLoader)  # PyYAML's own, on the same parser


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
