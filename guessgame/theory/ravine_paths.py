"""Which closed form a ravine's runs follow, and those of the losses whose slope is bounded.

With weights and no rotation every element moves on its own, its step its weight times the plain one
(s = 1/N with `mean`, 1 with `sum`):

    walk       l1: element i steps lr s w_i towards its answer, then bounces within that step of it --
               unless its steps land on it exactly
    piecewise  huber, smooth_l1: l1-like steps of lr s w_i x the far slope while |e_i| > the width, then
               mse-like inside it, where the core is mse's ravine (`ravine.numbers`) with curvatures h s w_i
    drift      the bad loss: d loss / d z_i = s w_i everywhere, so each axis z_i moves by lr s w_i per attempt
               (more with momentum), rotation or not, and the loss falls for ever

Along turned axes an l1-like step lands exactly on the answer or not by rounding alone (a rotation by
90 degrees is not exactly one in floats), so theory says it has no closed form there.
"""

from __future__ import annotations

from fractions import Fraction

import torch

from guessgame import losses
from guessgame.config import Config
from guessgame.status import Status
from guessgame.theory import closed_forms, exact
from guessgame.theory.games import never
from guessgame.theory.ravine import RavineGames, fastest, numbers, quadratic, slowest, upstream


def closed_form(config: Config):
    """The closed form of a ravine's runs (a function of `RavineGames`), or why it has none (a note)."""
    kind, _ = losses.effective(config.loss, config.loss_options)
    turned = config.rotation is not None
    if config.scheduled:
        return f"no closed form for a schedule with {'a rotation' if turned else 'weights'}"
    if kind.closed_form == "quadratic":
        return quadratic
    if kind.closed_form == "drift":
        return drift
    if kind.closed_form is None:
        return f"no closed form for {kind.name}"
    if turned:
        return (f"no closed form for {kind.name} with a rotation: along turned axes, rounding decides whether "
                "the guess lands on the answer")
    if config.heavy_ball:
        return f"no closed form for {kind.name} with weights and momentum"
    return walk if kind.closed_form == "walk" else piecewise


def _far_steps(games: RavineGames):
    """(runs, N): each element's step outside the core, lr x (its upstream gradient x the far slope), as the
    engine takes it."""
    far = upstream(games) * float(games.loss.far_slope(games.options))
    return games.lr.unsqueeze(1) * far.unsqueeze(0)


def walk(games: RavineGames):
    """l1 with weights: element i steps s_i towards its answer, then bounces within s_i of it."""
    s = _far_steps(games)
    size = games.e0.abs()
    within = torch.where(s > 0, torch.clamp(torch.ceil(size / s) - 1, min=0), torch.inf).amax(1) + 1
    levels = dict.fromkeys(f"lr x {float(level):g}" for level in (games.ravine.levels[-1], games.ravine.levels[0]))
    shared = {"note": f"element i steps lr{_per(games)} towards the answer ({' to '.join(levels)}), then bounces "
                      "within that step of it; no lr diverges, none converges unless every element lands exactly"}
    path = games.by_element(lambda rows, t: closed_forms._walk(games.e0[rows], s[rows], t))
    each = {"band": s.amax(1).tolist(),
            "band_reached_at": [int(v) if v < float("inf") else None for v in within.tolist()]}
    return shared, each, (path, never(games))


def piecewise(games: RavineGames):
    """huber and smooth_l1 with weights: element i steps outside the width, then is multiplied by 1 - lr h_i."""
    width = float(games.loss.width(games.options))
    curvature = games.loss.curvature(games.options)
    levels, group = games.ravine.levels, games.ravine.group
    s = _far_steps(games)
    factors = games.linears(Fraction(1), tuple(-curvature * level for level in levels))  # (runs, K)
    size = games.e0.abs()
    # an element whose core is unstable bounces, and the arms bring it back: bounded, no closed form
    unstable = torch.stack([exact.at_least(games.lr, 2 / (curvature * level)) for level in levels], 1)[:, group]
    unstable = (unstable & ~closed_forms._lands(size, s)).any(1)
    each = slowest(factors.abs(), factors)
    if bool(unstable.any()):
        approach = torch.clamp(torch.ceil((size - width) / s), min=0).amax(1)
        settled = approach + 3 <= (games.attempts + 1) // 2
        each["predicted"] = [(Status.OSCILLATING if ok else Status.UNFINISHED) if bad else None
                             for bad, ok in zip(unstable.tolist(), settled.tolist())]
    factor = factors[:, group]
    path = games.by_element(lambda rows, t: closed_forms._two_phases(games.e0[rows], s[rows], width, factor[rows], t))
    core = numbers(games.ravine, curvature, 0.0)
    top, bottom = curvature * levels[0], curvature * levels[-1]
    shared = {key: core[key] for key in ("condition_number", "critical_lr", "best_lr", "best_rate")}
    shared["note"] = (f"inside |error| <= {width:g} element i is multiplied by 1 - lr h_i per attempt (below 0, it "
                      f"overshoots): kappa = {core['condition_number']:.3g}: {fastest(top, bottom)['note']}; beyond "
                      "that it bounces but stays bounded")
    return shared, each, (path, never(games))


def drift(games: RavineGames):
    """The bad loss: z_i moves by lr s w_i per attempt (more with momentum), and the loss falls for ever."""
    mu = games.momentum
    t = games.t
    moved = t / (1 - mu) - mu * (1 - torch.pow(torch.tensor(mu, dtype=torch.float64), t)) / (1 - mu) ** 2 if mu else t
    z = games.z0.unsqueeze(0) - (games.lr.unsqueeze(1) * upstream(games)).unsqueeze(0) * moved.unsqueeze(-1)
    loss = games.weighted(z)
    games.played(lambda rows, t: z[:, rows], loss)
    shared = {"critical_lr": 0.0, "note": f"the gradient never points at the answer: the guess drifts by "
                                          f"lr{_per(games)} per attempt along each axis, and the loss falls for ever"
                                          + games.ravine.unrounded(mu)}
    return shared, {}, (loss, never(games))


def _per(games: RavineGames) -> str:
    """Each element's share of the step, in words: ` w_i/N` (mean) or ` w_i` (sum)."""
    return " w_i/N" if games.reduction == "mean" else " w_i"
