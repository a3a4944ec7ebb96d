"""Rational arithmetic on float64 learning rates.

Theory decides which side of a critical lr a run is on, and works out each run's factor a + b lr,
exactly: a and b are rationals (2/N, 1 + momentum, ...) and an lr is the rational its float is.

    linear(x, a, b)     a + b x rounded once to float64, in Python's integers (their true division
                        rounds correctly): half a microsecond a run
    at_least(x, c)      x >= c, against the least float not below c: all runs at once
    equal_to(x, c)      x == c, where c is a float at all: all runs at once
"""

from __future__ import annotations

import math
from fractions import Fraction

import torch
from torch import Tensor


def linear(x: Tensor, a: Fraction, b: Fraction) -> Tensor:
    """a + b x for each x (float64, finite), rounded once to float64; past the largest float, inf."""
    # x = n / d: a + b x = (an bd d + bn ad n) / (ad bd d)
    top, side, under = a.numerator * b.denominator, b.numerator * a.denominator, a.denominator * b.denominator
    return torch.tensor([_divided(top * d + side * n, under * d) for n, d in map(float.as_integer_ratio, x.tolist())],
                        dtype=torch.float64)


def _divided(numerator: int, denominator: int) -> float:
    try:
        return numerator / denominator
    except OverflowError:
        return math.inf if (numerator > 0) == (denominator > 0) else -math.inf


def at_least(x: Tensor, bound: Fraction) -> Tensor:
    """x >= bound for each float x, decided exactly."""
    least = _float(bound)
    if math.isfinite(least) and Fraction(least) < bound:
        least = math.nextafter(least, math.inf)
    return x >= least


def equal_to(x: Tensor, value: Fraction) -> Tensor:
    """x == value for each float x, decided exactly."""
    near = _float(value)
    return x == near if math.isfinite(near) and Fraction(near) == value else torch.zeros_like(x, dtype=torch.bool)


def _float(value: Fraction) -> float:
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf
