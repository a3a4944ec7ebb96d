"""`Tracker`: the verdicts of `verdicts.classify`, reached attempt by attempt -- what `stop_early` stops on.
The tests prove the two agree."""

from __future__ import annotations

import torch
from torch import Tensor

from guessgame.status import GROWING_FOR, GROWTH, STEADY, settle
from guessgame.status.verdicts import Rules, _size


class Tracker:
    """The same verdicts, reached attempt by attempt: what `stop_early` stops on.

    `history` (attempts, runs) is where the caller keeps every loss; `update` takes the attempt's
    losses once they are in it, and whether each guess is finite, and returns the runs whose verdict
    was reached at this attempt.
    """

    def __init__(self, history: Tensor, rules: Rules) -> None:
        runs, device = history.shape[1], history.device
        self.history = history
        self.attempt = 0
        self.start_of: dict[int, int] = {}  # last attempt of a window -> its first (0-based)
        self.next_start = 0
        self.tolerance, self.diverge_factor, self.has_minimum = rules.tolerance, rules.diverge_factor, rules.has_minimum
        self.reference = torch.full((runs,), float("nan"), dtype=torch.float64, device=device)
        self.previous = torch.full((runs,), float("nan"), dtype=torch.float64, device=device)
        self.streak = torch.zeros(runs, dtype=torch.long, device=device)
        self.ratio = torch.full((runs,), float("nan"), dtype=torch.float64, device=device)
        self.growing = torch.zeros(runs, dtype=torch.long, device=device)
        self.last_size = torch.full((runs,), float("nan"), dtype=torch.float64, device=device)
        self.decided = torch.zeros(runs, dtype=torch.bool, device=device)

    def update(self, loss: Tensor, guess_finite: Tensor) -> Tensor:
        loss = loss.double()
        size = _size(loss)
        growing = self._growing(size) & (size > self.reference)
        reached = ~guess_finite | (size > self.diverge_factor * self.reference) | growing
        first = self.reference.isnan() & torch.isfinite(loss) & (size > self.tolerance)
        self.reference = torch.where(first, size, self.reference)
        if self.has_minimum:
            self.streak = torch.where(size <= self.tolerance, self.streak + 1, torch.zeros_like(self.streak))
            start = self._window_start(self.attempt)
            if start is not None:
                reached |= (self.streak >= self.attempt - start + 1) & (size <= _size(self.history[start]))
        else:
            reached |= (loss < 0) & (loss < self.previous)
        self.previous = loss
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

    def _growing(self, size: Tensor) -> Tensor:
        ratio = size / self.last_size
        steady = (ratio / self.ratio - 1).abs() <= STEADY
        grows = ratio >= GROWTH
        self.growing = torch.where(grows, torch.where(steady & (self.growing > 0), self.growing + 1,
                                                      torch.ones_like(self.growing)),
                                   torch.zeros_like(self.growing))
        self.ratio, self.last_size = ratio, size
        return self.growing >= GROWING_FOR
