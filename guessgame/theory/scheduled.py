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

from typing import Callable

import torch
from torch import Tensor

from guessgame import losses, schedules
from guessgame.config import Config
from guessgame.records import Theory
from guessgame.status import verdicts
from guessgame.theory.frozen import Frozen
from guessgame.theory.games import CHUNK


def unsupported(config: Config) -> str | None:
    """Why theory has no closed form for this scheduled game, or None where it has one."""
    loss, _ = losses.effective(config.loss, config.loss_options)
    if not config.plain_sgd:
        return f"no closed form for {config.optimizer} with a schedule"
    if schedules.momenta(config.schedule, config.schedule_options, config.attempts) is not None:
        return f"no closed form for {config.schedule} cycling SGD's momentum"
    if loss.name not in ("l1", "mse"):
        return f"no closed form for {loss.name} with a schedule"
    return None


def written(config: Config, errors: Tensor, lrs: Tensor, frozen: Frozen | None = None,
            ) -> tuple[Tensor, Tensor | None, Tensor]:
    """The losses (attempts, runs) of a scheduled game with a closed form (`unsupported` is None), where
    each run stands still (with `frozen`), and s (attempts, runs): each element's step or half its
    curvature x lr."""
    runs, n = errors.shape
    name = losses.effective(config.loss, config.loss_options)[0].name
    s = lrs.double() * (1.0 / n if config.reduction == "mean" else 1.0)
    reduce = (lambda x: x.mean(-1)) if config.reduction == "mean" else (lambda x: x.sum(-1))
    values = torch.empty(s.shape, dtype=torch.float64)
    stood = None if frozen is None else torch.empty(runs, dtype=torch.long)
    block = max(1, CHUNK // max(1, s.shape[0] * n))
    for start in range(0, runs, block):  # a block of runs at a time
        rows = slice(start, start + block)
        values[:, rows], path = (_l1 if name == "l1" else _mse)(errors[rows].double(), s[:, rows], reduce)
        if frozen is not None:  # where an element's step rounds away, it stops
            played, stood[rows], changed = frozen.of_runs(rows).played(path(), lrs[:, rows].double())
            kept = played[:, changed]
            values[:, torch.arange(runs)[rows][changed]] = reduce(kept.abs() if name == "l1" else kept.pow(2))
    return values, stood, s


def predict(config: Config, errors: Tensor, lrs: Tensor, rules: verdicts.Rules,
            frozen: Frozen | None = None) -> list[Theory]:
    """The theory blocks of the runs of a scheduled config: errors (runs, N) at the start, lrs
    (attempts, runs) each attempt's lr; `frozen`, where given, says where a step rounds away."""
    runs, n = errors.shape
    note = unsupported(config)
    if note:
        return [Theory(note=note)] * runs
    values, stood, s = written(config, errors, lrs, frozen)
    scale = 1.0 / n if config.reduction == "mean" else 1.0
    shared, each = _words(losses.effective(config.loss, config.loss_options)[0].name, s, 1.0 / scale)
    lost_at = verdicts.first(~torch.isfinite(values))
    found = verdicts.judge(values, torch.full((runs,), values.shape[0]), lost_at, rules, stood_at=stood)
    outcome = verdicts.outcome(found)
    return [Theory(**shared, **{key: value[r] for key, value in each.items()}, predicted=outcome.status[r],
                   predicted_converged_at=outcome.converged_at[r], predicted_diverged_at=outcome.diverged_at[r],
                   predicted_stalled_at=outcome.stalled_at[r])
            for r in range(runs)]


def _l1(e: Tensor, s: Tensor, reduce) -> tuple[Tensor, Callable[[], Tensor]]:
    """Each element steps s(t) towards its answer (none once exactly on it, where sign is 0): the losses,
    and the errors (attempts, runs, N)."""
    path = torch.empty(s.shape[0], *e.shape, dtype=torch.float64)
    for t in range(s.shape[0]):
        path[t] = e
        e = e - s[t].unsqueeze(1) * torch.sign(e)
    return reduce(path.abs()), lambda: path


def _mse(e: Tensor, s: Tensor, reduce) -> tuple[Tensor, Callable[[], Tensor]]:
    """loss(t) = loss(1) prod_{k<t} (1 - 2 s(k))^2, and the errors e(1) prod_{k<t} (1 - 2 s(k)), made when
    asked for."""
    factor = 1 - 2 * s  # (attempts, runs)
    squares = torch.cat([torch.ones_like(factor[:1]), factor[:-1].pow(2)]).cumprod(0)
    values = reduce(e.pow(2)).unsqueeze(0) * squares
    return values, lambda: torch.cat([torch.ones_like(factor[:1]), factor[:-1]]).cumprod(0).unsqueeze(-1) * e


def _words(name: str, s: Tensor, n: float) -> tuple[dict, dict]:
    """What theory says of each schedule's closed form, and each run's own values."""
    if name == "l1":
        note = ("l1 with a schedule: each element moves lr(t)/N per attempt, so the band it bounces in "
                "shrinks with lr(t); it converges once those steps add up to the distance while lr(t) falls to 0, "
                "and stalls short of the answer where they add up to less")
        return {"note": note}, {"band": s[-1].tolist()}
    note = (f"mse with a schedule: the error is multiplied by 1 - 2 lr(t)/{n:g} each attempt, which "
            f"shrinks it while lr(t) < {n:g}")
    return {"critical_lr": n, "note": note}, {}
