"""A grid: every cell (a loss x optimizer x schedule x dtype of the config's lists) played as its own
batch, and the cells' runs put together, cell after cell, into one Result that says each run's cell.

Each cell plays in its own dtype, with the hidden answers in that dtype, as that cell played alone
would. Put together, the cells' tensors are in the dtype torch promotes theirs to (float16 with
bfloat16: float32), which holds every value of each exactly.

A cell that played fewer attempts than the others (every run of it decided, with `stop_early`, or
cut short by Ctrl-C) is padded in memory to the others' attempts as a stopped run is: NaN losses,
gradients and steps, its last guess. Its runs' `attempts_run` say what it played, and the run folder
holds only that.
"""

from __future__ import annotations

import functools
import itertools
from typing import Callable

import torch
from torch import Tensor

from guessgame import interrupts
from guessgame.config import Config
from guessgame.engine.answers import device_of, hidden_answers
from guessgame.engine.memory import check_memory
from guessgame.engine.optimizer import scheduled_lrs
from guessgame.engine.result import Interrupted, Result


def play_cells(config: Config, play: Callable, progress: Callable[[int, int], None] | None) -> Result:
    """`play(cell_config, progress)` each cell in turn. Ctrl-C stops the cell being played after its
    attempt (or, between two cells, before the next one) and keeps the cells played so far."""
    cells, results = config.iter_cells(), []
    first = next(cells)
    check_memory(config, max(getattr(torch, dtype).itemsize for dtype in config.dtypes))
    device = device_of(first)

    @functools.cache
    def answers(dtype: str) -> Tensor:  # every cell plays the same games, each in its own dtype
        return hidden_answers(first, getattr(torch, dtype), device)

    for k, cell in enumerate(itertools.chain([first], cells)):
        if k and interrupts.requested():
            raise Interrupted(combine(config, results, interrupted=True))
        report = None if progress is None else (
            lambda t, total, k=k: progress(k * total + t, config.cell_count * total))
        try:
            results.append(play(cell, report, answers(cell.dtype)))
        except Interrupted as stop:
            results.append(stop.result)
            raise Interrupted(combine(config, results)) from None
    return combine(config, results)


def combine(config: Config, results: list[Result], interrupted: bool = False) -> Result:
    """The runs of every cell's result (the first cells of the grid, all of them unless it was
    `interrupted`) as one Result of the grid config."""
    longest = max(results, key=lambda r: len(r.attempt))
    rows = len(longest.attempt)
    padded = [_padded(r, rows) for r in results]

    def cat(name: str) -> Tensor:
        return torch.cat([r[name]() for r in padded], dim=1)

    def joined(name: str) -> list:
        return [value for r in results for value in getattr(r, name)]

    scheduled = any(r.config.scheduled for r in results)
    return Result(
        config=config, attempt=longest.attempt, guess=cat("guess"), losses=functools.cache(lambda: cat("loss")),
        moves=functools.cache(lambda: (cat("grad"), cat("step"))), lr=torch.cat([r.lr for r in results]),
        game=torch.cat([r.game for r in results]),
        answer=torch.cat([r.answer for r in results]), final_guess=torch.cat([r.final_guess for r in results]),
        attempts_run=joined("attempts_run"), status=joined("status"), converged_at=joined("converged_at"),
        diverged_at=joined("diverged_at"), theory=joined("theory"),
        interrupted=interrupted or any(r.interrupted for r in results), best_loss=joined("best_loss"),
        final_loss=joined("final_loss"), left_at=joined("left_at"), stalled_at=joined("stalled_at"),
        settled_at=joined("settled_at"),
        lr_at=torch.cat([_lr_at(r, rows) for r in results], dim=1) if scheduled else None,
        cell=torch.cat([torch.full((r.runs,), k, dtype=torch.long) for k, r in enumerate(results)]),
        true_loss=cat("true_loss") if config.noise else None,
        hints=functools.cache(lambda: cat("hint")) if config.noise else None,
    )


def _padded(result: Result, rows: int) -> dict[str, Callable[[], Tensor]]:
    """The result's log with rows up to `rows`: NaN losses, gradients and steps, its last guess (each
    made when asked for: gradients and steps may not have been worked out yet)."""
    extra = rows - len(result.attempt)

    def nan(name: str) -> Callable[[], Tensor]:
        def padded() -> Tensor:
            values = getattr(result, name)
            return torch.cat([values, values.new_full((extra, *values.shape[1:]), float("nan"))]) if extra else values
        return padded

    def guess() -> Tensor:
        last = result.final_guess.unsqueeze(0).expand(extra, *result.final_guess.shape)
        return torch.cat([result.guess, last]) if extra else result.guess

    return {"guess": guess, **{name: nan(name) for name in ("loss", "grad", "step", "true_loss", "hint")}}


def _lr_at(result: Result, rows: int) -> Tensor:
    """Each logged attempt's lr (rows, runs): the schedule's, or the run's own lr throughout."""
    config = result.config
    kept = torch.tensor(list(config.logged_attempts), dtype=torch.long)[:rows] - 1
    if not config.scheduled:
        return result.lr.double().unsqueeze(0).expand(rows, -1)
    return scheduled_lrs(config, result.lr.double()).index_select(0, kept)
