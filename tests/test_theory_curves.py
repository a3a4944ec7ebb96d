"""theory.curves: theory's loss at every attempt, against the notebook's loop, torch.optim and torch's
schedulers played attempt by attempt, and a noisy game's expected true loss against games played in numpy."""

import math

import numpy as np
import pytest
import torch

from guessgame import load_config
from guessgame.theory import curves

from helpers.reference import loss_fn, notebook_loop, scheduled_notebook_loop, torch_optim_loop, weighted_loss_fn

ANSWER, GUESS = [2.0, 77.0, 91.0], 50.0


def turned(degrees):
    a = math.radians(degrees)
    return torch.tensor([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]], dtype=torch.float64)


def _played(config):
    """The losses of the game's one run, as the notebook's loop or torch.optim plays it."""
    c = load_config(config)
    if c.weights != 1.0 or c.rotation is not None:
        rotation = None if c.rotation is None else turned(c.rotation)
        fn = weighted_loss_fn(c.loss, c.loss_options, c.reduction, c.weights, rotation)
    else:
        fn = loss_fn(c.loss, c.loss_options, c.reduction)
    if c.scheduled:
        return scheduled_notebook_loop(c.answer, c.guess, fn, c.lr[0], c.attempts,
                                       (c.schedule, c.schedule_options))[0][1]
    if c.plain_sgd:
        return notebook_loop(c.answer, c.guess, fn, c.lr[0], c.attempts)[1]
    return torch_optim_loop(c.answer, c.guess, fn, c.optimizer, c.optimizer_options, c.lr[0], c.attempts)[1]


CASES = {
    "mse converges": {"lr": 0.5},
    "mse overshoots": {"lr": 2.9},
    "mse diverges": {"lr": 3.5},
    "mse sum": {"lr": 0.4, "reduction": "sum"},
    "l1 walks": {"lr": 3, "loss": "l1"},
    "huber": {"lr": 2, "loss": {"name": "huber", "delta": 5}},
    "smooth_l1": {"lr": 2, "loss": {"name": "smooth_l1", "beta": 3}},
    "bad": {"lr": 0.5, "loss": "bad"},
    "heavy ball": {"lr": 0.5, "optimizer": {"name": "sgd", "momentum": 0.6}},
    "ravine": {"answer": [3.0, 2.0], "lr": 0.0198, "weights": [1, 100], "attempts": 300},
    "rotated ravine": {"answer": [3.0, 2.0], "lr": 0.0198, "weights": [1, 100], "rotation": 30, "attempts": 300},
    "ravine heavy ball": {"answer": [3.0, 2.0], "lr": 0.033, "weights": [1, 100], "attempts": 300,
                          "optimizer": {"name": "sgd", "momentum": 0.6694}},
    "cosine mse": {"lr": 2.5, "schedule": {"name": "cosine", "T_max": 40}},
    "step l1": {"lr": 3, "loss": "l1", "schedule": {"name": "step", "step_size": 10, "gamma": 0.5}},
}


@pytest.mark.parametrize("changes", CASES.values(), ids=CASES.keys())
def test_theory_writes_down_the_loss_the_game_plays(changes):
    config = {"answer": ANSWER, "guess": GUESS, "attempts": 40, **changes}
    c = load_config(config)
    error = torch.as_tensor(c.guess, dtype=torch.float64).expand(c.shape) - torch.tensor(c.answer)
    curve = curves(c, error.reshape(1, -1), c.lr)
    played = _played(config).double()
    assert curve.shape == (c.attempts, 1)
    shown = torch.isfinite(played) & (played.abs() < 1e200)
    torch.testing.assert_close(curve[:, 0][shown], played[shown], rtol=1e-9, atol=1e-12 * float(played[0].abs()))


@pytest.mark.parametrize("changes", [{"optimizer": "adam"}, {"optimizer": {"name": "sgd", "momentum": 0.5,
                                                                          "nesterov": True}},
                                     {"loss": "huber", "schedule": {"name": "exponential", "gamma": 0.9}},
                                     {"loss": "huber", "noise": {"std": 1}}],
                         ids=["adam", "nesterov", "huber scheduled", "huber noisy"])
def test_no_curve_where_theory_has_no_closed_form(changes):
    c = load_config({"answer": ANSWER, "guess": GUESS, "lr": 0.5, **changes})
    assert curves(c, [[48.0, -27.0, -41.0]], c.lr) is None


def test_a_noisy_curve_is_the_mean_true_loss_of_games_played_in_numpy():
    """Plain SGD on mse with hints answer + 4 N(0, 1), batch 4: 20,000 games drawn with numpy's own
    generator; at each attempt, their mean true loss lies within 4 standard errors of theory's."""
    lr, std, batch, n = 1.2, 4.0, 4, 3
    c = load_config({"answer": ANSWER, "guess": GUESS, "lr": lr, "attempts": 30, "noise": {"std": std, "batch": batch}})
    curve = curves(c, [[GUESS - a for a in ANSWER]], c.lr)[:, 0].numpy()
    rng = np.random.default_rng(1)
    answer = np.array(ANSWER)
    guess = np.full((20_000, n), GUESS)
    for t in range(c.attempts):
        true = ((guess - answer) ** 2).mean(1)
        assert abs(true.mean() - curve[t]) <= 4 * true.std() / math.sqrt(true.size) + 1e-9 * curve[t], t
        hints = answer + std * rng.standard_normal((guess.shape[0], batch, n))
        # F.mse_loss over the batch x N observations: each one's gradient 2 (g - o) / (B N), summed over the batch
        guess = guess - lr * 2 / (batch * n) * (guess[:, None] - hints).sum(1)
