"""Grids (optimizer, loss, schedule given as lists) and schedules from the config to the run folder:
each cell's runs equal that cell played alone, the folder says each run's cell and lr per attempt,
re-plotting reads it back, and bad input is one message with exit 2, nothing written."""

import csv
import dataclasses
import json

import pytest
import torch
from typer.testing import CliRunner

from guessgame import load_config, simulate
from guessgame.cli import app
from guessgame.errors import ConfigError
from guessgame.rundir import read_run

from helpers.exact import assert_bitwise_equal
from helpers.files import CONFIGS
from helpers.reference import loss_fn, scheduled_notebook_loop

runner = CliRunner()
GAME = {"answer": [2.0, 77.0, 91.0], "guess": 50.0, "loss": "mse", "lr": [0.5, 2.9, 4.0], "attempts": 25}
OPTIMIZERS = ["sgd", {"name": "sgd", "momentum": 0.9}, {"name": "sgd", "momentum": 0.5, "nesterov": True},
              "adam", "rmsprop"]


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def assert_same_runs(grid, cell, runs, single):
    for name in ("guess", "loss", "grad", "step"):
        assert_bitwise_equal(getattr(grid, name)[:, runs], getattr(single, name), f"cell {cell}: {name}")
    assert [grid.status[r] for r in runs] == single.status


GRIDS = {
    "optimizers": {"optimizer": OPTIMIZERS},
    "losses_x_optimizers": {"loss": ["mse", "l1", {"name": "huber", "delta": 2.0}], "optimizer": ["sgd", "adam"]},
    "schedules": {"schedule": ["none", {"name": "cosine", "T_max": 25}, {"name": "onecycle"}],
                  "optimizer": ["sgd", "adam"]},
    "random_games_stop_early_thinned": {"answer": {"random": {"low": -10, "high": 10, "shape": [3]}}, "games": 3,
                                        "optimizer": ["sgd", {"name": "sgd", "momentum": 0.9}],
                                        "stop_early": True, "log_every": 3, "attempts": 40},
}


@pytest.mark.parametrize("dtype", ["float64", "float32", "float16", "bfloat16"])
@pytest.mark.parametrize("grid", list(GRIDS))
def test_each_cell_of_a_grid_equals_its_single_cell_run(grid, dtype):
    config = {**GAME, **GRIDS[grid], "dtype": dtype}
    result = simulate(config)
    cells = load_config(config).cells
    per = len(GAME["lr"]) * config.get("games", 1)
    assert result.runs == len(cells) * per
    for k, cell in enumerate(cells):
        runs = list(range(k * per, (k + 1) * per))
        assert result.cell[runs].tolist() == [k] * per
        single = simulate(cell)
        rows = len(single.attempt)
        first_rows = dataclasses.replace(result, guess=result.guess[:rows], losses=lambda rows=rows: result.loss[:rows],
                                         moves=lambda rows=rows: (result.grad[:rows], result.step[:rows]))
        assert_same_runs(first_rows, k, runs, single)
        assert torch.isnan(result.loss[rows:, runs]).all()  # a cell that stopped before the others: padded


def test_a_schedule_grid_matches_the_notebook_loop_with_torchs_scheduler():
    result = simulate({**GAME, "schedule": ["none", {"name": "exponential", "gamma": 0.9}]})
    for run, lr in enumerate(GAME["lr"]):
        (guess, loss, grad, step), lrs = scheduled_notebook_loop(GAME["answer"], GAME["guess"], loss_fn("mse"), lr,
                                                                 GAME["attempts"], ("exponential", {"gamma": 0.9}))
        r = len(GAME["lr"]) + run
        assert_bitwise_equal(result.guess[:, r], guess, "guess")
        assert result.lr_at[:, r].tolist() == lrs
        assert result.lr_at[:, run].tolist() == [lr] * GAME["attempts"]


def test_l1_schedule_config_constant_oscillates_and_the_decaying_schedule_converges(tmp_path):
    out = invoke("run", CONFIGS / "l1_schedule.yaml", "--out", tmp_path, "--no-plots")
    assert out.exit_code == 0, out.output
    (run_dir,) = tmp_path.iterdir()
    summary = json.loads((run_dir / "summary.json").read_text())
    labels = [cell["label"] for cell in summary["cells"]]
    status = {labels[run["cell"]]: run["status"] for run in summary["runs"]}
    assert status["constant lr"] == "oscillating"
    assert status["exponential gamma=0.95"] == "converged"
    # theory (l1 written out step by step with each attempt's lr) says the same
    assert [run["theory"]["predicted"] for run in summary["runs"]] == [run["status"] for run in summary["runs"]]


def test_the_run_folder_names_each_runs_cell_and_the_lr_of_each_attempt(tmp_path):
    out = invoke("run", CONFIGS / "l1_schedule.yaml", "--out", tmp_path, "--no-plots", "--set", "attempts=50")
    assert out.exit_code == 0, out.output
    (run_dir,) = tmp_path.iterdir()
    rows = list(csv.DictReader((run_dir / "attempts.csv").open()))
    assert list(rows[0])[:5] == ["run", "cell", "lr", "attempt", "loss"]
    scheduled = [float(row["lr"]) for row in rows if row["cell"] == "1"]
    _, expected = scheduled_notebook_loop([2, 5, 9], [-2, 5, 13], loss_fn("l1"), 0.9, 50,
                                          ("exponential", {"gamma": 0.95}))
    assert scheduled == expected
    assert {float(row["lr"]) for row in rows if row["cell"] == "0"} == {0.9}
    run = read_run(run_dir)
    assert run.cells.tolist() == [0, 1, 2] and run.lr_at[:, 1].tolist() == expected
    assert invoke("plot", run_dir).exit_code == 0


def test_plot_still_reads_a_folder_written_before_schedules_and_grids(tmp_path):
    invoke("run", CONFIGS / "mse.yaml", "--out", tmp_path, "--no-plots")
    (run_dir,) = tmp_path.iterdir()
    config = (run_dir / "config.yaml").read_text()
    (run_dir / "config.yaml").write_text("".join(line for line in config.splitlines(True)
                                                 if not line.startswith("schedule")))
    summary = json.loads((run_dir / "summary.json").read_text())
    for run in summary["runs"]:
        del run["cell"]
    (run_dir / "summary.json").write_text(json.dumps(summary))
    assert invoke("plot", run_dir).exit_code == 0


def test_a_changed_lr_in_a_scheduled_folder_is_refused(tmp_path):
    invoke("run", CONFIGS / "l1_schedule.yaml", "--out", tmp_path, "--no-plots", "--set", "attempts=20")
    (run_dir,) = tmp_path.iterdir()
    lines = (run_dir / "attempts.csv").read_text().splitlines(True)
    fields = lines[25].split(",")
    fields[2] = "0.5"
    lines[25] = ",".join(fields)
    (run_dir / "attempts.csv").write_text("".join(lines))
    out = invoke("plot", run_dir)
    assert out.exit_code == 2 and "line 26: lr" in out.output


BAD = [
    ("schedule=cosin", "schedule: got 'cosin' (did you mean `cosine`?); allowed: none, step, multistep"),
    ("schedule={name: cosine}", "cosine (CosineAnnealingLR) needs `T_max`"),
    ("schedule={name: step, step_size: 0}", "schedule.step_size: got 0; a whole number from 1"),
    ("schedule={name: exponential, gamma: -1}", "schedule.gamma: got -1; a finite number > 0"),
    ("schedule={name: linear, start_factor: 2}", "schedule.start_factor: got 2"),
    ("schedule={name: onecycle, total_steps: 5}", "schedule.total_steps: got 5; at least the attempts (20)"),
    ("schedule={name: onecycle, anneal: cos}", "onecycle has no option `anneal`"),
    ("schedule=[none, {name: step}]", "schedule.1: step (StepLR) needs `step_size`"),
    ("optimizer=[sgd, adamm]", "optimizer.1: got 'adamm' (did you mean `adam`?)"),
    ("optimizer=[]", "optimizer: got []; one optimizer, or a non-empty list"),
    ("loss=[mse, {name: huber, delta: 0}]", "loss.1.delta: got 0"),
]


@pytest.mark.parametrize(("override", "message"), BAD, ids=[b[0] for b in BAD])
def test_a_bad_schedule_or_grid_is_one_message_and_exit_2(tmp_path, override, message):
    out = invoke("run", CONFIGS / "mse.yaml", "--out", tmp_path, "--set", override)
    assert out.exit_code == 2
    assert message in out.output, out.output
    assert "Traceback" not in out.output and not list(tmp_path.iterdir())


def test_onecycle_needs_cycle_momentum_off_for_adagrad():
    with pytest.raises(ConfigError, match="schedule.cycle_momentum: got True; adagrad has no momentum"):
        load_config({**GAME, "optimizer": ["sgd", "adagrad"], "schedule": {"name": "onecycle"}})
    load_config({**GAME, "optimizer": "adagrad", "schedule": {"name": "onecycle", "cycle_momentum": False}})


def test_a_grid_config_reads_back_as_itself():
    config = load_config({**GAME, "optimizer": OPTIMIZERS, "schedule": ["none", {"name": "step", "step_size": 5}]})
    assert load_config(config.to_dict()) == config
    assert config.cell_labels()[:3] == ["sgd · constant lr", "sgd · step step_size=5", "sgd momentum=0.9 · constant lr"]


def test_compare_builds_the_grid_from_the_command_line(tmp_path):
    out = invoke("compare", CONFIGS / "mse.yaml", "--optimizer", "sgd", "--optimizer", "adam",
                 "--optimizer", "{name: sgd, momentum: 0.9}", "--lr", "1", "--lr", "3.5", "--out", tmp_path,
                 "--tensorboard")
    assert out.exit_code == 0, out.output
    (run_dir,) = tmp_path.iterdir()
    summary = json.loads((run_dir / "summary.json").read_text())
    assert [cell["label"] for cell in summary["cells"]] == ["sgd", "adam", "sgd momentum=0.9"]
    assert [(run["cell"], run["lr"]) for run in summary["runs"]] == [(0, 1), (0, 3.5), (1, 1), (1, 3.5), (2, 1),
                                                                      (2, 3.5)]
    # momentum 0.9 moves the critical lr to N (1 + mu)
    assert summary["runs"][1]["status"] == "diverged" and summary["runs"][5]["status"] != "diverged"
    assert summary["runs"][5]["theory"]["critical_lr"] == pytest.approx(3 * 1.9)
    assert (run_dir / "plots" / "cells.png").is_file()
    assert sorted(p.name for p in (run_dir / "tensorboard").iterdir()) == ["adam", "sgd", "sgd_momentum=0.9"]
    assert sorted(p.name for p in (run_dir / "tensorboard" / "adam").iterdir()) == ["lr=1", "lr=3.5"]
    for line in ("sgd momentum=0.9", "adam"):
        assert line in out.output  # the summary's cell column
    (run_dir / "plots" / "cells.png").unlink()
    assert invoke("plot", run_dir).exit_code == 0 and (run_dir / "plots" / "cells.png").is_file()


@pytest.mark.parametrize(("args", "message"), [
    (["--optimizer", "adamm"], "--optimizer adamm: optimizer.1: got 'adamm' (did you mean `adam`?)"),
    (["--optimizer", "{name: sgd, momentum: -1}"],
     "--optimizer {name: sgd, momentum: -1}: optimizer.1.momentum: got -1"),
    (["--loss", "{name: huber, delta: 0}"], "--loss {name: huber, delta: 0}: loss.1.delta: got 0"),
    (["--schedule", "{name: cosine"], "--schedule {name: cosine"),
    (["--optimizer", ""], "--optimizer: got an empty value"),
])
def test_a_bad_grid_option_names_the_option_typed(tmp_path, args, message):
    first = {"--optimizer": "sgd", "--loss": "mse", "--schedule": "none"}[args[0]]
    out = invoke("compare", CONFIGS / "mse.yaml", args[0], first, *args, "--out", tmp_path)
    assert out.exit_code == 2 and message in out.output, out.output
    assert not list(tmp_path.iterdir())


def test_compare_still_needs_some_lrs_or_a_grid(tmp_path):
    out = invoke("compare", CONFIGS / "mse.yaml", "--out", tmp_path)
    assert out.exit_code == 2 and "give either --lr" in out.output
    out = invoke("compare", CONFIGS / "mse.yaml", "--loss", "mse", "--loss", "l1", "--out", tmp_path, "--no-plots")
    assert out.exit_code == 0, out.output


def test_explain_narrates_the_first_attempt_at_the_schedules_lr(write_config):
    path = write_config("answer: [2, 77, 91]\nguess: 50\nlr: 3\noptimizer: adam\nschedule: {name: onecycle}\n")
    out = invoke("explain", path)
    assert out.exit_code == 0, out.output
    holder = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=3.0)
    torch.optim.lr_scheduler.OneCycleLR(holder, max_lr=3.0, total_steps=20)
    assert f"adam(lr={holder.param_groups[0]['lr']:g})" in out.output
