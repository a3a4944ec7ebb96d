"""Every attempt kept and none stopping early: each attempt's update writes straight into the log.

The same updates as the notebook's loop (`loop._play`), arranged so that an attempt costs little more
than its arithmetic: nothing is looked up or made per attempt, and the losses are computed from the
logged guesses afterwards (an inner reduction per attempt costs more than the whole update).
"""

from __future__ import annotations

from typing import Callable

import torch
from torch import Tensor

from guessgame import interrupts, optimizers
from guessgame.config import Config
from guessgame.engine.log import Log
from guessgame.engine.storage import Storage
from guessgame.losses import batched

Progress = Callable[[int, int], None]


def play(config: Config, log: Log, optimizer: optimizers.Optimizer, loss_fn: batched.Bound,
         progress: Progress | None, answers: Tensor, hints=None) -> tuple[Tensor, bool]:
    """The attempts in the log's direct storage; the last guess, and whether Ctrl-C cut them short.
    `answers` (games, N) are the ones `loss_fn` is bound to; with noisy `hints` (`hints.Hints`), each
    attempt steps on its own observations, which the log keeps."""
    if hints is not None:
        seen = hints.loss
        return _play_guesses(config, log, optimizer.stepping(seen.grad if seen.fused else seen.at), progress,
                             hints)
    if log.storage not in (Storage.GUESSES, Storage.GUESSES_BY_COLUMN):
        return _play_direct(config, log, optimizer, loss_fn, progress)
    exact = loss_fn.fused and not fused_holds(config, log.guess[0] - answers)  # `at` may not be `grad`'s bits
    at = loss_fn.grad if exact else loss_fn.at
    return _play_guesses(config, log, optimizer.stepping(at), progress)


def fused_holds(config: Config, start_error: Tensor) -> bool:
    """Whether plain SGD's guesses, from errors (runs, N), are the same with a fused gradient (`Bound.fused`):
    2 (g - a) x u worked out as (g - a) x 2u, u > 0.

    The two differ only where 2 (g - a) overflows, |g - a| > max / 2 (max: the largest float), and the
    fused step, lr x (g - a) x 2u rounded twice, does not: so c = 2u lr < 2 (1 + 2 eps). An element with
    such a c is multiplied by at most 1 + 8 eps per attempt, the roundings of its step and of its guess
    included, and moved by at most eps |a| more; from |g - a| <= max / 8, in float64, or in float32 for up
    to 1 / (32 eps) attempts, it stays below (max / 8 + max / 32) e^(1/4) < max / 2. An error that does
    pass max / 2 has a larger c: both steps overflow alike, and both guesses are infinite, then NaN."""
    if start_error.dtype not in (torch.float32, torch.float64):
        return False
    info = torch.finfo(start_error.dtype)
    return config.attempts * 32 * info.eps <= 1 and bool((start_error.abs() <= info.max / 8).all())


def _play_guesses(config: Config, log: Log, step_of: Callable[[Tensor], Tensor],
                  progress: Progress | None, hints=None) -> tuple[Tensor, bool]:
    """Plain SGD with every attempt kept: each attempt is the bare update, its next guess written
    straight into its row of the log, and nothing else (with noisy hints, its observations drawn first,
    and kept)."""
    guesses = log.guess
    guess = guesses[0]
    for t in range(1, config.attempts + 1):
        if hints is not None:
            hints.draw(t)
        after = guesses[t]
        torch.sub(guess, step_of(guess), out=after)
        guess = after
        log.done = t
        if progress is not None:
            progress(t, config.attempts)
        if t < config.attempts and interrupts.requested():
            return log.final(guess), True
    return log.final(guess), False


def _play_direct(config: Config, log: Log, optimizer: optimizers.Optimizer, loss_fn: batched.Bound,
                 progress: Progress | None) -> tuple[Tensor, bool]:
    """Every attempt kept and no early stop: each attempt writes its gradient, step and next guess
    (or, for plain SGD, its next guess only) straight into its slots of the log; the losses are
    computed from the log afterwards."""
    guess = log.start
    state = optimizer.init(guess)
    for t in range(1, config.attempts + 1):
        slots = log.slots(t)
        new_guess, step, state = optimizer.update(loss_fn.grad(guess, out=slots.grad), guess, state, out=slots)
        guess = log.keep(t, slots, step, new_guess)
        if progress is not None:
            progress(t, config.attempts)
        if t < config.attempts and interrupts.requested():
            return log.final(guess), True
    return log.final(guess), False
