"""The runs theory predicts: their learning rates, starting errors and budget."""

from __future__ import annotations

import copy
from fractions import Fraction
from typing import Callable, Iterator, Sequence

import torch
from torch import Tensor

from guessgame import losses
from guessgame.config import Config
from guessgame.theory import exact
from guessgame.theory.frozen import Frozen

CHUNK = 1 << 22  # elements of closed-form errors evaluated at a time


class Games:
    """The runs of one config: their lrs and starting errors."""

    def __init__(self, config: Config, lr: Sequence[float] | Tensor, errors: Sequence[Sequence[float]] | Tensor,
                 attempts: int, frozen: Frozen | None = None) -> None:
        self.loss, self.options = losses.effective(config.loss, config.loss_options)
        self.reduction, self.momentum = config.reduction, config.heavy_ball
        self.lr = torch.as_tensor(lr, dtype=torch.float64)
        self.e0 = torch.as_tensor(errors, dtype=torch.float64).reshape(len(self.lr), -1)
        self.runs, self.n = self.e0.shape
        self.attempts = attempts
        self.scale = Fraction(1, self.n) if self.reduction == "mean" else Fraction(1)  # d(reduction)/d(element)
        self.t = torch.arange(attempts, dtype=torch.float64).unsqueeze(1)  # t - 1 for attempt t, (attempts, 1)
        self.frozen = frozen  # where the run's dtype stops its steps; None: theory does not say
        self.stood = torch.full((self.runs,), attempts, dtype=torch.long)  # written by the paths that say

    def linear(self, a: Fraction, b: Fraction) -> Tensor:
        """a + b lr for each run in rational arithmetic, then rounded once to float64."""
        return exact.linear(self.lr, a, b)

    def linears(self, a: Fraction, bs: tuple[Fraction, ...]) -> Tensor:
        """(runs, K): `linear` for each b of `bs`, all at once."""
        return exact.linears(self.lr, a, bs)

    def start_loss(self) -> Tensor:
        return self.loss_at(self.e0)

    def loss_at(self, errors: Tensor) -> Tensor:
        """The loss (rows,) at errors (rows, N): a guess of `errors` for an answer of 0."""
        return losses.value(self.loss.name, self.options, errors, torch.zeros(1, self.n, dtype=errors.dtype),
                            self.reduction)

    def by_element(self, path: Callable[[Tensor, Tensor], Tensor]) -> Tensor:
        """The losses (attempts, runs) of per-element closed-form errors `path(runs, t) -> (t, runs, N)`,
        a block of runs at a time -- as the run's dtype plays them (`played`)."""
        out = torch.empty(self.attempts, self.runs, dtype=torch.float64)
        for rows in self._blocks():
            errors = path(rows, self.t)  # (attempts, rows, N)
            out[:, rows] = self.loss_at(errors.reshape(-1, self.n)).reshape(self.attempts, len(rows))
            self.settle(rows, errors, out)
        return out

    def played(self, path: Callable[[Tensor, Tensor], Tensor], losses: Tensor) -> Tensor:
        """`losses` (attempts, runs) of the per-element errors `path(runs, t) -> (t, runs, N)`, as the run's
        dtype plays them: where an element's step rounds away, it stops (`Frozen.played`)."""
        if self.frozen is not None:
            for rows in self._blocks():
                self.settle(rows, path(rows, self.t), losses)
        return losses

    def settle(self, rows: Tensor, errors: Tensor, losses: Tensor, columns: Tensor | None = None) -> Tensor | None:
        """Into `losses` (attempts, runs) at `columns` (`rows` by default), the losses of those of `rows`
        whose elements stop, at errors (attempts, rows, N); and where each of them stands still, into
        `stood` and returned (None where theory does not say)."""
        if self.frozen is None:
            return None
        errors, stood, changed = self.frozen.of_runs(rows).played(errors, self.lr[rows].unsqueeze(0))
        self.stood[rows] = stood
        if bool(changed.any()):
            stopped = errors[:, changed].reshape(-1, self.n)
            at = (rows if columns is None else columns)[changed]
            losses[:, at] = self.loss_at(stopped).reshape(len(errors), -1).to(losses.dtype)
        return stood

    def of_runs(self, rows: Tensor) -> Games:
        """The same games, only the runs `rows`: each run's closed form is its own."""
        part = copy.copy(self)
        part.lr, part.e0, part.runs = self.lr[rows], self.e0[rows], len(rows)
        part.stood = torch.full((part.runs,), self.attempts, dtype=torch.long)
        part.frozen = None if self.frozen is None else self.frozen.of_runs(rows)
        return part

    def _blocks(self) -> Iterator[Tensor]:
        block = max(1, CHUNK // max(1, self.attempts * self.n))
        for start in range(0, self.runs, block):
            yield torch.arange(start, min(start + block, self.runs))


def never(games: Games) -> Tensor:
    return torch.full((games.runs,), games.attempts, dtype=torch.long)
