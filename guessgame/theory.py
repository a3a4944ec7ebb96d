"""What closed-form gradient descent predicts, with no simulation: the engine's independent oracle.

With plain SGD every element of the error e = guess - answer moves on its own (s = lr/N with
`mean`, lr with `sum`; h the curvature, 2/N for mse with `mean`):

    mse        e(t) = e(1) (1 - lr h)^(t-1): converges iff lr h < 2 (lr < N, or 1 with sum), fastest
               at lr h = 1, rate |1 - lr h|
    l1         |e| shrinks by s each attempt until |e| < s, then bounces in that band for ever --
               unless it lands exactly on the answer (|e| a whole number of steps)
    huber      l1-like steps of lr delta/N while |e| > delta, then mse-like with h = 1/N
    smooth_l1  l1-like steps of lr/N while |e| > beta, then mse-like with h = 1/(beta N)
    bad        every element moves by -lr/N each attempt, whatever the answer: the loss falls for ever

Heavy-ball momentum mu on mse: e(t+1) = (1 + mu - lr h) e(t) - mu e(t-1), which converges iff
lr h < 2 (1 + mu).

Theory writes down the loss at every attempt of the budget in closed form and reads the verdict
off it with the same rules as a measured run (`verdicts.classify`), so its prediction takes the
budget, the tolerance and the critical-lr edge into account exactly as a measurement does. Which
side of a critical lr a run is on is decided in rational arithmetic, never by how `rate` rounds.
All runs of a config are predicted at once.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Callable, Sequence

import torch
from torch import Tensor

from guessgame import losses
from guessgame.config import Config, load_config  # noqa: F401  (load_config: the doctest)
from guessgame.records import Theory
from guessgame.status import Status, verdicts
_CHUNK = 1 << 22  # elements of closed-form errors evaluated at a time


def predict(config: Config, *, error: Sequence[float] | None = None, lr: float | None = None) -> Theory:
    """The theory block of one run of `config`: its first lr, and `error` = guess - answer at the start
    (by default the config's own, flattened).

    >>> predict(load_config({"answer": [2, 77, 91], "guess": 50, "loss": "mse", "lr": 10,
    ...                      "attempts": 20})).predicted
    'diverged'
    """
    if error is None:
        error = (torch.tensor(config.guess, dtype=torch.float64).expand(config.shape)
                 - torch.tensor(config.answer, dtype=torch.float64)).flatten().tolist()
    return predict_runs(config, [list(error)], lr=[config.lr[0] if lr is None else lr])[0]


def predict_runs(config: Config, errors: Sequence[Sequence[float]] | Tensor, *, lr: Sequence[float] | Tensor,
                 attempts: int | None = None, slack: float = 1e-9) -> list[Theory]:
    """The theory block of every run: `lr` (runs,) and `errors` (runs, N), guess - answer at the start,
    over `attempts` (the config's budget by default)."""
    runs = len(lr)
    momentum = config.heavy_ball
    if momentum is None:
        return [Theory(note=f"no closed form for {config.optimizer} with these options")] * runs
    definition, loss_options = losses.effective(config.loss, config.loss_options)
    path_of = _path_of(definition, loss_options)
    if momentum and path_of not in (_quadratic, _bad):
        return [Theory(note=f"no closed form for {config.loss} with momentum")] * runs
    games = _Games(definition, loss_options, config.reduction, lr, momentum, errors,
                   config.attempts if attempts is None else attempts)
    shared, each, path = path_of(games)
    outcome = _verdicts(games, path, config.tolerance, config.diverge_factor, slack)
    blocks = []
    for r in range(runs):
        block = {**shared, **{key: values[r] for key, values in each.items()}}
        if block.get("predicted") is None:
            block.update(predicted=outcome.status[r], predicted_converged_at=outcome.converged_at[r],
                         predicted_diverged_at=outcome.diverged_at[r])
        blocks.append(Theory(**{**block, "predicted": Status(block["predicted"])}))
    return blocks


class _Games:
    """The runs of one config: their lrs (exact rationals too) and starting errors."""

    def __init__(self, loss: losses.Loss, options, reduction, lr, momentum, errors, attempts):
        self.loss, self.options, self.reduction, self.momentum = loss, options, reduction, momentum
        self.lr = torch.as_tensor(lr, dtype=torch.float64)
        self.exact = [Fraction(v) for v in self.lr.tolist()]
        self.e0 = torch.as_tensor(errors, dtype=torch.float64).reshape(len(self.exact), -1)
        self.runs, self.n = self.e0.shape
        self.attempts = attempts
        self.scale = Fraction(1, self.n) if reduction == "mean" else Fraction(1)  # d(reduction)/d(element)
        self.t = torch.arange(attempts, dtype=torch.float64).unsqueeze(1)  # t - 1 for attempt t, (attempts, 1)

    def exactly(self, fn: Callable[[Fraction], Fraction]) -> Tensor:
        """fn(lr) in rational arithmetic for each run, then rounded once to float64."""
        return torch.tensor([float(fn(lr)) for lr in self.exact], dtype=torch.float64)

    def start_loss(self) -> Tensor:
        return self.loss_at(self.e0)

    def loss_at(self, errors: Tensor) -> Tensor:
        """The loss (rows,) at errors (rows, N): a guess of `errors` for an answer of 0."""
        return losses.value(self.loss.name, self.options, errors, torch.zeros(1, self.n, dtype=errors.dtype),
                            self.reduction)

    def by_element(self, path: Callable[[Tensor, Tensor], Tensor]) -> Tensor:
        """The losses (attempts, runs) of per-element closed-form errors `path(runs, t) -> (t, runs, N)`,
        a block of runs at a time."""
        out = torch.empty(self.attempts, self.runs, dtype=torch.float64)
        block = max(1, _CHUNK // max(1, self.attempts * self.n))
        for start in range(0, self.runs, block):
            rows = torch.arange(start, min(start + block, self.runs))
            errors = path(rows, self.t)  # (attempts, rows, N)
            out[:, rows] = self.loss_at(errors.reshape(-1, self.n)).reshape(self.attempts, len(rows))
        return out


def _verdicts(games: _Games, path: tuple[Tensor, Tensor], tolerance, diverge_factor, slack):
    loss, lost_at = path
    return verdicts.classify(loss, torch.full((games.runs,), games.attempts), lost_at, tolerance=tolerance,
                           diverge_factor=diverge_factor, has_minimum=games.loss.has_minimum, slack=slack)


def _never(games: _Games) -> Tensor:
    return torch.full((games.runs,), games.attempts, dtype=torch.long)


def _path_of(loss: losses.Loss, options: dict):
    """Which closed form a loss has, read off its shape: all core, no core, core and arms, or no minimum."""
    if not loss.has_minimum:
        return _bad
    width = loss.width(options)
    return _quadratic if width == math.inf else _l1 if width == 0 else _piecewise


def _quadratic(games: _Games):
    """loss(t) = loss(1) p(t)^2: every element of the error is scaled by the same p(t)."""
    h = games.loss.curvature(games.options) * games.scale
    if games.momentum:
        return _heavy_ball_path(games, h)
    factor = games.exactly(lambda lr: 1 - lr * h)  # exact: lr and h are rationals
    shared = {"critical_lr": float(2 / h), "best_lr": float(1 / h),
              "note": f"error x |1 - lr/{float(1 / h):g}| per attempt; converges for lr < {float(2 / h):g}, "
                      f"fastest at lr = {float(1 / h):g}"}
    p = _power(factor.unsqueeze(0), games.t)
    return shared, {"rate": factor.abs().tolist()}, _scaled_losses(games, p)


def _scaled_losses(games: _Games, p: Tensor) -> tuple[Tensor, Tensor]:
    """loss(1) p(t)^2 (0 stays 0), and the attempt at which the largest error p(t) e(1) overflows."""
    start = games.start_loss()
    loss = torch.where(start == 0, torch.zeros_like(p), start * p * p)
    biggest = games.e0.abs().amax(1)
    lost = ~torch.isfinite(biggest * p) & (biggest > 0)
    return loss, verdicts._first(lost)


def _power(base: Tensor, exponent: Tensor) -> Tensor:
    """base^exponent in float64, 0^0 = 1."""
    return torch.pow(base, exponent)


def _heavy_ball_path(games: _Games, h: Fraction):
    """p(1) = 1, p(2) = 1 - lr h, p(t+1) = b p(t) - mu p(t-1), b = 1 + mu - lr h.

    p(t) = p(2) D(t-1) - mu D(t-2), D(k) = (z1^k - z2^k) / (z1 - z2) over the roots of z^2 - b z + mu,
    written so that it stays accurate when the roots nearly coincide."""
    mu = Fraction(games.momentum)
    critical = 2 * (1 + mu) / h
    b = games.exactly(lambda lr: 1 + mu - lr * h)
    p2 = games.exactly(lambda lr: 1 - lr * h)
    m = float(mu)
    k = games.t  # (attempts, 1): t - 1
    d = b * b - 4 * m
    real = d >= 0
    z1 = (b + torch.sign(b) * torch.sqrt(d.clamp(min=0))) / 2
    log_ratio = torch.where(real, torch.log(m / (z1 * z1)), torch.zeros_like(b))  # log(z2/z1) <= 0
    rate = torch.where(real, z1.abs(), torch.full_like(b, math.sqrt(m)))
    theta = torch.acos(torch.clamp(b / (2 * math.sqrt(m)), -1, 1))

    def big_d(k: Tensor) -> Tensor:  # (attempts, runs), k >= 1
        series = torch.where(log_ratio < 0, torch.expm1(k * log_ratio) / torch.expm1(log_ratio), k)
        as_real = _power(z1, k - 1) * series
        as_complex = _power(rate, k - 1) * torch.sin(k * theta) / torch.sin(theta)
        return torch.where(real, as_real, as_complex)

    once = torch.where(k >= 1, big_d(k.clamp(min=1)), torch.zeros_like(k))  # D(t - 1)
    twice = torch.where(k >= 2, big_d((k - 1).clamp(min=1)), torch.zeros_like(k))  # D(t - 2)
    twice = torch.where(k == 0, torch.full_like(twice, -1 / m), twice)  # D(-1) = -1/mu
    p = p2 * once - m * twice
    at_edge = torch.tensor([lr == critical for lr in games.exact])  # roots -1 and -mu: radius 1 exactly
    shared = {"critical_lr": float(critical),
              "note": f"heavy ball, momentum {m:g}: converges for lr < {float(critical):g}"}
    return shared, {"rate": torch.where(at_edge, torch.ones_like(rate), rate).tolist()}, _scaled_losses(games, p)


def _l1(games: _Games):
    s = games.lr * float(games.loss.far_slope(games.options) * games.scale)  # the engine's step: lr * float(1/N)
    shared = {"note": "steps of lr/N towards the answer, then bounces within lr/N of it; no lr diverges, "
                      "none converges unless it lands exactly"}
    size = games.e0.abs()
    within = torch.where(s.unsqueeze(1) > 0, torch.clamp(torch.ceil(size / s.unsqueeze(1)) - 1, min=0),
                         torch.full_like(size, math.inf)).amax(1) + 1
    band_at = [int(v) if math.isfinite(v) else None for v in within.tolist()]
    path = games.by_element(lambda rows, t: _walk(games.e0[rows], s[rows], t))
    return shared, {"band": s.tolist(), "band_reached_at": band_at}, (path, _never(games))


def _walk(e0: Tensor, s: Tensor, t: Tensor) -> Tensor:
    """Steps of size s towards the answer, then a bounce in [-s, s]; an element that lands exactly on
    the answer stays there. e0 (runs, N), s (runs,), t (attempts, 1) -> (attempts, runs, N)."""
    s = s.unsqueeze(1)
    size, sign = e0.abs(), torch.sign(e0)
    landed = _lands(size, s)
    steps = torch.floor(size / s)  # whole steps before the bounce
    rest = torch.where(landed, torch.zeros_like(size), size - steps * s)
    t = t.unsqueeze(2)
    walking = size - t * s
    bounce = torch.where(torch.remainder(t - steps, 2) == 0, rest, rest - s)
    bounce = torch.where(landed, torch.zeros_like(bounce), bounce)
    return sign * torch.where(t <= steps, walking, bounce)


def _lands(size: Tensor, s: Tensor) -> Tensor:
    """Steps of exactly s reach the answer exactly: |error| is a whole number of them (fmod is exact)."""
    return (size == 0) | ((s > 0) & (torch.fmod(size, s) == 0))


def _piecewise(games: _Games):
    """huber and smooth_l1: l1-like steps outside the width, then mse-like inside it."""
    width = games.loss.width(games.options)
    h = games.loss.curvature(games.options) * games.scale
    outside = games.loss.far_slope(games.options) * games.scale
    critical = 2 / h
    s = games.lr * float(outside)
    factor = games.exactly(lambda lr: 1 - lr * h)
    shared = {"critical_lr": float(critical), "best_lr": float(1 / h),
              "note": f"inside |error| <= {float(width):g} the error shrinks by |1 - lr/{float(1 / h):g}| per "
                      f"attempt; converges for lr < {float(critical):g}, beyond that it bounces but stays bounded"}
    each: dict[str, list] = {"rate": factor.abs().tolist()}
    size = games.e0.abs()
    every_lands = _lands(size, s.unsqueeze(1)).all(1)
    unstable = torch.tensor([lr >= critical for lr in games.exact]) & ~every_lands
    if bool(unstable.any()):
        # The core is unstable and the arms bring the guess back: a bounded bounce, no closed form.
        approach = torch.clamp(torch.ceil((size - float(width)) / s.unsqueeze(1)), min=0).amax(1)
        settled = approach + 3 <= (games.attempts + 1) // 2
        each["predicted"] = [(Status.OSCILLATING if ok else Status.UNFINISHED) if bad else None
                             for bad, ok in zip(unstable.tolist(), settled.tolist())]
    path = games.by_element(lambda rows, t: _two_phases(games.e0[rows], s[rows], float(width), factor[rows], t))
    return shared, each, (path, _never(games))


def _two_phases(e0: Tensor, s: Tensor, width: float, factor: Tensor, t: Tensor) -> Tensor:
    """Steps of s while |e| > width, then e x factor per attempt; (attempts, runs, N)."""
    s, factor = s.unsqueeze(1), factor.unsqueeze(1)
    size, sign = e0.abs(), torch.sign(e0)
    # an element lands on the answer if its steps outside the width reach it exactly
    landed = (size > 0) & (s >= width) & _lands(size, s)
    outside = torch.clamp(torch.ceil((size - width) / s), min=0)  # steps of s until |e| <= width
    outside = torch.where(landed, torch.floor(size / s), outside)
    inside = size - outside * s  # where the last outside step leaves it (may be past the answer)
    t = t.unsqueeze(2)
    walking = size - t * s
    shrinking = inside * _power(factor, torch.clamp(t - outside, min=0))
    shrinking = torch.where(landed, torch.zeros_like(shrinking), shrinking)
    return sign * torch.where(t <= outside, walking, shrinking)


def _bad(games: _Games):
    """Every element moves by lr g per attempt (more with momentum): the loss falls by that x N' each."""
    g = float(games.loss.far_slope(games.options) * games.scale)
    mu = games.momentum
    shared = {"critical_lr": 0.0, "note": f"gradient is {g:g} everywhere: the guess drifts by lr*{g:g} per attempt, "
                                          "away from any answer, and the loss falls for ever"}
    t = games.t
    if mu:  # steps of lr g (1 - mu^k) / (1 - mu): the velocity builds up
        moved = t / (1 - mu) - mu * (1 - torch.pow(torch.tensor(mu, dtype=torch.float64), t)) / (1 - mu) ** 2
    else:
        moved = t
    per_element = games.n if games.reduction == "sum" else 1
    loss = games.start_loss() - games.lr * g * per_element * moved
    return shared, {}, (loss, _never(games))

