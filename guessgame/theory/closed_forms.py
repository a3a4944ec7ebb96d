"""The closed forms: the loss at every attempt of the budget, for each kind of loss.

    quadratic  mse: every element of the error scaled by the same p(t); heavy-ball momentum too
    walk       l1: steps of lr/N towards the answer, then a bounce in the band, or an exact landing
    piecewise  huber, smooth_l1: l1-like steps outside the core, then mse-like inside it
    drift      the bad loss: the guess moves by lr/N per attempt whatever the answer
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Callable

import torch
from torch import Tensor

from guessgame import losses
from guessgame.status import Status, monotone, verdicts
from guessgame.status.rules import reference_candidate
from guessgame.theory import exact, frozen, heavy_ball
from guessgame.theory.games import Games, never


def path_of(loss: losses.Loss):
    """The closed form a loss's record names (all core, no core, core and arms, no minimum), or None."""
    shapes = {"quadratic": quadratic, "walk": walk, "piecewise": piecewise, "drift": drift}
    return None if loss.closed_form is None else shapes[loss.closed_form]


def quadratic(games: Games):
    """loss(t) = loss(1) p(t)^2: every element of the error is scaled by the same p(t)."""
    h = games.loss.curvature(games.options) * games.scale
    if games.momentum:
        shared, each, p = heavy_ball.path(games, h)
        return shared, each, _scaled_losses(games, p)
    shared, factor = _geometric(games, h)
    p = _power(factor.unsqueeze(0), games.t)
    loss, lost_at = _scaled_losses(games, p)
    return shared, _rates(factor), (games.played(lambda rows, t: games.e0[rows] * p[:, rows].unsqueeze(-1), loss),
                                    lost_at)


def _rates(factor: Tensor) -> dict[str, list]:
    """Each run's rate |factor|, and the factor itself: negative where the error changes sign each attempt."""
    return {"rate": factor.abs().tolist(), "factor": factor.tolist()}


def _geometric(games: Games, h: Fraction) -> tuple[dict, Tensor]:
    """What theory says of p(t) = factor^(t-1), and each run's factor 1 - lr h (exact: lr and h are
    rationals)."""
    factor = games.linear(Fraction(1), -h)
    shared = {"critical_lr": float(2 / h), "best_lr": float(1 / h),
              "note": f"error x (1 - lr/{float(1 / h):g}) per attempt, below 0 from lr {float(1 / h):g} on: the "
                      f"guess overshoots, the error changing sign; converges for lr < {float(2 / h):g}, fastest at "
                      f"lr = {float(1 / h):g}"}
    return shared, factor


def quadratic_verdicts(games: Games, rules: verdicts.Rules) -> tuple[dict, dict, verdicts.Found]:
    """The verdicts of `quadratic`'s losses without writing every attempt down.

    Each run's loss loss(1) factor^(2(t-1)) is monotone: it falls (or stays) while |factor| <= 1, and
    the rules are read at the few attempts they look at (`monotone.falling`); it grows beyond, and
    those runs are written down only up to the attempt where they pass diverge_factor x their start
    -- they have diverged by then -- and judged as written (`verdicts.judge`).
    """
    h = games.loss.curvature(games.options) * games.scale
    shared, factor = _geometric(games, h)
    steps, runs, start = games.attempts, games.runs, games.start_loss()
    found = verdicts.Found.none(runs, steps)
    falls = torch.isfinite(start) & (factor.abs() <= 1) & (steps >= 3)
    near = _meets(factor, rules.tolerance / start, steps)
    stands = frozen.may_stand(games, factor, h, _loss_at(start, factor), near, rules)
    falls &= ~stands  # runs whose steps may round away are written down
    rows = falls.nonzero().flatten()
    if len(rows):
        monotone.falling(found, rows, _loss_at(start[rows], factor[rows]), near[rows], rules)
    passes = _passes(start, factor, steps, rules)
    rest = (~falls).nonzero().flatten()
    quick = passes[rest] < verdicts.FIRST_LOOK  # the judge's first look decides these: write them down apart
    for group in (rest[quick], rest[~quick]):
        if len(group):
            t = games.t[:int(passes[group].max()) + 1]
            p = _power(factor[group].unsqueeze(0), t)
            loss, lost_at = _scaled(start[group], games.e0[group].abs().amax(1), p)
            stood = _stood(games, group, p, loss, stands[group])
            verdicts.merge(found, group, verdicts.judge(loss, torch.full((len(group),), len(t)), lost_at, rules,
                                                        stood_at=stood))
    return shared, _rates(factor), found


def _stood(games: Games, group: Tensor, p: Tensor, loss: Tensor, stands: Tensor) -> Tensor | None:
    """Where the runs of `group` that may (`stands`) stand still do, their losses (`loss`, p (attempts,
    group)) as their dtype plays them; the others never do."""
    if games.frozen is None or not bool(stands.any()):
        return None
    some = stands.nonzero().flatten()
    stood = torch.full((len(group),), len(p), dtype=torch.long)
    stood[some] = games.settle(group[some], games.e0[group[some]] * p[:, some].unsqueeze(-1), loss, some)
    return stood


def _passes(start: Tensor, factor: Tensor, steps: int, rules: verdicts.Rules) -> Tensor:
    """Per run, the attempt by which a growing loss is past diverge_factor x its start, its reference
    (or the last attempt): written down that far, it has diverged."""
    grows = reference_candidate(start, rules.tolerance) & (factor.abs() > 1)
    passes = torch.full((len(start),), steps - 1, dtype=torch.long)
    if bool(grows.any()):
        rows = grows.nonzero().flatten()
        first, base = start[rows], factor[rows]
        near = _meets(base, torch.full_like(first, rules.diverge_factor), steps)
        passes[rows] = monotone.first_past(_loss_at(first, base), first, len(rows), steps, near,
                                           rules.diverge_factor).clamp(max=steps - 1)
    return passes


def _loss_at(start: Tensor, factor: Tensor) -> Callable[[Tensor], Tensor]:
    """loss(1) factor^(2t) at 0-based attempts t."""
    return lambda t: _loss_of(start, _power(factor, t.double()))


def _meets(factor: Tensor, ratio: Tensor, steps: int) -> Tensor:
    """Where loss(1) factor^(2t) meets loss(1) x ratio, in floating point: where a search starts."""
    t = torch.log(ratio) / (2 * torch.log(factor.abs()))
    return t.nan_to_num(nan=steps, posinf=steps, neginf=0).clamp(0, steps).ceil().long()


def _scaled_losses(games: Games, p: Tensor) -> tuple[Tensor, Tensor]:
    return _scaled(games.start_loss(), games.e0.abs().amax(1), p)


def _scaled(start: Tensor, biggest: Tensor, p: Tensor) -> tuple[Tensor, Tensor]:
    """loss(1) p(t)^2, and the attempt at which the largest error p(t) e(1) overflows."""
    lost = ~torch.isfinite(biggest * p) & (biggest > 0)
    return _loss_of(start, p), verdicts.first(lost)


def _loss_of(start: Tensor, p: Tensor) -> Tensor:
    """loss(1) p(t)^2; a loss of 0 stays 0."""
    return torch.where(start == 0, torch.zeros_like(p), start * p * p)


def _power(base: Tensor, exponent: Tensor) -> Tensor:
    """base^exponent in float64, 0^0 = 1."""
    return torch.pow(base, exponent)


def walk(games: Games):
    s = games.lr * float(games.loss.far_slope(games.options) * games.scale)  # the engine's step: lr * float(1/N)
    shared = {"note": "steps of lr/N towards the answer, then bounces within lr/N of it; no lr diverges, "
                      "none converges unless it lands exactly"}
    size = games.e0.abs()
    within = torch.where(s.unsqueeze(1) > 0, torch.clamp(torch.ceil(size / s.unsqueeze(1)) - 1, min=0),
                         torch.full_like(size, math.inf)).amax(1) + 1
    band_at = [int(v) if math.isfinite(v) else None for v in within.tolist()]
    path = games.by_element(lambda rows, t: _walk(games.e0[rows], s[rows], t))
    return shared, {"band": s.tolist(), "band_reached_at": band_at}, (path, never(games))


def _walk(e0: Tensor, s: Tensor, t: Tensor) -> Tensor:
    """Steps of size s towards the answer, then a bounce in [-s, s]; an element that lands exactly on
    the answer stays there. e0 (runs, N), s (runs,) or each element's own (runs, N), t (attempts, 1)
    -> (attempts, runs, N)."""
    s = s.unsqueeze(1) if s.dim() == 1 else s
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


def piecewise(games: Games):
    """huber and smooth_l1: l1-like steps outside the width, then mse-like inside it."""
    width = games.loss.width(games.options)
    h = games.loss.curvature(games.options) * games.scale
    outside = games.loss.far_slope(games.options) * games.scale
    critical = 2 / h
    s = games.lr * float(outside)
    factor = games.linear(Fraction(1), -h)
    shared = {"critical_lr": float(critical), "best_lr": float(1 / h),
              "note": f"inside |error| <= {float(width):g} the error is multiplied by (1 - lr/{float(1 / h):g}) per "
                      f"attempt (below 0, it overshoots); converges for lr < {float(critical):g}, beyond that it "
                      f"bounces but stays bounded"}
    each: dict[str, list] = _rates(factor)
    size = games.e0.abs()
    every_lands = _lands(size, s.unsqueeze(1)).all(1)
    unstable = exact.at_least(games.lr, critical) & ~every_lands
    if bool(unstable.any()):
        # The core is unstable and the arms bring the guess back: a bounded bounce, no closed form.
        approach = torch.clamp(torch.ceil((size - float(width)) / s.unsqueeze(1)), min=0).amax(1)
        settled = approach + 3 <= (games.attempts + 1) // 2
        each["predicted"] = [(Status.OSCILLATING if ok else Status.UNFINISHED) if bad else None
                             for bad, ok in zip(unstable.tolist(), settled.tolist())]
    path = games.by_element(lambda rows, t: _two_phases(games.e0[rows], s[rows], float(width), factor[rows], t))
    return shared, each, (path, never(games))


def _two_phases(e0: Tensor, s: Tensor, width: float, factor: Tensor, t: Tensor) -> Tensor:
    """Steps of s while |e| > width, then e x factor per attempt; s and factor (runs,), or each element's own
    (runs, N); (attempts, runs, N)."""
    s, factor = (s.unsqueeze(1) if s.dim() == 1 else s), (factor.unsqueeze(1) if factor.dim() == 1 else factor)
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


def drift(games: Games):
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
    if not mu:  # every element moves by lr g: where that rounds away, it stops
        loss = games.played(lambda rows, t: games.e0[rows] - (games.lr[rows] * g).unsqueeze(1) * t.unsqueeze(-1), loss)
    return shared, {}, (loss, never(games))

