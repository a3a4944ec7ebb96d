"""How a batch keeps its attempts: one value, chosen once per batch from the config and its size.

    EVERY_KTH          the loop computes each attempt's loss (stop_early and the verdicts need them
                       all) and copies every `log_every`-th guess, gradient and step into the log
    ROWS               every attempt kept: its gradient, step and next guess are written straight into
                       its row, and the losses are computed from the guesses afterwards, in one pass
    GUESSES            plain SGD, every attempt kept: only the next guess is written; its gradient and
                       step, the same arithmetic on the same numbers whenever done, are worked out from
                       the guesses when first read
    GUESSES_BY_COLUMN  GUESSES laid out one column per element, (N, attempts, runs) seen as
                       (attempts, runs, N): a small answer's attempt then works on N rows of runs
    ROWS_RING          ROWS or GUESSES for a tiny batch (a long run of one lr), where finding a row costs
    GUESSES_RING       more than the update: attempts write into a ring of slots made once, copied into
                       the log a block at a time (`ring`)
"""

from __future__ import annotations

from enum import Enum

from guessgame import losses
from guessgame.config import Config

RING_WIDTH = 64  # values per attempt (runs x elements) up to which attempts go through a ring
BY_COLUMN = 4  # elements per guess up to which plain SGD's guesses are kept one column per element
# Losses whose gradient is written out element by element (their record's `elementwise`): the same bits
# whatever the memory layout, so their guesses may be kept one column per element.
_ELEMENTWISE = tuple(name for name, loss in losses.LOSSES.items() if loss.elementwise)


class Storage(Enum):
    EVERY_KTH = "every k-th"
    ROWS = "rows"
    GUESSES = "guesses"
    GUESSES_BY_COLUMN = "guesses by column"
    ROWS_RING = "rows through a ring"
    GUESSES_RING = "guesses through a ring"

    @property
    def direct(self) -> bool:
        """Every attempt written straight into the log; the losses computed from it afterwards."""
        return self is not Storage.EVERY_KTH

    @property
    def guesses_only(self) -> bool:
        """Only the guesses are kept; gradients and steps are worked out from them."""
        return self in (Storage.GUESSES, Storage.GUESSES_BY_COLUMN, Storage.GUESSES_RING)

    @property
    def ring(self) -> bool:
        return self in (Storage.ROWS_RING, Storage.GUESSES_RING)

    @classmethod
    def of(cls, config: Config, runs: int, n: int) -> "Storage":
        """The storage for a batch of `runs` guesses of `n` elements played as `config` says."""
        if config.log_every != 1 or config.stop_early:
            return cls.EVERY_KTH
        guesses = config.plain_sgd and not config.scheduled
        noisy = config.noise is not None
        if noisy and not guesses:
            return cls.EVERY_KTH  # noisy hints: only plain SGD's guesses are worked out from the observations kept
        if runs * n <= RING_WIDTH and not noisy:  # (a noisy attempt's draws cost more than finding its row)
            return cls.GUESSES_RING if guesses else cls.ROWS_RING
        if guesses and config.loss in _ELEMENTWISE and n <= BY_COLUMN:
            return cls.GUESSES_BY_COLUMN
        return cls.GUESSES if guesses else cls.ROWS
