"""What happened to a run, in the words a figure's legend uses."""

from __future__ import annotations

import numpy as np

from guessgame.rundata import RunData
from guessgame.status import Status


def story(run: RunData, r: int) -> str:
    """`converged at 14`, `converged at 13, left at 161`, `diverged at 7: → ∞, overflow at 320`,
    `diverged at 2: falls toward −∞`, `stalled at 223 (stopped short)`..."""
    info = run.summary[r]
    loss = run.loss[:, r][run.attempt <= info.attempts_run]
    if info.status == Status.CONVERGED and info.left_at:  # never shown as plainly converged
        return f"converged at {info.converged_at}, left at {info.left_at}"
    if info.status == Status.CONVERGED:
        zero = np.flatnonzero(loss == 0)
        return f"converged at {info.converged_at}" + (
            f", exactly 0 from {run.attempt[zero[0]]}" if zero.size and (loss[zero[0]:] == 0).all() else "")
    if info.status == Status.STALLED:
        return "stalled" + (f" at {info.stalled_at}" if info.stalled_at else "") + " (stopped short)"
    if info.status == Status.DIVERGED:
        text = f"diverged at {info.diverged_at}: {direction(loss)}"
        bad = np.flatnonzero(~np.isfinite(loss))
        return text + (f", overflow at {run.attempt[bad[0]]}" if bad.size else "")
    if info.status == Status.SETTLED:
        return f"settled at {info.settled_at}: at its noise floor"
    if info.status == Status.OSCILLATING:
        return "oscillating (bounded, not settling)"
    return f"unfinished: still moving at {info.attempts_run}"


def direction(loss: np.ndarray) -> str:
    """Which way a diverging loss goes: up to ∞, or down toward −∞ (the bad loss falls)."""
    finite = loss[np.isfinite(loss)]
    if (loss == -np.inf).any() or (finite.size and finite[-1] < min(0.0, finite[0])):
        return "falls toward −∞"
    return "→ ∞"
