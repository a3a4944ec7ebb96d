"""The example configs ship inside guessgame: `guessgame examples` lists, shows and copies them, every
command that takes a config takes an example's name (a path is read first), and a wheel installed in a
fresh virtual environment, with no checkout anywhere near, plays one by name."""

import csv
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest
from typer.testing import CliRunner

from guessgame.cli import app

from helpers.files import CONFIGS, ROOT
from helpers.reference import loss_fn, notebook_loop
from helpers.runfolder import run_dir_of

runner = CliRunner()
SHIPPED = sorted(CONFIGS.glob("*.yaml"))


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def first_comment(path: Path) -> str:
    return next(line for line in path.read_text().splitlines() if line.startswith("#")).lstrip("# ")


def test_the_checkouts_configs_folder_is_the_packaged_examples_and_the_readme_plays_one(tmp_path, monkeypatch):
    assert SHIPPED and all((ROOT / "configs" / path.name).samefile(path) for path in SHIPPED)
    assert sorted(p.name for p in (ROOT / "configs").glob("*.yaml")) == [p.name for p in SHIPPED]
    command = next(line for line in (ROOT / "README.md").read_text().splitlines() if "guessgame run " in line)
    typed = command.split("&& guessgame run ")[-1].split()
    assert typed == ["configs/l1.yaml"]  # the README's first command, as written, in the checkout
    monkeypatch.chdir(ROOT)
    out = invoke("run", *typed, "--out", tmp_path, "--no-plots")
    assert out.exit_code == 0, out.output


def test_examples_lists_each_one_with_what_it_shows():
    out = invoke("examples")
    assert out.exit_code == 0, out.output
    lines = {line.split()[0]: line for line in out.output.splitlines() if line.strip()}
    for path in SHIPPED:
        assert path.stem in lines, out.output
        assert first_comment(path).split(". ")[0][:40] in lines[path.stem]


def test_examples_name_shows_the_file_and_copy_copies_it_to_edit(tmp_path):
    out = invoke("examples", "l1")
    assert out.exit_code == 0 and out.output == (CONFIGS / "l1.yaml").read_text()
    out = invoke("examples", "l1.yaml", "--copy", tmp_path / "mine")
    assert out.exit_code == 0, out.output
    assert (tmp_path / "mine" / "l1.yaml").read_bytes() == (CONFIGS / "l1.yaml").read_bytes()
    out = invoke("examples", "--copy", tmp_path / "all")
    assert out.exit_code == 0, out.output
    assert sorted(p.name for p in (tmp_path / "all").iterdir()) == [p.name for p in SHIPPED]
    assert all((tmp_path / "all" / p.name).read_bytes() == p.read_bytes() for p in SHIPPED)


def test_examples_copies_over_no_file(tmp_path):
    (tmp_path / "mse.yaml").write_text("mine\n")
    for args in (["mse"], []):
        out = invoke("examples", *args, "--copy", tmp_path)
        assert out.exit_code == 2 and "mse.yaml already there" in out.output, out.output
    assert [p.name for p in tmp_path.iterdir()] == ["mse.yaml"] and (tmp_path / "mse.yaml").read_text() == "mine\n"


@pytest.mark.parametrize("command", [["examples"], ["run"], ["validate"], ["explain"], ["compare", "--lr", "1"]])
def test_an_unknown_name_exits_2_listing_the_examples(tmp_path, monkeypatch, command):
    monkeypatch.chdir(tmp_path)
    out = invoke(command[0], "l7", *command[1:])
    assert out.exit_code == 2 and "l7" in out.output, out.output
    assert all(path.stem in out.output for path in SHIPPED), out.output
    assert "Traceback" not in out.output and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", [["validate"], ["explain"], ["run", "--no-plots"], ["compare", "--lr", "0.3"]])
def test_every_command_that_takes_a_config_takes_an_examples_name(tmp_path, monkeypatch, command):
    monkeypatch.chdir(tmp_path)
    out = invoke(command[0], "l1", *command[1:])
    assert out.exit_code == 0, out.output
    if command[0] in ("run", "compare"):
        summary = json.loads((run_dir_of(tmp_path / "runs") / "summary.json").read_text())
        assert [run["lr"] for run in summary["runs"]] == [0.9 if command[0] == "run" else 0.3]


def test_a_path_is_read_before_a_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("l1").write_text("name: mine\nanswer: 4\nlr: 0.5\n")
    (tmp_path / "configs").mkdir()
    Path("configs/l1.yaml").write_text("name: theirs\nanswer: 4\nlr: 0.25\n")
    for typed, name in (("l1", "mine"), ("configs/l1.yaml", "theirs"), ("l1.yaml", "l1")):
        out = invoke("validate", typed)
        assert out.exit_code == 0 and f"name: {name}\n" in out.output, out.output


def test_a_missing_path_says_which_example_its_name_names(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = invoke("run", "configs/l1.yaml")
    assert out.exit_code == 2 and "configs/l1.yaml: no such file" in out.output and "give its name, l1" in out.output


def _wheel_in_a_fresh_venv(tmp_path: Path) -> Path:
    """Build guessgame's wheel from a copy of the package, install it in a new virtual environment that
    sees this one's dependencies (not its guessgame), and return that environment's `guessgame`."""
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "guessgame", source / "guessgame", ignore=shutil.ignore_patterns("__pycache__"))
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "wheel", source, "--no-deps", "--no-build-isolation", "--no-index", "-w", tmp_path],
                   check=True, capture_output=True)
    (wheel,) = tmp_path.glob("guessgame-*.whl")
    env = tmp_path / "env"
    venv.create(env, with_pip=False)
    python = env / "bin" / "python"
    subprocess.run([*pip, "--python", python, "install", "--no-deps", "--no-index", "--no-compile", wheel],
                   check=True, capture_output=True)
    new_site = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                              check=True, capture_output=True, text=True).stdout.strip()
    # this environment's packages after the new one's: torch and the rest, never a second guessgame
    (Path(new_site) / "dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    return env / "bin" / "guessgame"


@pytest.mark.skipif(sys.platform == "win32", reason="the virtual environment's layout is POSIX's")
def test_an_installed_wheel_lists_and_plays_the_examples_by_name(tmp_path):
    guessgame = _wheel_in_a_fresh_venv(tmp_path)
    empty = tmp_path / "empty"
    empty.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}

    def play(*args):
        return subprocess.run([guessgame, *args], cwd=empty, env=env, capture_output=True, text=True, timeout=120)

    where = subprocess.run([guessgame.parent / "python", "-c", "import guessgame; print(guessgame.__file__)"],
                           cwd=empty, env=env, capture_output=True, text=True, check=True).stdout.strip()
    assert Path(where).is_relative_to(tmp_path / "env"), where
    listed = play("examples")
    assert listed.returncode == 0, listed.stderr
    assert all(path.stem in listed.stdout for path in SHIPPED)
    played = play("run", "l1", "--no-plots", "--out", "out")
    assert played.returncode == 0, played.stderr
    run_dir = run_dir_of(empty / "out")
    assert run_dir.name.startswith("l1-") and sorted(p.name for p in empty.iterdir()) == ["out"]
    # the notebook's loop on l1.yaml's game, attempt by attempt, against the folder's attempts.csv
    guesses, losses, _, _ = notebook_loop([2, 5, 9], [-2, 5, 13], loss_fn("l1"), 0.9, 30)
    rows = list(csv.DictReader((run_dir / "attempts.csv").open()))
    assert [float(row["loss"]) for row in rows] == losses.tolist()
    assert [[float(row[f"guess_{i}"]) for i in range(3)] for row in rows] == guesses.tolist()
