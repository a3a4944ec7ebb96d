"""The command line, driven through typer's CliRunner as a user would type it."""

import csv
import json
import math
from pathlib import Path

import pytest
import torch
import yaml
from typer.testing import CliRunner

from guessgame.cli import app

from helpers.files import CONFIGS
from helpers.reference import notebook_loop

runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def only_run_dir(out: Path) -> Path:
    (run_dir,) = list(out.iterdir())
    return run_dir


def test_run_mse_logs_the_notebook_game_and_says_diverged(tmp_path):
    result = invoke("run", CONFIGS / "mse.yaml", "--out", tmp_path)
    assert result.exit_code == 0, result.output
    assert "diverged" in result.output
    assert "critical lr 3" in result.output
    run_dir = only_run_dir(tmp_path)
    assert result.output.strip().splitlines()[-1].endswith(run_dir.name)
    assert run_dir.name.startswith("mse-")
    rows = list(csv.DictReader((run_dir / "attempts.csv").open()))
    assert len(rows) == 20
    guess, loss, grad, step = notebook_loop([2, 77, 91], 50, torch.nn.functional.mse_loss, 10, 20)
    for t, row in enumerate(rows):
        assert int(row["attempt"]) == t + 1 and float(row["lr"]) == 10
        assert float(row["loss"]) == loss[t].item()
        for i in range(3):
            assert float(row[f"guess_{i}"]) == guess[t, i].item()
            assert float(row[f"grad_{i}"]) == grad[t, i].item()
            assert float(row[f"step_{i}"]) == step[t, i].item()
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["interrupted"] is False
    (run,) = summary["runs"]
    assert run["status"] == "diverged" and run["theory"]["critical_lr"] == 3
    assert run["answer"] == [2, 77, 91]
    config = yaml.safe_load((run_dir / "config.yaml").read_text())
    assert config["lr"] == [10] and config["loss"] == {"name": "mse"} and config["dtype"] == "float64"
    assert sorted(p.name for p in (run_dir / "plots").iterdir()) == ["contour.png", "loss.png", "lr.png",
                                                                      "trajectory.png"]


def test_the_printed_attempts_are_the_notebooks_numbers(tmp_path):
    result = invoke("run", CONFIGS / "mse.yaml", "--out", tmp_path, "--no-plots")
    # attempt 2 of the notebook: guess [-270, 230, 323.33...], loss 50457.259...
    assert "-270" in result.output and "230" in result.output and "50457.26" in result.output


@pytest.mark.parametrize("config", sorted(p.name for p in CONFIGS.glob("*.yaml")))
def test_every_shipped_config_runs(tmp_path, config):
    result = invoke("run", CONFIGS / config, "--out", tmp_path, "--no-plots")
    assert result.exit_code == 0, result.output
    summary = json.loads((only_run_dir(tmp_path) / "summary.json").read_text())
    assert summary["runs"]


def test_float16_divergence_is_reported_with_valid_json(tmp_path):
    result = invoke("run", CONFIGS / "float16.yaml", "--out", tmp_path)
    assert result.exit_code == 0, result.output
    text = (only_run_dir(tmp_path) / "summary.json").read_text()
    summary = json.loads(text)  # strict JSON: no bare NaN or Infinity
    assert "NaN" not in text and "Infinity" not in text
    assert [r["status"] for r in summary["runs"]] == ["converged", "diverged"]
    assert summary["runs"][1]["final_loss"] in ("inf", "nan")


@pytest.mark.parametrize("fmt", ["svg", "pdf"])
def test_plot_formats(tmp_path, fmt):
    result = invoke("run", CONFIGS / "lr_sweep.yaml", "--out", tmp_path, "--format", fmt)
    assert result.exit_code == 0, result.output
    plots = only_run_dir(tmp_path) / "plots"
    names = ("contour", "loss", "lr", "trajectory")
    assert sorted(p.name for p in plots.iterdir()) == [f"{name}.{fmt}" for name in names]


def test_set_overrides_and_quiet(tmp_path):
    result = invoke("run", CONFIGS / "mse.yaml", "--set", "lr=[1.5, 10]", "--set", "name=two",
                    "--out", tmp_path, "--quiet", "--no-plots")
    assert result.exit_code == 0, result.output
    run_dir = only_run_dir(tmp_path)
    assert result.output == f"{run_dir}\n"  # the path alone, for $(guessgame run ... -q)
    assert run_dir.name.startswith("two-")
    runs = json.loads((run_dir / "summary.json").read_text())["runs"]
    assert [r["status"] for r in runs] == ["converged", "diverged"]


def test_compare_puts_the_learning_rates_first(tmp_path):
    result = invoke("compare", CONFIGS / "mse.yaml", "--lrs", "0.1:10:9", "--out", tmp_path, "--no-plots")
    assert result.exit_code == 0, result.output
    assert result.output.index("summary") < result.output.index("run folder")
    runs = json.loads((only_run_dir(tmp_path) / "summary.json").read_text())["runs"]
    lrs = [r["lr"] for r in runs]
    assert len(lrs) == 9 and lrs[0] == 0.1 and lrs[-1] == 10
    assert all(math.isclose(b / a, lrs[1] / lrs[0]) for a, b in zip(lrs, lrs[1:]))
    result = invoke("compare", CONFIGS / "mse.yaml", "--lr", "0.5", "--lr", "2", "--out", tmp_path, "--no-plots")
    assert result.exit_code == 0 and "0.5" in result.output


def test_validate_prints_the_resolved_config_and_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke("validate", CONFIGS / "adam.yaml")
    assert result.exit_code == 0, result.output
    assert "valid" in result.output and "betas" in result.output and "amsgrad: false" in result.output
    assert list(tmp_path.iterdir()) == []


BAD = [
    ("learning_rate: 0.1\nanswer: 1\n", "did you mean `lr`?"),
    ("answer: 1\nlr: -1\n", "lr: got -1"),
    ("answer: 1\nlr: 0.1\nlr: 0.2\n", "duplicate key"),
    ("answer: [1, 2\n", "invalid YAML"),
    ("", "empty"),
    ("answer: !!python/object/apply:os.system ['touch hacked']\n", "not allowed"),
]


@pytest.mark.parametrize(("text", "fragment"), BAD, ids=[b[1] for b in BAD])
@pytest.mark.parametrize("command", ["run", "validate"])
def test_bad_configs_exit_2_with_one_message_and_leave_no_folder(tmp_path, write_config, text, fragment, command):
    path = write_config(text)
    out = tmp_path / "out"
    args = [command, path] + (["--out", out] if command == "run" else [])
    result = invoke(*args)
    assert result.exit_code == 2
    assert fragment in result.output
    assert "Traceback" not in result.output
    assert not out.exists() or list(out.iterdir()) == []
    assert not (tmp_path / "hacked").exists() and not Path("hacked").exists()


def test_missing_file_and_bad_usage_exit_2(tmp_path):
    result = invoke("run", tmp_path / "nope.yaml", "--out", tmp_path / "out")
    assert result.exit_code == 2 and "no such file" in result.output
    assert not (tmp_path / "out").exists()
    assert invoke("run", CONFIGS / "mse.yaml", "--format", "jpg").exit_code == 2
    assert invoke("compare", CONFIGS / "mse.yaml").exit_code == 2
    assert invoke("compare", CONFIGS / "mse.yaml", "--lrs", "1:2").exit_code == 2
    result = invoke("run", CONFIGS / "mse.yaml", "--set", "lr=-1", "--out", tmp_path / "out")
    assert result.exit_code == 2 and "--set lr=-1" in result.output


def test_help_lists_the_commands():
    result = invoke("--help")
    assert result.exit_code == 0
    for command in ("run", "compare", "validate"):
        assert command in result.output
