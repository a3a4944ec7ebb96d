"""A ring of slots for a tiny batch's attempts, copied into the log a block at a time.

With a few values per attempt (a long run of one lr), finding a row of the log costs more than the
update itself: attempts then write their gradient, step and next guess into slots made once, and a
full ring is copied into the log in one go (and, when the loop ends or is cut short, what is left).
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor

SIZE = 256  # slots


class Slots(NamedTuple):
    """Where attempt t's gradient, step and next guess go, to be written in place."""

    grad: Tensor | None  # None: not kept, only the next guess is (plain SGD's guesses only)
    step: Tensor | None
    guess: Tensor


class Ring:
    """Slots for up to SIZE attempts, written into `grad`, `step` (rows t - 1) and `guess` (row t) of the log."""

    def __init__(self, rows: int, grad: Tensor | None, step: Tensor | None, guess: Tensor) -> None:
        size, shape = min(SIZE, rows), guess.shape[1:]
        self.log = (grad, step, guess)
        self._staged = tuple(None if kept is None else torch.empty(size, *shape, dtype=guess.dtype, device=guess.device)
                             for kept in self.log)
        self._slots = [Slots(*(None if staged is None else staged[k] for staged in self._staged)) for k in range(size)]
        self._flushed = 0  # attempts copied into the log

    def slots(self, t: int) -> Slots:
        return self._slots[(t - 1) % len(self._slots)]

    def full(self, t: int) -> bool:
        """Whether attempt t filled the ring."""
        return t % len(self._slots) == 0

    def flush(self, done: int) -> None:
        """Copy the attempts done since the last copy into the log."""
        start, count = self._flushed, done - self._flushed
        grad, step, guess = self.log
        staged_grad, staged_step, staged_guess = self._staged
        if grad is not None:
            grad[start:start + count].copy_(staged_grad[:count])
            step[start:start + count].copy_(staged_step[:count])
        guess[start + 1:start + 1 + count].copy_(staged_guess[:count])
        self._flushed = done
