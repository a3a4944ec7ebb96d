"""The verdict rules of `guessgame.status`, for all runs at once: `classify` reads every run's losses
after the fact (`tracker.Tracker` reaches the same verdicts attempt by attempt).
"""
from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor

from guessgame.config import Config
from guessgame.losses import LOSSES
from guessgame.status import GROWING_FOR, GROWTH, SETTLE, STAY, STEADY, Status


class Outcome(NamedTuple):
    status: list[Status]
    converged_at: list[int | None]  # 1-based attempt: the first of SETTLE within tolerance
    diverged_at: list[int | None]  # 1-based attempt at which the run was declared diverged
    decided_at: list[int | None]  # 1-based attempt at which the verdict was reached
    left_at: list[int | None]  # a converged run's first later attempt above tolerance, if any


class Rules(NamedTuple):
    """What a run is judged by."""

    tolerance: float  # a loss this small (in size) is at the answer
    diverge_factor: float  # a loss this many times its reference has diverged
    has_minimum: bool = True  # False for the bad loss: it can fall for ever, and never converges
    slack: float = 1e-9  # how much two losses may differ by rounding alone and still count as the same

    @classmethod
    def of(cls, config: Config, dtype: torch.dtype) -> "Rules":
        return cls(config.tolerance, config.diverge_factor, LOSSES[config.loss].has_minimum, slack(dtype))


def slack(dtype: torch.dtype) -> float:
    """How much two losses may differ by rounding alone and still count as the same."""
    return max(1e-9, 16 * torch.finfo(dtype).eps)


def classify(loss: Tensor, attempts_run: Tensor, lost_at: Tensor, rules: Rules) -> Outcome:
    """Statuses of all runs from their losses (attempts, runs).

    `attempts_run` (runs,) is how many attempts each run played; `lost_at` (runs,) the 0-based
    attempt at which its guess stopped being finite, or `attempts` if it never did. Each rule looks
    only at the runs it can apply to, so a sweep of many runs classifies in a few passes.
    """
    tolerance, diverge_factor, has_minimum, slack = rules
    steps, runs = loss.shape
    size = _size(loss)
    if bool((attempts_run < steps).any()):  # a run's rows after its last attempt say nothing
        played = torch.arange(steps).unsqueeze(1) < attempts_run.unsqueeze(0)
        size = torch.where(played, size, torch.full_like(size, torch.nan))
    never = torch.full((runs,), steps, dtype=torch.long)
    diverged_at = torch.where(lost_at < attempts_run, lost_at, never)
    diverged_at = torch.minimum(diverged_at, _beyond(size, tolerance, diverge_factor))
    if not has_minimum:
        diverged_at = torch.minimum(diverged_at, _first(_falling(loss) & ~size.isnan()))
    settled = _settled(size, tolerance) if has_minimum else never
    decided_conv = settled + _window(settled) - 1
    converged = (settled < steps) & (decided_conv < diverged_at)
    diverged = ~converged & (diverged_at < steps)
    open_ = ~converged & ~diverged
    moving = torch.zeros(runs, dtype=torch.bool)
    if bool(open_.any()):
        moving[open_] = _still_moving(loss[:, open_], size[:, open_], tolerance, has_minimum, slack)
    left = never.clone()
    if bool(converged.any()):
        index = torch.arange(steps).unsqueeze(1)
        left[converged] = _first((index > decided_conv[converged]) & (size[:, converged] > tolerance))
    return _outcome(_Found(converged, diverged, moving, settled, decided_conv, diverged_at, left), steps)


class _Found(NamedTuple):
    """Per run (tensors, 0-based attempts; `steps` where never)."""

    converged: Tensor
    diverged: Tensor
    moving: Tensor  # neither: still moving (unfinished) or not (oscillating)
    settled: Tensor  # the first attempt of the stretch within tolerance
    decided_conv: Tensor  # the attempt that stretch became long enough
    diverged_at: Tensor
    left: Tensor  # the first attempt above tolerance after converging


def _outcome(found: _Found, steps: int) -> Outcome:
    converged, diverged, moving, settled, decided_conv, diverged_at, left = found
    status, conv, div, decided, left_at = [], [], [], [], []
    for r, (c, d, m) in enumerate(zip(converged.tolist(), diverged.tolist(), moving.tolist())):
        if c:
            status.append(Status.CONVERGED)
            conv.append(int(settled[r]) + 1)
            decided.append(int(decided_conv[r]) + 1)
        elif d:
            status.append(Status.DIVERGED)
            conv.append(None)
            decided.append(int(diverged_at[r]) + 1)
        else:
            status.append(Status.UNFINISHED if m else Status.OSCILLATING)
            conv.append(None)
            decided.append(None)
        div.append(decided[-1] if d and not c else None)
        left_at.append(int(left[r]) + 1 if c and left[r] < steps else None)
    return Outcome(status, conv, div, decided, left_at)


def _size(loss: Tensor) -> Tensor:
    """|loss| in float64, with inf and nan both as +inf: beyond every finite loss."""
    size = loss.double().abs()
    return torch.where(torch.isnan(size), torch.full_like(size, torch.inf), size)


def _beyond(size: Tensor, tolerance: float, diverge_factor: float) -> Tensor:
    """Per run, the first attempt after its reference (its first finite loss above tolerance) whose
    |loss| is past diverge_factor x the reference, or above it and growing steadily."""
    steps, runs = size.shape
    first = _first(torch.isfinite(size) & (size > tolerance))
    reference = size.gather(0, first.clamp(max=steps - 1).unsqueeze(0))[0]
    reference = torch.where(first < steps, reference, torch.full_like(reference, torch.inf))
    at = torch.full((runs,), steps, dtype=torch.long)
    rising = (size > reference).any(0)  # only these can be past it
    if bool(rising.any()):
        sub, ref = size[:, rising], reference[rising]
        after = torch.arange(steps).unsqueeze(1) > first[rising]
        at[rising] = _first(after & ((sub > diverge_factor * ref) | ((sub > ref) & _growing(sub))))
    return at



def _growing(size: Tensor) -> Tensor:
    """True at attempt t when |loss| was multiplied by the same factor >= GROWTH at t and the
    GROWING_FOR - 1 attempts before."""
    steps = size.shape[0]
    ratio = torch.full_like(size, torch.nan)
    ratio[1:] = size[1:] / size[:-1]
    grows = ratio >= GROWTH
    steady = torch.zeros_like(grows)
    steady[1:] = (ratio[1:] / ratio[:-1] - 1).abs() <= STEADY
    hit = torch.zeros_like(grows)
    if steps >= GROWING_FOR:
        run = grows[GROWING_FOR - 1:].clone()
        for k in range(1, GROWING_FOR):
            run &= grows[GROWING_FOR - 1 - k: steps - k]
            run &= steady[GROWING_FOR - k: steps - k + 1]
        hit[GROWING_FOR - 1:] = run
    return hit


def _falling(loss: Tensor) -> Tensor:
    """Below zero and lower than the attempt before."""
    loss = loss.double()
    falling = torch.zeros_like(loss, dtype=torch.bool)
    falling[1:] = (loss[1:] < 0) & (loss[1:] < loss[:-1])
    return falling


def _window(start: Tensor) -> Tensor:
    """settle() of 0-based attempts."""
    return torch.clamp(-torch.div(-(start + 1), STAY, rounding_mode="floor"), min=SETTLE)


def _settled(size: Tensor, tolerance: float) -> Tensor:
    """Per run, the first 0-based attempt t whose loss stays within tolerance for settle(t) attempts,
    no higher at the last of them; or the number of attempts if none."""
    steps, runs = size.shape
    at = torch.full((runs,), steps, dtype=torch.long)
    within = size <= tolerance
    some = within.any(0)
    first_end = SETTLE - 1  # the window of attempt 0 ends at 0 + settle(1) - 1
    if not bool(some.any()) or steps <= first_end:
        return at
    within, sub = within[:, some], size[:, some]
    start = torch.arange(steps)
    end = start + _window(start) - 1
    start, end = start[end < steps], end[end < steps]
    outside = torch.cumsum(~within, 0, dtype=torch.int32)  # attempts above tolerance so far
    lasting = within[start] & (outside[end] == outside[start]) & (sub[end] <= sub[start])
    found = _first(lasting)
    at[some] = torch.where(found < len(start), found, torch.full_like(found, steps))
    return at


def _still_moving(loss: Tensor, size: Tensor, tolerance: float, has_minimum: bool, slack: float) -> Tensor:
    """No verdict yet: did the second half reach a lower or a higher loss than the first half did?"""
    steps, runs = loss.shape
    if steps < 2:
        return torch.ones(runs, dtype=torch.bool)
    half = (steps + 1) // 2
    value = loss.double()
    finite = torch.isfinite(value)
    low = torch.where(finite, value, torch.full_like(value, torch.inf))
    high = torch.where(finite, value, torch.full_like(value, -torch.inf))
    first_low, second_low = low[:half].amin(0), low[half:].amin(0)
    first_high, second_high = high[:half].amax(0), high[half:].amax(0)
    improving = second_low < first_low - slack * first_low.abs().nan_to_num(posinf=0.0)
    improving |= torch.isinf(first_low) & torch.isfinite(second_low)
    growing = second_high > first_high + slack * first_high.abs().nan_to_num(posinf=0.0)
    pending = ~finite[half:].all(0)  # an overflowing loss in the second half: nothing to compare
    if has_minimum:
        pending |= size[-1] <= tolerance
    return improving | growing | pending


def _first(mask: Tensor) -> Tensor:
    """Index of the first True along dim 0, or len if none."""
    steps = mask.shape[0]
    hit = mask.any(0)
    return torch.where(hit, mask.to(torch.uint8).argmax(0), torch.full_like(hit, steps, dtype=torch.long))
