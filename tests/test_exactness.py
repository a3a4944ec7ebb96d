"""Bit for bit: every run of a batch against the same game played alone with torch.optim and
torch.nn.functional, in every dtype.

Each row of the table simulates four learning rates as one batch; each learning rate's run is
compared with `torch.equal` at every attempt: the guess, the loss, the gradient and the step. The
reference (tests/reference.py) shares no code with guessgame. Plain SGD is the notebook's loop;
every other optimizer setting is torch.optim's.

The table crosses all 10 loss settings, all 18 optimizer settings and all 4 dtypes; reduction and
shape (6 pairs) rotate through it, so every loss setting and every optimizer setting meets every
reduction and every shape in every dtype (720 batches instead of 4,320).
"""

import itertools

import pytest
import torch
import torch.nn.functional as F

from guessgame import simulate

from helpers.exact import assert_bitwise_equal, assert_run_equals
from helpers.reference import loss_fn, notebook_loop, torch_optim_loops, weighted_loss_fn

LOSSES = {
    "l1": ("l1", {}), "mse": ("mse", {}),
    "huber_d1": ("huber", {"delta": 1.0}), "huber_d0.3": ("huber", {"delta": 0.3}),
    "huber_d2.5": ("huber", {"delta": 2.5}),
    "smooth_l1_b1": ("smooth_l1", {"beta": 1.0}), "smooth_l1_b0.5": ("smooth_l1", {"beta": 0.5}),
    "smooth_l1_b2.5": ("smooth_l1", {"beta": 2.5}), "smooth_l1_b0": ("smooth_l1", {"beta": 0.0}),
    "bad": ("bad", {}),
}
OPTIMIZERS = {
    "sgd": ("sgd", {}),
    "sgd_momentum": ("sgd", {"momentum": 0.9}),
    "sgd_nesterov_wd": ("sgd", {"momentum": 0.5, "nesterov": True, "weight_decay": 0.01}),
    "sgd_dampening": ("sgd", {"momentum": 0.9, "dampening": 0.3}),
    "sgd_wd": ("sgd", {"weight_decay": 0.1}),
    "adam": ("adam", {}),
    "adam_amsgrad_wd_betas": ("adam", {"amsgrad": True, "weight_decay": 0.1, "betas": (0.8, 0.99)}),
    "adamw": ("adamw", {}),
    "adamw_wd0.3_amsgrad": ("adamw", {"weight_decay": 0.3, "amsgrad": True}),
    "rmsprop": ("rmsprop", {}),
    "rmsprop_momentum_centered_wd": ("rmsprop", {"momentum": 0.9, "centered": True, "weight_decay": 0.1}),
    "adagrad": ("adagrad", {}),
    "adagrad_lr_decay_init_wd": ("adagrad", {"lr_decay": 0.01, "initial_accumulator_value": 0.1,
                                             "weight_decay": 0.1}),
    "nadam": ("nadam", {}),
    "nadam_wd_momentum_decay": ("nadam", {"weight_decay": 0.1, "momentum_decay": 0.01}),
    "nadam_decoupled_wd_betas": ("nadam", {"weight_decay": 0.3, "decoupled_weight_decay": True,
                                           "betas": (0.8, 0.99)}),
    "adamax": ("adamax", {}),
    "adamax_wd_betas_eps": ("adamax", {"weight_decay": 0.1, "betas": (0.8, 0.99), "eps": 1e-3}),
}
DTYPES = ["float16", "bfloat16", "float32", "float64"]
ANSWERS = {
    "scalar": 3.0,
    "vector": [2.0, 77.0, 91.0],
    "matrix": [[1.0, -2.0, 3.5, 0.25, 7.0], [4.0, 5.0, -6.25, 2.5, -1.5], [0.5, 9.0, -3.0, 1.75, 6.0]],
}
REDUCTION_SHAPES = list(itertools.product(["mean", "sum"], ANSWERS))
# Each element's weight, for the weighted table: a ravine's curvatures, from 1/4 to 40 (exact in every dtype).
WEIGHTS = {
    "scalar": 2.5,
    "vector": [0.5, 3.0, 40.0],
    "matrix": [[1.0, 0.25, 4.0, 2.0, 40.0], [0.5, 1.0, 8.0, 3.0, 1.0], [16.0, 0.75, 1.0, 6.0, 0.25]],
}
LRS = [0.01, 0.5, 3.0, 10.0]
GUESS = 1.5
ATTEMPTS = 30


def _table():
    rows = []
    for (d, dtype), (k, loss), (o, optimizer) in itertools.product(enumerate(DTYPES), enumerate(LOSSES),
                                                                    enumerate(OPTIMIZERS)):
        reduction, shape = REDUCTION_SHAPES[(k + o + d) % len(REDUCTION_SHAPES)]
        rows.append((loss, reduction, optimizer, dtype, shape))
    return rows


TABLE = _table()


def batch(loss, reduction, optimizer, dtype, shape, weighted=False):
    """One simulate call: all four learning rates as one batch of runs."""
    (name, loss_options), (opt, opt_options) = LOSSES[loss], OPTIMIZERS[optimizer]
    return simulate({"answer": ANSWERS[shape], "guess": GUESS, "loss": {"name": name, **loss_options},
                     "reduction": reduction, "optimizer": {"name": opt, **opt_options}, "lr": LRS,
                     "attempts": ATTEMPTS, "dtype": dtype, **({"weights": WEIGHTS[shape]} if weighted else {})})


def alone(loss, reduction, optimizer, dtype, answer, lrs, attempts=ATTEMPTS, weights=None):
    """The same game for each of `lrs`, each played alone by the notebook's loop or by torch.optim; with
    `weights`, the weighted loss written out as the README writes it."""
    (name, loss_options), (opt, opt_options) = LOSSES[loss], OPTIMIZERS[optimizer]
    fn = loss_fn(name, loss_options, reduction) if weights is None else \
        weighted_loss_fn(name, loss_options, reduction, weights)
    torch_dtype = getattr(torch, dtype)
    if optimizer == "sgd":
        return [notebook_loop(answer, GUESS, fn, lr, attempts, dtype=torch_dtype) for lr in lrs]
    return torch_optim_loops(answer, GUESS, fn, opt, opt_options, lrs, attempts, dtype=torch_dtype)


@pytest.mark.parametrize(("loss", "reduction", "optimizer", "dtype", "shape"), TABLE,
                         ids=["-".join(row) for row in TABLE])
def test_each_run_of_the_batch_equals_the_game_played_alone(loss, reduction, optimizer, dtype, shape):
    result = batch(loss, reduction, optimizer, dtype, shape)
    expected = alone(loss, reduction, optimizer, dtype, ANSWERS[shape], LRS)
    for run, lr in enumerate(LRS):
        assert_run_equals(result, run, expected[run], name=f"lr {lr:g}: ")


def _weighted_table():
    """Every loss setting in every dtype with every reduction and shape, weighted; the optimizer settings
    rotate through them, each met in every dtype (240 batches: the loss is where weights act, the optimizer
    only reads the gradient)."""
    rows = []
    for (d, dtype), (k, loss), (r, (reduction, shape)) in itertools.product(
            enumerate(DTYPES), enumerate(LOSSES), enumerate(REDUCTION_SHAPES)):
        optimizer = list(OPTIMIZERS)[(6 * k + r + d) % len(OPTIMIZERS)]
        rows.append((loss, reduction, optimizer, dtype, shape))
    return rows


WEIGHTED_TABLE = _weighted_table()


@pytest.mark.parametrize(("loss", "reduction", "optimizer", "dtype", "shape"), WEIGHTED_TABLE,
                         ids=["-".join(row) for row in WEIGHTED_TABLE])
def test_each_run_of_a_weighted_batch_equals_the_weighted_game_played_alone(loss, reduction, optimizer, dtype, shape):
    # each element's loss times its weight: (weights * F.<loss>(..., reduction="none")).mean() (or .sum())
    result = batch(loss, reduction, optimizer, dtype, shape, weighted=True)
    expected = alone(loss, reduction, optimizer, dtype, ANSWERS[shape], LRS, weights=WEIGHTS[shape])
    for run, lr in enumerate(LRS):
        assert_run_equals(result, run, expected[run], name=f"lr {lr:g}: ")


def test_the_table_covers_every_setting_in_every_dtype():
    seen = {(row[0], row[3]) for row in TABLE} | {(row[2], row[3]) for row in TABLE}
    assert seen == set(itertools.product([*LOSSES, *OPTIMIZERS], DTYPES))
    for setting in (0, 2):
        met = {(row[setting], row[1], row[4], row[3]) for row in TABLE}
        assert met == set(itertools.product(LOSSES if setting == 0 else OPTIMIZERS, ["mean", "sum"], ANSWERS,
                                            DTYPES))


def test_the_weighted_table_meets_every_loss_setting_everywhere_and_every_optimizer_in_every_dtype():
    assert {(row[0], row[1], row[4], row[3]) for row in WEIGHTED_TABLE} == set(
        itertools.product(LOSSES, ["mean", "sum"], ANSWERS, DTYPES))
    assert {(row[2], row[3]) for row in WEIGHTED_TABLE} == set(itertools.product(OPTIMIZERS, DTYPES))


def test_the_table_plays_every_optimizer_and_every_loss_guessgame_has():
    from guessgame.losses import LOSSES as LOSS_RECORDS
    from guessgame.optimizers import OPTIMIZERS as OPTIMIZER_RECORDS

    assert {name for name, _ in OPTIMIZERS.values()} == set(OPTIMIZER_RECORDS)
    assert {name for name, _ in LOSSES.values()} == set(LOSS_RECORDS)


OTHER_PATH = list(itertools.product(DTYPES, ["huber_d0.3", "smooth_l1_b2.5", "mse"],
                                    ["sgd_nesterov_wd", "adamw_wd0.3_amsgrad", "adagrad_lr_decay_init_wd",
                                     "nadam_decoupled_wd_betas"]))


@pytest.mark.parametrize(("dtype", "loss", "optimizer"), OTHER_PATH, ids=["-".join(case) for case in OTHER_PATH])
def test_kept_rows_of_a_thinned_log_equal_the_game_played_alone(dtype, loss, optimizer):
    # log_every > 1 takes the engine's other loop, which keeps losses and rows as it goes
    (name, loss_options), (opt, opt_options) = LOSSES[loss], OPTIMIZERS[optimizer]
    result = simulate({"answer": ANSWERS["matrix"], "guess": GUESS, "loss": {"name": name, **loss_options},
                       "optimizer": {"name": opt, **opt_options}, "lr": LRS, "attempts": ATTEMPTS,
                       "dtype": dtype, "log_every": 4})
    kept = [attempt - 1 for attempt in result.attempt.tolist()]
    assert kept == [*range(0, ATTEMPTS, 4), ATTEMPTS - 1]
    expected = alone(loss, "mean", optimizer, dtype, ANSWERS["matrix"], LRS)
    for run, lr in enumerate(LRS):
        assert_run_equals(result, run, expected[run], rows=kept, name=f"lr {lr:g}: ")


RANDOM = list(itertools.product(["float16", "float64"], ["huber_d0.3", "smooth_l1_b0.5"], ["sgd", "adam"]))


@pytest.mark.parametrize(("dtype", "loss", "optimizer"), RANDOM, ids=["-".join(case) for case in RANDOM])
def test_random_games_each_equal_their_game_played_alone(dtype, loss, optimizer):
    (name, loss_options), (opt, _) = LOSSES[loss], OPTIMIZERS[optimizer]
    result = simulate({"answer": {"random": {"low": -10, "high": 10, "shape": [3, 5]}}, "games": 3, "seed": 4,
                       "guess": GUESS, "loss": {"name": name, **loss_options}, "optimizer": opt,
                       "lr": [0.5, 3.0], "attempts": ATTEMPTS, "dtype": dtype})
    for run in range(result.runs):
        answer = result.answer[run]
        (expected,) = alone(loss, "mean", optimizer, dtype, answer, [float(result.lr[run])])
        assert_run_equals(result, run, expected)


def test_the_notebooks_seeded_3x5_l1_loss_in_float32():
    torch.manual_seed(42)
    guess, answer = torch.randn(3, 5), torch.randn(3, 5)
    result = simulate({"answer": answer.tolist(), "guess": guess.tolist(), "loss": "l1", "lr": 0.1,
                       "attempts": 1, "dtype": "float32"})
    assert result.loss[0, 0].item() == F.l1_loss(guess, answer).item() == 0.8502290844917297


SHORT = list(itertools.product(DTYPES, ["l1", "mse", "bad"], ["mean", "sum"], [2, 4], [False, True]))


@pytest.mark.parametrize(("dtype", "loss", "reduction", "n", "thinned"), SHORT,
                         ids=[f"{d}-{s}-{r}-n{n}" + ("-thinned" if t else "") for d, s, r, n, t in SHORT])
def test_many_runs_of_a_few_elements_each_equal_their_game_played_alone(dtype, loss, reduction, n, thinned):
    """A few elements per run are reduced a column at a time, over thousands of rows at once and in
    the loop; every run's loss must still be the one it gets alone."""
    answer = [2.0, 77.0, 91.0, -5.5][:n]
    lrs = torch.linspace(0.01, 4.0 * (n if reduction == "mean" else 1), 300).tolist()
    extra = {"stop_early": True, "log_every": 3} if thinned else {}
    result = simulate({"answer": answer, "guess": GUESS, "loss": loss, "reduction": reduction, "lr": lrs,
                       "attempts": ATTEMPTS, "dtype": dtype, **extra})
    for run in range(0, len(lrs), 23):
        (expected,) = alone(loss, reduction, "sgd", dtype, answer, [lrs[run]])
        kept = (result.attempt - 1).tolist()
        played = [k for k, attempt in enumerate(kept) if attempt < result.attempts_run[run]]
        got = (result.guess[played, run], result.loss[played, run], result.grad[played, run],
               result.step[played, run])
        for what, ours, theirs in zip(("guess", "loss", "grad", "step"), got, expected):
            assert_bitwise_equal(ours, theirs[[kept[k] for k in played]], f"{what} of lr {lrs[run]:g}")


@pytest.mark.parametrize(("dtype", "loss"), list(itertools.product(DTYPES, ["l1", "mse", "bad"])))
def test_many_runs_of_random_games_of_a_few_elements_each_equal_their_game_played_alone(dtype, loss):
    """Plain SGD keeps only the guesses of such runs, one column per element, and works out their
    gradients and steps afterwards: each must be what the notebook's loop records for that game."""
    lrs = torch.linspace(0.01, 4.0, 100).tolist()
    result = simulate({"answer": {"random": {"low": -100, "high": 100, "shape": [3]}}, "games": 3, "seed": 2,
                       "guess": GUESS, "loss": loss, "lr": lrs, "attempts": ATTEMPTS, "dtype": dtype})
    for run in range(0, result.runs, 17):
        (expected,) = alone(loss, "mean", "sgd", dtype, result.answer[run], [float(result.lr[run])])
        assert_run_equals(result, run, expected)
