"""The score of random games: per learning rate, how many attempts its games took to converge and
what share of them converged, oscillated, diverged or ran out of attempts.

Works on summary records (`Result.summary()` or summary.json's runs), so a saved run scores without
torch.
"""

from __future__ import annotations

from typing import Any

import numpy as np

STATUSES = ("converged", "oscillating", "unfinished", "diverged")


def scores(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One record per learning rate, in the order the learning rates first appear.

    >>> scores([{"lr": 0.1, "status": "converged", "converged_at": 4},
    ...         {"lr": 0.1, "status": "diverged", "converged_at": None}])[0]["shares"]["diverged"]
    0.5
    """
    by_lr: dict[float, list[dict[str, Any]]] = {}
    for run in runs:
        by_lr.setdefault(float(run["lr"]), []).append(run)
    return [_score(lr, games) for lr, games in by_lr.items()]


def _score(lr: float, games: list[dict[str, Any]]) -> dict[str, Any]:
    count = len(games)
    shares = {s: sum(g["status"] == s for g in games) / count for s in STATUSES}
    took = np.array([g["converged_at"] for g in games if g["status"] == "converged"], dtype=float)
    attempts = None
    if took.size:
        q1, median, q3 = np.percentile(took, [25, 50, 75])
        attempts = {"min": int(took.min()), "q1": float(q1), "median": float(median), "q3": float(q3),
                    "max": int(took.max()), "mean": float(took.mean())}
    return {"lr": lr, "games": count, "shares": shares, "attempts_to_converge": attempts}
