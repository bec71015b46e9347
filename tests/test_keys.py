"""Keys are the sha256 of canonical JSON: the fast output-key path hashes the same bytes."""

from __future__ import annotations

import pytest

from facebuild.keys import derive_seed, digest
from facebuild.planner import _post, output_key


@pytest.mark.parametrize("size, crop, fmt, background", [
    ((256, 256), "center", "png", "keep"),
    ((1368, 768), "top", "webp", "transparent"),
])
def test_output_key_is_the_digest_of_render_key_and_post(size, crop, fmt, background) -> None:
    post, post_json = _post(size, crop, fmt, background)
    render_key = digest({"prompt": "a hero"})
    assert output_key(render_key, post_json) == digest({"render_key": render_key, "post": post})


def test_derived_seeds_are_stable_and_never_zero() -> None:
    assert derive_seed(7, "tessa-quark", "bust") == derive_seed(7, "tessa-quark", "bust")
    seeds = {derive_seed(base, "a", "bust") for base in range(2000)}
    assert len(seeds) == 2000
    assert all(1 <= seed <= 2**31 - 2 for seed in seeds)
