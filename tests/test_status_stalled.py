"""`stalled`: a guess that stopped moving short of the answer -- its steps round away, or a decaying lr has
too little left -- is a verdict of its own, the same under twice the budget, with stop_early and whatever
is logged, and theory predicts it. Checked against the notebook's loop and closed-form sums."""

import pytest
import torch

from guessgame import load_config, simulate
from guessgame.errors import RunFolderError
from guessgame.records import RunSummary, where

from helpers.files import CONFIGS
from helpers.reference import loss_fn, notebook_loop, scheduled_notebook_loop

GAMMA_09 = ["schedule={name: exponential, gamma: 0.9}"]


def test_l1_schedules_gamma_0_9_cell_stalls_short_and_theory_says_so():
    """lr 0.9 x 0.9^(t-1): the steps of lr(t)/3 add up to 0.3 / (1 - 0.9) = 3 < 4, the distance of the
    far elements; torch's ExponentialLR driving the notebook's loop stops them 1 short."""
    (guess, loss, _, _), _ = scheduled_notebook_loop([2, 5, 9], [-2, 5, 13], loss_fn("l1"), 0.9, 300,
                                                     ("exponential", {"gamma": 0.9}))
    short = guess[-1] - torch.tensor([2.0, 5.0, 9.0], dtype=torch.float64)
    assert torch.allclose(short, torch.tensor([-1.0, 0.0, 1.0], dtype=torch.float64), atol=1e-9)
    grid = simulate(load_config(CONFIGS / "l1_schedule.yaml"))
    assert [str(s) for s in grid.status] == ["oscillating", "converged", "stalled"]
    assert [str(t.predicted) for t in grid.theory] == ["oscillating", "converged", "stalled"]
    cell = simulate(load_config(CONFIGS / "l1_schedule.yaml", GAMMA_09))
    at = cell.stalled_at[0]
    assert cell.status == ["stalled"] and at == cell.theory[0].predicted_stalled_at
    # stalled: from there on the loss moves by less than rounding, here and for ever (twice the budget)
    longer = simulate(load_config(CONFIGS / "l1_schedule.yaml", [*GAMMA_09, "attempts=600"]))
    assert (longer.status, longer.stalled_at) == (cell.status, cell.stalled_at)
    after = longer.loss[at - 1:, 0]
    assert float((after - after[0]).abs().max()) <= 1e-9 * float(after[0]) and float(after[0]) > 0.6
    assert float((loss[at - 2] - loss[-1]).abs()) > 0  # the attempt before, it still moved by more


def test_stop_early_stops_a_stalled_run_where_it_stalled():
    full = simulate(load_config(CONFIGS / "l1_schedule.yaml", GAMMA_09))
    stopped = simulate(load_config(CONFIGS / "l1_schedule.yaml", [*GAMMA_09, "stop_early=true"]))
    at = full.stalled_at[0]
    assert (stopped.status, stopped.stalled_at, stopped.attempts_run) == (full.status, [at], [at])
    assert torch.equal(stopped.final_guess[0], full.guess[at, 0])  # after the step of its last attempt


@pytest.mark.parametrize("log_every", [1, 7, 50])
def test_a_guess_whose_steps_round_away_stalls_where_the_notebooks_guess_stops(log_every):
    """float16 mse at lr 0.1: as the error shrinks, lr x 2e/3 falls below half the spacing around the
    guess and the notebook's guess stops, above tolerance; kept every k-th attempt, the verdict is read
    from every attempt all the same."""
    guess, loss, _, _ = notebook_loop([2, 77, 91], 50, loss_fn("mse"), 0.1, 200, dtype=torch.float16)
    still = (guess[1:] == guess[:-1]).all(1).tolist()
    first = still.index(True)  # 0-based attempt whose step left the guess where it was
    assert all(still[first:]) and float(loss[first]) > 1e-12
    result = simulate({"answer": [2, 77, 91], "guess": 50, "loss": "mse", "lr": [0.1, 1.5], "attempts": 200,
                       "dtype": "float16", "log_every": log_every})
    assert result.status == ["stalled", "converged"] and result.stalled_at[0] == first + 1
    assert result.theory[0].predicted == "stalled"
    assert abs(result.theory[0].predicted_stalled_at - result.stalled_at[0]) <= 3


def test_a_rounded_away_step_with_a_memory_is_no_stall():
    """Adam's step starts about lr whatever the gradient: below half the spacing of float16 at 50 the
    guess stands still -- but its averages move on, so nothing says it stands for good."""
    result = simulate({"answer": [2, 77, 91], "guess": 50, "loss": "mse", "optimizer": "adam", "lr": 0.001,
                       "attempts": 40, "dtype": "float16"})
    assert (result.guess[1:] == result.guess[:-1]).all()
    assert result.status != ["stalled"] and result.stalled_at == [None]


def test_summary_json_names_stalled_at_only_for_a_stalled_run():
    base = {"run": 0, "lr": 0.1, "game": 0, "attempts_run": 30, "converged_at": None, "diverged_at": None,
            "left_at": None, "final_loss": 2.5, "best_loss": 2.5, "final_guess": 998.0, "answer": 1000.5,
            "theory": {}}
    run = RunSummary.from_json({**base, "status": "stalled", "stalled_at": 1}, where("s.json", "runs.0"))
    assert run.stalled_at == 1
    old = RunSummary.from_json({**base, "status": "oscillating"}, where("s.json", "runs.0"))  # a folder from before
    assert old.stalled_at is None
    with pytest.raises(RunFolderError, match="stalled_at"):
        RunSummary.from_json({**base, "status": "oscillating", "stalled_at": 1}, where("s.json", "runs.0"))
    with pytest.raises(RunFolderError, match="stalled_at"):
        RunSummary.from_json({**base, "status": "stalled", "stalled_at": 31}, where("s.json", "runs.0"))


def test_a_guess_that_stands_still_at_the_answer_is_judged_in_the_quick_pass_as_every_rule_would():
    # a long run's steps round away once it is within tolerance: it stood still, but it cannot stall there
    from guessgame.status import plain, quick
    from guessgame.status.verdicts import Rules

    loss = torch.cat([torch.logspace(3, -14, 400, dtype=torch.float64), torch.full((600,), 1e-14,
                                                                                   dtype=torch.float64)])
    loss = torch.stack([loss, torch.full_like(loss, 5.0)], 1)  # and one that stands still far from the answer
    steps, runs = loss.shape
    rules = Rules(1e-12, 1e6, True, 1e-9)
    stood_at, played = torch.tensor([450, 0]), torch.full((runs,), steps)
    found, done = quick.simple(loss, played, played, rules, stood_at=stood_at)
    assert done.tolist() == [True, False]  # the first needs no more look; the second goes through every rule
    every = plain.judge(loss, played, played, rules, stood_at=stood_at)
    assert found.converged[0] and every.converged[0] and not every.stalled[0] and every.stalled[1]
    entered = int((loss[:, 0] <= 1e-12).nonzero()[0])
    assert found.settled[0] == every.settled[0] == entered and found.decided_conv[0] == every.decided_conv[0]
