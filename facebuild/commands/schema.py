"""facebuild schema: the JSON Schema of cast.yaml, for editors."""

from __future__ import annotations

import argparse
import json

from facebuild.schema import cast_schema


def run(args: argparse.Namespace) -> int:
    print(json.dumps(cast_schema(), indent=2))
    return 0
