"""Where theory's guess stands still: every element's step, lr x |gradient|, below half the spacing of the
floats around its guess in the run's dtype, so that subtracting it rounds back to the guess -- with plain
SGD and an lr that never rises again, for good (`reach.still_from`). The closed forms follow real
arithmetic, which never stops; a run in float16 does, and theory says where.

With `weights`, element i's step is its weight times the plain one; with a `rotation` every step moves
every element at once, and theory does not say where a step rounds away.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor

from guessgame import losses, ravine
from guessgame.config import Config
from guessgame.status import reach
from guessgame.status.found import first


class Frozen(NamedTuple):
    """What decides whether a run's steps still move its guess: its answers as its dtype holds them."""

    answers: Tensor  # (runs, N) float64
    dtype: torch.dtype
    start: int  # the first attempt (0-based) from which a guess that stands still stands for good
    loss: losses.Loss
    options: dict
    scale: float | Tensor  # d(reduction) / d(element): 1/N with mean; with weights, each element's (N,)

    @classmethod
    def of(cls, config: Config, answers: Tensor | None) -> Frozen | None:
        """For a config's runs with these answers (runs, N); None where a guess never stands for good, or
        where theory does not say (a rotation)."""
        start = reach.still_from(config)
        if answers is None or start is None or config.rotation is not None:
            return None
        loss, options = losses.effective(config.loss, config.loss_options)
        scale = 1.0 / config.numel if config.reduction == "mean" else 1.0
        weights = ravine.weights(config)
        if (weights != 1).any():
            scale = torch.from_numpy(weights) * scale
        return cls(answers.double().cpu(), getattr(torch, config.dtype), start, loss, options, scale)

    def of_runs(self, runs) -> Frozen:
        return self._replace(answers=self.answers[runs])

    def step(self, errors: Tensor, lr: Tensor) -> Tensor:
        """|step| of each element at errors (..., runs, N), with lrs (..., runs): lr x |gradient|."""
        slope = torch.from_numpy(self.loss.values(errors.numpy(), self.options)[1]).abs()
        return lr.unsqueeze(-1) * slope * self.scale

    def played(self, errors: Tensor, lr: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """The errors (attempts, runs, N) as the run's dtype plays them, with lrs (attempts or 1, runs): each
        element stops at the first attempt its step rounds away (from `start` on; for good, with plain SGD),
        on the float nearest its error whose own step rounds away -- 0 if that is the answer. With where
        each run stands still (every element stopped; `len(errors)` if not yet) and which runs changed."""
        steps = len(errors)
        attempt = torch.arange(steps).reshape(-1, 1, 1)
        gap = spacing(self.answers + errors, self.dtype)
        away = errors != 0  # an element on its answer goes where its closed form says: it has no step to round
        stop = first((self.step(errors, lr) < gap / 2) & away & (attempt >= self.start))  # (runs, N)
        on_answer = (steps - first(away.flip(0))).clamp(min=self.start)  # on it from there to the end
        last = stop.clamp(max=steps - 1)
        at, gap = errors.gather(0, last.unsqueeze(0))[0], gap.gather(0, last.unsqueeze(0))[0]
        lr_there = lr.unsqueeze(-1).expand(steps, *last.shape).gather(0, last.unsqueeze(0))  # (1, runs, N)
        at = torch.round(at / gap) * gap  # a float's error is a whole number of spacings
        moves = self.step(at.unsqueeze(0), torch.ones_like(lr_there[..., 0]))[0] * lr_there[0] >= gap / 2
        at = torch.where(moves, at - torch.sign(at) * gap, at)  # a step that does not round away moves it one more
        later = attempt >= stop
        changed = ((errors != at) & later).any(-1).any(0)
        return torch.where(later, at, errors), torch.minimum(stop, on_answer).amax(-1), changed


def spacing(x: Tensor, dtype: torch.dtype) -> Tensor:
    """The gap between the float of `dtype` at x (float64) and the next one away from 0; the smallest
    subnormal at 0, inf beyond the finite."""
    info = torch.finfo(dtype)
    _, exponent = torch.frexp(x)
    gap = torch.ldexp(torch.full_like(x, info.eps), exponent - 1).clamp(min=info.tiny * info.eps)
    gap = torch.where(x == 0, info.tiny * info.eps, gap)
    return torch.where(x.abs() <= info.max, gap, torch.inf)


def may_stand(games, factor: Tensor, h: float, loss_at, near: Tensor, rules) -> Tensor:
    """(runs,) bool: which runs of errors e(1) factor^(t-1), |factor| <= 1, may have an element stop
    (`Frozen.played`) before their loss is within tolerance; an element stopping later keeps it there,
    and changes no verdict. Their steps lr h |e| shrink, and their guesses stay within |answer| + |e(1)|:
    a step not below half the spacing there, at an attempt by which the loss is within tolerance, never
    rounds away before it. `near` (runs,), where the loss meets tolerance in floating point, is checked."""
    if games.frozen is None:
        return torch.zeros(games.runs, dtype=torch.bool)
    from guessgame.status.rules import within

    by = (near + 1).clamp(max=games.attempts)  # within tolerance at attempt by - 1 (0-based), or no bound
    by = torch.where(within(loss_at((by - 1).clamp(min=0)), rules.tolerance), by, games.attempts)
    step = (games.lr * float(h) * factor.abs().pow((by - 1).clamp(min=0).double())).unsqueeze(1) * games.e0.abs()
    room = spacing(games.frozen.answers.abs() + games.e0.abs(), games.frozen.dtype) / 2
    return (step < room).any(1) & (by > games.frozen.start)
