"""A run as the figures see it: numpy arrays, its validated config and its typed summaries.

Built from a `Result` here, or read back from a run folder by `guessgame.rundir.read_run`; no torch
either way, so a saved run is re-drawn without it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from guessgame.config import Config
from guessgame.records import RunSummary
from guessgame.status import Status


@dataclass
class RunData:
    config: Config
    attempt: np.ndarray  # (rows,) the 1-based attempt of each logged row
    lr: np.ndarray  # (runs,)
    game: np.ndarray  # (runs,) which hidden answer of its learning rate
    loss: np.ndarray  # (rows, runs)
    guess: np.ndarray  # (rows, runs, N): the flattened guess before its step
    answer: np.ndarray  # (runs, N)
    summary: list[RunSummary]
    lr_at: np.ndarray | None = None  # (rows, runs): the lr each logged attempt used, with a schedule
    cell: np.ndarray | None = None  # (runs,): each run's cell of a grid (config.cells)
    # With noisy hints, `loss` is the true loss (to the hidden answer, as the verdicts read it), `seen` the
    # loss each attempt's optimizer saw, and `hint` (rows, runs, N) the mean of the attempt's observations.
    seen: np.ndarray | None = None
    hint: np.ndarray | None = None

    @property
    def name(self) -> str:
        return self.config.name

    @property
    def shape(self) -> tuple[int, ...]:
        return self.config.shape

    @property
    def runs(self) -> int:
        return len(self.lr)

    @property
    def games(self) -> int:
        """Random answers per learning rate."""
        return self.config.games

    @property
    def status(self) -> list[Status]:
        return [run.status for run in self.summary]

    @classmethod
    def from_result(cls, result) -> "RunData":
        rows, runs = result.loss.shape
        return cls(
            config=result.config, attempt=result.attempt.numpy(), lr=result.lr.double().numpy(),
            game=result.game.numpy(),
            loss=(result.loss if result.true_loss is None else result.true_loss).double().cpu().numpy(),
            seen=None if result.true_loss is None else result.loss.double().cpu().numpy(),
            hint=None if result.hint is None else result.hint.double().cpu().reshape(rows, runs, -1).numpy(),
            guess=result.guess.double().cpu().reshape(rows, runs, -1).numpy(),
            answer=result.answer.double().cpu().reshape(runs, -1).numpy(),
            summary=result.summary(),
            lr_at=None if result.lr_at is None else result.lr_at.double().cpu().numpy(),
            cell=None if result.cell is None else result.cell.numpy(),
        )

    @property
    def cells(self) -> np.ndarray:
        """Each run's cell (all 0 without a grid)."""
        return np.zeros(self.runs, dtype=int) if self.cell is None else self.cell
