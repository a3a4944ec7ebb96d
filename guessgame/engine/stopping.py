"""`stop_early`: each run stops after the attempt that decided its verdict, that attempt's step applied.

Later rows of a stopped run hold NaN losses, gradients and steps, and its last guess.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

from guessgame.config import Config
from guessgame.status.rules import Rules
from guessgame.status.tracker import Tracker


class EarlyStop:
    def __init__(self, config: Config, loss_log: Tensor) -> None:
        runs = loss_log.shape[1]
        self.tracker = Tracker(loss_log, Rules.of(config, loss_log.dtype))
        self.stopped = np.zeros(runs, dtype=bool)
        self.attempts_run = torch.full((runs,), config.attempts, dtype=torch.long)
        self._idle: Tensor | None = None  # `stopped` on the losses' device, once some run has stopped

    def mask(self, loss: Tensor, grad: Tensor, step: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """NaN for the runs already stopped."""
        idle = self._idle
        if idle is None:
            return loss, grad, step
        nan = torch.full_like(step, float("nan"))
        return (loss.masked_fill(idle, float("nan")), torch.where(idle.unsqueeze(1), nan, grad),
                torch.where(idle.unsqueeze(1), nan, step))

    def decide(self, t: int, loss: Tensor, finite: Tensor, guess: Tensor, new_guess: Tensor) -> Tensor:
        """Stop the runs whose verdict attempt t decided (after their step); the next guess of each run."""
        decided = self.tracker.update(loss, finite).cpu().numpy() & ~self.stopped
        if self._idle is not None:
            new_guess = torch.where(self._idle.unsqueeze(1), guess, new_guess)
        if decided.any():
            self.attempts_run[torch.from_numpy(decided)] = t
            self.stopped |= decided
            self._idle = torch.from_numpy(self.stopped.copy()).to(loss.device)
        return new_guess

    @property
    def finished(self) -> bool:
        return bool(self.stopped.all())
