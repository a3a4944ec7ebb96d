"""Every rule of `rules`, at every attempt of every run: the reference reading of losses (attempts,
runs) that the quick paths (`quick`), the tracker and theory's shortcut are proven against."""

from __future__ import annotations

import torch
from torch import Tensor

from guessgame.status import rules as rule
from guessgame.status.found import Found, first
from guessgame.status.rules import FLOOR_WINDOW, GROWING_FOR, Rules

_STARTS = 1 << 16  # settle windows (x runs) looked at a time: a long run needs few of its windows looked at


def judge(loss: Tensor, attempts_run: Tensor, lost_at: Tensor, rules: Rules, verdicts_only: bool = False,
          stood_at: Tensor | None = None) -> Found:
    """The verdicts of runs from their losses (attempts, runs).

    `attempts_run` (runs,) is how many attempts each run played; `lost_at` (runs,) the 0-based
    attempt at which its guess stopped being finite, or `attempts` if it never did; `stood_at` (runs,),
    where given, the 0-based attempt from which its guess stood still for good (`reach`). With
    `verdicts_only`, the runs with no verdict are not compared half against half (`moving` is False)
    and converged ones are not followed after it (`left` is never): a first look reads only the
    verdicts.
    """
    steps, runs = loss.shape
    size = rule.size(loss.double())
    if bool((attempts_run < steps).any()):  # a run's rows after its last attempt say nothing
        played = torch.arange(steps).unsqueeze(1) < attempts_run.unsqueeze(0)
        size = torch.where(played, size, torch.nan)
    never = torch.full((runs,), steps, dtype=torch.long)
    diverged_at = torch.where(lost_at < attempts_run, lost_at, never)  # a guess no longer a finite number
    diverged_at = torch.minimum(diverged_at, blown_up_at(size, rules))
    if not rules.has_minimum:
        diverged_at = torch.minimum(diverged_at, first(falling(loss) & ~size.isnan()))
    settled = settled_at(size, rules.tolerance) if rules.has_minimum else never
    decided_conv = rule.window_end(settled)
    still_at = stalled_at(size, rules, stood_at)
    floor_at = floor_reached_at(size, rules)
    converged = (settled < steps) & (decided_conv < diverged_at) & (decided_conv < still_at) & (decided_conv < floor_at)
    stalled = ~converged & (still_at < diverged_at) & (still_at < floor_at)  # on one attempt, diverged is reached
    floored = ~converged & ~stalled & (floor_at < diverged_at)
    diverged = ~converged & ~stalled & ~floored & (diverged_at < steps)
    open_ = ~converged & ~diverged & ~stalled & ~floored
    moving = torch.zeros(runs, dtype=torch.bool)
    if not verdicts_only and bool(open_.any()):
        moving[open_] = unfinished(loss[:, open_], size[:, open_], rules)
    left = never.clone()
    if not verdicts_only and bool(converged.any()):
        left[converged] = left_at(size[:, converged], decided_conv[converged], rules.tolerance, attempts_run[converged])
    return Found(converged, diverged, moving, settled, decided_conv, diverged_at, left, stalled, still_at, floored,
                 floor_at, steps)


def stalled_at(size: Tensor, rules: Rules, stood_at: Tensor | None) -> Tensor:
    """Per run, the first attempt it played at which it is `rules.stalled`, or the number of attempts:
    its loss can no longer move from `stood_at` (runs,) on, where given, and `rules.reach` bounds how far
    it still can elsewhere."""
    steps, runs = size.shape
    if stood_at is None and rules.reach is None:
        return torch.full((runs,), steps, dtype=torch.long)
    reach = torch.full((1, runs), rule.INF, dtype=torch.float64) if rules.reach is None else rules.reach[:steps]
    if stood_at is not None:
        reach = torch.where(torch.arange(steps).unsqueeze(1) >= stood_at, 0.0, reach)
    return first(rule.stalled(size, reach, rules) & ~size.isnan())


def floor_reached_at(size: Tensor, rules: Rules) -> Tensor:
    """Per run, the first attempt it played at which it is `rules.at_floor` (with noisy hints), or the
    number of attempts."""
    steps, runs = size.shape
    window = FLOOR_WINDOW
    if not rules.noisy or not rules.has_minimum or steps < 2 * window:
        return torch.full((runs,), steps, dtype=torch.long)
    low, high = windows(size, window, torch.minimum), windows(size, window, torch.maximum)  # window from t on
    hit = rule.at_floor(low[window:], high[window:], low[:-window], high[:-window])  # the later ends at t + 2w - 1
    found = first(hit)  # a window with a NaN (a run's unplayed attempts) is never within
    return torch.where(found < hit.shape[0], found + 2 * window - 1, steps)


def windows(values: Tensor, width: int, op) -> Tensor:
    """`op` (torch.minimum or torch.maximum) over each `width` attempts in a row: row t of the result is
    over attempts t to t + width - 1. By doubling: a few passes, whatever the width."""
    count = values.shape[0] - width + 1
    result, offset, span, reach = None, 0, 1, values  # reach[t]: op over attempts t to t + span - 1
    while width:
        if width & 1:
            part = reach[offset:offset + count]
            result = part if result is None else op(result, part)
            offset += span
        width >>= 1
        if width:
            reach = op(reach[:-span], reach[span:])
            span *= 2
    return result


def blown_up_at(size: Tensor, rules: Rules) -> Tensor:
    """Per run, the first attempt after its reference at which it blew up (`rules.blown_up`), or the
    number of attempts."""
    steps, runs = size.shape
    found = first(rule.reference_candidate(size, rules.tolerance))
    reference = size.gather(0, found.clamp(max=steps - 1).unsqueeze(0))[0]
    reference = torch.where(found < steps, reference, rule.INF)
    at = torch.full((runs,), steps, dtype=torch.long)
    rising = (size > reference).any(0)  # only these can blow up
    if bool(rising.any()):
        sub, ref = size[:, rising], reference[rising]
        after = torch.arange(steps).unsqueeze(1) > found[rising]
        growing = torch.zeros(sub.shape, dtype=torch.bool)
        growing[GROWING_FOR:] = rule.growing(sub)
        at[rising] = first(after & rule.blown_up(sub, ref, growing, rules.diverge_factor))
    return at


def falling(loss: Tensor) -> Tensor:
    """`rules.falling` at every attempt (never at the first: it has none before it)."""
    loss = loss.double()
    found = torch.zeros_like(loss, dtype=torch.bool)
    found[1:] = rule.falling(loss[1:], loss[:-1])
    return found


def settled_at(size: Tensor, tolerance: float) -> Tensor:
    """Per run, the first 0-based attempt t whose settle window is `rules.settled`, or the number of
    attempts if none. The windows are looked at a block of starts at a time, until every run has one."""
    steps, runs = size.shape
    at = torch.full((runs,), steps, dtype=torch.long)
    within = rule.within(size, tolerance)
    some = within.any(0)
    if not bool(some.any()) or rule.window_end(0) >= steps:
        return at
    within, sub = within[:, some], size[:, some]
    outside = torch.cumsum(~within, 0, dtype=torch.int32)  # attempts above tolerance so far
    found = torch.full((within.shape[1],), steps, dtype=torch.long)
    block = max(64, _STARTS // within.shape[1])
    for first_start in range(0, steps, block):
        start = torch.arange(first_start, min(steps, first_start + block))
        end = rule.window_end(start)
        start, end = start[end < steps], end[end < steps]  # the windows that fit: a run of starts from the first
        if not len(start):
            break
        lasting = rule.settled(within[start] & (outside[end] == outside[start]), sub[end], sub[start])
        hit = first(lasting)
        new = (found == steps) & (hit < len(start))
        found[new] = start[hit[new]]
        if bool((found < steps).all()):
            break
    at[some] = found
    return at


def left_at(size: Tensor, decided: Tensor, tolerance: float, played: Tensor) -> Tensor:
    """The first attempt after `decided` and before `played` that `rules.leaves` tolerance."""
    index = torch.arange(size.shape[0]).unsqueeze(1)
    return first((index > decided) & (index < played) & rule.leaves(size, tolerance))


def unfinished(loss: Tensor, size: Tensor, rules: Rules) -> Tensor:
    """Runs with no verdict: `rules.unfinished` from their halves' lowest and highest finite losses."""
    steps, runs = loss.shape
    if steps < 2:  # one attempt: no halves to compare, nothing to say it stopped
        return torch.ones(runs, dtype=torch.bool)
    value = loss.double()
    finite = torch.isfinite(value)
    low = torch.where(finite, value, rule.INF)
    high = torch.where(finite, value, -rule.INF)
    half = (steps + 1) // 2
    moved = rule.still_moving(low[:half].amin(0), high[:half].amax(0), low[half:].amin(0), high[half:].amax(0),
                              rules.slack)
    pending = ~finite[half:].all(0) | rule.waiting(size[-1], rules)  # an overflow there: nothing to compare
    return rule.unfinished(moved, rule.repeating(value), pending)
