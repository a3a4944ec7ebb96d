"""lr schedules bit for bit: every scheduler x every optimizer, each run of a batch against the same game
played alone with torch.optim and torch.optim.lr_scheduler's own classes (`scheduler.step()` after each
`optimizer.step()`); plain SGD against the notebook's loop reading its lr from a torch scheduler.

Compared with `torch.equal` at every attempt: the guess, the loss, the gradient, the step -- and the lr
each attempt used, against the optimizer's param_group['lr'] at that attempt.
"""

import itertools

import pytest
import torch

from guessgame import simulate

from helpers.exact import assert_bitwise_equal, assert_run_equals
from helpers.reference import loss_fn, scheduled_notebook_loop, scheduled_torch_optim_loop

SCHEDULES = {
    "step": ("step", {"step_size": 4, "gamma": 0.5}),
    "multistep": ("multistep", {"milestones": [3, 7, 7, 20], "gamma": 0.7}),
    "exponential": ("exponential", {"gamma": 0.9}),
    "cosine": ("cosine", {"T_max": 25}),
    "cosine_restart": ("cosine", {"T_max": 6, "eta_min": 0.01}),  # past T_max: torch's restart branch
    "linear": ("linear", {}),
    "linear_decay": ("linear", {"start_factor": 1.0, "end_factor": 0.05, "total_iters": 20}),
    "onecycle": ("onecycle", {}),
    "onecycle_linear_3phase": ("onecycle", {"anneal_strategy": "linear", "three_phase": True, "pct_start": 0.25,
                                            "div_factor": 10.0, "total_steps": 40}),
    "onecycle_no_momentum": ("onecycle", {"cycle_momentum": False, "final_div_factor": 100.0}),
}
OPTIMIZERS = {
    "sgd": ("sgd", {}),
    "sgd_momentum": ("sgd", {"momentum": 0.9}),
    "sgd_nesterov": ("sgd", {"momentum": 0.5, "nesterov": True}),
    "sgd_wd": ("sgd", {"weight_decay": 0.1}),
    "adam": ("adam", {}),
    "adamw": ("adamw", {"weight_decay": 0.3, "amsgrad": True}),
    "rmsprop": ("rmsprop", {}),
    "rmsprop_momentum_centered": ("rmsprop", {"momentum": 0.5, "centered": True}),
    "adagrad": ("adagrad", {"lr_decay": 0.01}),
    "nadam": ("nadam", {}),
    "nadam_decoupled_wd": ("nadam", {"weight_decay": 0.1, "decoupled_weight_decay": True}),
    "adamax": ("adamax", {"weight_decay": 0.1}),
}
DTYPES = ["float64", "float32", "float16", "bfloat16"]
GAMES = {"mse": ([2.0, 77.0, 91.0], 50.0, "mse"), "l1": ([2.0, 5.0, 9.0], [-2.0, 5.0, 13.0], "l1")}
LRS = [0.5, 2.9, 10.0]
ATTEMPTS = 30


def _table():
    rows = []
    for (s, schedule), (o, optimizer) in itertools.product(enumerate(SCHEDULES), enumerate(OPTIMIZERS)):
        if optimizer == "adagrad" and schedule in ("onecycle", "onecycle_linear_3phase"):
            continue  # torch's OneCycleLR refuses: adagrad has no momentum to cycle (tested below)
        dtype, game = DTYPES[(s + o) % len(DTYPES)], list(GAMES)[(s * 3 + o) % 2]
        rows.append((schedule, optimizer, "float64", game))
        if dtype != "float64":
            rows.append((schedule, optimizer, dtype, game))
    return rows


TABLE = _table()


def _config(schedule, optimizer, dtype, game, **extra):
    (answer, guess, loss), (opt, options) = GAMES[game], OPTIMIZERS[optimizer]
    name, schedule_options = SCHEDULES[schedule]
    return {"answer": answer, "guess": guess, "loss": loss, "optimizer": {"name": opt, **options},
            "schedule": {"name": name, **schedule_options}, "lr": LRS, "attempts": ATTEMPTS, "dtype": dtype,
            **extra}


def alone(schedule, optimizer, dtype, game, lr):
    (answer, guess, loss), (opt, options) = GAMES[game], OPTIMIZERS[optimizer]
    fn, torch_dtype = loss_fn(loss), getattr(torch, dtype)
    name, options_ = SCHEDULES[schedule]
    cycles = name == "onecycle" and options_.get("cycle_momentum", True)
    if optimizer == "sgd" and not cycles:  # the notebook's loop; OneCycleLR gives torch's SGD momentum
        return scheduled_notebook_loop(answer, guess, fn, lr, ATTEMPTS, SCHEDULES[schedule], dtype=torch_dtype)
    return scheduled_torch_optim_loop(answer, guess, fn, opt, options, lr, ATTEMPTS, SCHEDULES[schedule],
                                      dtype=torch_dtype)


@pytest.mark.parametrize(("schedule", "optimizer", "dtype", "game"), TABLE, ids=["-".join(row) for row in TABLE])
def test_each_scheduled_run_equals_torchs_optimizer_and_scheduler(schedule, optimizer, dtype, game):
    result = simulate(_config(schedule, optimizer, dtype, game))
    for run, lr in enumerate(LRS):
        expected, lrs = alone(schedule, optimizer, dtype, game, lr)
        assert_run_equals(result, run, expected)
        assert result.lr_at[:, run].tolist() == lrs, f"lr of run {run}"


def test_the_table_covers_every_scheduler_with_every_optimizer():
    pairs = {(SCHEDULES[s][0], o) for s, o, _, _ in TABLE}
    names = {name for name, _ in SCHEDULES.values()}
    assert pairs >= set(itertools.product(names, OPTIMIZERS))


def test_the_table_schedules_every_optimizer_guessgame_has():
    from guessgame.optimizers import OPTIMIZERS as RECORDS

    assert {name for name, _ in OPTIMIZERS.values()} == set(RECORDS)


THINNED = [("cosine_restart", "sgd"), ("onecycle", "adam"), ("step", "rmsprop_momentum_centered")]


@pytest.mark.parametrize(("schedule", "optimizer"), THINNED, ids=["-".join(row) for row in THINNED])
def test_a_thinned_log_and_stop_early_keep_the_scheduled_attempts(schedule, optimizer):
    result = simulate(_config(schedule, optimizer, "float64", "mse", log_every=4, stop_early=True))
    kept = [attempt - 1 for attempt in result.attempt.tolist()]
    for run, lr in enumerate(LRS):
        (guess, loss, grad, step), lrs = alone(schedule, optimizer, "float64", "mse", lr)
        played = [k for k, attempt in enumerate(kept) if attempt < result.attempts_run[run]]
        rows = [kept[k] for k in played]
        assert_bitwise_equal(result.guess[played, run], guess[rows], "guess")
        assert_bitwise_equal(result.loss[played, run], loss[rows], "loss")
        assert result.lr_at[:, run].tolist() == [lrs[k] for k in kept]


def test_random_games_each_follow_the_schedule_alone():
    result = simulate({"answer": {"random": {"low": -10, "high": 10, "shape": [3]}}, "games": 3, "seed": 2,
                       "guess": 1.5, "loss": "mse", "optimizer": "adam", "schedule": {"name": "cosine", "T_max": 30},
                       "lr": [0.5, 3.0], "attempts": ATTEMPTS})
    for run in range(result.runs):
        expected, _ = scheduled_torch_optim_loop(result.answer[run], 1.5, loss_fn("mse"), "adam", {},
                                                 float(result.lr[run]), ATTEMPTS, ("cosine", {"T_max": 30}))
        assert_run_equals(result, run, expected)


def test_no_schedule_logs_no_lr_per_attempt():
    assert simulate({"answer": 3, "lr": 0.1, "attempts": 5}).lr_at is None


THEORY = [("l1", {"name": "exponential", "gamma": 0.95}), ("l1", {"name": "exponential", "gamma": 0.9}),
          ("l1", {"name": "step", "step_size": 20, "gamma": 0.3}), ("mse", {"name": "cosine", "T_max": 60}),
          ("mse", {"name": "linear", "start_factor": 1.0, "end_factor": 0.1, "total_iters": 30}),
          ("mse", {"name": "onecycle", "cycle_momentum": False}),
          ("mse", {"name": "multistep", "milestones": [5, 10], "gamma": 0.2})]


@pytest.mark.parametrize(("loss", "schedule"), THEORY, ids=[f"{loss}-{s['name']}" for loss, s in THEORY])
def test_theory_with_a_schedule_predicts_the_verdicts_the_runs_reach(loss, schedule):
    answer, guess, _ = GAMES[loss]
    result = simulate({"answer": answer, "guess": guess, "loss": loss, "schedule": schedule, "attempts": 300,
                       "lr": [0.3, 0.9, 2.0, 4.0, 8.0], "tolerance": 1e-6})
    assert [t.predicted for t in result.theory] == result.status
    for t, measured in zip(result.theory, result.converged_at):  # theory steps the error, the run the guess:
        assert (t.predicted_converged_at is None) == (measured is None)  # a last-bit rounding apart
        assert measured is None or abs(t.predicted_converged_at - measured) <= 1
    if loss == "l1":  # the band at the end is the last attempt's step, lr(t)/N
        assert [t.band for t in result.theory] == pytest.approx((result.lr_at[-1] / 3).tolist())
    else:
        assert {t.critical_lr for t in result.theory} == {3.0}


def test_theory_says_no_closed_form_for_other_optimizers_with_a_schedule():
    result = simulate({"answer": 3, "optimizer": "adam", "schedule": {"name": "exponential", "gamma": 0.9}})
    assert result.theory[0].predicted is None and "no closed form for adam with a schedule" in result.theory[0].note
    cycled = simulate({"answer": 3, "schedule": "onecycle"})  # plain SGD given OneCycleLR's momentum
    assert cycled.theory[0].predicted is None and "momentum" in cycled.theory[0].note
