"""`stop_early`: each run stops after the attempt that decided its verdict, that attempt's step applied.

Later rows of a stopped run hold NaN losses, gradients and steps, and its last guess.
"""

from __future__ import annotations

import torch
from torch import Tensor

from guessgame.config import Config
from guessgame.status import verdicts
from guessgame.status.tracker import Tracker


class EarlyStop:
    def __init__(self, config: Config, loss_log: Tensor) -> None:
        runs = loss_log.shape[1]
        self.tracker = Tracker(loss_log, verdicts.Rules.of(config, loss_log.dtype))
        self.active = torch.ones(runs, dtype=torch.bool, device=loss_log.device)
        self.attempts_run = torch.full((runs,), config.attempts, dtype=torch.long)

    def mask(self, loss: Tensor, grad: Tensor, step: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """NaN for the runs already stopped."""
        idle = ~self.active
        if not idle.any():
            return loss, grad, step
        nan = torch.full_like(step, float("nan"))
        return (loss.masked_fill(idle, float("nan")), torch.where(idle.unsqueeze(1), nan, grad),
                torch.where(idle.unsqueeze(1), nan, step))

    def decide(self, t: int, loss: Tensor, finite: Tensor, guess: Tensor, new_guess: Tensor) -> Tensor:
        """Stop the runs whose verdict attempt t decided (after their step); the next guess of each run."""
        decided = self.tracker.update(loss, finite) & self.active
        self.attempts_run[decided.cpu()] = t
        new_guess = torch.where(self.active.unsqueeze(1), new_guess, guess)
        self.active &= ~decided
        return new_guess

    @property
    def finished(self) -> bool:
        return not bool(self.active.any())
