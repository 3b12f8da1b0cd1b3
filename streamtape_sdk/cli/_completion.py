"""Shell completion (bash, zsh, fish) by argcomplete, from the `cli` extra.

The script a shell sources runs `streamtape` itself on each Tab, with `_ARGCOMPLETE` set;
`main` then hands its parser to argcomplete, which prints the candidates and exits.
"""

from __future__ import annotations

import argparse
import os

from ._output import CLIError

__all__ = ["SHELLS", "complete_if_requested", "completion_script"]

#: The shells `streamtape completion SHELL` writes a script for.
SHELLS = ("bash", "zsh", "fish")

_INSTALL_HINT = "shell completion needs argcomplete: pip install 'streamtape-sdk[cli]'"


def completion_script(shell: str, program: str = "streamtape") -> str:
    """The completion script for `shell` ("bash", "zsh" or "fish"), to source or save.

    Raises:
        CLIError: argcomplete (the `cli` extra) is not installed.
        ValueError: `shell` is not one of `SHELLS`.

    Examples:
        >>> "complete" in completion_script("bash")  # doctest: +SKIP
        True
    """
    if shell not in SHELLS:
        raise ValueError(f"no completion for shell {shell!r}: choose one of {', '.join(SHELLS)}")
    try:
        from argcomplete.shell_integration import shellcode
    except ImportError:
        raise CLIError(_INSTALL_HINT) from None
    return shellcode([program], shell=shell)


def complete_if_requested(parser: argparse.ArgumentParser) -> None:
    """When a shell's completion script called us, print the candidates and exit; otherwise
    return at once (argcomplete is imported only then, so other runs do not pay for it)."""
    if "_ARGCOMPLETE" not in os.environ:
        return
    try:
        import argcomplete
    except ImportError:
        return  # no candidates: the shell falls back to file names
    argcomplete.autocomplete(parser)
