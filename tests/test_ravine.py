"""Ravines: per-element weights and a rotated error, against the loss written out as the README writes
it and played alone by the notebook's loop or torch.optim.

With a rotation, each row of the batch is turned by one matrix product for all runs: for 2 elements
that is bit for bit the one-run product; for more, BLAS rounds a product of many rows in another
order than one row's, so those games are checked attempt by attempt within the bound any order of
summation keeps (`_assert_within_summation_bound`).
"""

import itertools

import pytest
import torch

from guessgame import load_config, ravine, simulate
from guessgame.config import ConfigError
from guessgame.engine.storage import Storage

from helpers.exact import assert_run_equals
from helpers.reference import notebook_loop, torch_optim_loop, weighted_loss_fn

LOSSES = {"l1": {}, "mse": {}, "huber": {"delta": 0.7}, "smooth_l1": {"beta": 2.0}, "bad": {}}
DTYPES = ["float16", "bfloat16", "float32", "float64"]
OPTIMIZERS = {"sgd": {}, "sgd_momentum": {"momentum": 0.9}, "adam": {}}
LRS = [0.01, 0.3, 2.0]


def _game(loss, dtype, optimizer, **extra):
    return {"answer": [2.0, -7.5], "guess": 1.5, "loss": {"name": loss, **LOSSES[loss]},
            "optimizer": {"name": optimizer.split("_")[0], **OPTIMIZERS[optimizer]}, "lr": LRS,
            "attempts": 25, "dtype": dtype, **extra}


def _alone(game, lr, weights, rotation):
    fn = weighted_loss_fn(game["loss"]["name"], LOSSES[game["loss"]["name"]], game.get("reduction", "mean"),
                          weights, rotation)
    dtype = getattr(torch, game["dtype"])
    name, options = game["optimizer"]["name"], {k: v for k, v in game["optimizer"].items() if k != "name"}
    if name == "sgd" and not options:
        return notebook_loop(game["answer"], game["guess"], fn, lr, game["attempts"], dtype=dtype)
    return torch_optim_loop(game["answer"], game["guess"], fn, name, options, lr, game["attempts"], dtype=dtype)


CASES = list(itertools.product(LOSSES, DTYPES, OPTIMIZERS, [30.0, -135.0, {"seed": 4}]))


@pytest.mark.parametrize(("loss", "dtype", "optimizer", "rotation"), CASES, ids=[
    f"{loss}-{dtype}-{opt}-{rotation}" for loss, dtype, opt, rotation in CASES])
def test_a_rotated_ravine_of_two_elements_is_bit_for_bit_the_loss_written_out(loss, dtype, optimizer, rotation):
    game = _game(loss, dtype, optimizer, weights=[1.0, 50.0], rotation=rotation)
    result = simulate(game)
    turn = ravine.rotation(load_config(game))
    for run, lr in enumerate(LRS):
        assert_run_equals(result, run, _alone(game, lr, [1.0, 50.0], turn))


def test_an_angle_turns_the_error_by_that_many_degrees():
    turn = ravine.rotation(load_config({"answer": [0, 0], "rotation": 90}))
    torch.testing.assert_close(turn @ torch.tensor([1.0, 0.0], dtype=torch.float64),
                               torch.tensor([0.0, 1.0], dtype=torch.float64))


def test_a_seeded_rotation_is_orthogonal_and_the_same_for_the_same_seed():
    config = load_config({"answer": [0.0] * 6, "rotation": {"seed": 7}})
    turn = ravine.rotation(config)
    torch.testing.assert_close(turn @ turn.T, torch.eye(6, dtype=torch.float64))
    assert torch.equal(turn, ravine.rotation(load_config({"answer": [1.0] * 6, "rotation": {"seed": 7}})))
    assert not torch.equal(turn, ravine.rotation(load_config({"answer": [0.0] * 6, "rotation": {"seed": 8}})))


def _assert_within_summation_bound(ours, theirs, magnitude, n, dtype, what):
    """|ours - theirs| <= 4 gamma_n magnitude: a sum of n products rounded in any two orders differs by at
    most twice gamma_n = n u / (1 - n u) times the sum of the products' sizes (Higham, Accuracy and
    Stability of Numerical Algorithms, 3.1), and the loss and gradient carry that error at most twice."""
    u = torch.finfo(dtype).eps / 2
    gamma = n * u / (1 - n * u)
    excess = (ours.double() - theirs.double()).abs() - 4 * gamma * magnitude
    assert float(excess.max()) <= 0, f"{what} beyond the summation bound by {float(excess.max()):.3g}"


@pytest.mark.parametrize(("loss", "dtype"), list(itertools.product(["mse", "l1", "huber"], DTYPES)))
def test_a_rotated_ravine_of_many_elements_is_the_loss_written_out_within_the_summation_bound(loss, dtype):
    answer = [[2.0, -1.0, 0.5], [3.0, 4.0, -2.5]]
    weights = [[1.0, 2.0, 4.0], [8.0, 16.0, 30.0]]
    game = {"answer": answer, "guess": 0.25, "loss": {"name": loss, **LOSSES[loss]}, "lr": [0.05, 0.2],
            "attempts": 20, "dtype": dtype, "weights": weights, "rotation": {"seed": 3}}
    result = simulate(game)
    turn = ravine.rotation(load_config(game))
    torch_dtype = getattr(torch, dtype)
    fn = weighted_loss_fn(loss, LOSSES[loss], "mean", weights, turn)
    for run, lr in enumerate(game["lr"]):
        for t in range(game["attempts"]):
            guess = result.guess[t, run].reshape(2, 3).clone().requires_grad_()
            value = fn(guess, torch.tensor(answer, dtype=torch_dtype))
            value.backward()
            error = (guess.detach().double() - torch.tensor(answer, dtype=torch.float64)).reshape(-1)
            turned = (error.abs() @ turn.abs().T) * torch.tensor(weights, dtype=torch.float64).reshape(-1)
            size = float(turned.abs().max()) * (1 + float(error.abs().max()))
            _assert_within_summation_bound(result.loss[t, run], value.detach(), size, 6, torch_dtype, "loss")
            _assert_within_summation_bound(result.grad[t, run].reshape(-1), guess.grad.reshape(-1), size, 6,
                                           torch_dtype, "gradient")
            # and the step is the notebook's, from the gradient the run had, bit for bit
            assert torch.equal(result.step[t, run], lr * result.grad[t, run])
            if t + 1 < game["attempts"]:
                assert torch.equal(result.guess[t + 1, run], result.guess[t, run] - result.step[t, run])


def test_weights_of_one_and_no_rotation_are_the_plain_game():
    game = {"answer": [2.0, 77.0, 91.0], "guess": 50.0, "lr": [0.3, 1.7], "attempts": 15, "dtype": "float16"}
    assert torch.equal(simulate({**game, "weights": 1}).guess, simulate(game).guess)
    assert torch.equal(simulate({**game, "weights": [1, 1, 1]}).loss, simulate(game).loss)


@pytest.mark.parametrize("paths", [{"log_every": 3}, {"stop_early": True}, {"games": 3}])
def test_every_path_of_the_engine_plays_the_weighted_game(paths):
    # thinned logs, early stops and random games take other loops than a plain sweep
    answer = {"random": {"low": -5, "high": 5, "shape": [2, 2]}} if "games" in paths else [[1.0, -2.0], [3.0, 0.5]]
    game = {"answer": answer, "guess": 0.5, "lr": [0.05, 0.9], "attempts": 40, "weights": [[1.0, 9.0], [0.5, 2.0]],
            "rotation": {"seed": 1}, **paths}
    result = simulate(game)
    turn = ravine.rotation(load_config(game))
    fn = weighted_loss_fn("mse", {}, "mean", game["weights"], turn)
    for run in range(result.runs):
        lr = game["lr"][run // result.config.games]
        hidden = result.answer[run].reshape(2, 2)
        expected = notebook_loop(hidden, 0.5, fn, lr, 40)
        kept = result.attempt <= result.attempts_run[run]  # the attempts the log kept, until the run stopped
        torch.testing.assert_close(result.loss[kept, run], expected[1][result.attempt[kept] - 1], rtol=1e-12,
                                   atol=1e-300)


@pytest.mark.parametrize(("change", "key", "says"), [
    ({"weights": [1, 0, 2]}, "weights.1", "> 0"),
    ({"weights": [1, 2]}, "weights", "answer's shape [3]"),
    ({"weights": -1}, "weights", "> 0"),
    ({"weights": float("inf")}, "weights", "> 0"),
    ({"weights": "heavy"}, "weights", "> 0"),
    ({"rotation": 45}, "rotation", "2-element answer"),
    ({"rotation": {"seed": -1}}, "rotation.seed", "whole number"),
    ({"rotation": {"angle": 3}}, "rotation.angle", "{seed: 0}"),
    ({"rotation": "x"}, "rotation", "an angle in degrees"),
])
def test_a_bad_ravine_is_refused_naming_the_key(change, key, says):
    with pytest.raises(ConfigError) as error:
        load_config({"answer": [1, 2, 3], **change})
    assert error.value.key == key and says in str(error.value)


@pytest.mark.parametrize("rotation", [None, 30.0])
def test_a_weighted_smooth_l1_of_beta_0_is_the_weighted_l1_torch_computes(rotation):
    # torch's smooth_l1_loss with beta 0 is l1_loss: weighed and turned alike
    game = {"answer": [2.0, -7.5], "guess": 1.5, "loss": {"name": "smooth_l1", "beta": 0.0}, "lr": LRS, "attempts": 25,
            "weights": [1.0, 50.0], "rotation": rotation}
    result = simulate(game)
    turn = None if rotation is None else ravine.rotation(load_config(game))
    fn = weighted_loss_fn("smooth_l1", {"beta": 0.0}, "mean", [1.0, 50.0], turn)
    for run, lr in enumerate(LRS):
        assert_run_equals(result, run, notebook_loop(game["answer"], 1.5, fn, lr, 25))


SWEEPS = [  # dtype, reduction, answer, guess: every storage of a plain sweep kept whole, and every dtype
    ("float64", "mean", [2.0, 77.0, 91.0], 50.0),
    ("float32", "sum", [2.0, 77.0, 91.0], 50.0),
    ("float16", "mean", [2.0, 77.0, 91.0], 50.0),
    ("bfloat16", "sum", [2.0, 77.0, 91.0], 50.0),
    ("float64", "mean", [1.0, -2.0, 3.0, 0.5, 8.0], -4.0),  # five elements: one row per run
    ("float64", "sum", [0.0, 1.0, -3.0], 1.2e308),  # errors past half the largest float
    ("float32", "mean", [0.0, 1.0, -3.0], 2.5e38),
]


@pytest.mark.parametrize(("dtype", "reduction", "answer", "guess"), SWEEPS,
                         ids=[f"{d}-{r}-{len(a)}-{g:g}" for d, r, a, g in SWEEPS])
def test_a_weighted_sweep_kept_whole_is_bit_for_bit_the_notebooks_loop_past_any_overflow(dtype, reduction, answer,
                                                                                         guess):
    # the loop that keeps only the guesses multiplies by 2 x upstream at once where that keeps autograd's bits;
    # lrs on both sides of the cliff, the largest overflowing within the attempts
    weights = [0.25, 10.0, 100.0, 3.0, 1.0][:len(answer)]
    game = {"answer": answer, "guess": guess, "loss": "mse", "lr": {"logspace": [1e-4, 30, 24]}, "attempts": 160,
            "weights": weights, "reduction": reduction, "dtype": dtype}
    config = load_config(game)
    assert Storage.of(config, config.runs, config.numel) in (Storage.GUESSES, Storage.GUESSES_BY_COLUMN)
    result = simulate(game)
    fn = weighted_loss_fn("mse", {}, reduction, weights)
    for run, lr in enumerate(config.lr):
        assert_run_equals(result, run, notebook_loop(answer, guess, fn, lr, 160, dtype=getattr(torch, dtype)),
                          name=f"lr {lr:g}: ")
    assert torch.isnan(result.final_guess).any()  # some runs went past the largest float
