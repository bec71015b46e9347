"""facebuild completion SHELL: print the shell completion script.

bash: ``eval "$(facebuild completion bash)"`` (in ~/.bashrc); zsh: the same in ~/.zshrc;
fish: ``facebuild completion fish | source`` (in ~/.config/fish/config.fish).
"""

from __future__ import annotations

from facebuild.completion import script


def completion(shell: str) -> int:
    """Print the completion script of ``shell`` (bash, zsh or fish)."""
    print(script(shell), end="")
    return 0
