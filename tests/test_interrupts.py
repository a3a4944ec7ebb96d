"""One Ctrl-C, at any moment of `guessgame run` -- an attempt, a cell's set-up, its verdicts, between two
cells, each file being written, each figure, the page, the drawing process -- keeps the run folder:
its files complete for the attempts it says were played, each of them the notebook's loop (or
torch.optim's), no row invented; exit 130. Only a second Ctrl-C may remove an unfinished folder."""

import csv
import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest
import torch
from typer.testing import CliRunner

from guessgame import load_config
from guessgame.cli import app

from helpers.reference import (
    loss_fn,
    notebook_loop,
    scheduled_notebook_loop,
    scheduled_torch_optim_loop,
    torch_optim_loop,
)

runner = CliRunner()
SWEEP = "answer: [2, 77, 91]\nguess: 50\nloss: mse\nlr: [0.5, 2.9, 10, 0.1]\nattempts: 60\n"
GRID = ("answer: [2, 77, 91]\nguess: 50\nloss: mse\nlr: [0.5, 2.9]\nattempts: 40\noptimizer: [sgd, adam]\n"
        "schedule: [none, {name: step, step_size: 7, gamma: 0.5}]\n")


def ctrl_c() -> None:
    os.kill(os.getpid(), signal.SIGINT)


def pressing(original, at_call: int = 1):
    """`original`, with Ctrl-C pressed as its `at_call`-th call begins."""
    calls = []

    def wrapper(*args, **kwargs):
        calls.append(1)
        if len(calls) == at_call:
            ctrl_c()
        return original(*args, **kwargs)

    return wrapper


def at_attempt(done: int):
    """Progress.update, pressing Ctrl-C once attempt `done` (counted across a grid's cells) is played."""
    from guessgame.cli.progress import Progress

    original = Progress.update

    def update(self, count, total):
        if count == done:
            ctrl_c()
        return original(self, count, total)

    return Progress, "update", update


def at_call(module: str, name: str, call: int = 1):
    import importlib

    target = importlib.import_module(module)
    return target, name, pressing(getattr(target, name), call)


# (id, patch, whether the attempts were cut short)
SWEEP_MOMENTS = [
    ("attempt-1", lambda: at_attempt(1), True),
    ("attempt-30", lambda: at_attempt(30), True),
    ("last-attempt", lambda: at_attempt(60), False),
    ("set-up", lambda: at_call("guessgame.engine.loop", "Log"), True),
    ("verdicts", lambda: at_call("guessgame.engine.loop", "build"), False),
    ("config.yaml", lambda: at_call("guessgame.rundir.write", "write_config"), False),
    ("attempts.csv", lambda: at_call("guessgame.rundir.write", "write_attempts"), False),
    ("summary.json", lambda: at_call("guessgame.rundir.write", "write_summary"), False),
    ("first-figure", lambda: at_call("guessgame.rundir.save", "save_figure", 1), False),
    ("last-figure", lambda: at_call("guessgame.rundir.save", "save_figure", 3), False),
    ("page", lambda: at_call("guessgame.report.page", "render"), False),
]
GRID_MOMENTS = [
    ("cell-1-attempt-1", lambda: at_attempt(1), True),
    ("cell-1-last-attempt", lambda: at_attempt(40), True),
    ("cell-2-attempt-1", lambda: at_attempt(41), True),
    ("cell-3-attempt-17", lambda: at_attempt(97), True),
    ("cell-4-last-attempt", lambda: at_attempt(160), False),
    *[(f"cell-{k}-set-up", lambda k=k: at_call("guessgame.engine.loop", "_simulate_cell", k), True)
      for k in (1, 2, 4)],
    *[(f"cell-{k}-verdicts", lambda k=k: at_call("guessgame.engine.loop", "build", k), k < 4) for k in (1, 3, 4)],
    ("combining-the-cells", lambda: at_call("guessgame.engine.grid", "combine"), False),
    ("attempts.csv", lambda: at_call("guessgame.rundir.write", "write_attempts"), False),
    ("summary.json", lambda: at_call("guessgame.rundir.write", "write_summary"), False),
    ("cells-figure", lambda: at_call("guessgame.rundir.save", "save_figure", 4), False),
    ("page", lambda: at_call("guessgame.report.page", "render"), False),
]



def _moment(tmp_path, monkeypatch, text, patch):
    config = tmp_path / "game.yaml"
    config.write_text(text)
    monkeypatch.setattr(*patch())
    result = runner.invoke(app, ["run", str(config), "--out", str(tmp_path / "runs")])
    assert result.exit_code == 130, result.output
    assert "Traceback" not in result.output and "unexpected" not in result.output
    (run_dir,) = (tmp_path / "runs").iterdir()
    return run_dir


@pytest.mark.parametrize(("patch", "cut"), [m[1:] for m in SWEEP_MOMENTS], ids=[m[0] for m in SWEEP_MOMENTS])
def test_one_ctrl_c_anywhere_in_a_sweep_keeps_its_folder(tmp_path, monkeypatch, command_line_ctrl_c, patch, cut):
    run_dir = _moment(tmp_path, monkeypatch, SWEEP, patch)
    assert_folder_is_the_notebook_s(run_dir, cut)


@pytest.mark.parametrize(("patch", "cut"), [m[1:] for m in GRID_MOMENTS], ids=[m[0] for m in GRID_MOMENTS])
def test_one_ctrl_c_anywhere_in_a_grid_keeps_its_folder(tmp_path, monkeypatch, command_line_ctrl_c, patch, cut):
    run_dir = _moment(tmp_path, monkeypatch, GRID, patch)
    assert_folder_is_the_notebook_s(run_dir, cut)


def assert_folder_is_the_notebook_s(run_dir, cut):
    """Every file is there and complete; summary.json says whether and where the attempts were cut;
    attempts.csv holds, for each run, exactly the attempts its batch played, each the reference loop's."""
    names = {p.name for p in run_dir.iterdir()}
    assert {"config.yaml", "attempts.csv", "summary.json", "plots", "report.html"} <= names, names
    assert not [p for p in run_dir.rglob(".*")], "a temporary file was left"
    config = load_config(run_dir / "config.yaml")
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["interrupted"] is cut
    runs = summary["runs"]
    rows = list(csv.DictReader((run_dir / "attempts.csv").open()))
    cells = config.cells
    played = {}
    for run in runs:
        played[run["cell"]] = max(played.get(run["cell"], 0), run["attempts_run"])
    assert sorted(played) == list(range(len(played)))  # the cells played are the first ones
    if cut:
        last = len(played) - 1
        assert summary["stopped_at"] == ({"cell": last, "attempt": played[last]} if config.grid
                                         else {"attempt": played[last]})
        assert played[last] < config.attempts or len(played) < len(cells)
    else:
        assert len(played) == len(cells) and set(played.values()) == {config.attempts}
    by_run = {}
    for row in rows:
        by_run.setdefault(int(row["run"]), []).append(row)
    assert sorted(by_run) == list(range(len(runs)))
    for r, run in enumerate(runs):
        mine = by_run[r]
        assert [int(row["attempt"]) for row in mine] == list(range(1, played[run["cell"]] + 1))  # none invented
        reference = _reference(cells[run["cell"]], run["lr"], len(mine))
        for name, values in zip(("guess", "loss", "grad", "step"), reference):
            ours = torch.tensor([[float(row[c]) for c in _columns(row, name)] for row in mine], dtype=torch.float64)
            assert torch.equal(ours.reshape(values.shape), values.double()), (r, name)


def _columns(row, name):
    return ["loss"] if name == "loss" else [c for c in row if c.startswith(f"{name}_")]


def _reference(cell, lr, attempts):
    answer, guess, loss = [2.0, 77.0, 91.0], 50.0, loss_fn("mse")
    if cell.scheduled:
        schedule = (cell.schedule, cell.schedule_options)
        if cell.optimizer == "sgd":
            return scheduled_notebook_loop(answer, guess, loss, lr, attempts, schedule)[0]
        return scheduled_torch_optim_loop(answer, guess, loss, cell.optimizer, dict(cell.optimizer_options), lr,
                                          attempts, schedule)[0]
    if cell.optimizer == "sgd":
        return notebook_loop(answer, guess, loss, lr, attempts)
    return torch_optim_loop(answer, guess, loss, cell.optimizer, dict(cell.optimizer_options), lr, attempts)


# The command line itself, in a process of its own, with the drawing process it forks.
_AT_MOMENT = textwrap.dedent("""
    import os, signal, sys
    moment = sys.argv[1]
    def pressing(module, name):
        import importlib
        target = importlib.import_module(module)
        original = getattr(target, name)
        def wrapper(*args, **kwargs):
            os.kill(os.getpid(), signal.SIGINT)
            return original(*args, **kwargs)
        setattr(target, name, wrapper)
    if moment == "attempt":
        import guessgame.cli.progress as progress
        update = progress.Progress.update
        def at(self, done, total):
            if done == 25:
                os.kill(os.getpid(), signal.SIGINT)
            return update(self, done, total)
        progress.Progress.update = at
    elif moment == "drawing":
        pressing("guessgame.rundir.drawer", "_receive")  # while the drawing process draws
    elif moment == "csv":
        pressing("guessgame.rundir.write", "write_attempts")
    sys.argv = ["guessgame", "run", sys.argv[2], "--out", sys.argv[3]]
    from guessgame.launch import main
    main()
""")


@pytest.mark.skipif(not hasattr(os, "fork") or sys.platform != "linux", reason="the drawing process needs fork")
@pytest.mark.parametrize(("moment", "cut"), [("attempt", True), ("drawing", False), ("csv", False)])
def test_one_ctrl_c_in_the_command_line_s_own_process_keeps_the_folder(tmp_path, moment, cut):
    config = tmp_path / "game.yaml"
    config.write_text(SWEEP)
    done = subprocess.run([sys.executable, "-c", _AT_MOMENT, moment, str(config), str(tmp_path / "runs")],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 130, done.stderr
    assert "Traceback" not in done.stderr and "unexpected" not in done.stderr
    (run_dir,) = (tmp_path / "runs").iterdir()
    assert_folder_is_the_notebook_s(run_dir, cut)
    assert sorted(p.name for p in (run_dir / "plots").iterdir()) == ["contour.png", "loss.png", "lr.png",
                                                                      "trajectory.png"]


def test_a_second_ctrl_c_in_the_attempts_stops_at_once_with_no_folder(tmp_path, monkeypatch, command_line_ctrl_c):
    from guessgame.cli.progress import Progress

    original = Progress.update

    def twice(self, done, total):
        if done == 5:
            ctrl_c()
            time.sleep(0.05)  # two signals close together would reach Python as one
            ctrl_c()
        return original(self, done, total)

    monkeypatch.setattr(Progress, "update", twice)
    config = tmp_path / "game.yaml"
    config.write_text(SWEEP)
    result = runner.invoke(app, ["run", str(config), "--out", str(tmp_path / "runs")])
    assert result.exit_code == 130 and "interrupted" in result.output
    assert not (tmp_path / "runs").exists() or list((tmp_path / "runs").iterdir()) == []
