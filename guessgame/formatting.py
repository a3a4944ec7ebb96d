"""Numbers, guesses, attempts and theory in words, as plain text: for the terminal, a page or a game."""

from __future__ import annotations

from typing import Any

from guessgame.records import RunSummary, Theory


def number(x: float) -> str:
    """7 significant digits, as the notebook's tensors print them; inf, -inf and nan as such."""
    return f"{x:.7g}"


def vector(values: Any, most: int = 6) -> str:
    """A guess, a gradient or a step: `[50, 50, 50]`, the first `most` elements of a big one."""
    if not isinstance(values, list):
        return number(values)
    flat = _flatten(values)
    shown = ", ".join(number(v) for v in flat[:most]) + (", ..." if len(flat) > most else "")
    return f"[{shown}]"


def _flatten(values: Any) -> list[float]:
    if isinstance(values, list):
        return [x for v in values for x in _flatten(v)]
    return [values]


def attempts_text(run: RunSummary) -> str:
    """`converged at 17`, `converged at 312, left at 1316`, `diverged at 5`, or the attempts run."""
    if run.converged_at:
        return f"converged at {run.converged_at}" + (f", left at {run.left_at}" if run.left_at else "")
    if run.diverged_at:
        return f"diverged at {run.diverged_at}"
    return str(run.attempts_run)


def theory_text(theory: Theory | None) -> str:
    """`diverged at 5, critical lr 3, rate 5.67`, or why theory has no closed form."""
    if theory is None or theory.predicted is None:
        return (theory.note if theory else None) or "no closed form"
    head = theory.predicted.value
    at = theory.predicted_converged_at or theory.predicted_diverged_at
    parts = [head + (f" at {at}" if at else "")]
    if theory.critical_lr is not None:
        parts.append(f"critical lr {number(theory.critical_lr)}")
    if theory.rate is not None:
        parts.append(f"rate {theory.rate:.3g}")
    if theory.band is not None:
        parts.append(f"band {number(theory.band)}" + (f" from {theory.band_reached_at}" if theory.band_reached_at
                                                       else ""))
    return ", ".join(parts)
