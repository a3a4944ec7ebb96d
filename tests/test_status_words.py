"""What happened, in words: a converged run that left tolerance is never shown as plainly converged, a
stalled run says so, theory's rate carries its sign, and a dtype that cannot hold a value says what it
holds -- each against the notebook's loop, torch.optim or torch's own rounding, never the code's output."""

import json
import random

import pytest
import torch
from rich.console import Console
from typer.testing import CliRunner

from guessgame import load_config, simulate
from guessgame.cli import app
from guessgame.cli.console import summary_table
from guessgame.formatting import held, held_note
from guessgame.records import RunSummary
from guessgame.report.words import game_sentence, theory_sentence
from guessgame.rundata import RunData
from guessgame.score import best_run, converged_and_stayed
from guessgame.status import Status
from guessgame.viz.story import story

from helpers.files import CONFIGS
from helpers.reference import loss_fn, notebook_loop, torch_optim_loop

runner = CliRunner()


def rendered(table) -> str:
    console = Console(width=250, record=True, color_system=None)
    console.print(table)
    return console.export_text()


@pytest.fixture(scope="module")
def optimizers():
    return simulate(load_config(CONFIGS / "optimizers.yaml"))


def test_rmsprop_at_lr_10_is_converged_then_left_in_every_word(optimizers):
    """optimizers.yaml's RMSprop at lr 10: torch.optim.RMSprop's own losses are within tolerance from
    attempt 13 and above it again at 161; the table, the legend's and the page's sentence say both."""
    config = optimizers.config
    _, loss, _, _ = torch_optim_loop(config.answer, config.guess, loss_fn("mse"), "rmsprop", {}, 10.0,
                                     config.attempts)
    within = (loss <= config.tolerance).tolist()
    enters = within.index(True)
    leaves = within.index(False, enters)
    assert all(within[enters:leaves]) and leaves - enters > 100  # in for long, then out
    summary = optimizers.summary()
    (run,) = [r for r in summary if config.cell_labels()[r.cell] == "rmsprop" and r.lr == 10.0]
    assert (run.status, run.converged_at, run.left_at) == (Status.CONVERGED, enters + 1, leaves + 1)
    said = f"converged at {enters + 1}, left at {leaves + 1}"
    assert story(RunData.from_result(optimizers), run.run) == said
    lines = rendered(summary_table(summary, limit=10**4, cells=config.cell_labels())).splitlines()
    row = next(line for line in lines if line.startswith("│") and line.split("│")[1].strip() == str(run.run))
    assert said in row and "converged, then left" in row


def test_a_run_that_left_tolerance_is_never_the_best(optimizers):
    summary = optimizers.summary()
    rmsprop = [r for r in summary if optimizers.config.cell_labels()[r.cell] == "rmsprop"]
    left = [r for r in rmsprop if r.left_at is not None]
    assert left and not any(converged_and_stayed(r) for r in left)
    best = best_run(rmsprop)
    assert best is not None and best.left_at is None and best.status is Status.CONVERGED
    # the earliest to converge is one that left: it is passed over
    first = min((r for r in rmsprop if r.status is Status.CONVERGED), key=lambda r: r.converged_at)
    earliest = RunSummary(**{**first.__dict__, "left_at": first.converged_at + 50})
    assert best_run([earliest, best]) is best


def test_float16_holds_1000_3_as_1000_5_and_the_guess_stalls(tmp_path):
    """The notebook's loop in float16: every step, lr x sign = 0.1, rounds away beside 998, whose
    neighbours are half apart; the guess never moves, 2.5 from the answer float16 holds."""
    stored = torch.tensor(1000.3, dtype=torch.float16).item()
    guess, loss, _, step = notebook_loop(1000.3, 998.0, loss_fn("l1"), 0.1, 30, dtype=torch.float16)
    assert (guess == 998).all() and (loss == abs(stored - 998)).all() and (step != 0).all()
    result = runner.invoke(app, ["run", str(CONFIGS / "l1.yaml"), "--set", "dtype=float16", "--set", "answer=1000.3",
                                 "--set", "guess=998", "--set", "lr=0.1", "--no-plots", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert f"answer 1000.3 is {stored:g} in float16" in result.output
    assert "stalled at 1" in result.output
    (folder,) = tmp_path.iterdir()
    (run,) = json.loads((folder / "summary.json").read_text())["runs"]
    assert (run["status"], run["stalled_at"], run["answer"]) == ("stalled", 1, stored)
    assert (run["theory"]["predicted"], run["theory"]["predicted_stalled_at"]) == ("stalled", 1)


def test_the_page_says_what_the_dtype_holds():
    config = load_config(CONFIGS / "l1.yaml", ["dtype=float16", "answer=[2, 77.3, 91]", "guess=0.1"])
    held_answer = torch.tensor([2, 77.3, 91], dtype=torch.float16).tolist()
    held_guess = torch.tensor(0.1, dtype=torch.float16).item()
    sentence = game_sentence(config)
    assert f"answer [2, 77.3, 91] is [2, {held_answer[1]:g}, 91] in float16" in sentence
    assert f"guess 0.1 is {held_guess:.7g} in float16" in sentence
    assert held_note(load_config(CONFIGS / "l1.yaml")) is None  # float64 holds 2, 5, 9 and -2, 5, 13


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32", "float64"])
def test_held_is_the_float_torch_makes(dtype):
    generator = random.Random(dtype)
    values = ([1000.3, 0.1, 77.3, 65519.9, 65520.0, 1e-8, 2.0**-25, 1e40, -3.4e38]
              + [1 + (2 * k + 1) * 2.0**-11 + 2.0**-40 for k in range(50)]  # past half-way: rounded twice by torch
              + [generator.uniform(-1, 1) * 10 ** generator.randint(-30, 30) for _ in range(3000)])
    expected = torch.tensor(values, dtype=getattr(torch, dtype)).double().tolist()
    assert [held(v, dtype) for v in values] == expected


def test_theory_says_lr_2_9_overshoots():
    """mse over N = 3 at lr 2.9: the error is multiplied by 1 - 2 x 2.9 / 3 < 0 each attempt, so the
    notebook's guess lands on the other side of the answer every time."""
    guess, _, _, _ = notebook_loop([2, 77, 91], 50, loss_fn("mse"), 2.9, 40)
    error = guess - torch.tensor([2.0, 77.0, 91.0], dtype=torch.float64)
    assert (error[1:] * error[:-1] < 0).all()
    theory = simulate({"answer": [2, 77, 91], "guess": 50, "loss": "mse", "lr": 2.9, "attempts": 40}).theory[0]
    factor = 1 - 2 * 2.9 / 3
    assert theory.factor == pytest.approx(factor) and theory.rate == pytest.approx(abs(factor))
    sentence = theory_sentence(theory)
    assert f"rate {factor:.3g}" in sentence
    assert f"shrinks ×{abs(factor):.3g} per attempt, changing sign each time: the guess overshoots" in sentence
    below = simulate({"answer": [2, 77, 91], "guess": 50, "loss": "mse", "lr": 1.0, "attempts": 40}).theory[0]
    assert below.factor > 0 and "changing sign" not in theory_sentence(below)


def test_a_stalled_run_and_a_left_run_are_said_so_in_the_terminal():
    runs = [RunSummary(run=0, lr=0.1, game=0, status=Status.STALLED, attempts_run=30, converged_at=None,
                       diverged_at=None, left_at=None, final_loss=2.5, best_loss=2.5, final_guess=998.0,
                       answer=1000.5, theory=None, stalled_at=1),
            RunSummary(run=1, lr=10.0, game=0, status=Status.CONVERGED, attempts_run=400, converged_at=13,
                       diverged_at=None, left_at=161, final_loss=0.39, best_loss=1e-28, final_guess=[2.0],
                       answer=[2.0], theory=None)]
    text = rendered(summary_table(runs, config=load_config(CONFIGS / "l1.yaml", ["dtype=float16",
                                                                                  "answer=1000.3", "guess=998"])))
    stalled, left = (line for line in text.splitlines() if line.startswith("│"))
    assert "stalled" in stalled and "stalled at 1" in stalled
    assert "converged, then left" in left and "converged at 13, left at 161" in left
    assert "answer 1000.3 is 1000.5 in float16" in text


def test_scores_count_stalled_games_among_the_others():
    from guessgame.report.words import score_rows

    games = [RunSummary(run=k, lr=0.1, game=k, status=status, attempts_run=30, converged_at=None, diverged_at=None,
                        left_at=None, final_loss=1.0, best_loss=1.0, final_guess=0.0, answer=1.0, theory=None)
             for k, status in enumerate([Status.STALLED, Status.STALLED, Status.OSCILLATING, Status.DIVERGED])]
    (row,) = score_rows(games)
    assert row[2:5] == ["0%", "25%", "75%"]


def test_every_status_is_a_name_of_the_one_definition():
    assert Status.names() == ("converged", "oscillating", "unfinished", "diverged", "stalled", "settled")
    assert [s for s in Status if s.verdict] == [Status.CONVERGED, Status.DIVERGED, Status.STALLED, Status.SETTLED]


@pytest.mark.parametrize("games, said", [(1, "Find a hidden answer (numbers from 0 to 100"),
                                         (5, "Find 5 hidden answers per learning rate (numbers from 0 to 100")])
def test_the_page_counts_the_hidden_answers(games, said):
    config = load_config({"answer": {"random": {"low": 0, "high": 100, "shape": [3]}}, "games": games, "lr": 1})
    assert game_sentence(config).startswith(said)


def test_a_schedules_options_left_to_their_default_are_not_named():
    config = load_config({"answer": [2, 77, 91], "guess": 50, "lr": 1, "attempts": 50, "optimizer": "adam",
                          "schedule": {"name": "onecycle", "pct_start": 0.25}})
    sentence = game_sentence(config)
    assert "scheduled by onecycle (pct_start 0.25, " in sentence and "None" not in sentence
