"""Personas as characters: a persona manifest (one entry per speaker of a call), the
persona Markdown files and the call transcripts become avatar and backdrop characters of
a cast, for ``facebuild avatars``, ``facebuild import personas`` and ``personas:`` in a
cast file."""

from __future__ import annotations

from facebuild.personas.casting import add_personas, default_variants
from facebuild.personas.characters import AVATAR, BACKDROP, Personas, load_personas, run_folder_of
from facebuild.personas.ids import slug
from facebuild.personas.manifest import Entry, read_manifest

__all__ = ["AVATAR", "BACKDROP", "Entry", "Personas", "add_personas", "default_variants",
           "load_personas", "read_manifest", "run_folder_of", "slug"]
