"""`Tracker`: the verdicts of `verdicts.classify`, reached attempt by attempt -- what `stop_early` stops on.
The tests prove the two agree.

It keeps a few numbers per run and works in numpy on the CPU: each attempt's update is some thirty
operations on one small vector, which numpy does several times faster than torch dispatches them.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

from guessgame.status import GROWING_FOR, GROWTH, STEADY, settle
from guessgame.status.verdicts import Rules


def _size(loss: np.ndarray) -> np.ndarray:
    """|loss|, with inf and nan both as +inf (as `verdicts._size`)."""
    size = np.abs(loss)
    size[np.isnan(size)] = np.inf
    return size


class Tracker:
    """The same verdicts, reached attempt by attempt.

    `history` (attempts, runs) is where the caller keeps every loss; `update` takes the attempt's
    losses once they are in it, and whether each guess is finite, and returns the runs whose verdict
    was reached at this attempt.
    """

    def __init__(self, history: Tensor, rules: Rules) -> None:
        runs = history.shape[1]
        self.history = history
        self.attempt = 0
        self.start_of: dict[int, int] = {}  # last attempt of a window -> its first (0-based)
        self.next_start = 0
        self.rules = rules
        nan = np.full(runs, np.nan)
        self.reference, self.previous, self.ratio, self.last_size = nan, nan.copy(), nan.copy(), nan.copy()
        self.streak = np.zeros(runs, dtype=np.int64)
        self.growing = np.zeros(runs, dtype=np.int64)
        self.decided = np.zeros(runs, dtype=bool)

    def update(self, loss: Tensor, guess_finite: Tensor) -> Tensor:
        """The runs (a bool tensor on the losses' device) whose verdict this attempt reached."""
        new = self.step(loss.detach().double().cpu().numpy(), guess_finite.cpu().numpy())
        return torch.from_numpy(new).to(loss.device)

    def step(self, loss: np.ndarray, guess_finite: np.ndarray) -> np.ndarray:
        rules = self.rules
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            size = _size(loss)
            growing = self._growing(size) & (size > self.reference)
            reached = ~guess_finite | (size > rules.diverge_factor * self.reference) | growing
            first = np.isnan(self.reference) & np.isfinite(loss) & (size > rules.tolerance)
            self.reference = np.where(first, size, self.reference)
            if rules.has_minimum:
                self.streak = np.where(size <= rules.tolerance, self.streak + 1, 0)
                start = self._window_start(self.attempt)
                if start is not None:
                    back = _size(self.history[start].detach().double().cpu().numpy())
                    reached |= (self.streak >= self.attempt - start + 1) & (size <= back)
            else:
                reached |= (loss < 0) & (loss < self.previous)
        self.previous = loss.copy()
        self.attempt += 1
        new = reached & ~self.decided
        self.decided |= new
        return new

    def _window_start(self, last: int) -> int | None:
        """The first attempt t (0-based) of the window that ends at `last`, if one does."""
        while self.next_start + settle(self.next_start + 1) - 1 <= last:
            self.start_of[self.next_start + settle(self.next_start + 1) - 1] = self.next_start
            self.next_start += 1
        return self.start_of.pop(last, None)

    def _growing(self, size: np.ndarray) -> np.ndarray:
        ratio = size / self.last_size
        steady = np.abs(ratio / self.ratio - 1) <= STEADY
        grows = ratio >= GROWTH
        self.growing = np.where(grows, np.where(steady & (self.growing > 0), self.growing + 1, 1), 0)
        self.ratio, self.last_size = ratio, size
        return self.growing >= GROWING_FOR
