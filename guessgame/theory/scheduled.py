"""Theory with an lr schedule: plain SGD whose lr changes per attempt, lr(t), where a closed form exists.

With s(t) = lr(t)/N (`mean`) or lr(t) (`sum`):

    l1   each element moves s(t) towards its answer: e(t+1) = e(t) - s(t) sign(e(t)). It walks until
         the steps so far add up to its distance, then bounces in a band of width s(t) -- which shrinks
         with lr(t). So the run converges when sum s(t) reaches the distance while s(t) -> 0.
    mse  e(t+1) = (1 - 2 s(t)) e(t): the loss is loss(1) times the product of (1 - 2 s(k))^2 for k < t.
         Each attempt contracts while |1 - 2 s(t)| < 1, i.e. lr(t) < N (1 with `sum`).

The loss sequence is written down and read with the verdict rules, as every closed form is.
"""

from __future__ import annotations

import torch
from torch import Tensor

from guessgame import losses, schedules
from guessgame.config import Config
from guessgame.records import Theory
from guessgame.status import verdicts


def predict(config: Config, errors: Tensor, lrs: Tensor, rules: verdicts.Rules) -> list[Theory]:
    """The theory blocks of the runs of a scheduled config: errors (runs, N) at the start, lrs
    (attempts, runs) each attempt's lr."""
    runs = errors.shape[0]
    loss, options = losses.effective(config.loss, config.loss_options)
    if not config.plain_sgd:
        return [Theory(note=f"no closed form for {config.optimizer} with a schedule")] * runs
    if schedules.momenta(config.schedule, config.schedule_options, config.attempts) is not None:
        return [Theory(note=f"no closed form for {config.schedule} cycling SGD's momentum")] * runs
    if loss.name not in ("l1", "mse"):
        return [Theory(note=f"no closed form for {loss.name} with a schedule")] * runs
    n = errors.shape[1]
    scale = 1.0 / n if config.reduction == "mean" else 1.0
    s = lrs.double() * scale  # (attempts, runs): each element's step (l1), half the curvature x lr (mse)
    reduce = (lambda x: x.mean(-1)) if config.reduction == "mean" else (lambda x: x.sum(-1))
    if loss.name == "l1":
        values, shared, each = _l1(errors.double(), s, reduce)
    else:
        values, shared, each = _mse(errors.double(), s, 1.0 / scale, reduce)
    lost_at = verdicts.first(~torch.isfinite(values))
    found = verdicts.judge(values, torch.full((runs,), values.shape[0]), lost_at, rules)
    outcome = verdicts.outcome(found)
    return [Theory(**shared, **{key: value[r] for key, value in each.items()}, predicted=outcome.status[r],
                   predicted_converged_at=outcome.converged_at[r], predicted_diverged_at=outcome.diverged_at[r])
            for r in range(runs)]


def _l1(e: Tensor, s: Tensor, reduce) -> tuple[Tensor, dict, dict]:
    """Each element steps s(t) towards its answer (none once exactly on it, where sign is 0)."""
    values = torch.empty(s.shape[0], e.shape[0], dtype=torch.float64)
    for t in range(s.shape[0]):
        values[t] = reduce(e.abs())
        e = e - s[t].unsqueeze(1) * torch.sign(e)
    note = ("l1 with a schedule: each element moves lr(t)/N per attempt, so the band it bounces in "
            "shrinks with lr(t); it converges once those steps add up to the distance while lr(t) falls to 0")
    return values, {"note": note}, {"band": s[-1].tolist()}


def _mse(e: Tensor, s: Tensor, n: float, reduce) -> tuple[Tensor, dict, dict]:
    """loss(t) = loss(1) prod_{k<t} (1 - 2 s(k))^2."""
    factor = 1 - 2 * s  # (attempts, runs)
    squares = torch.cat([torch.ones_like(factor[:1]), factor[:-1].pow(2)]).cumprod(0)
    values = reduce(e.pow(2)).unsqueeze(0) * squares
    note = (f"mse with a schedule: the error is multiplied by 1 - 2 lr(t)/{n:g} each attempt, which "
            f"shrinks it while lr(t) < {n:g}")
    return values, {"critical_lr": n, "note": note}, {}
