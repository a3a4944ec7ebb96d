"""The values a number option may take: what a loss or an optimizer declares for each of its options,
and what validation checks and says."""

from __future__ import annotations

import math
from typing import NamedTuple


class Range(NamedTuple):
    """Finite numbers from `low` to `high`; whether each end is allowed."""

    low: float
    high: float = math.inf
    low_ok: bool = True
    high_ok: bool = True

    def holds(self, value: float) -> bool:
        above = value > self.low or (self.low_ok and value == self.low)
        below = value < self.high or (self.high_ok and value == self.high)
        return above and below

    def allowed(self) -> str:
        """`a finite number > 0`, `a finite number >= 0 and <= 1`."""
        return f"a finite number {'>=' if self.low_ok else '>'} {self.low:g}" + (
            "" if self.high == math.inf else f" and {'<=' if self.high_ok else '<'} {self.high:g}")

    def interval(self) -> str:
        """`[0, 1)`, `(0, inf)`."""
        return f"{'[' if self.low_ok else '('}{self.low:g}, {self.high:g}{']' if self.high_ok else ')'}"


AT_LEAST_0 = Range(0.0)
ABOVE_0 = Range(0.0, low_ok=False)
FRACTION = Range(0.0, 1.0)
BELOW_1 = Range(0.0, 1.0, high_ok=False)
