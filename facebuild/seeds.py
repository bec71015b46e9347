"""Which seed each render gets: one per character by default, so that every variant of a
character is drawn from the same identity.

A seed is explicit (pinned in the cast) or derived from the cast's base seed, so adding,
removing or reordering characters never changes another character's seeds. The order, most
specific first: the character's ``seeds: {variant: n}``, the character's ``seed:``, the
variant's ``seed:``, then the derived seed: from (cast seed, character id) with the default
``seed_scope: character``, or from (cast seed, character id, variant name) with
``seed_scope: variant`` (the rule of facebuild before one identity per character).
"""

from __future__ import annotations

from facebuild.cast import Cast
from facebuild.castfile import Character
from facebuild.keys import derive_seed

_CHARACTER = "*"
"""What stands for the variant name in a character's derived seed. Variant names are
slugs, so it never equals one, and no per-variant seed collides with it by construction."""


def target_seed(cast: Cast, character: Character, variant: str) -> int:
    """The seed of candidate 1 of ``character``'s render of ``variant`` (a root variant:
    a derived one has its source's render)."""
    if variant in character.seeds:
        return character.seeds[variant]
    if character.seed is not None:
        return character.seed
    pinned = cast.spec.variants[variant].seed
    if pinned is not None:
        return pinned
    if cast.spec.seed_scope == "variant":
        return derive_seed(cast.spec.seed, character.id, variant)
    return derive_seed(cast.spec.seed, character.id, _CHARACTER)


def candidate_seed(cast: Cast, character: str, variant: str, candidate: int) -> int:
    """The seed of candidate 2..N: independent of any seed pinned in the cast, so that after
    ``facebuild pick`` every candidate is still in the store. With the default scope,
    candidate k of every variant of a character shares one seed (one identity per try)."""
    if cast.spec.seed_scope == "variant":
        return derive_seed(cast.spec.seed, character, f"{variant}#{candidate}")
    return derive_seed(cast.spec.seed, character, f"{_CHARACTER}#{candidate}")
