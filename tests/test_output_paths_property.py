"""Whatever output pattern and character a cast holds, every path it formats lies inside
dist, or the cast is refused: a property over generated patterns, names and keys."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from facebuild.cast import cast_from_data
from facebuild.distpaths import path_problem
from facebuild.errors import CastError, CastErrors
from facebuild.planner import plan

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

PIECES = ["{character}", "{variant}", "{format}", "{name}", "{team}", "/", "..", ".", "\\",
          "\x00", "\n", ":", "!r", "{", "}", "{{", "{character:/<1.0}", "{character:.^2.0}",
          "{character!s}", "{character[0]}", "{character.x}", "{0}", "{}", "a", "Ü", "~",
          "\u202e", ".facebuild-tmp-", "manifest.json", " ", "%2e%2e"]

patterns = st.lists(st.sampled_from(PIECES), min_size=1, max_size=8).map("".join)
values = st.one_of(st.text(max_size=16), st.lists(st.sampled_from(PIECES), max_size=4).map("".join))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pattern=patterns, name=values, team=values)
def test_every_formatted_output_path_lies_inside_dist(pattern: str, name: str, team: str) -> None:
    data = {"version": 1, "name": "Property", "backend": {"name": "sketch"}, "output": pattern,
            "privacy": {"mode": "off"}, "variants": {"bust": {"size": 32}},
            "characters": [{"id": "hero", "name": name or "x", "team": team}]}
    try:
        the_plan = plan(cast_from_data(data, Path.cwd()))
    except (CastError, CastErrors):
        return  # refused, one line per mistake
    dist = os.path.realpath(the_plan.cast.dist_dir)
    for target in the_plan.targets.values():
        assert path_problem(target.output) is None, target.output
        full = os.path.normpath(os.path.join(dist, target.output))
        assert full.startswith(dist + os.sep), target.output
