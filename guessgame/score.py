"""The score of random games: per learning rate, how many attempts its games took to converge and
what share of them had each status.

Works on run summaries (`Result.summary()` or a saved run's), so a saved run scores without torch.
"""

from __future__ import annotations

import numpy as np

from guessgame.records import RunSummary, Score, Spread
from guessgame.status import Status


def scores(runs: list[RunSummary]) -> list[Score]:
    """One score per learning rate (per cell of a grid), in the order they first appear."""
    by_lr: dict[tuple[int, float], list[RunSummary]] = {}
    for run in runs:
        by_lr.setdefault((run.cell, float(run.lr)), []).append(run)
    return [_score(lr, games, cell) for (cell, lr), games in by_lr.items()]


def _score(lr: float, games: list[RunSummary], cell: int = 0) -> Score:
    count = len(games)
    shares = {status: sum(game.status == status for game in games) / count for status in Status}
    took = np.array([game.converged_at for game in games if game.status == Status.CONVERGED], dtype=float)
    spread = None
    if took.size:
        q1, median, q3 = np.percentile(took, [25, 50, 75])
        spread = Spread(int(took.min()), float(q1), float(median), float(q3), int(took.max()), float(took.mean()))
    return Score(lr=lr, games=count, shares=shares, attempts_to_converge=spread, cell=cell)


def others(shares: dict[Status, float]) -> float:
    """The share of the games that neither converged nor diverged: stalled, oscillating or unfinished."""
    return sum(share for status, share in shares.items() if status not in (Status.CONVERGED, Status.DIVERGED))


def converged_and_stayed(run: RunSummary) -> bool:
    """Converged and within tolerance from then on: a run whose loss left tolerance after it converged
    (`left_at`) converged by luck, and is never a best lr."""
    return run.status is Status.CONVERGED and run.left_at is None


def best_run(runs: list[RunSummary]) -> RunSummary | None:
    """The run that converged first and stayed there (the lower final loss on a tie), or None."""
    stayed = [run for run in runs if converged_and_stayed(run)]
    return min(stayed, key=lambda run: (run.converged_at, run.final_loss), default=None)
