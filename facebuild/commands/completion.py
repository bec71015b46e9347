"""facebuild completion SHELL: print the shell completion script.

bash: ``eval "$(facebuild completion bash)"`` (in ~/.bashrc); zsh: the same in ~/.zshrc;
fish: ``facebuild completion fish | source`` (in ~/.config/fish/config.fish).
"""

from __future__ import annotations

import argparse

from facebuild.completion import script


def run(args: argparse.Namespace) -> int:
    print(script(args.shell), end="")
    return 0
