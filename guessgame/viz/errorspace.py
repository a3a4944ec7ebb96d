"""Error space: each logged guess as one signed number, the size of guess - answer, so every run and
every random game shares one landscape with the answer at 0.

The size is measured the way the loss measures it, so for mse, l1 and the bad loss each logged
(size, loss) lies on one curve whatever the answer and the direction of the error:

    mse        x = ±‖e‖₂     loss = x² / N      (sum: x²)
    l1         x = ±‖e‖₁     loss = |x| / N     (sum: |x|)
    bad        x = Σ eᵢ      loss = x / N       (sum: x)
    huber, smooth_l1: x = ±‖e‖₂, the curve along the first run's starting error (exact for one element)

The sign is + on the side of the answer the run started from (for one element: the sign of e).

A ravine (weights, a rotation: `guessgame.ravine`) has no one curve: at one size of error the loss
depends on the error's direction. Where it is known to lie between two curves -- mse (‖Re‖₂ = ‖e‖₂)
and unrotated l1, between the flattest weight's curve and the stiffest's -- those two are drawn
(`curves`); else none, and each logged guess is its run's measured loss (`landscape` is then NaN).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from guessgame import ravine
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
        turned = e[1] if run.config.rotation is None else e[1] @ ravine.rotation(run.config).numpy().T
        loss = (ravine.weights(run.config) * definition.values(turned, options)[0]).sum(axis=1) * per
    return x, loss


def _space(run: RunData, e: np.ndarray) -> ErrorSpace:
    """Error space of errors e (rows, runs, N), signed against each run's first row."""
    definition, options = effective(run.config.loss, run.config.loss_options)
    times = _times(run)
    loss = run.config.loss + (f" loss × {times:g}" if times not in (None, 1) else " loss")
    n = e.shape[2]
    with np.errstate(over="ignore", invalid="ignore"):
        if n == 1:
            return ErrorSpace(e[..., 0], "error: guess − answer", f"{loss} of the error", True)
        if not definition.has_minimum:
            return ErrorSpace(e.sum(axis=2), "Σ (guess − answer)", f"{loss}: mean of the error" if times else
                              f"no one curve: a ravine's {loss}\ndepends on the error's direction", times is not None)
        l1 = definition.width(options) == 0
        size = np.abs(e).sum(axis=2) if l1 else _norm(e)
        sign = np.where(np.einsum("tri,ri->tr", np.nan_to_num(e), np.nan_to_num(e[0])) < 0, -1.0, 1.0)
    label = "±‖guess − answer‖" + ("₁" if l1 else "₂") + "  (+: the side it started on)"
    if times is None:  # a ravine: the loss at one size of error depends on its direction
        one = np.ptp(ravine.weights(run.config)) == 0
        between = f"{loss} at that size of error" + ("" if one else ": between these\ncurves, along the flattest"
                                                     " and stiffest direction")
        curve = between if bounded(run) else f"no one curve: a ravine's {loss}\ndepends on the error's direction"
        return ErrorSpace(sign * size, label, curve, one and bounded(run))
    if l1 or definition.width(options) == np.inf:
        return ErrorSpace(sign * size, label, f"{loss} at that size of error", True)
    return ErrorSpace(sign * size, label, f"{loss} along the first run's starting error", False)


def _times(run: RunData) -> float | None:
    """The weight of a game that is the plain one times a number (every weight that number, no rotation:
    1 for the plain game), or None: a ravine whose loss depends on the error's direction."""
    w = ravine.weights(run.config)
    return float(w[0]) if run.config.rotation is None and np.ptp(w) == 0 else None


def _norm(e: np.ndarray) -> np.ndarray:
    """‖e‖₂ over the last axis, without overflow for huge errors."""
    biggest = np.abs(e).max(axis=2, initial=0)
    scale = np.where(np.isfinite(biggest) & (biggest > 0), biggest, 1.0)
    with np.errstate(over="ignore", invalid="ignore"):
        norm = scale * np.sqrt(((e / scale[..., None]) ** 2).sum(axis=2))
    return np.where(np.isfinite(biggest), norm, np.inf)


def curves(run: RunData, x: np.ndarray) -> list[np.ndarray]:
    """The curves the loss at signed error size x lies on: the landscape, or a ravine's two bounds (one
    where they are the same), or none."""
    if _times(run) is not None:
        return [landscape(run, x)]
    if not bounded(run):
        return []
    definition, options = effective(run.config.loss, run.config.loss_options)
    per = 1.0 / run.guess.shape[2] if run.config.reduction == "mean" else 1.0
    weights = ravine.weights(run.config)
    with np.errstate(over="ignore", invalid="ignore"):
        one = definition.values(x, options)[0] * per
        return [weights.min() * one] + [weights.max() * one] * bool(weights.max() > weights.min())


def has_curve(run: RunData) -> bool:
    """Whether the loss at each size of error lies on a curve drawn (or between two)."""
    return _times(run) is not None or bounded(run)


def bounded(run: RunData) -> bool:
    """Whether a ravine's loss at one size of error lies between its flattest and stiffest weight's curves."""
    definition, options = effective(run.config.loss, run.config.loss_options)
    width = definition.width(options) if definition.has_minimum else None
    return width == np.inf or (width == 0 and run.config.rotation is None)


def landscape(run: RunData, x: np.ndarray) -> np.ndarray:
    """The loss at signed error size x (see the module's table); NaN for a ravine, which has no one curve
    (every weight the same number and no rotation: the plain game's times that number)."""
    times = _times(run)
    if times is None:
        return np.full(np.shape(x), np.nan)
    with np.errstate(over="ignore", invalid="ignore"):
        return times * _plain(run, x)


def _plain(run: RunData, x: np.ndarray) -> np.ndarray:
    """The plain game's loss at signed error size x."""
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
