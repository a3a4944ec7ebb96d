"""What happened to each run, read off its trajectory: converged, diverged, stalled, settled, oscillating or
unfinished.

A run gets a **verdict** at an attempt, from the attempts up to that one alone, and keeps it: more
attempts after it never move it, and `stop_early` stops the run right there.

    diverged     at the first attempt where
                 - the guess is no longer a finite number (it overflowed: there is no way back), or
                 - |loss| exceeds diverge_factor x the run's reference loss -- its first finite loss
                   above tolerance -- or overflows after it (an overflowing first loss is no
                   reference: a run may start out of range and still come back), or
                 - |loss| is above that reference and has been multiplied by the same factor, at
                   least GROWTH, GROWING_FOR attempts in a row (the same to within STEADY: steady
                   geometric growth; a transient's growth slows down), or
                 - the loss is below zero and still falling: only the bad loss can do that, and it
                   falls without bound
    converged    the loss is within tolerance from attempt t on for settle(t) attempts in a row --
                 a tenth of the attempts it took to get there, at least SETTLE -- and no higher at
                 the last of them than at the first; converged_at is t. (A damped oscillation dips
                 below tolerance for a while before it stays there: the longer a run took, the
                 longer it must stay.) Never for the bad loss: it has no minimum, and its loss
                 passing through 0 says nothing about the guess. Should the loss leave tolerance
                 again later (Adam's step can blow up near an exact optimum), the run stays
                 converged and `left_at` says when: it is never shown as plainly converged.
    stalled      at the first attempt where the loss is above tolerance (any loss, for the bad loss)
                 and nothing still to come can move it by more than rounding (`slack`): the guess
                 stood still -- the attempt's step rounded away, or its lr is 0 -- with an update
                 that has no memory and an lr that never rises again (plain SGD, no schedule or one
                 that only decays), so it stands for good; or the steps a decaying lr still has
                 to take, on a loss whose slope is bounded, add up to less than rounding of the loss
                 (`reach`). stalled_at is that attempt.
    settled      with noisy hints (a noise of std > 0), the verdicts read each attempt's true loss -- to
                 the hidden answer, not the one the optimizer saw -- and at a constant lr a run
                 settles at its noise floor at the first attempt t where the true losses of the
                 FLOOR_WINDOW attempts up to t lie within the range of the FLOOR_WINDOW before them:
                 none lower than their lowest, none higher than their highest, all finite. It no
                 longer improves, nor grows: its lr has taken it as close as its hints allow (a
                 schedule moves the floor as it goes: a scheduled run never settles). settled_at is t.
    Where two verdicts fall on one attempt, diverged is the one reached.

A run without a verdict when its attempts run out is compared with itself, first half against
second half (by more than rounding, `slack`):

    unfinished   the second half reached a lower loss or a higher one -- it is still moving -- or its
                 last loss is within tolerance but not yet for SETTLE attempts
    oscillating  neither: it stays within what the first half already did -- the L1 band, a
                 period-2 cycle at the critical lr, a plateau; or its last REPEATS losses repeat
                 exactly, with period 1 or 2, however late it got there (an L1 run that reached its
                 band in the second half bounces in it from then on)

Each rule and its thresholds (GROWTH, GROWING_FOR, STEADY, SETTLE, REPEATS, FLOOR_WINDOW) are written once, in
`rules`; `verdicts` reads them after the fact, `tracker` attempt by attempt; `reach` says how far a
run's loss can still move.
"""

from __future__ import annotations

from enum import Enum


class Status(str, Enum):
    """A run's status; a plain string too, so `status == "converged"` and JSON work as they read."""

    CONVERGED = "converged"
    OSCILLATING = "oscillating"
    UNFINISHED = "unfinished"
    DIVERGED = "diverged"
    STALLED = "stalled"
    SETTLED = "settled"

    def __str__(self) -> str:
        return self.value

    def __repr__(self) -> str:  # a list of statuses prints as the words: ['unfinished', 'diverged']
        return repr(self.value)

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(status.value for status in cls)

    @property
    def verdict(self) -> bool:
        """Reached at an attempt and kept for good (converged, diverged, stalled); the others are what
        a run without one looked like when its attempts ran out."""
        return self in (Status.CONVERGED, Status.DIVERGED, Status.STALLED, Status.SETTLED)

    @property
    def layer(self) -> int:
        """Where a figure draws runs of this status, bottom (0) up: the runs that leave first at the
        bottom, the converged -- often the many -- on top."""
        return _LOOKS[self][0]

    @property
    def color(self) -> str:
        """Its colour wherever a run is drawn: each status its own hue, none shared."""
        return _LOOKS[self][1]


# layer, colour: stalled is purple, a hue no other status's shades reach
_LOOKS = {Status.CONVERGED: (2, "#2a9d3f"), Status.OSCILLATING: (1, "#e08a00"), Status.UNFINISHED: (1, "#3b6fd6"),
          Status.DIVERGED: (0, "#d62728"), Status.STALLED: (1, "#8e44ad"), Status.SETTLED: (2, "#17a2b8")}
