"""``character.name`` on a dict takes a shortcut in the bounded sandbox: it must give
exactly what Jinja's own sandbox gives, for keys, dict methods, private and missing names."""

from __future__ import annotations

import jinja2
import pytest
from jinja2.sandbox import ImmutableSandboxedEnvironment

from facebuild.sandbox import BoundedSandbox, render_bounded

DATA = {"name": "Tessa", "keys": "a key called keys", "_hidden": "private", "items": [1, 2]}


@pytest.mark.parametrize("attribute", ["name", "keys", "_hidden", "items", "get", "missing",
                                       "__class__", "__init__", "pop", "clear"])
def test_same_lookup_as_jinja(attribute: str) -> None:
    ours = BoundedSandbox(undefined=jinja2.StrictUndefined)
    theirs = ImmutableSandboxedEnvironment(undefined=jinja2.StrictUndefined)
    mine, reference = ours.getattr(DATA, attribute), theirs.getattr(DATA, attribute)
    assert type(mine) is type(reference)
    if isinstance(reference, jinja2.Undefined):
        assert mine._undefined_name == reference._undefined_name
    elif callable(reference):
        assert mine.__name__ == reference.__name__
    else:
        assert mine == reference


def test_templates_read_keys_and_refuse_what_they_refused() -> None:
    env = BoundedSandbox(undefined=jinja2.StrictUndefined)
    text = env.from_string("{{ c.name }} / {{ c['keys'] }} / {{ c.get('name') }} / {{ c['_hidden'] }}")
    assert render_bounded(text, {"c": DATA}) == "Tessa / a key called keys / Tessa / private"
    with pytest.raises(jinja2.UndefinedError):
        render_bounded(env.from_string("{{ c.missing }}"), {"c": DATA})
    with pytest.raises(jinja2.exceptions.SecurityError):
        render_bounded(env.from_string("{{ c.pop('name') }}"), {"c": dict(DATA)})
