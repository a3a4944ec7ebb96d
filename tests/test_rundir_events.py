"""`guessgame run --tensorboard`: event files read back with TensorBoard's own reader and compared with
the notebook's loop."""

import math
import sys

import numpy as np
import pytest
import torch
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from typer.testing import CliRunner

from guessgame.cli import app

from helpers.reference import loss_fn, notebook_loop

runner = CliRunner()
ANSWER = [2.0, 77.0, 91.0]


def read_back(logdir):
    events = EventAccumulator(str(logdir), size_guidance={"scalars": 0})
    events.Reload()
    return {tag: events.Scalars(tag) for tag in events.Tags()["scalars"]}


def as_float32(values):
    with np.errstate(over="ignore"):  # past 3.4e38 a float32 is inf, as in TensorBoard
        return np.asarray(values, dtype=np.float64).astype(np.float32).astype(np.float64)


def test_one_tensorboard_run_per_lr_with_loss_and_norms_per_attempt(tmp_path):
    config = tmp_path / "game.yaml"
    config.write_text(f"answer: {ANSWER}\nguess: 50\nloss: mse\nlr: [0.5, 2.9, 10]\nattempts: 40\n")
    result = runner.invoke(app, ["run", str(config), "--out", str(tmp_path / "runs"), "--tensorboard", "--no-plots"])
    assert result.exit_code == 0, result.output
    (run_dir,) = (tmp_path / "runs").iterdir()
    folder = run_dir / "tensorboard"
    assert "tensorboard --logdir" in result.output
    assert sorted(p.name for p in folder.iterdir()) == ["lr=0.5", "lr=10", "lr=2.9"]
    for lr in (0.5, 2.9, 10.0):
        scalars = read_back(folder / f"lr={lr:g}")
        assert sorted(scalars) == ["loss", "norm/error", "norm/grad", "norm/step"]
        guess, loss, grad, step = notebook_loop(ANSWER, 50.0, loss_fn("mse"), lr, 40)
        expected = {"loss": loss, "norm/error": torch.linalg.vector_norm(guess - torch.tensor(ANSWER), dim=1),
                    "norm/grad": torch.linalg.vector_norm(grad, dim=1),
                    "norm/step": torch.linalg.vector_norm(step, dim=1)}
        for tag, values in expected.items():
            events = scalars[tag]
            assert [e.step for e in events] == list(range(1, 41)), tag
            got = np.array([e.value for e in events])
            want = as_float32(values.tolist())  # TensorBoard keeps scalars as float32
            both_finite = np.isfinite(want)
            np.testing.assert_array_equal(np.isfinite(got), both_finite)
            np.testing.assert_allclose(got[both_finite], want[both_finite], rtol=1e-6)
    # lr 10 diverges: its loss overflows float32 within 40 attempts and TensorBoard shows it as inf
    assert not math.isfinite(read_back(folder / "lr=10")["loss"][-1].value)


def test_random_games_get_a_run_each_and_log_every_sets_the_steps(tmp_path):
    config = tmp_path / "games.yaml"
    config.write_text("answer: {random: {low: 0, high: 10, shape: [2]}}\ngames: 3\nlr: [0.1, 1]\nattempts: 25\n"
                      "log_every: 10\n")
    result = runner.invoke(app, ["run", str(config), "--out", str(tmp_path / "runs"), "--tensorboard", "-q",
                                 "--no-plots"])
    assert result.exit_code == 0, result.output
    (run_dir,) = (tmp_path / "runs").iterdir()
    names = sorted(str(p.parent.relative_to(run_dir / "tensorboard")) for p in run_dir.rglob("events.out.tfevents*"))
    assert names == [f"lr={lr}/game={g}" for lr in ("0.1", "1") for g in range(3)]
    steps = [e.step for e in read_back(run_dir / "tensorboard" / "lr=1" / "game=2")["loss"]]
    assert steps == [1, 11, 21, 25]


def test_without_the_extra_a_clear_message_and_nothing_written(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "google_crc32c", None)  # as if it were not installed
    config = tmp_path / "game.yaml"
    config.write_text("answer: 3\nlr: 0.1\n")
    result = runner.invoke(app, ["run", str(config), "--out", str(tmp_path / "runs"), "--tensorboard"])
    assert result.exit_code == 2
    assert "--tensorboard" in result.output and 'pip install "guessgame[tensorboard]"' in result.output
    assert not (tmp_path / "runs").exists()


@pytest.mark.parametrize("lrs", [[0.1, 0.1], [0.1000001, 0.1000002]])
def test_runs_with_the_same_name_stay_apart(lrs):
    from guessgame.rundir.events import run_names

    names = run_names(lrs, [0, 0], 1)
    assert len(set(names)) == 2 and all("lr=0.1" in n for n in names)


def test_the_command_ends_with_everything_written_and_said(tmp_path):
    """The command ends its process without taking the interpreter apart: the events, the data and
    the figures are complete, what it printed reached the pipe, and its exit code is the command's."""
    import json
    import subprocess

    config = tmp_path / "game.yaml"
    config.write_text(f"answer: {ANSWER}\nguess: 50\nloss: mse\nlr: [0.5, 10]\nattempts: 30\n")
    done = subprocess.run([sys.executable, "-m", "guessgame", "run", str(config), "--out", str(tmp_path / "runs"),
                           "--tensorboard"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    (run_dir,) = (tmp_path / "runs").iterdir()
    assert str(run_dir) in done.stdout and "tensorboard --logdir" in done.stdout
    guess, loss, grad, step = notebook_loop(ANSWER, 50.0, loss_fn("mse"), 0.5, 30)
    logged = read_back(run_dir / "tensorboard" / "lr=0.5")["loss"]
    assert [e.value for e in logged] == as_float32(loss.tolist()).tolist()
    summary = json.loads((run_dir / "summary.json").read_text())
    assert [r["status"] for r in summary["runs"]] == ["unfinished", "diverged"]
    assert all((run_dir / "plots" / f"{name}.png").stat().st_size > 0 for name in ("loss", "trajectory", "lr"))
    refused = subprocess.run([sys.executable, "-m", "guessgame", "run", str(config), "--set", "attempts=0"],
                             capture_output=True, text=True, timeout=300)
    assert refused.returncode == 2 and "attempts" in refused.stderr


def test_noisy_hints_add_the_true_loss_and_the_hints_distance(tmp_path):
    # the loss the optimizer saw, against the reader's own draws; the true loss, to the hidden answer
    from helpers.reference import noisy_loss_fn

    config = tmp_path / "noisy.yaml"
    config.write_text(f"answer: {ANSWER}\nguess: 50\nloss: mse\nlr: [0.5]\nattempts: 30\n"
                      "noise: {std: 3, batch: 2}\nseed: 4\n")
    result = runner.invoke(app, ["run", str(config), "--out", str(tmp_path / "runs"), "--tensorboard", "--no-plots"])
    assert result.exit_code == 0, result.output
    (run_dir,) = (tmp_path / "runs").iterdir()
    scalars = read_back(run_dir / "tensorboard" / "lr=0.5")
    assert sorted(scalars) == ["loss", "norm/error", "norm/grad", "norm/hint_error", "norm/step", "true_loss"]
    fn = noisy_loss_fn("mse", {}, "mean", ANSWER, 3.0, 2, seed=4)
    guess, loss, _, _ = notebook_loop(ANSWER, 50.0, fn, 0.5, 30)
    true = torch.nn.functional.mse_loss(guess, torch.tensor(ANSWER).expand_as(guess), reduction="none").mean(1)
    for tag, values in (("loss", loss), ("true_loss", true)):
        np.testing.assert_allclose([e.value for e in scalars[tag]], as_float32(values.tolist()), rtol=1e-6)
    eps = torch.randn((65536 // 6, 1, 2, 3), generator=torch.Generator().manual_seed(4), dtype=torch.float64)
    hints = [(torch.tensor(ANSWER, dtype=torch.float64) + 3.0 * eps[t, 0]).mean(0) for t in range(30)]
    distance = [float(torch.linalg.vector_norm(h - torch.tensor(ANSWER, dtype=torch.float64))) for h in hints]
    np.testing.assert_allclose([e.value for e in scalars["norm/hint_error"]], as_float32(distance), rtol=1e-6)
