"""The verdict rules of `guessgame.status`, each written once, as a small function over arrays.

Every reading of a run's losses is made of these: the after-the-fact judge (`plain`, every rule at
every attempt, and its fast paths in `quick`), the attempt-by-attempt `tracker` that `stop_early`
stops on, and theory's reading of closed-form loss sequences (`monotone`). They take numpy arrays
and torch tensors alike -- attempts along the first dimension, losses in float64 -- so the
tracker's numpy and the judge's torch evaluate the same lines; neither library is imported here.

    size                 |loss|, NaN as +inf
    reference_candidate  finite and above tolerance: a run's reference is its first such loss
    past_factor          |loss| > diverge_factor x the reference
    growing              multiplied by the same factor >= GROWTH, GROWING_FOR attempts in a row
                         (grows_by, same_factor: the attempt by attempt pieces)
    blown_up             past_factor, or above the reference and growing: diverged, after the reference
    falling              below zero and lower than the attempt before: the bad loss has diverged
    within, settle, window_end, settled
                         the settle window: within tolerance from t for settle(t) attempts, no higher
                         at the last of them than at the first: converged at t
    leaves               above tolerance again after converging: `left_at`
    stalled              away from the answer, and the most the loss can still change (`reach`: nothing
                         once the guess stands still for good) within rounding of it: stalled
    at_floor             with noisy hints, the true losses of FLOOR_WINDOW attempts within the range of
                         the FLOOR_WINDOW before them: settled at its noise floor
    still_moving (went_lower, went_higher), waiting, repeating, unfinished
                         no verdict: half against half, and the tail that repeats

A guess that is no longer a finite number diverges its run at once; the engine says when (`lost_at`),
and when a guess stood still for good (`stood_at`, see `guessgame.status.reach`).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any, NamedTuple

from guessgame.losses import LOSSES

if TYPE_CHECKING:
    import torch

    from guessgame.config import Config

SETTLE = 3  # the fewest attempts in a row within tolerance for a run to count as converged ...
STAY = 10  # ... or a STAY-th of the attempts it took to get there, when that is more
GROWTH = 1.01  # the smallest factor per attempt that counts as geometric growth ...
GROWING_FOR = 4  # ... when the loss is multiplied by it this many attempts in a row ...
STEADY = 1e-6  # ... by the same factor to within this (a transient's growth slows down)
REPEATS = 6  # the last losses that, repeating exactly with period 1 or 2, say a run no longer moves
FLOOR_WINDOW = 20  # with noisy hints: the attempts of each of the two windows `at_floor` compares
INF = float("inf")  # also the reference of a run that has none yet: no loss is past it

Array = Any  # a numpy array or a torch tensor


class Rules(NamedTuple):
    """What a run is judged by."""

    tolerance: float  # a loss this small (in size) is at the answer
    diverge_factor: float  # a loss this many times its reference has diverged
    has_minimum: bool = True  # False for the bad loss: it can fall for ever, and never converges
    slack: float = 1e-9  # how much two losses may differ by rounding alone and still count as the same
    reach: torch.Tensor | None = None  # (attempts, runs) float64: the most each run's loss can still change
    # from each attempt on, by the steps its schedule has still to take (`reach.of`); None: no bound
    noisy: bool = False  # the losses judged are true losses of a game with noisy hints: `at_floor` applies

    @classmethod
    def of(cls, config: Config, dtype: torch.dtype, lrs: torch.Tensor | None = None) -> Rules:
        """The rules of a config's runs; `lrs` (attempts, runs), their schedule's lrs, if made already."""
        from guessgame.status import reach

        return cls(config.tolerance, config.diverge_factor, LOSSES[config.loss].has_minimum, slack(dtype),
                   reach.of(config, lrs), noisy(config))

    def of_runs(self, runs: Any) -> Rules:
        """The rules of some of the runs: a slice, or their indices."""
        return self if self.reach is None else self._replace(reach=self.reach[:, runs])


def noisy(config: Config) -> bool:
    """Whether a config's runs may settle at a noise floor: noisy hints (a noise of std 0 is the answer
    itself) at a constant lr (a schedule moves the floor as it goes)."""
    return config.noise is not None and config.noise.std > 0 and not config.scheduled


def slack(dtype: torch.dtype) -> float:
    """How much two losses of a torch dtype may differ by rounding alone and still count as the same."""
    import torch  # whoever holds a torch dtype has loaded torch already

    return max(1e-9, 16 * torch.finfo(dtype).eps)


def _ops(array: Array):
    """numpy or torch: the library `array` belongs to, for the few functions operators do not cover."""
    return sys.modules[type(array).__module__.partition(".")[0]]


def size(loss: Array) -> Array:
    """|loss|, with NaN as +inf: a loss that is not a number is beyond every finite one."""
    ops, value = _ops(loss), abs(loss)
    return ops.where(ops.isnan(value), INF, value)


def reference_candidate(size: Array, tolerance: float) -> Array:
    """Finite and above tolerance: a run's first such loss is its reference (an overflowing first loss
    is none: a run may start out of range and still come back)."""
    return (size > tolerance) & (size < INF)


def past_factor(size: Array, reference: Array, diverge_factor: float) -> Array:
    """Past diverge_factor x the reference, or overflowing (INF where there is no reference: never)."""
    return size > diverge_factor * reference


def growing(size: Array) -> Array:
    """Steady geometric growth: at each attempt from GROWING_FOR on (0-based), whether |loss| was
    multiplied by the same factor, at least GROWTH, at it and at the GROWING_FOR - 1 attempts before
    (the same to within STEADY: a transient's growth slows down). (attempts, ...) -> (attempts -
    GROWING_FOR, ...)."""
    ratio = size[1:] / size[:-1]  # the factor at attempts 1, 2, ...
    grows = grows_by(ratio)
    steady = same_factor(ratio[1:], ratio[:-1])  # at attempts 2, 3, ...
    count = max(0, len(size) - GROWING_FOR)
    hit = grows[:count] & grows[1:1 + count]
    for k in range(2, GROWING_FOR):
        hit &= grows[k:k + count]
    for k in range(GROWING_FOR - 1):
        hit &= steady[k:k + count]
    return hit


def grows_by(ratio: Array) -> Array:
    """A factor |loss(t)| / |loss(t - 1)| that counts towards geometric growth."""
    return ratio >= GROWTH


def same_factor(ratio: Array, before: Array) -> Array:
    """The same factor as the attempt before, to within STEADY."""
    return abs(ratio / before - 1) <= STEADY


def blown_up(size: Array, reference: Array, growing: Array, diverge_factor: float) -> Array:
    """Diverged by its loss, at an attempt after the reference: past diverge_factor x it, or above it
    and growing steadily."""
    return past_factor(size, reference, diverge_factor) | ((size > reference) & growing)


def falling(loss: Array, before: Array) -> Array:
    """Below zero and lower than the attempt before: only the bad loss can, and it falls without bound."""
    return (loss < 0) & (loss < before)


def within(size: Array, tolerance: float) -> Array:
    """At the answer, as far as the loss can tell."""
    return size <= tolerance


def settle(attempt):
    """How many attempts in a row, from `attempt` (1-based; an int or an array) on, the loss must stay
    within tolerance: a STAY-th of the attempts it took to get there, at least SETTLE (a damped
    oscillation dips below tolerance for a while before it stays: the longer a run took, the longer
    it must stay)."""
    tenth = -(-attempt // STAY)  # rounded up
    return max(SETTLE, tenth) if isinstance(tenth, int) else _ops(tenth).clip(tenth, SETTLE, None)


def window_end(start):
    """The last attempt (0-based) of the settle window that starts at attempt `start` (0-based)."""
    return start + settle(start + 1) - 1


def settled(within_throughout: Array, last: Array, first: Array) -> Array:
    """Converged over a settle window: within tolerance at every attempt of it, and no higher at its
    last attempt than at its first."""
    return within_throughout & (last <= first)


def stalled(size: Array, reach: Array, rules: Rules) -> Array:
    """Stalled: away from the answer (above tolerance; any loss, for the bad loss, which has no minimum),
    and the most the loss can still change from here on, `reach`, is nothing -- the guess stands still
    for good -- or, for a finite loss, within rounding of it (`slack`)."""
    away = ~within(size, rules.tolerance) | (not rules.has_minimum)
    return away & ((reach == 0) | ((reach <= rules.slack * size) & (size < INF)))


def at_floor(later_low: Array, later_high: Array, earlier_low: Array, earlier_high: Array) -> Array:
    """Settled at its noise floor: the lowest and highest true loss of FLOOR_WINDOW attempts within those of
    the FLOOR_WINDOW attempts before them, and finite -- no longer improving, nor growing."""
    return (later_low >= earlier_low) & (later_high <= earlier_high) & (later_high < INF)


def leaves(size: Array, tolerance: float) -> Array:
    """Above tolerance: after a run converged, the first such attempt is its `left_at`."""
    return size > tolerance


def still_moving(first_low: Array, first_high: Array, second_low: Array, second_high: Array,
                 slack: float) -> Array:
    """Half against half: the second half of the attempts reached a lower loss than the first half did,
    or a higher one, by more than rounding (`slack`). Each is its half's lowest or highest finite loss
    (+inf and -inf where it has none)."""
    return went_lower(first_low, second_low, slack) | went_higher(first_high, second_high, slack)


def went_lower(first_low: Array, second_low: Array, slack: float) -> Array:
    """The second half's lowest loss below the first half's by more than rounding (any finite loss is
    lower than none)."""
    lower = second_low < first_low - _margin(first_low, slack)
    return lower | ((abs(first_low) == INF) & (abs(second_low) < INF))


def went_higher(first_high: Array, second_high: Array, slack: float) -> Array:
    """The second half's highest loss above the first half's by more than rounding."""
    return second_high > first_high + _margin(first_high, slack)


def _margin(loss: Array, slack: float) -> Array:
    """slack x |loss|, 0 where that is not finite."""
    return _ops(loss).nan_to_num(slack * abs(loss), nan=0.0, posinf=0.0)


def waiting(last_size: Array, rules: Rules) -> Array:
    """A last loss within tolerance without a verdict (not yet long enough): it may still settle, so
    the run is unfinished. Never for the bad loss: it has no minimum, and its 0 says nothing."""
    return within(last_size, rules.tolerance) & rules.has_minimum


def repeating(loss: Array) -> Array:
    """Whether each run's last REPEATS losses repeat the two before them exactly: a bounce between two
    losses, or a loss that no longer changes, however late it got there."""
    tail = loss[-REPEATS - 2:]
    return (tail[2:] == tail[:-2]).all(0) & (len(loss) >= REPEATS + 2)


def unfinished(still_moving: Array, repeating: Array, pending: Array) -> Array:
    """No verdict when the attempts ran out: unfinished if `pending` (waiting, or an overflowing loss
    in the second half leaves nothing to compare) or still moving without repeating; else oscillating."""
    return pending | (still_moving & ~repeating)
