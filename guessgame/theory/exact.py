"""Rational arithmetic on float64 learning rates.

Theory decides which side of a critical lr a run is on, and works out each run's factor a + b lr,
exactly: a and b are rationals (2/N, 1 + momentum, ...) and an lr is the rational its float is.

    linear(x, a, b)     a + b x rounded once to float64: in double-double arithmetic, all runs at
                        once, and in Python's integers (their true division rounds correctly) for
                        the few where that cannot decide the rounding
    at_least(x, c)      x >= c, against the least float not below c: all runs at once
    equal_to(x, c)      x == c, where c is a float at all: all runs at once
"""

from __future__ import annotations

import math
from fractions import Fraction

import torch
from torch import Tensor

SPLIT = 134217729.0  # 2^27 + 1: Dekker's split of a float64 into halves whose products are exact
SAFE = (2.0 ** -400, 2.0 ** 400)  # |x| and |b| where the halves' products neither overflow nor underflow
SLACK = 2.0 ** -96  # how far, relative to |a| + |b x|, the double-double sum may be from a + b x


def linear(x: Tensor, a: Fraction, b: Fraction) -> Tensor:
    """a + b x for each x (float64, finite), rounded once to float64; past the largest float, inf."""
    return linears(x, a, (b,))[:, 0]


def linears(x: Tensor, a: Fraction, bs: tuple[Fraction, ...]) -> Tensor:
    """(runs, K): a + b x for each x (runs,) and each b of `bs`, as `linear` rounds it."""
    out = _double_double(x.unsqueeze(1), a, bs)
    for k, b in enumerate(bs):
        unsure = torch.isnan(out[:, k])
        if bool(unsure.any()):
            out[unsure, k] = _rational(x[unsure], a, b)
    return out


def _rational(x: Tensor, a: Fraction, b: Fraction) -> Tensor:
    # x = n / d: a + b x = (an bd d + bn ad n) / (ad bd d)
    top, side, under = a.numerator * b.denominator, b.numerator * a.denominator, a.denominator * b.denominator
    return torch.tensor([_divided(top * d + side * n, under * d) for n, d in map(float.as_integer_ratio, x.tolist())],
                        dtype=torch.float64)


def _double_double(x: Tensor, a: Fraction, bs: tuple[Fraction, ...]) -> Tensor:
    """a + b x rounded once where that is certain, else NaN: a and b as the sum of two floats each, b x as
    the exact product p + e (Dekker), summed without losing what the roundings drop (Knuth's two-sum) to
    within SLACK (|a| + |b x|); the sum's rounding r is a + b x's wherever the rest, r's distance from the
    exact value, is below half the spacing of the floats at r by more than that. x (runs, 1), one column
    per b."""
    ah, highs = _float(a), [_float(b) for b in bs]
    if not (math.isfinite(ah) and all(SAFE[0] <= abs(bh) <= SAFE[1] for bh in highs)):
        return torch.full((len(x), len(bs)), math.nan, dtype=x.dtype)
    al = float(a - Fraction(ah))
    bh = torch.tensor(highs, dtype=x.dtype)
    bl = torch.tensor([float(b - Fraction(h)) for b, h in zip(bs, highs)], dtype=x.dtype)
    p = x * bh
    e = _product_error(x, bh, p)
    s, t = _two_sum(torch.full_like(p, ah), p)
    r, rest = _two_sum(s, t + (e + (x * bl + al)))
    size = r.abs()
    half = torch.minimum(torch.nextafter(size, torch.tensor(math.inf, dtype=x.dtype)) - size,
                         size - torch.nextafter(size, torch.zeros_like(size))) / 2
    sure = (rest.abs() + SLACK * (abs(ah) + p.abs()) < half) & torch.isfinite(r) & (r != 0)
    sure &= (x.abs() >= SAFE[0]) & (x.abs() <= SAFE[1])
    return torch.where(sure, r, math.nan)


def _two_sum(u: Tensor, v: Tensor) -> tuple[Tensor, Tensor]:
    """u + v rounded, and exactly what the rounding dropped."""
    s = u + v
    w = s - u
    return s, (u - (s - w)) + (v - w)


def _product_error(x: Tensor, c: Tensor, p: Tensor) -> Tensor:
    """x c - p exactly, for p the rounded x c (both within SAFE)."""
    xs = x * SPLIT
    xh = xs - (xs - x)
    xl = x - xh
    cs = c * SPLIT
    ch = cs - (cs - c)
    cl = c - ch
    return ((xh * ch - p) + xh * cl + xl * ch) + xl * cl


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
