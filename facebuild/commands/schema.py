"""facebuild schema: the JSON Schema of cast.yaml, for editors."""

from __future__ import annotations

import json

from facebuild.schema import cast_schema


def schema() -> int:
    print(json.dumps(cast_schema(), indent=2))
    return 0
