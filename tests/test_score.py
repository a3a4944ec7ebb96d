"""Random games and their score, against each game replayed alone by the notebook's loop."""

import json
import math
import statistics

import pytest
import torch
from typer.testing import CliRunner

from guessgame.cli import app

from helpers.reference import loss_fn, notebook_loop, settled_at

runner = CliRunner()

LRS = [0.5, 1.5, 2.5, 2.99, 3.5]
GAMES = 12
ATTEMPTS = 150
CONFIG = f"""name: scored
answer: {{random: {{low: -20, high: 100, shape: [3]}}}}
guess: 50
loss: mse
lr: {LRS}
attempts: {ATTEMPTS}
games: {GAMES}
seed: 7
"""


def _reference_score(answers, lr):
    """Replay each game alone; attempts to converge = first attempt from which loss <= 1e-12 for good."""
    took, diverged = [], 0
    for answer in answers:
        _, loss, _, _ = notebook_loop(answer, 50.0, loss_fn("mse"), lr, ATTEMPTS)
        loss = loss.tolist()
        if not all(math.isfinite(v) and v <= 1e6 * loss[0] for v in loss):
            diverged += 1
            continue
        at = settled_at(loss)
        if at is not None:
            took.append(at)
    return took, diverged


def test_the_score_per_lr_matches_each_game_replayed_alone(tmp_path):
    config = tmp_path / "scored.yaml"
    config.write_text(CONFIG)
    result = runner.invoke(app, ["run", str(config), "--out", str(tmp_path / "runs")])
    assert result.exit_code == 0, result.output
    (run_dir,) = (tmp_path / "runs").iterdir()
    summary = json.loads((run_dir / "summary.json").read_text())
    runs, scores = summary["runs"], summary["scores"]
    answers = [r["answer"] for r in runs[:GAMES]]
    assert all(-20 <= x <= 100 for a in answers for x in a)
    assert [s["lr"] for s in scores] == LRS
    for k, (lr, score) in enumerate(zip(LRS, scores)):
        assert [r["answer"] for r in runs[k * GAMES:(k + 1) * GAMES]] == answers  # every lr plays the same games
        took, diverged = _reference_score(answers, lr)
        assert score["games"] == GAMES
        assert score["shares"]["converged"] == len(took) / GAMES
        assert score["shares"]["diverged"] == diverged / GAMES
        assert math.isclose(sum(score["shares"].values()), 1.0)
        if not took:
            assert score["attempts_to_converge"] is None
            continue
        q1, median, q3 = statistics.quantiles(took, n=4, method="inclusive")
        mean = pytest.approx(statistics.mean(took), rel=1e-12)
        assert score["attempts_to_converge"] == {"min": min(took), "q1": q1, "median": median, "q3": q3,
                                                 "max": max(took), "mean": mean}
    # lr 2.99 is just under the critical lr 3: converging, but too slowly for 150 attempts
    assert scores[3]["shares"]["unfinished"] == 1.0
    assert scores[-1]["shares"]["diverged"] == 1.0
    assert "score: attempts to converge" in result.output and "100%" in result.output
    assert (run_dir / "plots" / "score.png").is_file()


def test_seed_makes_the_games_reproducible_and_a_new_seed_new_games():
    from guessgame import simulate

    config = {"answer": {"random": {"low": 0, "high": 1, "shape": [2, 2]}}, "games": 5, "lr": [0.1, 1]}
    first, again = simulate({**config, "seed": 3}), simulate({**config, "seed": 3})
    other = simulate({**config, "seed": 4})
    assert torch.equal(first.answer, again.answer) and torch.equal(first.guess, again.guess)
    assert not torch.equal(first.answer, other.answer)
    assert first.answer.shape == (10, 2, 2)
    assert len({tuple(a.flatten().tolist()) for a in first.answer}) == 5


def test_plot_redraws_the_score_of_a_saved_run(tmp_path):
    config = tmp_path / "scored.yaml"
    config.write_text(CONFIG.replace("games: 12", "games: 3"))
    assert runner.invoke(app, ["run", str(config), "--out", str(tmp_path), "--no-plots", "-q"]).exit_code == 0
    (run_dir,) = tmp_path.glob("scored-*")
    result = runner.invoke(app, ["plot", str(run_dir), "--format", "svg"])
    assert result.exit_code == 0, result.output
    assert (run_dir / "plots" / "score.svg").read_text().startswith("<?xml")


def test_one_game_per_lr_writes_no_score(tmp_path):
    from guessgame import simulate
    from guessgame.rundir import write_run

    result = simulate({"answer": [1, 2], "lr": [0.1, 1], "attempts": 5})
    write_run(tmp_path, result)
    assert "scores" not in json.loads((tmp_path / "summary.json").read_text())
