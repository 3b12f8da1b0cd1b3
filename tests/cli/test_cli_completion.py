"""Shell completion: `streamtape completion SHELL` prints a script; bash completes with it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from streamtape_sdk.cli._completion import SHELLS, completion_script

from .clitools import Runner

#: The console script installed beside this interpreter (the venv's bin directory).
_BIN = Path(sys.executable).parent
_STREAMTAPE = _BIN / ("streamtape.exe" if os.name == "nt" else "streamtape")


@pytest.mark.parametrize(
    ("shell", "marker"),
    [
        ("bash", "complete -o nospace -o default -o bashdefault -F _python_argcomplete streamtape"),
        ("zsh", "compdef _python_argcomplete streamtape"),
        ("fish", "complete --command streamtape"),
    ],
)
def test_completion_prints_the_script(run: Runner, shell: str, marker: str) -> None:
    result = run("completion", shell)
    assert result.code == 0
    assert marker in result.out
    assert result.err == ""


def test_every_documented_shell_is_offered() -> None:
    assert SHELLS == ("bash", "zsh", "fish")


def test_an_unknown_shell_is_a_usage_error(run: Runner) -> None:
    result = run("completion", "tcsh")
    assert result.code == 2
    assert "invalid choice: 'tcsh'" in result.assert_one_error_line()


def test_without_argcomplete_the_error_says_what_to_install(
    run: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "argcomplete.shell_integration", None)  # import fails
    result = run("completion", "bash")
    assert result.code == 1
    assert "pip install 'streamtape-sdk[cli]'" in result.assert_one_error_line()


def test_an_unknown_shell_is_refused_by_the_function_too() -> None:
    with pytest.raises(ValueError, match="choose one of bash, zsh, fish"):
        completion_script("powershell")


def _bash_complete(line: str) -> list[str]:
    """What bash offers for Tab at the end of `line`, with the script sourced as documented."""
    script = (
        'eval "$(streamtape completion bash)"\n'
        f"COMP_LINE={line!r}; COMP_POINT=${{#COMP_LINE}}\n"
        'read -r -a COMP_WORDS <<< "$COMP_LINE"\n'
        'case "$COMP_LINE" in *" ") COMP_WORDS+=("");; esac\n'
        "COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))\n"
        '_python_argcomplete streamtape "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"\n'
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STREAMTAPE_", "_ARC"))}
    env["PATH"] = f"{_BIN}{os.pathsep}{env.get('PATH', '')}"
    done = subprocess.run(
        ["bash", "--norc", "--noprofile", "-c", script],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return [word.strip() for word in done.stdout.splitlines() if word.strip()]


needs_bash = pytest.mark.skipif(
    shutil.which("bash") is None or not _STREAMTAPE.exists(),
    reason="needs bash and the installed `streamtape` console script",
)


@needs_bash
@pytest.mark.parametrize(
    ("line", "offered"),
    [
        ("streamtape up", ["upload"]),
        ("streamtape remote st", ["status"]),
        ("streamtape mkdir x --par", ["--parent"]),
    ],
)
def test_bash_completes_commands_and_options(line: str, offered: list[str]) -> None:
    assert _bash_complete(line) == offered


@needs_bash
def test_bash_offers_every_command_after_the_program_name() -> None:
    offered = _bash_complete("streamtape ")
    assert {"upload", "download", "rmdir", "remote", "completion"} <= set(offered)
