"""Command-line comfort: shell completion installs and completes, every command's help has an example,
and `python -m guessgame` is the same command."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import typer.main
from typer.testing import CliRunner

from guessgame.cli import app

runner = CliRunner()
COMMANDS = sorted(typer.main.get_command(app).commands)
SCRIPT = Path(sys.executable).parent / "guessgame"  # the console script installed next to this python


def test_the_commands_are_there():
    assert COMMANDS == ["compare", "examples", "explain", "landscape", "play", "plot", "report", "run", "validate"]


@pytest.mark.parametrize("command", COMMANDS)
def test_each_command_help_shows_an_example(command):
    result = runner.invoke(app, [command, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    example = next(line for line in result.output.splitlines() if "Example:" in line)
    assert f"guessgame {command} " in example


def test_python_m_guessgame_is_the_same_command():
    done = subprocess.run([sys.executable, "-m", "guessgame", "--help"], capture_output=True, text=True)
    assert done.returncode == 0
    for command in COMMANDS:
        assert command in done.stdout


@pytest.mark.skipif(not SCRIPT.exists() or not shutil.which("bash"), reason="needs the installed script and bash")
def test_install_completion_then_bash_completes_commands_options_and_choices(tmp_path):
    env = {**os.environ, "HOME": str(tmp_path), "PATH": f"{SCRIPT.parent}{os.pathsep}{os.environ['PATH']}"}
    # from bash, as a user types it: the shell is found among the command's parents
    installed = subprocess.run(["bash", "-c", f"'{SCRIPT}' --install-completion bash; exit $?"], capture_output=True,
                               text=True, env=env)
    assert installed.returncode == 0, installed.stderr
    assert "source" in (tmp_path / ".bashrc").read_text()

    def complete(*words: str) -> list[str]:
        line = " ".join(words)
        script = (f"source {tmp_path / '.bashrc'}; COMP_WORDS=({line}); COMP_CWORD={len(words) - 1}; "
                  "_guessgame_completion guessgame; printf '%s\\n' \"${COMPREPLY[@]}\"")
        done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, env=env, timeout=60)
        return sorted(w for w in done.stdout.split() if w)

    assert complete("guessgame", "pl") == ["play", "plot"]
    assert complete("guessgame", "run", "--t") == ["--tensorboard"]
    assert complete("guessgame", "run", "configs/l1.yaml", "--format", "") == ["pdf", "png", "svg"]
