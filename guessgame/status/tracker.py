"""`Tracker`: the verdicts of `verdicts.classify`, reached attempt by attempt -- what `stop_early` stops on.
The tests prove the two agree.

It evaluates the same `rules` on a few numbers kept per run, in numpy on the CPU: each attempt's update
is some thirty operations on one small vector, which numpy does several times faster than torch
dispatches them. Where a rule spans attempts, it keeps a count: the attempts in a row that grew by the
same factor, and those within tolerance.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

from guessgame.status import rules as rule
from guessgame.status.rules import FLOOR_WINDOW, GROWING_FOR, Rules


class Tracker:
    """The same verdicts, reached attempt by attempt.

    `history` (attempts, runs) is where the caller keeps every loss; `update` takes the attempt's
    losses once they are in it, whether each guess is finite and, where known, which guesses its step
    left standing still for good (`reach.still_from`), and returns the runs whose verdict was reached at
    this attempt.
    """

    def __init__(self, history: Tensor, rules: Rules) -> None:
        steps, runs = history.shape
        self.history = history
        self.rules = rules
        self.attempt = 0
        starts = np.arange(steps)
        ends = rule.window_end(starts)
        self.start_of = np.full(steps, -1)  # the last attempt of a settle window -> its first (0-based)
        self.start_of[ends[ends < steps]] = starts[ends < steps]
        nan = np.full(runs, np.nan)
        self.reference = np.full(runs, rule.INF)  # none yet
        self.previous, self.ratio, self.last_size = nan, nan.copy(), nan.copy()
        self.growing = np.zeros(runs, dtype=np.int64)  # attempts in a row grown by the same factor
        self.streak = np.zeros(runs, dtype=np.int64)  # attempts in a row within tolerance
        self.decided = np.zeros(runs, dtype=bool)
        self.stood = np.zeros(runs, dtype=bool)  # guesses standing still for good: nothing left to move
        self.reach = None if rules.reach is None else rules.reach.numpy()

    def update(self, loss: Tensor, guess_finite: Tensor, stood: Tensor | None = None) -> Tensor:
        """The runs (a bool tensor on the losses' device) whose verdict this attempt reached."""
        new = self.step(loss.detach().double().cpu().numpy(), guess_finite.cpu().numpy(),
                        None if stood is None else stood.cpu().numpy())
        return torch.from_numpy(new).to(loss.device)

    def step(self, loss: np.ndarray, guess_finite: np.ndarray, stood: np.ndarray | None = None) -> np.ndarray:
        rules = self.rules
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            size = rule.size(loss)
            growing = self._growing(size)
            reached = ~guess_finite | rule.blown_up(size, self.reference, growing, rules.diverge_factor)
            first = (self.reference == rule.INF) & rule.reference_candidate(size, rules.tolerance)
            self.reference = np.where(first, size, self.reference)
            if rules.has_minimum:
                self.streak = np.where(rule.within(size, rules.tolerance), self.streak + 1, 0)
                start = int(self.start_of[self.attempt]) if self.attempt < len(self.start_of) else -1
                if start >= 0:  # a settle window ends at this attempt
                    reached |= self._settled(size, start)
            else:
                reached |= rule.falling(loss, self.previous)
            reached |= self._stalled(size, stood)
            reached |= self._floored(size)
        self.previous = loss.copy()  # the caller may reuse its buffer
        self.attempt += 1
        new = reached & ~self.decided
        self.decided |= new
        return new

    def _growing(self, size: np.ndarray) -> np.ndarray:
        """`rules.growing` at this attempt: grown by the same factor GROWING_FOR attempts in a row."""
        ratio = size / self.last_size
        steady = rule.same_factor(ratio, self.ratio) & (self.growing > 0)
        self.growing = np.where(rule.grows_by(ratio), np.where(steady, self.growing + 1, 1), 0)
        self.ratio, self.last_size = ratio, size
        return self.growing >= GROWING_FOR

    def _stalled(self, size: np.ndarray, stood: np.ndarray | None) -> np.ndarray:
        """`rules.stalled` at this attempt: nothing left to move once a guess stands still for good, else
        what the schedule bounds."""
        if stood is not None:
            self.stood |= stood
        if self.reach is None and not self.stood.any():
            return np.zeros(len(size), dtype=bool)
        reach = rule.INF if self.reach is None else self.reach[self.attempt]
        return rule.stalled(size, np.where(self.stood, 0.0, reach), self.rules)

    def _floored(self, size: np.ndarray) -> np.ndarray:
        """`rules.at_floor` at this attempt: its window against the one before, read from the history."""
        t, window = self.attempt, FLOOR_WINDOW
        if not self.rules.noisy or not self.rules.has_minimum or t < 2 * window - 1:
            return np.zeros(len(size), dtype=bool)
        with np.errstate(invalid="ignore"):
            later = rule.size(self.history[t - window + 1:t].detach().double().cpu().numpy())
            earlier = rule.size(self.history[t - 2 * window + 1:t - window + 1].detach().double().cpu().numpy())
            later = np.concatenate([later, size[None]])  # this attempt's, as the caller has it
            return rule.at_floor(later.min(0), later.max(0), earlier.min(0), earlier.max(0))

    def _settled(self, size: np.ndarray, start: int) -> np.ndarray:
        """`rules.settled` over the window from `start` to this attempt."""
        first = rule.size(self.history[start].detach().double().cpu().numpy())
        return rule.settled(self.streak >= self.attempt - start + 1, size, first)
