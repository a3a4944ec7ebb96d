"""The batched engine against independent references, run by run and attempt by attempt."""

import itertools
import os
import re
import signal
import warnings

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guessgame import ConfigError, load_config, simulate

from helpers.reference import loss_fn, notebook_loop, torch_optim_loop
from helpers.search import examples

ANSWERS = {"scalar": 3.0, "vector": [2.0, 77.0, 91.0], "matrix": [[1.0, -2.0, 3.5], [4.0, 5.0, -6.25]]}
LOSSES = [("l1", {}), ("mse", {}), ("huber", {"delta": 2.0}), ("smooth_l1", {"beta": 0.5}), ("bad", {})]
OPTIMIZERS = [
    ("sgd", {}),
    ("sgd", {"momentum": 0.9}),
    ("sgd", {"momentum": 0.5, "nesterov": True, "weight_decay": 0.01}),
    ("sgd", {"momentum": 0.9, "dampening": 0.3}),
    ("adam", {}),
    ("adam", {"amsgrad": True, "weight_decay": 0.1, "betas": [0.8, 0.99]}),
    ("adamw", {}),
    ("rmsprop", {}),
    ("rmsprop", {"momentum": 0.9, "centered": True}),
    ("adagrad", {"lr_decay": 0.01, "initial_accumulator_value": 0.1}),
]
LRS = [0.01, 0.3, 2.5]
ATTEMPTS = 25

CASES = list(itertools.product(OPTIMIZERS, LOSSES, ["mean", "sum"], ANSWERS))


@pytest.mark.parametrize(("optimizer", "loss", "reduction", "answer"), CASES,
                         ids=[f"{o[0]}{o[1] or ''}-{loss[0]}-{r}-{a}" for o, loss, r, a in CASES])
def test_each_run_of_a_batch_equals_its_own_single_run_reference(optimizer, loss, reduction, answer):
    (opt, opt_options), (name, loss_options) = optimizer, loss
    result = simulate({"answer": ANSWERS[answer], "guess": 1.5, "loss": {"name": name, **loss_options},
                       "reduction": reduction, "optimizer": {"name": opt, **opt_options}, "lr": LRS,
                       "attempts": ATTEMPTS})
    fn = loss_fn(name, loss_options, reduction)
    for run, lr in enumerate(LRS):
        if opt == "sgd" and not opt_options:
            expected = notebook_loop(ANSWERS[answer], 1.5, fn, lr, ATTEMPTS)
        else:
            options = {k: tuple(v) if isinstance(v, list) else v for k, v in opt_options.items()}
            expected = torch_optim_loop(ANSWERS[answer], 1.5, fn, opt, options, lr, ATTEMPTS)
        got = (result.guess[:, run], result.loss[:, run], result.grad[:, run], result.step[:, run])
        for quantity, ours, theirs in zip(("guess", "loss", "grad", "step"), got, expected):
            assert ours.shape == theirs.shape, quantity
            assert torch.equal(ours, theirs), f"{quantity} differs at lr={lr}"


def test_the_notebook_game_digit_for_digit():
    result = simulate("configs/mse.yaml")
    guess, loss, grad, step = notebook_loop([2, 77, 91], 50, torch.nn.functional.mse_loss, 10, 20)
    assert torch.equal(result.guess[:, 0], guess)
    assert torch.equal(result.loss[:, 0], loss)
    assert torch.equal(result.grad[:, 0], grad)
    assert torch.equal(result.step[:, 0], step)
    assert result.status == ["diverged"]
    assert result.theory[0].critical_lr == 3


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32"])
def test_low_precision_plain_sgd_equals_the_notebook_loop_in_that_dtype(dtype):
    result = simulate({"answer": [2, 77, 91], "guess": 50, "loss": "mse", "lr": [0.1, 1.0], "attempts": 15,
                       "dtype": dtype})
    torch_dtype = getattr(torch, dtype)
    for run, lr in enumerate([0.1, 1.0]):
        expected = notebook_loop([2, 77, 91], 50, torch.nn.functional.mse_loss, lr, 15, dtype=torch_dtype)
        for ours, theirs in zip((result.guess[:, run], result.loss[:, run], result.grad[:, run],
                                 result.step[:, run]), expected):
            assert ours.dtype == torch_dtype
            assert torch.equal(ours, theirs)


def test_shapes_follow_the_api():
    result = simulate({"answer": [[1, 2, 3], [4, 5, 6]], "lr": [0.1, 0.2, 0.3, 0.4], "attempts": 7})
    assert result.guess.shape == (7, 4, 2, 3)
    assert result.grad.shape == result.step.shape == result.guess.shape
    assert result.loss.shape == (7, 4)
    assert result.lr.shape == (4,)
    assert len(result.status) == 4
    assert torch.equal(result.final_guess, result.guess[-1] - result.step[-1])


def test_guess_after_each_step_is_the_next_attempts_guess():
    result = simulate({"answer": [2, 77, 91], "guess": 50, "loss": "huber", "lr": [0.5, 4.0], "attempts": 12})
    assert torch.equal(result.guess[1:], result.guess[:-1] - result.step[:-1])


def test_stop_early_freezes_finished_runs():
    result = simulate({"answer": [2, 77, 91], "guess": 50, "loss": "mse", "lr": [1.5, 10, 0.01],
                       "attempts": 50, "stop_early": True})
    assert result.status == ["converged", "diverged", "unfinished"]
    # lr 1.5 = N/2 lands in one step: within tolerance at attempts 2, 3 and 4, the verdict at 4
    assert result.loss[0, 0] > 1e-12 and (result.loss[1:4, 0] <= 1e-12).all()
    assert result.converged_at[0] == 2 and result.attempts_run[0] == 4
    assert result.attempts_run[2] == 50
    assert torch.isnan(result.loss[4:, 0]).all()
    assert torch.isfinite(result.loss[:, 2]).all()
    full = simulate({"answer": [2, 77, 91], "guess": 50, "loss": "mse", "lr": [0.01], "attempts": 50})
    assert torch.equal(result.guess[:, 2], full.guess[:, 0])


def test_random_games_are_reproducible_and_shared_across_learning_rates():
    config = {"answer": {"random": {"low": 0, "high": 100, "shape": [3], "integer": True}}, "games": 4,
              "lr": [0.1, 1.0], "seed": 7, "attempts": 5}
    a, b = simulate(config), simulate(config)
    assert torch.equal(a.answer, b.answer)
    assert torch.equal(a.answer[:4], a.answer[4:])
    assert a.game.tolist() == [0, 1, 2, 3, 0, 1, 2, 3]
    assert torch.equal(a.answer, a.answer.round()) and a.answer.min() >= 0 and a.answer.max() <= 100
    other = simulate({**config, "seed": 8})
    assert not torch.equal(a.answer, other.answer)
    assert len(set(tuple(row) for row in a.answer[:4].tolist())) > 1


def test_log_every_keeps_every_kth_attempt_and_the_last():
    full = simulate({"answer": [2, 77, 91], "guess": 50, "loss": "mse", "lr": 0.2, "attempts": 10})
    thin = simulate({"answer": [2, 77, 91], "guess": 50, "loss": "mse", "lr": 0.2, "attempts": 10,
                     "log_every": 4})
    assert thin.attempt.tolist() == [1, 5, 9, 10]
    assert torch.equal(thin.guess, full.guess[[0, 4, 8, 9]])
    assert torch.equal(thin.loss, full.loss[[0, 4, 8, 9]])
    assert thin.status == full.status


# Property-based: valid configs keep the invariants, invalid ones raise ConfigError only.
numbers = st.floats(-100, 100, allow_nan=False).map(lambda x: round(x, 3))
shapes = st.sampled_from([(), (1,), (3,), (2, 3)])


@st.composite
def valid_configs(draw):
    shape = draw(shapes)
    size = 1 if not shape else (shape[0] if len(shape) == 1 else shape[0] * shape[1])
    flat = [draw(numbers) for _ in range(size)]
    answer = flat[0] if not shape else (flat if len(shape) == 1 else [flat[:3], flat[3:]])
    loss = draw(st.sampled_from(["l1", "mse", "huber", "smooth_l1", "bad"]))
    optimizer = draw(st.sampled_from(["sgd", "adam", "adamw", "rmsprop", "adagrad"]))
    return {
        "answer": answer, "guess": draw(numbers), "loss": loss, "optimizer": optimizer,
        "reduction": draw(st.sampled_from(["mean", "sum"])),
        "lr": draw(st.lists(st.floats(1e-4, 50).map(lambda x: round(x, 4) or 1e-4), min_size=1, max_size=4)),
        "attempts": draw(st.integers(1, 25)),
        "dtype": draw(st.sampled_from(["float16", "bfloat16", "float32", "float64"])),
        "stop_early": draw(st.booleans()),
    }


@settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_configs())
def test_random_valid_configs_keep_the_invariants(config):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = simulate(config)
    runs, attempts = len(config["lr"]), config["attempts"]
    shape = torch.tensor(config["answer"]).shape
    assert result.guess.shape == result.grad.shape == result.step.shape == (len(result.attempt), runs, *shape)
    assert result.loss.shape == (len(result.attempt), runs)
    for r in range(runs):
        status, ran = result.status[r], result.attempts_run[r]
        assert 1 <= ran <= attempts
        losses = result.loss[:ran, r].double()
        finite = torch.isfinite(losses)
        tolerance = load_config(config).tolerance
        # a loss that overflows after a finite one above tolerance is a divergence (a first loss may
        # overflow and the run still come back)
        reference = (finite & (losses.abs() > tolerance)).nonzero()
        if len(reference) and not finite[int(reference[0]):].all():
            assert status == "diverged"
        if status == "converged":  # within tolerance at the end, or it left and `left_at` says when
            left = result.left_at[r]
            assert abs(losses[-1].item()) <= tolerance or left is not None
            if left is not None:
                assert abs(losses[left - 1].item()) > tolerance and left > result.converged_at[r]
            assert 1 <= result.converged_at[r] <= ran
        if status == "diverged":
            assert 1 <= result.diverged_at[r] <= ran


def test_a_log_too_big_for_memory_is_refused_before_it_starts(monkeypatch):
    from guessgame.engine import memory as answers

    monkeypatch.setattr(answers, "_available_memory", lambda: 2**30)
    big = {"answer": [1, 2, 3], "lr": {"logspace": [0.001, 10, 10000]}, "attempts": 2000}
    with pytest.raises(ConfigError, match=r"GiB of log.*log_every: \d+") as refused:
        simulate(big)
    every = int(re.search(r"e.g. log_every: (\d+)", str(refused.value)).group(1))
    # the advice is exact: followed, the check passes; one less, it does not
    itemsize = getattr(torch, load_config(big).dtype).itemsize
    answers.check_memory(load_config({**big, "log_every": every}), itemsize)
    with pytest.raises(ConfigError):
        answers.check_memory(load_config({**big, "log_every": every - 1}), itemsize)
    # the log is what a run keeps: guess, gradient and step per kept row and the guess after, every loss,
    # and each run's records
    kept = len(range(1, 2001, every)) + ((2000 - 1) % every != 0)
    assert answers.log_bytes(load_config({**big, "log_every": every}), itemsize) == \
        ((kept + 1) * 3 * 3 + 2000) * 10000 * itemsize + 10000 * (answers.RECORD + 2 * 3 * answers.FLOAT)
    with pytest.raises(ConfigError, match="use fewer runs or attempts"):
        simulate({"answer": [1, 2, 3], "lr": {"logspace": [0.001, 10, 10000]}, "attempts": 100000})
    simulate({"answer": [1, 2, 3], "lr": {"logspace": [0.001, 10, 100]}, "attempts": 100})


@pytest.mark.parametrize("lrs", [[0.01], [0.01, 0.5, 2.0, 3.5] * 20], ids=["one-run", "eighty-runs"])
@pytest.mark.parametrize("stop_at", [1, 255, 256, 300])
def test_ctrl_c_keeps_exactly_the_attempts_computed(lrs, stop_at):
    """Ctrl-C during the loop: the result holds the attempts done so far, each as the notebook's loop
    computes it, and the guess after the last of them -- wherever the loop was cut."""
    import torch.nn.functional as F

    from guessgame.engine import Interrupted

    def progress(t, total):
        if t == stop_at:
            os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C

    with pytest.raises(Interrupted) as cut:
        simulate({"answer": [2, 77, 91], "guess": 50, "loss": "mse", "lr": lrs, "attempts": 1000},
                 progress=progress)
    result = cut.value.result
    assert result.interrupted and result.attempt.tolist() == list(range(1, stop_at + 1))
    for r, lr in enumerate(lrs[:4]):
        guess, loss, grad, step = notebook_loop([2.0, 77.0, 91.0], 50.0, F.mse_loss, lr, stop_at + 1)
        assert torch.equal(result.guess[:, r], guess[:stop_at]) and torch.equal(result.grad[:, r], grad[:stop_at])
        assert torch.equal(result.step[:, r], step[:stop_at]) and torch.equal(result.loss[:, r], loss[:stop_at])
        assert torch.equal(result.final_guess[r], guess[stop_at])


@pytest.mark.parametrize("optimizer", ["sgd", {"name": "sgd", "momentum": 0.9}, "adam",
                                       {"name": "adamw", "weight_decay": 2.0}, "rmsprop", "adagrad"], ids=str)
@pytest.mark.parametrize(("loss", "dtype"), [("l1", "float16"), ("bad", "float16"), ("mse", "float16"),
                                             ("mse", "bfloat16"), ("mse", "float32"), ("mse", "float64")])
def test_the_first_guess_lost_found_by_halving_is_the_first_a_scan_finds(optimizer, loss, dtype):
    """Where a run's guess stops being a finite number is found by halving; a scan of every guess agrees."""
    from guessgame.engine.lost import first_lost

    largest = max(1e6, torch.finfo(getattr(torch, dtype)).max / 100)  # steps that overflow the guess
    result = simulate({"answer": [2, 77, 91], "guess": 50, "loss": loss, "optimizer": optimizer, "dtype": dtype,
                       "lr": {"logspace": [0.1, largest, 40]}, "attempts": 300})
    guesses = result.guess.reshape(len(result.attempt), result.runs, -1)
    lost = ~torch.isfinite(guesses).all(-1)  # (attempts, runs)
    scanned = torch.where(lost.any(0), lost.int().argmax(0), len(result.attempt))
    assert scanned.min() < len(result.attempt), "some run must overflow"
    assert torch.equal(first_lost(guesses, torch.arange(result.runs)), scanned)
    for run in range(result.runs):  # a guess that is not finite stays so: what halving relies on
        assert lost[int(scanned[run]):, run].all()


@pytest.mark.parametrize("dtype", ["float16", "float64"])
@pytest.mark.parametrize("stop_early", [False, True])
def test_best_and_final_losses_are_the_notebook_loops(dtype, stop_early):
    """Each run's best loss is the lowest loss it played (NaN aside: inf when every loss overflowed), and
    its final loss the last it played: across the critical lr, through overflow (inf, then nan), from a
    first loss that already overflows, and runs stopped early."""
    import torch.nn.functional as F

    lrs = [0.01, 1.0, 2.9, 3.5, 10.0, 4000.0] * 20
    for guess in (50, 60000):  # (60000 - 2)^2 overflows float16 at the first attempt
        result = simulate({"answer": [2, 77, 91], "guess": guess, "loss": "mse", "lr": lrs, "attempts": 60,
                           "dtype": dtype, "stop_early": stop_early})
        for run, lr in enumerate(lrs[:6]):
            played = result.attempts_run[run]
            _, loss, _, _ = notebook_loop([2, 77, 91], guess, F.mse_loss, lr, played, dtype=getattr(torch, dtype))
            _assert_best_and_final(result, run, loss)


def _assert_best_and_final(result, run, loss):
    import math

    best = min((v for v in loss.double().tolist() if not math.isnan(v)), default=math.nan)
    last = loss[-1].double().item()
    for ours, theirs in ((result.best_loss[run], best), (result.final_loss[run], last)):
        assert ours == theirs or (math.isnan(ours) and math.isnan(theirs)), (run, ours, theirs)
