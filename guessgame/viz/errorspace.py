"""Error space: each logged guess as one signed number, the size of guess - answer, so every run and
every random game shares one landscape with the answer at 0.

The size is measured the way the loss measures it, so for mse, l1 and the bad loss each logged
(size, loss) lies on one curve whatever the answer and the direction of the error:

    mse        x = ±‖e‖₂     loss = x² / N      (sum: x²)
    l1         x = ±‖e‖₁     loss = |x| / N     (sum: |x|)
    bad        x = Σ eᵢ      loss = x / N       (sum: x)
    huber, smooth_l1: x = ±‖e‖₂, the curve along the first run's starting error (exact for one element)

The sign is + on the side of the answer the run started from (for one element: the sign of e).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from guessgame.losses import effective
from guessgame.rundata import RunData


class ErrorSpace(NamedTuple):
    x: np.ndarray  # (rows, runs): the signed size of each logged guess's error
    label: str  # what x is, for the axis
    curve: str  # what the landscape curve is, for the legend
    exact: bool  # every logged (x, loss) lies on the curve


def error_space(run: RunData) -> ErrorSpace:
    return _space(run, run.guess - run.answer[None])


def ends(run: RunData, runs: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """(x, loss) of the guess each of these runs ended with (the summary's, after its last step): its
    place in error space and its real loss, for a run whose end the log did not keep."""
    if not runs:
        return np.zeros(0), np.zeros(0)
    final = np.array([np.asarray(run.summary[r].final_guess, dtype=float).reshape(-1) for r in runs])
    e = np.stack([run.guess[0, runs] - run.answer[runs], final - run.answer[runs]])  # the start sets the sign
    x = _space(run, e).x[1]
    definition, options = effective(run.config.loss, run.config.loss_options)
    per = 1.0 / e.shape[2] if run.config.reduction == "mean" else 1.0
    with np.errstate(over="ignore", invalid="ignore"):
        loss = definition.values(e[1], options)[0].sum(axis=1) * per
    return x, loss


def _space(run: RunData, e: np.ndarray) -> ErrorSpace:
    """Error space of errors e (rows, runs, N), signed against each run's first row."""
    definition, options = effective(run.config.loss, run.config.loss_options)
    loss = run.config.loss
    n = e.shape[2]
    with np.errstate(over="ignore", invalid="ignore"):
        if n == 1:
            return ErrorSpace(e[..., 0], "error: guess − answer", f"{loss} loss of the error", True)
        if not definition.has_minimum:
            return ErrorSpace(e.sum(axis=2), "Σ (guess − answer)", "bad loss: mean of the error", True)
        l1 = definition.width(options) == 0
        size = np.abs(e).sum(axis=2) if l1 else _norm(e)
        sign = np.where(np.einsum("tri,ri->tr", np.nan_to_num(e), np.nan_to_num(e[0])) < 0, -1.0, 1.0)
    label = "±‖guess − answer‖" + ("₁" if l1 else "₂") + "  (+: the side it started on)"
    if l1 or definition.width(options) == np.inf:
        return ErrorSpace(sign * size, label, f"{loss} loss at that size of error", True)
    return ErrorSpace(sign * size, label, f"{loss} loss along the first run's starting error", False)


def _norm(e: np.ndarray) -> np.ndarray:
    """‖e‖₂ over the last axis, without overflow for huge errors."""
    biggest = np.abs(e).max(axis=2, initial=0)
    scale = np.where(np.isfinite(biggest) & (biggest > 0), biggest, 1.0)
    with np.errstate(over="ignore", invalid="ignore"):
        norm = scale * np.sqrt(((e / scale[..., None]) ** 2).sum(axis=2))
    return np.where(np.isfinite(biggest), norm, np.inf)


def landscape(run: RunData, x: np.ndarray) -> np.ndarray:
    """The loss at signed error size x (see the module's table)."""
    definition, options = effective(run.config.loss, run.config.loss_options)
    n = run.guess.shape[2]
    per = 1.0 / n if run.config.reduction == "mean" else 1.0
    width = definition.width(options)
    if not definition.has_minimum or width in (0, np.inf):  # one element of size x: the whole error
        return definition.values(x, options)[0] * per
    start = run.guess[0, 0] - run.answer[0]
    size = float(_norm(start[None, None])[0, 0]) if n > 1 else 1.0
    u = start / size if n > 1 and size > 0 and np.isfinite(size) else np.full(n, n ** -0.5)
    with np.errstate(over="ignore", invalid="ignore"):
        d = np.abs(x[:, None] * u[None, :]) if n > 1 else np.abs(x)[:, None]
    return definition.values(d, options)[0].sum(axis=1) * per
