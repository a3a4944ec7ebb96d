"""What happened to each run, read off its losses: converged, diverged, oscillating or unfinished.

    diverged     the loss became non-finite, or |loss| grew past diverge_factor x |first loss|,
                 or it ended above where it started and above everything in the first half
                 (growing without bound, only slowly)
    converged    the loss ended at or below tolerance (converged_at: where it got there to stay)
    oscillating  neither, and the second half did no better than the first, or the last losses
                 repeat with period 1 or 2 (the L1 band, a 2-cycle)
    unfinished   neither, and still improving when the attempts ran out
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor

# A new best must beat the old one by this much to count as progress, not float noise.
_PROGRESS = 1e-9


class Outcome(NamedTuple):
    status: list[str]
    converged_at: list[int | None]  # 1-based attempt
    diverged_at: list[int | None]


def classify(loss: Tensor, attempts_run: Tensor, tolerance: float, diverge_factor: float) -> Outcome:
    """Statuses of all runs from their losses (attempts, runs); runs stop after `attempts_run`."""
    steps, runs = loss.shape
    if steps == 0:
        return Outcome(["unfinished"] * runs, [None] * runs, [None] * runs)
    index = torch.arange(steps).unsqueeze(1)
    last = (attempts_run - 1).clamp_min(0)
    size = loss.abs().double()
    # Past its last attempt a run holds still, so every rule below can look at all rows at once.
    size = torch.where(index < attempts_run, size, size.gather(0, last.unsqueeze(0)))

    start = size[0]
    blown = ~torch.isfinite(size) | (size > diverge_factor * start)
    blown_at = _first(blown)
    half = torch.maximum(last // 2, torch.zeros_like(last))
    first_half_max = _masked(size, index <= half, -torch.inf).amax(0)
    end = size.gather(0, last.unsqueeze(0))[0]
    grew = (attempts_run >= 3) & (end > start) & (end > first_half_max)
    stays_above = torch.flip(torch.cummin(torch.flip(size, [0]), 0).values, [0]) > start
    diverged = (blown_at < steps) | grew
    diverged_at = torch.where(blown_at < steps, blown_at, _first(stays_above & (index <= last)))

    within = size <= tolerance
    settled = torch.flip(torch.cummin(torch.flip(within.to(torch.uint8), [0]), 0).values, [0]).bool()
    converged = within.gather(0, last.unsqueeze(0))[0] & ~diverged
    converged_at = _first(settled)

    first_best = _masked(size, index <= half, torch.inf).amin(0)
    later_best = _masked(size, (index > half) & (index <= last), torch.inf).amin(0)
    improving = ((later_best < first_best * (1 - _PROGRESS)) | (attempts_run < 2)) & ~_cycling(size, last)

    status, conv, div = [], [], []
    for r in range(runs):
        if diverged[r]:
            status.append("diverged")
        elif converged[r]:
            status.append("converged")
        elif improving[r]:
            status.append("unfinished")
        else:
            status.append("oscillating")
        conv.append(int(converged_at[r]) + 1 if status[-1] == "converged" else None)
        div.append(int(diverged_at[r]) + 1 if status[-1] == "diverged" else None)
    return Outcome(status, conv, div)


def _cycling(size: Tensor, last: Tensor) -> Tensor:
    """The last four losses repeat with period 1 or 2: a settled bounce, whatever came before."""
    if size.shape[0] < 4:
        return torch.zeros(size.shape[1], dtype=torch.bool)
    tail = torch.stack([size.gather(0, (last - k).clamp_min(0).unsqueeze(0))[0] for k in range(4)])
    close = lambda a, b: (a - b).abs() <= _PROGRESS * torch.maximum(a.abs(), b.abs())  # noqa: E731
    return (last >= 3) & close(tail[0], tail[2]) & close(tail[1], tail[3])


def _first(mask: Tensor) -> Tensor:
    """Index of the first True along dim 0, or len if none."""
    steps = mask.shape[0]
    hit = mask.any(0)
    return torch.where(hit, mask.to(torch.uint8).argmax(0), torch.full_like(hit, steps, dtype=torch.long))


def _masked(values: Tensor, keep: Tensor, fill: float) -> Tensor:
    return torch.where(keep, values, torch.full_like(values, fill))
