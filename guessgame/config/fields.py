"""Checks of single values -- a number in a range, a whole number, a boolean, a choice -- each failing
with one message that names the key (or the override that set it), the value and what is allowed;
and the words those messages are made of (`kind`, `show`, `suggest`)."""

from __future__ import annotations

import difflib
import math
from typing import Any

from guessgame.errors import ConfigError
from guessgame.ranges import Range

# Words people reach for first, mapped to guessgame's.
ALIASES = {
    "learning_rate": "lr", "learningrate": "lr", "lrs": "lr", "alpha": "lr", "step_size": "lr",
    "target": "answer", "label": "answer", "truth": "answer",
    "prediction": "guess", "initial_guess": "guess", "start": "guess", "init": "guess",
    "epochs": "attempts", "steps": "attempts", "iterations": "attempts", "iters": "attempts",
    "loss_fn": "loss", "criterion": "loss", "optim": "optimizer", "opt": "optimizer",
    "precision": "dtype", "tol": "tolerance", "random_seed": "seed",
}


class Fields:
    """`lines` maps a key path to its line in the file; `setters` maps one to the --set that set it."""

    def __init__(self, origin: str | None, lines: dict, setters: dict) -> None:
        self.origin, self.lines, self.setters = origin, lines, setters

    def fail(self, path: tuple, problem: str) -> None:
        """Raise, naming the override that set `path` (or a key above or below it), else the file and line."""
        for depth in range(len(path), 0, -1):
            if path[:depth] in self.setters:
                raise ConfigError(problem, key=_dotted(path), source=self.setters[path[:depth]])
        below = [where for key, where in self.setters.items() if path and key[:len(path)] == path]
        if below:
            raise ConfigError(problem, key=_dotted(path), source=below[-1])
        line = next((self.lines[path[:d]] for d in range(len(path), 0, -1) if path[:d] in self.lines), None)
        raise ConfigError(problem, key=_dotted(path) or None, source=self.origin, line=line)

    def bad(self, path: tuple, value: Any, allowed: str) -> None:
        self.fail(path, f"got {show(value)}; {allowed}")

    def positive(self, path: tuple, value: Any, allowed: str) -> float:
        return self.number(path, value, Range(0.0, low_ok=False), allowed)

    def number(self, path: tuple, value: Any, range_: Range, allowed: str) -> float:
        if not is_number(value) or not finite(value) or not range_.holds(value):
            self.bad(path, value, allowed + beyond_floats(value))
        return float(value)

    def integer(self, path: tuple, value: Any, low: int, high: int) -> int:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            self.bad(path, value, f"a whole number from {low:,} to {high:,}")
        return value

    def boolean(self, path: tuple, value: Any) -> bool:
        if not isinstance(value, bool):
            self.bad(path, value, "true or false")
        return value

    def choice(self, path: tuple, value: Any, allowed) -> str:
        if not isinstance(value, str) or value not in allowed:
            hint = suggest(value, allowed) if isinstance(value, str) else ""
            self.fail(path, f"got {show(value)}{hint}; allowed: {', '.join(allowed)}")
        return value


def finite(value: float) -> bool:
    """Whether a number is finite as a float: a whole number past float64's range is not."""
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


def beyond_floats(value: Any) -> str:
    """What to add to a message about a whole number too big for any float: it is not inf, but as good."""
    if is_number(value) and isinstance(value, int) and not finite(value):
        return f" (this whole number of {len(str(abs(value)))} digits is beyond the largest float, 1.8e308)"
    return ""


def kind(value: Any) -> str:
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"the number {value!r}"
    if isinstance(value, str):
        return f"the text {value!r}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return "nothing" if value is None else type(value).__name__


def show(value: Any) -> str:
    text = repr(value) if not isinstance(value, (list, dict)) else str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def flat(value: Any) -> list:
    """The numbers of a number or a nested list, in order."""
    return [x for v in value for x in flat(v)] if isinstance(value, list) else [value]


def shape_of(value: Any) -> tuple[int, ...]:
    shape = []
    while isinstance(value, list):
        shape.append(len(value))
        value = value[0]
    return tuple(shape)


def suggest(word: str, choices) -> str:
    """' (did you mean `lr`?)' for a near miss, else ''."""
    alias = ALIASES.get(word.lower())
    if alias in choices:
        return f" (did you mean `{alias}`?)"
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean `{close[0]}`?)" if close else ""


def _dotted(path: tuple) -> str:
    return ".".join(str(p) for p in path)
