"""The run folder: new every time, never outside --out, files complete, floats exact."""

import json
import re
import threading
import warnings

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from guessgame import ConfigError, load_config, simulate
from guessgame.cli import app
from guessgame.rundir import create_run_dir, read_run, write_run
from guessgame.rundir.write import write_atomic

from helpers.files import CONFIGS

runner = CliRunner()


def test_run_dirs_are_never_reused(tmp_path):
    made = [create_run_dir(tmp_path, "game", now=0) for _ in range(3)]
    assert [d.name for d in made] == [made[0].name, made[0].name + "-2", made[0].name + "-3"]


def test_many_runs_starting_at_once_get_distinct_folders(tmp_path):
    made, lock = [], threading.Lock()

    def make():
        d = create_run_dir(tmp_path, "same", now=0)
        with lock:
            made.append(d)

    threads = [threading.Thread(target=make) for _ in range(32)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(made)) == 32 == len(list(tmp_path.iterdir()))


@pytest.mark.parametrize("name", ["../escape", "a/b", "/abs"])
def test_names_cannot_leave_out(tmp_path, name):
    with pytest.raises(ConfigError):
        create_run_dir(tmp_path / "out", name)
    assert list((tmp_path / "out").iterdir()) == []
    with pytest.raises(ConfigError, match="name"):
        simulate({"answer": 1, "name": name})


def test_written_run_reads_back_exactly(tmp_path):
    result = simulate({"answer": [[1.1, 2.2, 3.3], [4, 5, 6]], "guess": 0.1, "loss": "mse",
                       "lr": [0.3, 1, 9], "attempts": 12, "dtype": "float32"})
    run_dir = create_run_dir(tmp_path, "x")
    write_run(run_dir, result)
    back = read_run(run_dir)
    assert back.shape == (2, 3)
    np.testing.assert_array_equal(back.loss, result.loss.double().numpy())
    np.testing.assert_array_equal(back.guess, result.guess.double().reshape(12, 3, 6).numpy())
    np.testing.assert_array_equal(back.lr, result.lr.numpy())
    assert back.status == result.status
    assert [p.name for p in run_dir.iterdir() if p.name.startswith(".")] == []
    json.loads((run_dir / "summary.json").read_text())


def test_games_column_appears_with_random_games(tmp_path):
    result = simulate({"answer": {"random": {"low": 0, "high": 10, "shape": [2]}}, "games": 3, "lr": [0.1, 1],
                       "attempts": 4})
    run_dir = create_run_dir(tmp_path, "g")
    write_run(run_dir, result)
    header = (run_dir / "attempts.csv").read_text().splitlines()[0].split(",")
    assert header[:5] == ["run", "lr", "game", "attempt", "loss"]
    assert torch.equal(torch.tensor(read_run(run_dir).answer), result.answer.double())


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32", "float64"])
def test_divergence_in_every_dtype_is_reported_and_written(tmp_path, dtype):
    lr = 10.0 if dtype != "float64" else 1e200
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = runner.invoke(app, ["run", str(CONFIGS / "mse.yaml"), "--set", f"dtype={dtype}",
                                     "--set", f"lr={lr}", "--set", "attempts=200", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    (run_dir,) = list(tmp_path.iterdir())
    summary = json.loads((run_dir / "summary.json").read_text())
    (run,) = summary["runs"]
    assert run["status"] == "diverged" and run["diverged_at"] >= 1
    rows = (run_dir / "attempts.csv").read_text().splitlines()
    assert len(rows) == 201
    assert sorted(p.name for p in (run_dir / "plots").iterdir()) == ["contour.png", "loss.png", "lr.png",
                                                                      "trajectory.png"]


def test_atomic_write_leaves_the_old_file_or_the_new_one(tmp_path):
    target = tmp_path / "summary.json"
    write_atomic(target, "old")

    with pytest.raises(TypeError):
        write_atomic(target, 12345)  # fails mid-write
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["summary.json"]


def test_a_csv_too_big_for_disk_is_refused_with_the_way_out(tmp_path):
    result = runner.invoke(app, ["run", str(CONFIGS / "mse.yaml"), "--set", "lr={logspace: [0.001, 10, 100000]}",
                                 "--set", "attempts=1000", "--out", str(tmp_path / "runs")])
    assert result.exit_code == 2
    assert "attempts.csv would be about" in result.output
    every = int(re.search(r"log_every=(\d+)", result.output).group(1))
    assert not (tmp_path / "runs").exists()
    # the advice works when followed: that log_every passes the same check
    from guessgame.rundir.layout import check_disk

    check_disk(load_config(CONFIGS / "mse.yaml", ["lr={logspace: [0.001, 10, 100000]}", "attempts=1000",
                                                          f"log_every={every}"]), tmp_path / "runs")
