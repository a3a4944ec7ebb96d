"""Theory's rational arithmetic on float learning rates against Python's fractions."""

import math
from fractions import Fraction

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from guessgame.theory import exact

from helpers.search import examples

# the a + b lr theory works out: 1 - lr h for mse (mean over 2, 3, 5 or 7, sum), huber, smooth_l1 with
# beta 0.3, and heavy ball's 1 + mu - lr h
FACTORS = [(Fraction(1), Fraction(-2, n)) for n in (2, 3, 5, 7)] + [
    (Fraction(1), Fraction(-2)), (Fraction(1), Fraction(-1, 3)), (Fraction(1), -1 / Fraction(0.3) / 3),
    (1 + Fraction(0.9), Fraction(-2, 3)), (1 + Fraction(0.5), Fraction(-1, 7))]


def as_float(value: Fraction) -> float:
    """Rounded once; past the largest float, inf (as IEEE rounds; Python's float raises)."""
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def expected(lrs, a, b):
    return torch.tensor([as_float(a + b * Fraction(x)) for x in lrs], dtype=torch.float64)


def near(value: float, ulps: int = 4) -> list[float]:
    out = [value]
    for direction in (math.inf, -math.inf):
        x = value
        for _ in range(ulps):
            x = math.nextafter(x, direction)
            out.append(x)
    return [x for x in out if x > 0]


def assert_same(ours, theirs):
    assert torch.equal(ours, theirs) and torch.equal(ours.signbit(), theirs.signbit())


@pytest.mark.parametrize(("a", "b"), FACTORS, ids=[f"{float(a):g}{float(b):+g}" for a, b in FACTORS])
def test_a_plus_b_lr_is_rounded_once_as_fractions_round_it(a, b):
    best, critical = float(-a / b), float(-2 * a / b)  # where a + b lr is 0, and where it is -a
    lrs = [*torch.logspace(-8, 8, 2001, dtype=torch.float64).tolist(), *near(best, 50), *near(critical, 50),
           *near(float(-a / b / 3)), 5e-324, 2.2e-308, 1e-300, 1e300, 1.7e308, 1.0, 0.5]
    ours = exact.linear(torch.tensor(lrs, dtype=torch.float64), a, b)
    assert_same(ours, expected(lrs, a, b))
    for x in near(best, 3):  # exactly 0 where the rationals say so
        if a + b * Fraction(x) == 0:
            assert float(exact.linear(torch.tensor([x], dtype=torch.float64), a, b)) == 0.0


@settings(max_examples=examples(300), deadline=None)
@given(st.lists(st.floats(min_value=5e-324, max_value=1e308, allow_nan=False, allow_infinity=False), min_size=1,
                max_size=50),
       st.fractions(min_value=-10, max_value=10, max_denominator=10**6),
       st.lists(st.fractions(min_value=-10, max_value=10, max_denominator=10**6).filter(lambda b: b != 0),
                min_size=1, max_size=4))
def test_any_a_plus_b_lr_is_rounded_once(lrs, a, bs):
    """Each b of several at once (a ravine's levels) as each alone: a + b lr rounded once."""
    x = torch.tensor(lrs, dtype=torch.float64)
    together = exact.linears(x, a, tuple(bs))
    for k, b in enumerate(bs):
        assert_same(together[:, k].contiguous(), expected(lrs, a, b))
        assert_same(exact.linear(x, a, b), expected(lrs, a, b))


@pytest.mark.parametrize("bound", [Fraction(3), Fraction(10, 3), Fraction(2) / Fraction(0.1), Fraction(1, 10**400),
                                   Fraction(10**400)])
def test_which_side_of_a_critical_lr_is_decided_exactly(bound):
    start = min(max(as_float(bound), 5e-324), 1.7e308)
    lrs = [*near(start, 3), 5e-324, 1.0, 1e300]
    x = torch.tensor(lrs, dtype=torch.float64)
    assert exact.at_least(x, bound).tolist() == [Fraction(v) >= bound for v in lrs]
    assert exact.equal_to(x, bound).tolist() == [Fraction(v) == bound for v in lrs]


@settings(max_examples=examples(200), deadline=None)
@given(st.fractions(min_value=-10, max_value=10, max_denominator=10**6),
       st.fractions(min_value=Fraction(1, 10**6), max_value=10**6, max_denominator=10**6), st.booleans())
def test_the_vectorised_sum_is_rounded_once_and_leaves_only_lrs_near_a_tie(a, size, negative):
    """Where the double-double sum decides the rounding, it is the rationals' float; it leaves to the rationals
    only lrs within reach of a rounding's midpoint or of a + b lr = 0 (here, a handful near -a / b)."""
    b = -size if negative else size
    lrs = torch.logspace(-9, 9, 1000, dtype=torch.float64)
    x = torch.cat([lrs, torch.tensor([v for v in near(abs(float(-a / b)), 20) if v > 0], dtype=torch.float64)])
    for k, fast in enumerate(exact._double_double(x.unsqueeze(1), a, (b, 7 * b)).T):  # a column per b
        rational = expected(x.tolist(), a, (b, 7 * b)[k])
        answered = ~torch.isnan(fast)
        assert_same(fast[answered], rational[answered])
        for lr in lrs[~answered[:len(lrs)]].tolist():  # each lr left to the rationals is within reach of a tie
            assert within_reach(a + (b, 7 * b)[k] * Fraction(lr), abs(a) + abs((b, 7 * b)[k] * Fraction(lr))), lr


def within_reach(value: Fraction, size: Fraction) -> bool:
    """Whether `value` is within 2^-90 `size` of 0 or of a midpoint between two neighbouring floats: where the
    double-double sum, off by at most 2^-96 of the sizes it adds, cannot tell how it rounds."""
    reach = size / 2**90
    if abs(value) <= reach:
        return True
    f = float(value)
    midpoints = [(Fraction(f) + Fraction(math.nextafter(f, way))) / 2 for way in (math.inf, -math.inf)]
    return min(abs(value - m) for m in midpoints) <= reach
