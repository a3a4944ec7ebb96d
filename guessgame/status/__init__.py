"""What happened to each run, read off its trajectory: converged, diverged, oscillating or unfinished.

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
                 converged and `left_at` says when.

A run without a verdict when its attempts run out is compared with itself, first half against
second half (by more than rounding, `slack`):

    unfinished   the second half reached a lower loss or a higher one -- it is still moving -- or its
                 last loss is within tolerance but not yet for SETTLE attempts
    oscillating  neither: it stays within what the first half already did -- the L1 band, a
                 period-2 cycle at the critical lr, a plateau, a guess that no longer moves; or its
                 last REPEATS losses repeat exactly, with period 1 or 2, however late it got there
                 (an L1 run that reached its band in the second half bounces in it from then on)

Each rule and its thresholds (GROWTH, GROWING_FOR, STEADY, SETTLE, REPEATS) are written once, in
`rules`; `verdicts` reads them after the fact, `tracker` attempt by attempt.
"""

from __future__ import annotations

from enum import Enum


class Status(str, Enum):
    """A run's status; a plain string too, so `status == "converged"` and JSON work as they read."""

    CONVERGED = "converged"
    OSCILLATING = "oscillating"
    UNFINISHED = "unfinished"
    DIVERGED = "diverged"

    def __str__(self) -> str:
        return self.value

    def __repr__(self) -> str:  # a list of statuses prints as the words: ['unfinished', 'diverged']
        return repr(self.value)

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(status.value for status in cls)

    @property
    def layer(self) -> int:
        """Where a figure draws runs of this status, bottom (0) up: the runs that leave first at the
        bottom, the converged -- often the many -- on top."""
        return _LAYERS[self]


_LAYERS = {Status.DIVERGED: 0, Status.UNFINISHED: 1, Status.OSCILLATING: 1, Status.CONVERGED: 2}
