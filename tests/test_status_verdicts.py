"""Verdicts are facts about a run: the same under any longer budget, with or without stop_early, and
what closed-form theory predicts wherever it has a closed form."""

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guessgame import simulate
from guessgame.status import Status

from helpers.reference import loss_fn, notebook_loop
from helpers.search import examples

GAME = {"answer": [2, 77, 91], "guess": 50}


def verdicts(config):
    result = simulate(config)
    return list(zip(result.status, result.converged_at, result.diverged_at))


def both(config):
    """The verdicts without and with stop_early: they must be the same."""
    full, stopped = verdicts({**config, "stop_early": False}), verdicts({**config, "stop_early": True})
    assert full == stopped
    return full


def test_mse_lr_3_5_is_diverged_at_the_same_attempt_whatever_the_budget():
    # the notebook's loop: the loss is multiplied by (1 - 2 * 3.5 / 3)^2 = 16/9 every attempt
    _, loss, _, _ = notebook_loop([2, 77, 91], 50, loss_fn("mse"), 3.5, 6)
    assert torch.allclose(loss[1:] / loss[:-1], torch.full((5,), 16 / 9, dtype=torch.float64), rtol=1e-12)
    assert {A: both({**GAME, "loss": "mse", "lr": 3.5, "attempts": A})[0] for A in (20, 40, 400)} == {
        A: ("diverged", None, 5) for A in (20, 40, 400)}


def test_a_faster_growing_run_is_never_declared_later():
    result = simulate({**GAME, "loss": "mse", "lr": {"logspace": [0.01, 10, 40]}, "attempts": 60})
    past = [(lr, at) for lr, s, at in zip(result.lr.tolist(), result.status, result.diverged_at) if lr > 3]
    assert past and all(at is not None for _, at in past)
    assert all(a >= b for (_, a), (_, b) in zip(past, past[1:]))
    assert all(s != "diverged" for lr, s in zip(result.lr.tolist(), result.status) if lr < 3)


BOUNDED = [
    ("huber-weight-decay-plateau", {"loss": {"name": "huber", "delta": 2}, "lr": 0.5, "attempts": 1000,
                                    "optimizer": {"name": "sgd", "weight_decay": 0.1}}, "oscillating"),
    ("heavy-ball-at-its-critical-lr-short", {"loss": "mse", "optimizer": {"name": "sgd", "momentum": 0.9},
                                             "lr": 5.7, "attempts": 200}, "unfinished"),
    ("heavy-ball-at-its-critical-lr-long", {"loss": "mse", "optimizer": {"name": "sgd", "momentum": 0.9},
                                            "lr": 5.7, "attempts": 3000}, "oscillating"),
    ("float32-at-lr-N-20", {"loss": "mse", "lr": 3, "attempts": 20, "dtype": "float32"}, "oscillating"),
    ("float32-at-lr-N-21", {"loss": "mse", "lr": 3, "attempts": 21, "dtype": "float32"}, "oscillating"),
    ("two-attempts-at-lr-10", {"loss": "mse", "lr": 10, "attempts": 2}, "unfinished"),
    ("float16-every-step-rounds-away", {"loss": "mse", "lr": 1e-9, "attempts": 20, "dtype": "float16"},
     "stalled"),
    ("huber-weight-decay-rising-slowly", {"loss": "huber", "optimizer": {"name": "sgd", "weight_decay": 0.1},
                                          "lr": 0.001, "attempts": 20}, "unfinished"),
    ("l1-band", {"answer": [2, 5, 9], "guess": [-2, 5, 13], "loss": "l1", "lr": 0.9, "attempts": 60},
     "oscillating"),
]


@pytest.mark.parametrize(("config", "expected"), [c[1:] for c in BOUNDED], ids=[c[0] for c in BOUNDED])
def test_bounded_runs_are_never_diverged(config, expected):
    result = simulate({**GAME, **config})
    losses = result.loss[:, 0].double()
    assert torch.isfinite(losses).all()
    assert result.status == [expected]
    assert both({**GAME, **config}) == [(expected, None, None)]


def test_the_bad_loss_passing_through_zero_is_not_convergence():
    # the notebook's bad-loss game: its first loss is exactly 0 while the guess is wrong
    game = {"answer": [2, 5, 9], "guess": [-2, 5, 13], "loss": "bad", "lr": [0.1, 1], "attempts": 20}
    _, loss, _, _ = notebook_loop([2, 5, 9], [-2, 5, 13], loss_fn("bad"), 0.1, 3)
    assert loss[0] == 0 and loss[1] < 0 and loss[2] < loss[1]  # below zero and falling from attempt 2
    assert both(game) == [("diverged", None, 2)] * 2


def test_l1_touching_the_answer_once_is_not_convergence():
    game = {"answer": [2, 5, 9], "guess": [-2, 5, 13], "loss": "l1", "lr": 0.5, "attempts": 400}
    _, loss, _, _ = notebook_loop([2, 5, 9], [-2, 5, 13], loss_fn("l1"), 0.5, 400)
    touched = (loss <= 1e-12).nonzero().flatten()
    assert len(touched) >= 1 and (loss[touched[0] + 1:] > 0.1).any()  # it touches, then bounces on
    assert both(game) == [("oscillating", None, None)]


@pytest.mark.parametrize("dtype", ["float16", "float64"])
def test_a_run_whose_first_loss_overflows_can_still_converge(dtype):
    guess = 1000 if dtype == "float16" else 1e300
    result = simulate({**GAME, "guess": guess, "loss": "mse", "lr": [0.5, 1.5, 10], "attempts": 20, "dtype": dtype})
    assert not torch.isfinite(result.loss[0]).any()
    assert result.status[1] == "converged" and result.loss[-1, 1] == 0
    assert result.status[0] != "diverged" and result.status[2] == "diverged"


@pytest.mark.parametrize("override", ["lr=1e-310", "guess=1e306", "guess=-1e308", "answer=[-1e308, 5, 1e308]",
                                      "answer={random: {low: -1e307, high: 1e307, shape: [3]}}"])
def test_extreme_but_finite_values_give_a_verdict(override):
    from guessgame import load_config

    result = simulate(load_config("configs/l1.yaml", [override, "lr=[1e-3, 0.9]"]))
    assert all(status in Status.names() for status in result.status)


# Random configs through simulate: a verdict reached within budget A is the verdict under 2A, and the
# same with stop_early, which also stops each run right after the step of its verdict's attempt.
@st.composite
def configs(draw):
    shape = draw(st.sampled_from([(), (3,), (2, 2)]))
    size = 1 if not shape else (3 if shape == (3,) else 4)
    numbers = st.floats(-60, 60, allow_nan=False).map(lambda x: round(x, 2))
    flat = [draw(numbers) for _ in range(size)]
    answer = flat[0] if not shape else (flat if len(shape) == 1 else [flat[:2], flat[2:]])
    optimizer = draw(st.sampled_from([{"name": "sgd"}, {"name": "sgd", "momentum": 0.9}, {"name": "adam"},
                                      {"name": "sgd", "weight_decay": 0.1}, {"name": "rmsprop"}]))
    return {
        "answer": answer, "guess": draw(st.sampled_from([0.0, 50.0, draw(numbers)])),
        "loss": draw(st.sampled_from(["l1", "mse", {"name": "huber", "delta": 2.0}, "smooth_l1", "bad"])),
        "reduction": draw(st.sampled_from(["mean", "sum"])), "optimizer": optimizer,
        "lr": draw(st.lists(st.sampled_from([1e-3, 0.1, 0.5, 1.0, 1.5, 2.9, 3.0, 3.1, 5.7, 10.0, 50.0]),
                            min_size=1, max_size=4)),
        "attempts": draw(st.integers(1, 150)),
        "dtype": draw(st.sampled_from(["float64", "float64", "float32", "float16"])),
        # decaying lrs: a run may stall short of the answer, its steps adding up to less than the distance
        "schedule": draw(st.sampled_from(["none", "none", {"name": "exponential", "gamma": 0.5},
                                          {"name": "exponential", "gamma": 0.9}, {"name": "step", "step_size": 3},
                                          {"name": "linear", "end_factor": 0.0, "total_iters": 4}])),
        "log_every": draw(st.sampled_from([1, 1, 1, 4])),
        # noisy hints: the verdicts read the true loss, and a run may settle at its noise floor
        "noise": draw(st.sampled_from([None, None, {"std": 0.5, "batch": 1}, {"std": 3.0, "batch": 4}])),
    }


def _verdict(result, r):
    return (result.status[r], result.converged_at[r], result.diverged_at[r], result.stalled_at[r],
            result.settled_at[r])


@settings(max_examples=examples(100), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(configs())
def test_a_verdict_is_the_same_under_twice_the_budget_and_with_stop_early(config):
    short, long = simulate(config), simulate({**config, "attempts": 2 * config["attempts"]})
    stopped = simulate({**config, "stop_early": True})
    for r in range(len(config["lr"])):
        if Status(short.status[r]).verdict:
            assert _verdict(long, r) == _verdict(short, r)
        assert _verdict(stopped, r) == _verdict(short, r)
        ran, row = stopped.attempts_run[r], {a: i for i, a in enumerate(short.attempt.tolist())}
        if ran == config["attempts"] or ran + 1 in row:  # the guess after its last step, where it is kept
            after = short.final_guess[r] if ran == config["attempts"] else short.guess[row[ran + 1], r]
            assert same(stopped.final_guess[r], after)
        kept = int((short.attempt <= ran).sum())
        assert same(stopped.guess[:kept, r], short.guess[:kept, r])


def same(a, b):
    return torch.allclose(a, b, rtol=0, atol=0, equal_nan=True)


# Theory against measurement, in float64, on grids straddling every critical lr theory computes.
SGD = {"name": "sgd"}
GRID = [0.5, 0.9, 0.99, 1.0, 1.01, 1.1, 2.0]
THEORY_CASES = [
    ("mse-mean", {"loss": "mse"}, 3.0, 400),
    ("mse-sum", {"loss": "mse", "reduction": "sum"}, 1.0, 400),
    ("heavy-ball-0.5", {"loss": "mse", "optimizer": {"name": "sgd", "momentum": 0.5}}, 4.5, 2000),
    ("heavy-ball-0.9", {"loss": "mse", "optimizer": {"name": "sgd", "momentum": 0.9}}, 5.7, 4000),
    ("heavy-ball-0.99", {"loss": "mse", "optimizer": {"name": "sgd", "momentum": 0.99}}, 5.97, 20000),
    ("huber-1", {"loss": "huber"}, 6.0, 400),
    ("huber-2-sum", {"loss": {"name": "huber", "delta": 2.0}, "reduction": "sum"}, 2.0, 400),
    ("smooth_l1-0.5", {"loss": {"name": "smooth_l1", "beta": 0.5}}, 3.0, 400),
    ("smooth_l1-2", {"loss": {"name": "smooth_l1", "beta": 2.0}}, 12.0, 400),
]


@pytest.mark.parametrize(("config", "critical", "attempts"), [c[1:] for c in THEORY_CASES],
                         ids=[c[0] for c in THEORY_CASES])
@pytest.mark.parametrize("guess", [50, [-2, 5, 13]], ids=["guess-50", "guess-vector"])
def test_theory_predicts_the_measured_verdict_across_the_critical_lr(config, critical, attempts, guess):
    result = simulate({**GAME, "guess": guess, **config, "lr": [critical * f for f in GRID], "attempts": attempts})
    for r, factor in enumerate(GRID):
        theory = result.theory[r]
        assert theory.critical_lr == pytest.approx(critical)
        measured = (result.status[r], result.converged_at[r], result.diverged_at[r])
        if theory.predicted_converged_at is None and theory.predicted_diverged_at is None:
            assert theory.predicted == measured[0], f"lr = {factor} x critical"
        else:
            assert (theory.predicted, theory.predicted_converged_at, theory.predicted_diverged_at) == \
                measured, f"lr = {factor} x critical"


L1_CASES = [("dyadic-lands", 0.75, 60), ("thirds", 0.9, 60), ("touches", 0.5, 400), ("short-budget", 0.9, 10),
            ("half-steps", 1.5, 40)]


@pytest.mark.parametrize(("lr", "attempts"), [c[1:] for c in L1_CASES], ids=[c[0] for c in L1_CASES])
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_theory_predicts_l1_landings_and_bands(lr, attempts, reduction):
    result = simulate({"answer": [2, 5, 9], "guess": [-2, 5, 13], "loss": "l1", "reduction": reduction, "lr": lr,
                       "attempts": attempts})
    theory = result.theory[0]
    assert (theory.predicted, theory.predicted_converged_at) == (result.status[0], result.converged_at[0])
