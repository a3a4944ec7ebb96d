"""The fast paths of the after-the-fact judge, for sweeps of many runs: the same `rules`, evaluated
where they can be decided in a few passes, and `plain.judge` for the rest.

Most runs of a sweep are simple -- finite, never above their first loss, and within tolerance from
some attempt to the end, or never -- and a handful of passes over all runs settles them (`simple`).
The rest go through every rule (`plain.judge`): first over the attempts up to FIRST_LOOK, where most
diverging runs are decided, then, for the few still open, over them all.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor

from guessgame.status import plain
from guessgame.status import rules as rule
from guessgame.status.found import Found, merge
from guessgame.status.rules import Rules

FIRST_LOOK = 64  # attempts looked at first for the runs that are not simple: most diverge within them


class Halves(NamedTuple):
    """Each run's lowest and highest loss in the first half of its attempts, then in the second, in
    float64: NaN where one of them is NaN (an empty half has none: +inf, -inf)."""

    first_low: Tensor
    first_high: Tensor
    second_low: Tensor
    second_high: Tensor

    @classmethod
    def of(cls, loss: Tensor) -> Halves:
        """Of losses (attempts, runs). (Two passes of amin and amax take a quarter of the time of one
        of aminmax along the attempts.)"""
        half = (loss.shape[0] + 1) // 2

        def extremes(part: Tensor) -> tuple[Tensor, Tensor]:
            if part.shape[0] == 0:
                return (torch.full(part.shape[1:], torch.inf, dtype=torch.float64, device=part.device),
                        torch.full(part.shape[1:], -torch.inf, dtype=torch.float64, device=part.device))
            return part.amin(0).double(), part.amax(0).double()

        return cls(*extremes(loss[:half]), *extremes(loss[half:]))

    def of_runs(self, runs: slice | Tensor) -> Halves:
        return Halves(*(part[runs] for part in self))

    @property
    def lowest(self) -> Tensor:
        return torch.minimum(self.first_low, self.second_low)

    @property
    def highest(self) -> Tensor:
        return torch.maximum(self.first_high, self.second_high)


def judge(loss: Tensor, attempts_run: Tensor, lost_at: Tensor, rules: Rules, halves: Halves | None,
          stood_at: Tensor | None = None) -> Found:
    """`plain.judge`'s verdicts: the simple runs in a few passes, a first look at the others' first
    attempts, and every rule over every attempt for those still open after it."""
    steps, runs = loss.shape
    found, done = simple(loss, attempts_run, lost_at, rules, halves, stood_at)
    rest = (~done).nonzero().flatten()
    window = min(steps, FIRST_LOOK)
    if window < steps and len(rest):
        early = plain.judge(loss[:window, rest], attempts_run[rest].clamp(max=window),
                            lost_at[rest].clamp(max=window), rules.of_runs(rest), verdicts_only=True,
                            stood_at=_of(stood_at, rest))
        final = early.converged | early.diverged | early.stalled | early.floored  # decided in the window: for good
        merge(found, rest[final], early, final)
        if bool(final.any()):
            kept = rest[final & early.converged]
            found.left[kept] = plain.left_at(rule.size(loss[:, kept].double()), found.decided_conv[kept],
                                             rules.tolerance, attempts_run[kept])
        rest = rest[~final]
    if len(rest):
        merge(found, rest, plain.judge(loss[:, rest], attempts_run[rest], lost_at[rest], rules.of_runs(rest),
                                       stood_at=_of(stood_at, rest)))
    return found


def _of(stood_at: Tensor | None, runs: Tensor) -> Tensor | None:
    return None if stood_at is None else stood_at[runs]


def simple(loss: Tensor, attempts_run: Tensor, lost_at: Tensor, rules: Rules,
           halves: Halves | None = None, stood_at: Tensor | None = None) -> tuple[Found, Tensor]:
    """The verdicts of the simple runs, and which runs those are: played to the end with a finite loss
    that never rises above its first -- its reference, so no rule of divergence applies -- none that may
    stall (`rules.reach`, or `stood_at` above tolerance), and either within tolerance from attempt t0 to the end (then
    `rules.settled` at t0, if its window fits) or never within it (then half against half)."""
    steps, runs = loss.shape
    found = Found.none(runs, steps)
    done = torch.zeros(runs, dtype=torch.bool)
    if not rules.has_minimum or steps < 2 or rules.reach is not None or rules.noisy:
        return found, done
    value = loss.double()
    halves = Halves.of(loss) if halves is None else halves
    low, high = halves.lowest, halves.highest
    candidate = torch.isfinite(low) & torch.isfinite(high) & (attempts_run >= steps) & (lost_at >= steps)
    negative = bool((low < 0).any())
    size = value.abs() if negative else value  # `rules.size` of finite losses; no copy for losses never below 0
    if stood_at is not None:  # a guess that stands still for good within tolerance cannot stall: its loss stays
        candidate &= (stood_at >= steps) | rule.within(size[-1], rules.tolerance)
    candidate &= (size.amax(0) if negative else high) <= size[0]  # never above its first loss
    # Outside tolerance up to t0 and within from there on: no attempt within is followed by one outside
    # (a candidate's losses are never NaN), and t0 is the number of attempts outside. (On bytes: torch
    # counts and takes maxima of them several times faster than it reduces bools.)
    within = rule.within(size, rules.tolerance).view(torch.uint8)
    stays = candidate & (torch.gt(within[:-1], within[1:]).view(torch.uint8).amax(0) == 0)
    first = steps - within.sum(0, dtype=torch.int32).long()
    end = rule.window_end(first)
    lasting = stays & (end < steps)
    if bool(lasting.any()):
        at = torch.where(lasting, end, torch.zeros_like(end)).unsqueeze(0)
        start = first.clamp(max=steps - 1).unsqueeze(0)
        lasting = rule.settled(lasting, size.gather(0, at)[0], size.gather(0, start)[0])
    found.converged[lasting] = True
    found.settled[lasting] = first[lasting]
    found.decided_conv[lasting] = end[lasting]
    open_ = candidate & (first == steps)  # never within tolerance: no verdict, compare the halves
    if bool(open_.any()):  # every loss of these is finite: the halves of all runs, then theirs
        moved = rule.still_moving(*halves, rules.slack)
        moving = rule.unfinished(moved, rule.repeating(value), rule.waiting(size[-1], rules))
        found.moving[open_] = moving[open_]
    return found, lasting | open_
