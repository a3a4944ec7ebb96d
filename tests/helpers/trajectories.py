"""Loss sequences with the verdict each must get: the status rules' table of cases."""

import math

import torch

from guessgame.status.verdicts import Rules, classify

INF, NAN = math.inf, math.nan


def verdict(losses, *, has_minimum=True, lost_at=None, tolerance=1e-12, factor=1e6, slack=1e-9):
    """(status, converged_at, diverged_at) of one run with these losses."""
    loss = torch.tensor(losses, dtype=torch.float64).unsqueeze(1)
    steps = len(losses)
    out = classify(loss, torch.tensor([steps]), torch.tensor([steps if lost_at is None else lost_at - 1]),
                   Rules(tolerance, factor, has_minimum, slack))
    return out.status[0], out.converged_at[0], out.diverged_at[0]


def geometric(start, factor, count):
    return [start * factor**k for k in range(count)]


def landing(at, count):
    """Steps of one towards 0 that land on it at attempt `at` and stay."""
    return [float(max(at - 1 - k, 0)) for k in range(count)]


CASES = [
    # diverged: steady geometric growth past the start, declared once it has lasted GROWING_FOR attempts
    ("grows-x1.78-steadily", geometric(1571.0, 16 / 9, 30), {}, ("diverged", None, 5)),
    ("grows-x1.02-steadily", geometric(3.0, 1.02, 30), {}, ("diverged", None, 5)),
    ("grows-x1.005-slower-than-geometric-rule", geometric(3.0, 1.005, 60), {}, ("unfinished", None, None)),
    ("grows-unsteadily-past-the-factor", [1.0 * (1.5 if k % 2 else 1.6) ** k for k in range(40)], {},
     ("diverged", None, 31)),
    ("overflows-after-a-finite-start", [2.0, 64.0, INF, INF], {}, ("diverged", None, 3)),
    ("nan-after-a-finite-start", [2.0, 3.0, NAN], {}, ("diverged", None, 3)),
    ("guess-overflows", [INF] * 6, {"lost_at": 4}, ("diverged", None, 4)),
    ("bad-loss-below-zero-and-falling", [0.0, -0.1, -0.2, -0.3], {"has_minimum": False}, ("diverged", None, 2)),
    ("bad-loss-already-negative", [-5.0, -5.5, -6.0], {"has_minimum": False}, ("diverged", None, 2)),
    # converged: within tolerance for settle(t) attempts, no higher at the last of them
    ("lands-at-4", landing(4, 20), {}, ("converged", 4, None)),
    ("lands-at-100-stays-a-tenth", landing(100, 109), {}, ("converged", 100, None)),
    ("lands-at-100-not-yet-a-tenth", landing(100, 108), {}, ("unfinished", None, None)),
    ("geometric-decay", geometric(1571.0, 1 / 9, 30), {},
     ("converged", 1 + math.ceil(math.log(1571.0 / 1e-12) / math.log(9)), None)),
    ("overflowing-start-then-lands", [INF, INF, 0.0, 0.0, 0.0], {}, ("converged", 3, None)),
    ("starts-within-tolerance-and-stays", [1e-20] * 5, {}, ("converged", 1, None)),
    ("rising-within-tolerance-is-not-converged", geometric(1e-30, 10.0, 6), {}, ("unfinished", None, None)),
    ("dips-within-tolerance-then-creeps-up", [5.0, 0.0, 1e-15, 2e-15, 3e-15, 4e-15], {}, ("unfinished", None, None)),
    ("touch-and-bounce", [4.0, 1.0] + [3e-13, 0.1667] * 20, {}, ("oscillating", None, None)),
    ("reaches-its-band-late-and-bounces", [9.0, 8, 7, 6, 5, 4, 3, 2] + [0.5, 0.3] * 4, {},
     ("oscillating", None, None)),
    ("bounces-but-not-yet-exactly", [9.0, 8, 7, 6, 5, 4, 3, 2] + [0.5, 0.3] * 3 + [0.5, 0.29], {},
     ("unfinished", None, None)),
    ("bad-loss-passes-zero-slowly", [k * -1e-14 for k in range(-50, 0)], {"has_minimum": False},
     ("unfinished", None, None)),
    ("bad-loss-passes-zero-and-falls", [k * -1e-14 for k in range(-5, 5)], {"has_minimum": False},
     ("diverged", None, 7)),
    # no verdict: still moving, or bounded
    ("period-2-cycle", [5.0, 3.0] * 10, {}, ("oscillating", None, None)),
    ("plateau-above-the-start", [75.3, 90.0, 99.0, 101.0, 101.8] + [101.8] * 15, {}, ("oscillating", None, None)),
    ("float32-rounding-drift", [557.59552, 557.5956, 557.59607] + [557.59607] * 17, {"slack": 1.9e-6},
     ("oscillating", None, None)),
    ("two-attempts-jump", [1.0, 32.0], {}, ("unfinished", None, None)),
    ("one-attempt", [5.0], {}, ("unfinished", None, None)),
    ("within-tolerance-for-too-few-attempts", [1.0, 0.0, 0.0], {}, ("unfinished", None, None)),
    ("still-improving", geometric(5.0, 0.9, 20), {}, ("unfinished", None, None)),
    ("bad-loss-falling-towards-zero", [5.0, 4.0, 3.0, 2.0], {"has_minimum": False}, ("unfinished", None, None)),
    ("bad-loss-stuck", [-3.0] * 6, {"has_minimum": False}, ("oscillating", None, None)),
    ("all-overflowing", [INF] * 6, {}, ("unfinished", None, None)),
    ("rise-from-zero-like-t-squared-then-plateau", [1e-6 * min(k, 20) ** 2 for k in range(60)], {},
     ("oscillating", None, None)),
    ("steady-growth-of-a-tiny-loss-below-its-start",
     [0.77, 0.57, 0.37, 0.17] + geometric(3e-32, 5.44, 25) + [0.0418, 0.0282] * 10, {}, ("oscillating", None, None)),
]
