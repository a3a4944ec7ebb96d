"""Theory for a ravine (`guessgame.ravine`): elements with curvatures of their own, along turned axes.

In the ravine's axes z = R e (z = e without a rotation) the Hessian of mse is diagonal, lambda_i =
2 s w_i (s = 1/N with `mean`, 1 with `sum`; w_i the weight), and each z_i moves on its own:

    plain SGD   z_i(t+1) = (1 - lr lambda_i) z_i(t)                      converges iff lr < 2 / lambda_max
    heavy ball  z_i(t+1) = (1 + mu - lr lambda_i) z_i(t) - mu z_i(t-1)    converges iff lr < 2 (1 + mu) / lambda_max
    loss(t)   = s sum_i w_i z_i(t)^2

With kappa = lambda_max / lambda_min, plain SGD is fastest at lr = 2 / (lambda_min + lambda_max), where
the error shrinks by (kappa - 1) / (kappa + 1) per attempt; heavy ball at lr = 4 / (sqrt(lambda_min) +
sqrt(lambda_max))^2 with momentum ((sqrt(kappa) - 1) / (sqrt(kappa) + 1))^2, by (sqrt(kappa) - 1) /
(sqrt(kappa) + 1). A run's rate is its slowest direction's: the factor 1 - lr lambda_i of largest size
(below 0: that direction overshoots), for heavy ball the spectral radius.

The losses of bounded slope, and which closed form a ravine follows, are `ravine_paths`'.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import NamedTuple, Sequence

import numpy as np
import torch
from torch import Tensor

from guessgame import ravine as game
from guessgame.config import Config
from guessgame.status import verdicts
from guessgame.status.rules import within
from guessgame.theory import heavy_ball
from guessgame.theory.frozen import Frozen, spacing
from guessgame.theory.games import Games


class Ravine(NamedTuple):
    """A config's weights and axes, worked out once for all its runs."""

    weights: Tensor  # (N,) float64
    turn: Tensor | None  # R (N, N) float64: the error in the ravine's axes is R e; None without a rotation
    levels: tuple[Fraction, ...]  # each distinct s w_i (d reduction / d element), the stiffest first
    group: Tensor  # (N,) long: element i's is levels[group[i]]
    dtype: str  # the dtype the runs play in

    @classmethod
    def of(cls, config: Config) -> Ravine:
        w = game.weights(config)
        scale = Fraction(1, config.numel) if config.reduction == "mean" else Fraction(1)
        stiffest_first, group = np.unique(-w, return_inverse=True)
        levels = tuple(scale * Fraction(-x) for x in stiffest_first.tolist())
        return cls(torch.from_numpy(w), game.rotation(config), levels, torch.from_numpy(group.reshape(-1)).long(),
                   config.dtype)

    def unrounded(self, momentum: float) -> str:
        """What theory leaves out, in words (or nothing): where plain SGD's steps along turned axes round away
        in a dtype whose rounding shows."""
        if self.turn is None or momentum or self.dtype == "float64":
            return ""
        return f"; in {self.dtype}, along turned axes, theory does not say where a step rounds away"


class RavineGames(Games):
    """The runs of a ravine: `Games` whose loss weighs (and turns) the error."""

    def __init__(self, ravine: Ravine, config: Config, lr: Sequence[float] | Tensor,
                 errors: Sequence[Sequence[float]] | Tensor, attempts: int, frozen: Frozen | None = None) -> None:
        super().__init__(config, lr, errors, attempts, frozen)
        self.ravine = ravine
        self.z0 = self.turned(self.e0)  # (runs, N): the starting error in the ravine's axes
        self.tolerance = config.tolerance

    def of_runs(self, rows: Tensor) -> RavineGames:
        part = super().of_runs(rows)
        part.z0 = self.z0[rows]
        return part

    def by_level(self, values: Tensor, how: str = "amax") -> Tensor:
        """values (runs, N) gathered by level (runs, K): their sum over the elements of each level (`mean`
        divides by N as the loss does), or their largest."""
        out = torch.zeros(values.shape[0], len(self.ravine.levels), dtype=values.dtype)
        if how == "amax":
            return out.scatter_reduce(1, self.ravine.group.expand_as(values), values, "amax")
        out.index_add_(1, self.ravine.group, values)
        return out / self.n if self.reduction == "mean" else out

    def turned(self, errors: Tensor) -> Tensor:
        """The errors (..., N) in the ravine's axes, R e, as the game turns them: errors @ R.T."""
        return errors if self.ravine.turn is None else errors @ self.ravine.turn.T

    def loss_at(self, errors: Tensor) -> Tensor:
        return self.weighted(self.turned(errors))

    def weighted(self, z: Tensor) -> Tensor:
        """The loss (...,) at errors z (..., N) in the ravine's axes: reduction(w * loss(z))."""
        values = torch.from_numpy(self.loss.values(z.contiguous().numpy(), self.options)[0]) * self.ravine.weights
        return values.mean(-1) if self.reduction == "mean" else values.sum(-1)


def upstream(games: RavineGames) -> Tensor:
    """(N,) autograd's d loss / d (element i's loss), as the engine has it: float(1/N) x w_i, or w_i with `sum`."""
    return float(games.scale) * games.ravine.weights


def quadratic(games: RavineGames):
    """mse: z_i(t) = z_i(1) p_k(t) for the elements of level k, and loss(t) = sum_k c_k p_k(t)^2 with
    c_k = s sum_{i of k} w_i z_i(1)^2; each run's rate and factor are its slowest direction's."""
    curvature = games.loss.curvature(games.options)
    ps, rates, factors = [], [], []
    for level in games.ravine.levels:
        h = curvature * level
        if games.momentum:
            _, each, p = heavy_ball.path(games, h)
            rate = torch.tensor(each["rate"], dtype=torch.float64)
            factor = torch.tensor([math.nan if f is None else f for f in each["factor"]], dtype=torch.float64)
        else:
            factor = games.linear(Fraction(1), -h)
            p, rate = torch.pow(factor.unsqueeze(0), games.t), factor.abs()
        ps.append(p)
        rates.append(rate)
        factors.append(factor)
    p, rates, factors = torch.stack(ps, -1), torch.stack(rates, 1), torch.stack(factors, 1)  # (attempts,) runs, K
    shares, biggest = games.by_level(games.z0.pow(2) * games.ravine.weights, "sum"), games.by_level(games.z0.abs())
    loss = level_losses(shares, p)
    lost_at = verdicts.first((~torch.isfinite(biggest * p) & (biggest > 0)).any(-1))
    if games.frozen is not None:
        grows = (factors.abs() > 1).any(1)  # its loss may leave tolerance again: every attempt counts
        until = torch.where(grows, games.attempts - 1, verdicts.first(within(loss, games.tolerance)))
        rows = may_stand(games, factors, curvature, until.clamp(max=games.attempts - 1)).nonzero().flatten()
        if len(rows):
            games.settle(rows, games.z0[rows] * p[:, rows][..., games.ravine.group], loss)
    return numbers(games.ravine, curvature, games.momentum), slowest(rates, factors), (loss, lost_at)


def level_losses(shares: Tensor, p: Tensor) -> Tensor:
    """sum_k c_k p_k^2, the levels (the last dimension) added one by one, the stiffest first; a level with
    c_k = 0 adds 0 (whatever its p_k)."""
    terms = torch.where(shares == 0, 0.0, shares * p * p)
    loss = terms[..., 0]
    for k in range(1, terms.shape[-1]):
        loss = loss + terms[..., k]
    return loss


def may_stand(games: RavineGames, factors: Tensor, curvature: Fraction, until: Tensor) -> Tensor:
    """(runs,) bool: the runs of plain SGD with an element whose step, lr h_i |z_i(t)|, may round away
    (`Frozen.played`) by `until` (0-based), where the loss is within tolerance (the last attempt where it
    never is, or grows) -- its smallest step until then, the last where it shrinks (|factor| <= 1), the
    first where it grows, below half the spacing of the floats it moves among. An element stopping later
    keeps the loss within tolerance, and changes no verdict."""
    return may_stop(games, factors, curvature, until).any(1) & (until >= games.frozen.start)


def stopping(games: RavineGames, factors: Tensor, curvature: Fraction) -> tuple[Tensor, Tensor]:
    """(runs,) each, for runs of plain SGD whose loss never grows: how far the loss moves where their elements
    stop (`Frozen.played`), and whether one of them never stops, so that the guess never stands still.

    An element whose step may round away within the budget stops within gap / (2 lr h_i) of its answer and
    is put on the float grid there: it moves the loss by at most h_i / 2 (that + gap / 2)^2."""
    if games.frozen is None:
        return torch.zeros(games.runs, dtype=torch.float64), torch.ones(games.runs, dtype=torch.bool)
    step, gap, h = _smallest_steps(games, factors, curvature, torch.full((games.runs,), games.attempts - 1))
    stops = _may_round_away(step, gap) & (games.z0 != 0)
    far = (gap / (2 * games.lr.unsqueeze(1) * h) + gap / 2) * (1 + 2.0 ** -40)
    return torch.where(stops, h / 2 * far * far, 0.0).sum(1), ((games.z0 != 0) & ~stops).any(1)


def may_stop(games: RavineGames, factors: Tensor, curvature: Fraction, until: Tensor) -> Tensor:
    """(runs, N) bool: the elements of plain SGD's runs whose step may round away by attempt `until` (runs,)
    (0-based)."""
    step, gap, _ = _smallest_steps(games, factors, curvature, until)
    return _may_round_away(step, gap) & (games.z0 != 0)


def _may_round_away(step: Tensor, gap: Tensor) -> Tensor:
    """A step below half the spacing, however the run's own arithmetic rounds it."""
    return step * (1 - 2.0 ** -40) < gap / 2


def _smallest_steps(games: RavineGames, factors: Tensor, curvature: Fraction,
                    until: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """(runs, N) each element's smallest step by `until` (runs,), lr h_i |z_i(1)| |factor|^until where it
    shrinks, its first where it grows; the largest spacing of the floats it moves among, those within
    |answer| + |z_i(1)| of 0; and (N,) each element's curvature h_i."""
    group = games.ravine.group
    h = torch.tensor([float(curvature * level) for level in games.ravine.levels], dtype=torch.float64)[group]
    size = factors.abs()[:, group]  # (runs, N)
    shrinks = torch.where(size <= 1, size.pow(until.double().unsqueeze(1)), 1.0)
    step = games.lr.unsqueeze(1) * h * games.z0.abs() * shrinks
    return step, spacing(games.frozen.answers.abs() + games.z0.abs(), games.frozen.dtype), h


def numbers(ravine: Ravine, curvature: Fraction, momentum: float) -> dict:
    """What theory says of a quadratic ravine, every run alike: its condition number, critical lr, plain SGD's
    fastest lr and heavy ball's optimum, and the note that says them."""
    top, bottom = curvature * ravine.levels[0], curvature * ravine.levels[-1]
    kappa = top / bottom
    root = math.sqrt(kappa)
    critical = 2 * (1 + Fraction(momentum)) / top
    shared = {"condition_number": float(kappa), "critical_lr": float(critical),
              "heavy_ball_lr": 4 / (math.sqrt(bottom) + math.sqrt(top)) ** 2,
              "heavy_ball_momentum": ((root - 1) / (root + 1)) ** 2, "heavy_ball_rate": (root - 1) / (root + 1)}
    plain = fastest(top, bottom)
    if momentum:
        said = f"with momentum {momentum:g} converges for lr < {float(critical):.3g}; plain SGD {plain['note']}"
    else:
        shared.update(best_lr=plain["best_lr"], best_rate=plain["best_rate"])
        said = plain["note"]
    note = (f"kappa = {float(kappa):.3g}: {said}; heavy ball's optimum lr {shared['heavy_ball_lr']:.4g}, momentum "
            f"{shared['heavy_ball_momentum']:.4g} (rate {shared['heavy_ball_rate']:.3f})")
    return {**shared, "note": note + ravine.unrounded(momentum)}


def fastest(top: Fraction, bottom: Fraction) -> dict:
    """Plain SGD on curvatures from `bottom` to `top`: fastest at lr 2 / (bottom + top), rate (kappa - 1) /
    (kappa + 1), and that in words."""
    kappa = top / bottom
    best, rate = 2 / (top + bottom), (kappa - 1) / (kappa + 1)
    said = f"converges for lr < {float(2 / top):.3g}, fastest at lr = {float(best):.4g} (rate {float(rate):.3f})"
    return {"best_lr": float(best), "best_rate": float(rate), "note": said}


def slowest(rates: Tensor, factors: Tensor) -> dict[str, list]:
    """Each run's rate and factor (runs, K per level): its slowest direction's, the stiffest of equals; the
    factor None where it has no sign (complex roots)."""
    at = rates.argmax(1, keepdim=True)
    rate, factor = rates.gather(1, at)[:, 0], factors.gather(1, at)[:, 0]
    return {"rate": rate.tolist(), "factor": [None if math.isnan(f) else f for f in factor.tolist()]}
