"""Shell completion for bash, zsh and fish: commands, options and target names.

``facebuild completion bash`` prints a script that asks ``facebuild`` itself for the words
(argcomplete's protocol), so completion always matches the installed version. Target
names come from the nearest ``cast.lock`` (cheap JSON, no cast is loaded or rendered);
with no lock yet, from the cast's characters and variants.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

TARGET_ARGUMENTS = {"targets", "target"}


def script(shell: str) -> str:
    """The completion script to source (bash, zsh) or pipe to ``source`` (fish)."""
    from argcomplete.shell_integration import shellcode

    return shellcode(["facebuild"], shell=shell)


def complete(parser: argparse.ArgumentParser) -> None:
    """Answer the shell's completion request and exit, when there is one."""
    import argcomplete

    for action in _actions(parser):
        if action.dest in TARGET_ARGUMENTS:
            action.completer = target_names  # type: ignore[attr-defined]
    argcomplete.autocomplete(parser)


def target_names(prefix: str, parsed_args: argparse.Namespace, **_: Any) -> list[str]:
    """``character/variant`` names and bare character ids of the cast in question."""
    from facebuild.commands.common import find_cast

    path = find_cast(getattr(parsed_args, "cast", None))
    names = _from_lock(path.parent / "cast.lock") or _from_cast(path)
    characters = {name.split("/", 1)[0] for name in names}
    return sorted(n for n in {*names, *characters} if n.startswith(prefix))


def _from_lock(lock: Path) -> list[str]:
    try:
        data = json.loads(lock.read_text(encoding="utf-8"))
        return [str(name) for name in data["targets"]]
    except (OSError, ValueError, KeyError, TypeError):
        return []


def _from_cast(path: Path) -> list[str]:
    from facebuild.cast import load_cast
    from facebuild.errors import FacebuildError

    try:
        spec = load_cast(path).spec
    except (FacebuildError, OSError):
        return []
    return [f"{character.id}/{variant}" for character in spec.characters for variant in spec.variants]


def _actions(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    found: list[argparse.Action] = []
    for action in parser._actions:
        found.append(action)
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                found.extend(_actions(sub))
    return found
