"""The verdicts of many runs at once: `Found` holds them as tensors, `outcome` as one entry per run."""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor

from guessgame.status import Status


class Outcome(NamedTuple):
    status: list[Status]
    converged_at: list[int | None]  # 1-based attempt: the first of SETTLE within tolerance
    diverged_at: list[int | None]  # 1-based attempt at which the run was declared diverged
    decided_at: list[int | None]  # 1-based attempt at which the verdict was reached
    left_at: list[int | None]  # a converged run's first later attempt above tolerance, if any
    stalled_at: list[int | None]  # 1-based attempt at which the run was declared stalled
    settled_at: list[int | None]  # 1-based attempt at which a noisy run was declared settled at its floor


class Found(NamedTuple):
    """The verdicts of all runs as tensors (0-based attempts, `steps` where never)."""

    converged: Tensor
    diverged: Tensor
    moving: Tensor  # neither: still moving (unfinished) or not (oscillating)
    settled: Tensor  # the first attempt of the stretch within tolerance
    decided_conv: Tensor  # the attempt that stretch became long enough
    diverged_at: Tensor
    left: Tensor  # the first attempt above tolerance after converging
    stalled: Tensor
    stalled_at: Tensor
    floored: Tensor  # settled at its noise floor
    floor_at: Tensor  # the attempt it was (`rules.at_floor`)
    steps: int  # the attempts looked at: this many stands for never

    @classmethod
    def none(cls, runs: int, steps: int) -> Found:
        """No verdict for any run yet."""
        def no() -> Tensor:
            return torch.zeros(runs, dtype=torch.bool)

        def never() -> Tensor:
            return torch.full((runs,), steps, dtype=torch.long)

        return cls(no(), no(), no(), never(), never(), never(), never(), no(), never(), no(), never(), steps)


def merge(found: Found, runs: Tensor, part: Found, rows: Tensor | None = None) -> None:
    """Copy the verdicts of `part`'s `rows` (all by default) into `found` at `runs`; `part`'s never
    becomes `found`'s."""
    for mine, theirs in zip(found[:-1], part[:-1]):
        theirs = theirs if rows is None else theirs[rows]
        if mine.dtype != torch.bool:
            theirs = torch.where(theirs >= part.steps, found.steps, theirs)
        mine[runs] = theirs


def outcome(found: Found) -> Outcome:
    """The verdicts as lists, one entry per run: 1-based attempts, None where there is none."""
    converged, diverged, moving, stalled = found.converged, found.diverged, found.moving, found.stalled
    floored = found.floored
    code = torch.where(converged, 0, torch.where(diverged, 3, torch.where(stalled, 4, torch.where(
        floored, 5, torch.where(moving, 2, 1)))))
    status = [_ORDER[c] for c in code.tolist()]
    decided = torch.where(converged, found.decided_conv, torch.where(
        diverged, found.diverged_at, torch.where(stalled, found.stalled_at, torch.where(floored, found.floor_at, -2))))
    return Outcome(status, _maybe(torch.where(converged, found.settled, -2)),
                   _maybe(torch.where(diverged, found.diverged_at, -2)), _maybe(decided),
                   _maybe(torch.where(converged & (found.left < found.steps), found.left, -2)),
                   _maybe(torch.where(stalled, found.stalled_at, -2)), _maybe(torch.where(floored, found.floor_at, -2)))


_ORDER = (Status.CONVERGED, Status.OSCILLATING, Status.UNFINISHED, Status.DIVERGED, Status.STALLED, Status.SETTLED)


def _maybe(at: Tensor) -> list[int | None]:
    """0-based attempts (-2 for none) as 1-based ones, or None."""
    return [None if v < 0 else v for v in (at + 1).tolist()]


def first(mask: Tensor) -> Tensor:
    """Index of the first True along dim 0, or len if none."""
    steps = mask.shape[0]
    if steps == 0:
        return torch.zeros(mask.shape[1:], dtype=torch.long)
    hit, at = mask.view(torch.uint8).max(0)  # torch.max gives the first of equal maxima: one pass for both
    return torch.where(hit.bool(), at, steps)
