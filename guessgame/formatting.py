"""Numbers, guesses, attempts and theory in words, as plain text: for the terminal, a page or a game."""

from __future__ import annotations

import math
import struct
from typing import Any

from guessgame.config import Config, RandomAnswer
from guessgame.config.fields import flat
from guessgame.ravine import is_ravine
from guessgame.records import RunSummary, Theory
from guessgame.status import Status


def number(x: float) -> str:
    """7 significant digits, as the notebook's tensors print them; inf, -inf and nan as such."""
    return f"{x:.7g}"


def vector(values: Any, most: int = 6) -> str:
    """A guess, a gradient or a step: `[50, 50, 50]`, the first `most` elements of a big one."""
    if not isinstance(values, list):
        return number(values)
    numbers = flat(values)
    shown = ", ".join(number(v) for v in numbers[:most]) + (", ..." if len(numbers) > most else "")
    return f"[{shown}]"



def attempts_text(run: RunSummary) -> str:
    """`converged at 17`, `converged at 312, left at 1316`, `diverged at 5`, `stalled at 223`, `settled at
    140`, or the attempts run."""
    if run.converged_at:
        return f"converged at {run.converged_at}" + (f", left at {run.left_at}" if run.left_at else "")
    if run.diverged_at:
        return f"diverged at {run.diverged_at}"
    if run.stalled_at:
        return f"stalled at {run.stalled_at}"
    if run.settled_at:
        return f"settled at {run.settled_at}"
    return str(run.attempts_run)


def status_text(run: RunSummary) -> str:
    """The status in words: `converged, then left` for a converged run whose loss left tolerance later,
    never shown as plainly converged; else the status's name."""
    return "converged, then left" if run.status is Status.CONVERGED and run.left_at else run.status.value


def theory_text(theory: Theory | None) -> str:
    """`diverged at 5, critical lr 3, rate -5.67`, or why theory has no closed form. The rate is what the
    error is multiplied by per attempt, signed where theory knows the sign: below 0, it overshoots."""
    if theory is None or theory.predicted is None:
        return (theory.note if theory else None) or "no closed form"
    head = theory.predicted.value
    at = theory.predicted_converged_at or theory.predicted_diverged_at or theory.predicted_stalled_at
    parts = [head + (f" at {at}" if at else "")]
    if theory.critical_lr is not None:
        parts.append(f"critical lr {number(theory.critical_lr)}")
    rate = signed_rate(theory)
    if rate is not None:
        parts.append(f"rate {rate:.3g}")
    if theory.band is not None:
        parts.append(f"band {number(theory.band)}" + (f" from {theory.band_reached_at}" if theory.band_reached_at
                                                       else ""))
    if theory.condition_number is not None:
        parts.append(f"kappa {theory.condition_number:.3g}")
    return ", ".join(parts)


def ravine_notes(runs: list[RunSummary], config: Config) -> str | None:
    """What theory says of a ravine's runs alike, one line per cell that is one (named in a grid): `theory:
    kappa = 100: converges for lr < 0.02, fastest at lr = 0.0198 (rate 0.980); heavy ball's optimum lr
    0.0331, momentum 0.669 (rate 0.818)`; None where no cell is a ravine."""
    labels = config.cell_labels()
    lines = []
    for c, cell in enumerate(config.cells):
        note = next((run.theory.note for run in runs if run.cell == c and run.theory and run.theory.note), None)
        if is_ravine(cell) and note:
            lines.append(f"theory{f' ({labels[c]})' if len(labels) > 1 else ''}: {note}")
    return "\n".join(lines) or None


def signed_rate(theory: Theory) -> float | None:
    """What the error is multiplied by per attempt: the signed factor where theory has it, else the rate."""
    return theory.factor if theory.factor is not None else theory.rate


def held(value: float, dtype: str) -> float:
    """The float of `dtype` that a number becomes in torch (`torch.tensor(value, dtype=...)`): the nearest,
    via float32 for the half precisions, as torch converts a Python float; inf beyond the largest."""
    if dtype == "float64":
        return float(value)
    single = _packed("f", value)
    if dtype == "float32" or not math.isfinite(single):
        return single
    if dtype == "float16":
        return _packed("e", single)
    bits = struct.unpack("<I", struct.pack("<f", single))[0]  # bfloat16: float32's top half, to nearest even
    bits = (bits + 0x7FFF + ((bits >> 16) & 1)) & 0xFFFF0000
    return struct.unpack("<f", struct.pack("<I", bits))[0]


def _packed(code: str, value: float) -> float:
    try:
        return struct.unpack(f"<{code}", struct.pack(f"<{code}", value))[0]
    except OverflowError:
        return math.copysign(math.inf, value)


def held_note(config: Config) -> str | None:
    """`answer 1000.3 is 1000.5 in float16`: what the dtype holds of a given answer and first guess where
    it cannot hold them exactly; None where it can (or the answers are random)."""
    said = []
    for name, value in (("answer", config.answer), ("guess", config.guess)):
        if isinstance(value, RandomAnswer):
            continue
        given = [float(v) for v in flat(value)]
        kept = [held(v, config.dtype) for v in given]
        if kept != given:
            given, holds = _apart(given, kept)
            if not isinstance(value, list):
                given, holds = given[1:-1], holds[1:-1]
            said.append(f"{name} {given} is {holds} in {config.dtype}")
    return "; ".join(said) or None


def _apart(given: list[float], kept: list[float], most: int = 6) -> tuple[str, str]:
    """The two as `vector`s, with as many significant digits as tell each changed element apart (at least
    7, as `number` writes them)."""
    for digits in range(7, 18):
        texts = [[f"{v:.{digits}g}" for v in values[:most]] for values in (given, kept)]
        if all(a != b for a, b, x, y in zip(*texts, given, kept) if x != y):
            break
    more = ", ..." if len(given) > most else ""
    return tuple(f"[{', '.join(text)}{more}]" for text in texts)
