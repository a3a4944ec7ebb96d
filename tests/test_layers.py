"""The package's layers, as pyproject.toml's import-linter contract states them: nothing imports upward."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT = [sys.executable, "-c", "import sys; from importlinter.cli import lint_imports_command; "
                              "sys.argv = ['lint-imports']; lint_imports_command()"]


def lint(package_parent: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(package_parent)}
    return subprocess.run(LINT, cwd=package_parent, env=env, capture_output=True, text=True, timeout=120)


def test_guessgame_keeps_its_layers():
    done = lint(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 kept, 0 broken" in done.stdout


@pytest.mark.parametrize(("module", "upward"), [
    ("losses/__init__.py", "guessgame.engine"),  # the loss definitions reaching for the game
    ("engine/loop.py", "guessgame.rundir"),  # the game reaching for the run folder
    ("viz/style.py", "guessgame.cli"),  # a picture reaching for the command line
], ids=["losses->engine", "engine->rundir", "viz->cli"])
def test_an_upward_import_breaks_the_contract(tmp_path, module, upward):
    shutil.copytree(ROOT / "guessgame", tmp_path / "guessgame", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    target = tmp_path / "guessgame" / module
    target.write_text(target.read_text() + f"\n\ndef _upward():\n    import {upward}  # noqa: F401\n")
    done = lint(tmp_path)
    assert done.returncode != 0
    assert "BROKEN" in done.stdout and upward in done.stdout


def test_the_code_passes_ruff():
    """pyproject.toml's ruff rules hold for the package, the tests and the benchmarks."""
    done = subprocess.run([sys.executable, "-m", "ruff", "check", "guessgame", "tests", "benchmarks"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
