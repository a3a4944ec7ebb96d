"""The verdicts of a loss known in closed form and monotone -- it never rises, or never falls -- read
at the few attempts the `rules` look at, without writing every attempt down: theory's shortcut for
geometric loss sequences, proven equal to reading them written out.

`loss_at(t)` is the runs' loss at 0-based attempts t: t (runs,) gives one per run, t (k, 1) a (k, runs)
table. A monotone loss crosses a threshold once, so bisection finds where; and a loss that never
rises is never higher in the second half of its attempts than in the first.
"""

from __future__ import annotations

from typing import Callable

import torch
from torch import Tensor

from guessgame.status import rules as rule
from guessgame.status.found import Found
from guessgame.status.rules import REPEATS, Rules

LossAt = Callable[[Tensor], Tensor]


def falling(found: Found, rows: Tensor, loss_at: LossAt, near: Tensor, rules: Rules, known: bool = False) -> None:
    """The verdicts, into `found` at `rows`, of runs whose finite loss never rises: converged at the
    first attempt within tolerance if its settle window fits in the attempts (`rules.settled`: a loss
    that never rises stays within from there on, and is no higher at the window's end); else half
    against half, where each half's lowest loss is its last, and the second half is never higher.
    `near` (rows,), a guess at where the loss enters tolerance, saves most of the bisection; `known`: it is
    where (`bisect`'s answer), and nothing is searched."""
    steps = found.steps
    enters = near if known else bisect(lambda t: rule.within(loss_at(t), rules.tolerance), len(rows), steps, near)
    end = rule.window_end(enters)
    converged = end < steps
    half = (steps + 1) // 2
    at = torch.tensor([half - 1, *range(max(0, steps - REPEATS - 2), steps)], dtype=torch.float64)
    looked_at = loss_at(at.unsqueeze(1))  # (1 + tail, rows)
    middle, tail = looked_at[0], looked_at[1:]
    moving = rule.unfinished(rule.went_lower(middle, tail[-1], rules.slack), rule.repeating(tail),
                             rule.waiting(tail[-1], rules))
    found.converged[rows] = converged
    found.settled[rows] = torch.where(converged, enters, steps)
    found.decided_conv[rows] = torch.where(converged, end, steps)
    found.moving[rows] = ~converged & moving


def first_past(loss_at: LossAt, reference: Tensor, runs: int, steps: int, near: Tensor,
               diverge_factor: float) -> Tensor:
    """Per run, the first attempt at which a loss that never falls from its `reference` (its first) is
    `rules.past_factor`, or `steps`; `near` (runs,) a guess at it."""
    return bisect(lambda t: rule.past_factor(rule.size(loss_at(t)), reference, diverge_factor), runs, steps, near)


def bisect(holds: Callable[[Tensor], Tensor], runs: int, steps: int, near: Tensor) -> Tensor:
    """Per run, the first attempt t in [0, steps) at which `holds(t)` (runs,) is true, or `steps`:
    `holds` must stay true once it is. `near` (runs,), a guess at the answer, is tried first with its
    two neighbours: when it is right to within one, no halving is needed."""
    low = torch.zeros(runs, dtype=torch.long)
    high = torch.full((runs,), steps, dtype=torch.long)

    def narrow(t: Tensor, live: Tensor) -> None:
        nonlocal low, high
        yes = holds(t.clamp(0, steps - 1)) & live
        high = torch.where(yes, t, high)
        low = torch.where(~yes & live, t + 1, low)

    for t in (near, near - 1, near + 1):
        inside = (t >= low) & (t < high)  # a probe outside what is left says nothing new
        narrow(t.clamp(0, steps - 1), inside)
    while bool((low < high).any()):
        narrow(torch.div(low + high, 2, rounding_mode="floor"), low < high)
    return low
