"""The JSON Schema of cast.yaml, generated from the models (never written by hand).
A copy ships as facebuild/cast.schema.json; a test keeps it current."""

from __future__ import annotations

from typing import Any

from facebuild.castfile import CastFile


def cast_schema() -> dict[str, Any]:
    schema = CastFile.model_json_schema(by_alias=True)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}
