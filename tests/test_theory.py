"""Theory against closed-form gradient descent, and the engine's statuses against theory."""

import math
from unittest.mock import patch

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guessgame import load_config, simulate
from guessgame.status import verdicts
from guessgame.theory import predict, predict_runs

from helpers.search import examples


def theory(loss="mse", reduction="mean", lr=1.0, error=(48.0, -27.0, -41.0), attempts=100, options=None,
           optimizer_options=None, tolerance=1e-12):
    """Theory's block for plain SGD (or the given options) on an answer of 0 from a guess of `error`."""
    config = load_config({"answer": [0.0] * len(error), "guess": list(error), "loss": {"name": loss, **(options or {})},
                          "reduction": reduction, "optimizer": {"name": "sgd", **(optimizer_options or {})},
                          "lr": lr, "attempts": attempts, "tolerance": tolerance})
    return predict(config)


@pytest.mark.parametrize(("reduction", "n", "critical"), [("mean", 3, 3.0), ("mean", 5, 5.0), ("sum", 3, 1.0)],
                         ids=["mean-N3", "mean-N5", "sum"])
def test_mse_critical_lr_is_n_with_mean_and_1_with_sum(reduction, n, critical):
    t = theory(reduction=reduction, error=[1.0] * n)
    assert t.critical_lr == critical
    assert t.best_lr == critical / 2


def closed_form_loss(error, lr, n, attempt):
    """mean((1 - 2 lr / n)^(t-1) e)^2: gradient descent on MSE in closed form."""
    factor = (1 - 2 * lr / n) ** (attempt - 1)
    return sum((factor * e) ** 2 for e in error) / n


LRS = [(0.5, "unfinished"), (1.5, "converged"), (2.0, "converged"), (2.9, "unfinished"), (3.0, "oscillating"),
       (3.1, "diverged"), (10.0, "diverged")]


@pytest.mark.parametrize(("lr", "expected"), LRS, ids=[f"lr={lr}" for lr, _ in LRS])
def test_mse_statuses_on_both_sides_of_the_critical_lr(lr, expected):
    result = simulate({"answer": [2, 77, 91], "guess": 50, "loss": "mse", "lr": lr, "attempts": 40})
    error = [48.0, -27.0, -41.0]
    assert result.status == [expected]
    assert result.theory[0].predicted == expected
    assert result.theory[0].rate == pytest.approx(abs(1 - 2 * lr / 3))
    for attempt in (1, 2, 10, 40):
        measured = result.loss[attempt - 1, 0].item()
        # the guess's rounding, ~1e-14, is relative to a shrinking error
        assert measured == pytest.approx(closed_form_loss(error, lr, 3, attempt), rel=1e-6, abs=1e-20)


def test_mse_predicted_convergence_attempt_matches_the_engine():
    for lr in (0.6, 0.9, 1.2, 2.0, 2.4):
        result = simulate({"answer": [2, 77, 91], "guess": 50, "loss": "mse", "lr": lr, "attempts": 500,
                           "tolerance": 1e-6})
        assert result.status == ["converged"]
        assert result.converged_at == [result.theory[0].predicted_converged_at]


def test_mse_heavy_ball_momentum_moves_the_critical_lr_to_n_times_one_plus_mu():
    mu = 0.5
    t = theory(optimizer_options={"momentum": mu})
    assert t.critical_lr == pytest.approx(3 * (1 + mu))
    below = simulate({"answer": [2, 77, 91], "guess": 50, "loss": "mse", "lr": 4.2, "attempts": 400,
                      "optimizer": {"name": "sgd", "momentum": mu}})
    above = simulate({"answer": [2, 77, 91], "guess": 50, "loss": "mse", "lr": 4.8, "attempts": 400,
                      "optimizer": {"name": "sgd", "momentum": mu}})
    assert below.status == ["converged"] and below.theory[0].predicted == "converged"
    assert above.status == ["diverged"] and above.theory[0].predicted == "diverged"


@pytest.mark.parametrize(("reduction", "step"), [("mean", 0.9 / 3), ("sum", 0.9)])
def test_l1_band_is_lr_over_n_and_is_reached_when_predicted(reduction, step):
    error = [-4.0, 0.0, 4.0]
    lr = 0.9
    result = simulate({"answer": [2, 5, 9], "guess": [-2, 5, 13], "loss": "l1", "reduction": reduction,
                       "lr": lr, "attempts": 60})
    t = result.theory[0]
    assert t.band == pytest.approx(step)
    expected_band_at = math.ceil(4.0 / step)  # ceil(|e|/s) - 1 steps, +1 for 1-based attempts
    assert t.band_reached_at == expected_band_at
    distance = (result.guess[:, 0] - result.answer[0]).abs().amax(dim=1)
    inside = (distance <= step * (1 + 1e-12)).nonzero().flatten()
    assert inside[0].item() + 1 == expected_band_at
    assert (distance[expected_band_at - 1:] <= step * (1 + 1e-12)).all()  # and it never leaves
    assert result.status == ["oscillating"] and t.predicted == "oscillating"
    assert t.critical_lr is None and error


def test_l1_exact_landing_converges_as_predicted():
    # steps of 0.25 (exact in binary) from 4 away land on the answer after 16 steps
    result = simulate({"answer": 2, "guess": 6, "loss": "l1", "lr": 0.25, "attempts": 30})
    assert result.theory[0].predicted == "converged"
    assert result.theory[0].predicted_converged_at == 17
    assert result.status == ["converged"] and result.converged_at == [17]
    assert result.loss[16:, 0].eq(0).all()


@pytest.mark.parametrize(("loss", "options", "critical"), [("huber", {"delta": 1.0}, 6.0),
                                                           ("smooth_l1", {"beta": 2.0}, 12.0)])
def test_huber_and_smooth_l1_converge_below_and_stay_bounded_above_their_critical_lr(loss, options, critical):
    config = {"answer": [2, 77, 91], "guess": 50, "loss": {"name": loss, **options}, "attempts": 3000}
    below = simulate({**config, "lr": critical * 0.9})
    above = simulate({**config, "lr": critical * 1.2})
    assert below.theory[0].critical_lr == pytest.approx(critical)
    assert below.status == ["converged"] == [below.theory[0].predicted]
    assert above.status == ["oscillating"] == [above.theory[0].predicted]
    assert above.loss[:, 0].isfinite().all()


def test_bad_loss_always_diverges_in_theory_and_in_practice():
    result = simulate("configs/bad_loss.yaml")
    assert result.status == ["diverged", "diverged"]
    assert all(t.predicted == "diverged" and t.critical_lr == 0 for t in result.theory)
    # the loss falls without bound while the guess walks away from the answer
    assert (result.loss[1:, 0] < result.loss[:-1, 0]).all()
    error = (result.guess[:, 0] - result.answer[0]).abs().sum(dim=1)
    assert error[-1] > error[0]


def test_other_optimizers_have_no_closed_form():
    result = simulate({"answer": 1, "optimizer": "adam", "lr": 0.1, "attempts": 3})
    assert result.theory[0].predicted is None
    assert result.theory[0].critical_lr is None


@settings(max_examples=examples(40), deadline=None)
@given(st.lists(st.floats(1e-4, 12.0), min_size=1, max_size=30), st.sampled_from(["mean", "sum"]),
       st.integers(1, 400), st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=4),
       st.sampled_from([1e-12, 1e-6, 0.5]), st.sampled_from([10.0, 1e6]), st.data())
def test_a_sweep_is_predicted_run_for_run_as_each_run_alone(lrs, reduction, attempts, error, tolerance, factor, data):
    """All runs of a sweep at once -- plain SGD on mse skips writing the losses down -- get the block
    each run gets alone, whose losses are written down attempt by attempt and read by the rules."""
    n = len(error)
    critical = 2.0 if reduction == "sum" else 2.0 * n / 2  # lr h = 2
    lrs = lrs + [critical * (1 + d) for d in data.draw(st.lists(st.sampled_from([0.0, 1e-9, -1e-9, 1e-3, -1e-3]),
                                                                  max_size=4))]
    config = load_config({"answer": [0.0] * n, "guess": error, "loss": "mse", "reduction": reduction, "lr": lrs,
                          "attempts": attempts, "tolerance": tolerance, "diverge_factor": factor})
    errors = [error] * len(lrs)
    with patch.object(verdicts, "QUICK_FROM", 0):  # the shortcut, as for a sweep of thousands of runs
        together = predict_runs(config, errors, lr=lrs)
    assert together == [predict(config, error=error, lr=lr) for lr in lrs]
    assert together == predict_runs(config, errors, lr=lrs, written_out=True)


def test_an_l1_run_that_reaches_its_band_in_the_second_half_is_oscillating():
    """lr 0.6983 on the notebook's l1 game: steps of 0.2328 reach the band at attempt 18 of 30, then
    the guess bounces between two points for ever -- the notebook's loop shows the losses repeat."""
    import torch
    import torch.nn.functional as F

    from helpers.reference import notebook_loop

    lr, attempts = 0.6983, 30
    _, loss, _, _ = notebook_loop([2.0, 5.0, 9.0], [-2.0, 5.0, 13.0], F.l1_loss, lr, attempts, dtype=torch.float64)
    assert torch.equal(loss[-6:], loss[-8:-2]) and loss[-1] != loss[-2]  # a period-2 bounce at the end
    assert loss[15:].min() < loss[:15].min()  # ... reached after the first half, lower than it ever was
    result = simulate({"answer": [2, 5, 9], "guess": [-2, 5, 13], "loss": "l1", "lr": lr, "attempts": attempts})
    assert result.status == ["oscillating"]
    assert result.theory[0].predicted == "oscillating"
    assert result.theory[0].band_reached_at == 18


@pytest.mark.parametrize(("config", "lr", "factor"), [
    ({"loss": "mse"}, 2.9, 1 - 2 * 2.9 / 3), ({"loss": "mse"}, 1.0, 1 - 2 / 3),
    ({"loss": "mse", "reduction": "sum"}, 1.5, 1 - 2 * 1.5),
    ({"loss": {"name": "huber", "delta": 100.0}}, 5.0, 1 - 5.0 / 3),  # inside its core: mse / 2
    ({"loss": "mse", "optimizer": {"name": "sgd", "momentum": 0.5}}, 4.4, None),  # the larger real root
], ids=["mse-overshoots", "mse-undershoots", "mse-sum", "huber-core", "heavy-ball-real-roots"])
def test_theorys_factor_is_the_signed_rate(config, lr, factor):
    """The factor the error is multiplied by per attempt, sign and all: 1 - lr h, or for heavy ball the
    root of z^2 - (1 + mu - lr h) z + mu of largest size; `rate` is its size."""
    if factor is None:
        b = 1 + 0.5 - lr * 2 / 3
        factor = max(((b + s * math.sqrt(b * b - 2)) / 2 for s in (1, -1)), key=abs)
    t = simulate({"answer": [2, 77, 91], "guess": 50, **config, "lr": lr, "attempts": 20}).theory[0]
    assert t.factor == pytest.approx(factor) and t.rate == pytest.approx(abs(factor))


def test_heavy_ball_with_complex_roots_has_a_rate_and_no_sign():
    t = simulate({"answer": [2, 77, 91], "guess": 50, "loss": "mse", "optimizer": {"name": "sgd", "momentum": 0.5},
                  "lr": 1.0, "attempts": 20}).theory[0]
    assert t.factor is None and t.rate == pytest.approx(math.sqrt(0.5))  # |z|^2 = mu for complex roots


@settings(max_examples=examples(30), deadline=None)
@given(st.lists(st.floats(1e-3, 3.5), min_size=1, max_size=12), st.sampled_from(["float16", "bfloat16", "float32"]),
       st.lists(st.floats(-100, 100).map(lambda x: round(x, 1)), min_size=1, max_size=3), st.integers(3, 300),
       st.sampled_from([1e-12, 1e-6]))
def test_where_steps_round_away_a_sweep_is_predicted_run_for_run_as_each_run_alone(lrs, dtype, answer, attempts,
                                                                                   tolerance):
    """With the answers as the dtype holds them, theory stops each element where its step rounds away: the
    shortcut for a sweep, every loss written down, and each run alone agree."""
    import torch

    config = load_config({"answer": answer, "guess": 50, "loss": "mse", "lr": lrs, "attempts": attempts,
                          "tolerance": tolerance, "dtype": dtype})
    held = torch.tensor(answer, dtype=getattr(torch, dtype)).double()
    answers = held.expand(len(lrs), -1)
    errors = torch.tensor(50.0, dtype=getattr(torch, dtype)).double() - answers
    with patch.object(verdicts, "QUICK_FROM", 0):
        together = predict_runs(config, errors, lr=lrs, answers=answers)
    assert together == predict_runs(config, errors, lr=lrs, written_out=True, answers=answers)
    assert together == [predict(config, error=errors[0].tolist(), lr=lr) for lr in lrs]
