"""The verdicts of all runs at once, after the fact: `classify` reads every run's losses with the rules
of `guessgame.status` (`rules`), `tracker.Tracker` reaches the same verdicts attempt by attempt.

`judge` reads every rule at every attempt (`plain.judge`) where there are few losses, and takes the
quick paths (`quick.judge`) from QUICK_FROM losses on; the tests prove the two agree.
"""

from __future__ import annotations

import torch
from torch import Tensor

from guessgame.status import plain, quick
from guessgame.status.found import Found, Outcome, first, merge, outcome
from guessgame.status.quick import FIRST_LOOK, Halves
from guessgame.status.rules import Rules, slack

__all__ = ["BLOCK", "FIRST_LOOK", "QUICK_FROM", "Found", "Halves", "Outcome", "Rules", "classify", "first", "judge",
           "merge", "outcome", "slack"]

BLOCK = 1 << 21  # losses judged at a time
QUICK_FROM = 1 << 15  # losses from which the quick paths are taken: below, they do not pay for themselves


def classify(loss: Tensor, attempts_run: Tensor, lost_at: Tensor, rules: Rules,
             stood_at: Tensor | None = None) -> Outcome:
    """Statuses of all runs from their losses (attempts, runs), as lists (`judge` as tensors)."""
    return outcome(judge(loss, attempts_run, lost_at, rules, stood_at=stood_at))


def judge(loss: Tensor, attempts_run: Tensor, lost_at: Tensor, rules: Rules, halves: Halves | None = None,
          stood_at: Tensor | None = None) -> Found:
    """The verdicts of all runs from their losses (attempts, runs), a block of runs at a time so that
    what the rules work with stays small beside the losses themselves.

    `attempts_run` (runs,) is how many attempts each run played; `lost_at` (runs,) the 0-based
    attempt at which its guess stopped being finite, or `attempts` if it never did; `stood_at` (runs,),
    if given, the 0-based attempt from which it stood still for good (`reach`), or `attempts`. `halves`,
    the losses' own (`Halves.of`), saves a pass over them where the caller has them already.
    """
    steps, runs = loss.shape
    block = max(1, BLOCK // max(1, steps))
    if runs <= block:
        return _judge(loss, attempts_run, lost_at, rules, halves, stood_at)
    found = Found.none(runs, steps)
    for start in range(0, runs, block):
        cols = torch.arange(start, min(start + block, runs))
        part = None if halves is None else halves.of_runs(slice(start, start + block))
        merge(found, cols, _judge(loss[:, start:start + block], attempts_run[cols], lost_at[cols],
                                  rules.of_runs(cols), part, None if stood_at is None else stood_at[cols]))
    return found


def _judge(loss: Tensor, attempts_run: Tensor, lost_at: Tensor, rules: Rules, halves: Halves | None,
           stood_at: Tensor | None) -> Found:
    if loss.numel() < QUICK_FROM:
        return plain.judge(loss, attempts_run, lost_at, rules, stood_at=stood_at)
    return quick.judge(loss, attempts_run, lost_at, rules, halves, stood_at)
