"""What a simulation keeps of its attempts, and what is read from that afterwards."""

from __future__ import annotations

import ctypes
import functools
import os
import queue
import sys
import threading
from typing import NamedTuple

import numpy as np
import torch
from torch import Tensor

from guessgame import losses
from guessgame.config import Config

_CHUNK = 1 << 18  # elements of guesses turned into losses at a time
RING, RING_WIDTH = 256, 64  # slots of the ring, for attempts of at most this many values
# Losses whose gradient is written out element by element (`losses.batched`): the same bits whatever
# the memory layout, so their guesses may be kept one column per element (see `Log`).
_ELEMENTWISE = ("l1", "mse", "bad")


class Slots(NamedTuple):
    """Where attempt t's gradient, step and next guess go in the log, to be written in place."""

    grad: Tensor | None  # None: not kept, only the next guess is (`Log.guesses_only`)
    step: Tensor | None
    guess: Tensor


class Log:
    """The guess before its step, the gradient and the step at every kept attempt; every loss.

    Every attempt kept and no early stop ("direct"): each attempt writes its gradient, step and next
    guess straight into the log, and the losses are computed from the log afterwards in one pass (an
    inner reduction per attempt costs more than the whole update). Otherwise the loss is computed
    each attempt, as early stop and the verdicts need every loss while only every `log_every`-th
    guess is kept. Nothing is made per attempt before the loop: a row is found by arithmetic.

    Plain SGD in direct mode keeps the guesses only (`guesses_only`): its gradient and step are the
    loss's gradient at the guess times lr, the same arithmetic on the same numbers whenever it is
    done, so they are worked out from the guesses when first asked for (`Result.grad`), and each
    attempt writes one tensor, as the bare update does. With a few elements per guess and losses
    computed element by element, those guesses are laid out one column per element,
    (N, attempts, runs) seen as (attempts, runs, N): each attempt then works on N rows of runs.

    With few values per attempt (a long run of one lr), finding a row of the log costs more than the
    update: attempts then write into a ring of RING slots made once, copied into the log a block at
    a time (and when the loop ends or is cut short, by `final`).
    """

    def __init__(self, config: Config, start: Tensor) -> None:
        runs, n = start.shape
        self.config, self.every = config, config.log_every
        self.direct = config.log_every == 1 and not config.stop_early
        self.guesses_only = self.direct and config.plain_sgd and not config.scheduled
        self.rows = config.logged_rows
        shape, place = (self.rows + self.direct, runs, n), {"dtype": start.dtype, "device": start.device}
        if self.guesses_only and config.loss in _ELEMENTWISE and n <= 4 and runs * n > RING_WIDTH:
            self.guess = torch.empty(n, *shape[:2], **place).permute(1, 2, 0)
        else:
            self.guess = torch.empty(shape, **place)
        kept = () if self.guesses_only else ("grad", "step")
        self.grad, self.step = (torch.empty(self.rows, runs, n, **place) if name in kept else None
                                for name in ("grad", "step"))
        # In direct mode the losses are computed after the loop, into this.
        self.loss = torch.empty(self.rows if self.direct else config.attempts, runs, **place)
        populate(self.guess, self.grad, self.step, self.loss)
        self.lost_at = torch.full((runs,), config.attempts, dtype=torch.long)  # first attempt (0-based) not finite
        self.done = 0
        if self.direct:
            self.guess[0].copy_(start)
        self.start = self.guess[0] if self.direct else start
        self._ring: list[Slots] | None = None
        if self.direct and runs * n <= RING_WIDTH:
            size = min(RING, self.rows)
            self._staged = tuple(torch.empty(size, runs, n, **place) if name in (*kept, "guess") else None
                                 for name in Slots._fields)
            self._ring = [Slots(*(None if staged is None else staged[k] for staged in self._staged))
                          for k in range(size)]
            self._flushed = 0  # attempts copied from the ring into the log

    @property
    def ringed(self) -> bool:
        """Whether attempts are written into the ring first."""
        return self._ring is not None

    def row(self, t: int) -> int | None:
        """The log row of attempt t, if it is kept: every `log_every`-th from the first, and the last."""
        if (t - 1) % self.every == 0:
            return (t - 1) // self.every
        return self.rows - 1 if t == self.config.attempts else None

    def attempts(self) -> Tensor:
        """The attempt number of each kept row, up to the last attempt done."""
        kept = torch.arange(1, self.done + 1, self.every, dtype=torch.long)
        if self.done == self.config.attempts and (self.done - 1) % self.every != 0:
            kept = torch.cat([kept, torch.tensor([self.done])])
        return kept

    def slots(self, t: int) -> Slots:
        """In direct mode, where attempt t writes its gradient, step and next guess."""
        if self._ring is not None:
            return self._ring[(t - 1) % len(self._ring)]
        if self.guesses_only:
            return Slots(None, None, self.guess[t])
        return Slots(self.grad[t - 1], self.step[t - 1], self.guess[t])

    def keep(self, t: int, slots: Slots, step: Tensor, new_guess: Tensor) -> Tensor:
        """In direct mode, keep attempt t: its gradient is in its slot, and its step and next guess too
        unless the optimizer made its own. Returns the guess the next attempt starts from."""
        if slots.step is not None and step is not slots.step:
            slots.step.copy_(step)
        if new_guess is not slots.guess:
            slots.guess.copy_(new_guess)
        self.done = t
        if self._ring is not None and t % len(self._ring) == 0:
            self._flush()
        return slots.guess

    def _flush(self) -> None:
        """Copy the attempts done since the last copy from the ring into the log."""
        start, count = self._flushed, self.done - self._flushed
        grad, step, guess = self._staged
        if grad is not None:
            self.grad[start:start + count].copy_(grad[:count])
            self.step[start:start + count].copy_(step[:count])
        self.guess[start + 1:start + 1 + count].copy_(guess[:count])
        self._flushed = self.done

    def record(self, t: int, guess: Tensor, grad: Tensor, step: Tensor, new_guess: Tensor, loss: Tensor) -> Tensor:
        """Keep attempt t, whose loss was computed in the loop; returns the guess the next attempt starts from."""
        self.loss[t - 1] = loss
        row = self.row(t)
        if row is not None:
            self.guess[row].copy_(guess)
            self.grad[row].copy_(grad)
            self.step[row].copy_(step)
        self.done = t
        return new_guess

    def final(self, guess: Tensor) -> Tensor:
        """The guess after the last recorded step (in direct mode, read from the log)."""
        if self._ring is not None:
            self._flush()
        return self.guess[self.done] if self.direct else guess

    def note_lost(self, t: int, loss: Tensor, guess: Tensor) -> Tensor:
        """Whether each guess is finite; the first attempt at which it was not goes in `lost_at`."""
        # A guess that is not finite never gives a finite loss, and a finite sum means every loss is
        # finite: one reduction per attempt, and a closer look only when something overflowed.
        if bool(torch.isfinite(loss.sum())):
            return torch.ones_like(loss, dtype=torch.bool)
        finite = torch.isfinite(guess).all(1)
        self.lost_at[~finite.cpu() & (self.lost_at >= t)] = t - 1
        return finite

    def losses(self, answers: Tensor) -> Tensor:
        """Every loss (attempts done, runs); in direct mode computed now from the logged guesses."""
        if not self.direct:
            return self.loss[:self.done]
        return _losses_of(self.config, self.guess[:self.done], answers, self.loss[:self.done])

    def note_lost_among(self, odd: Tensor) -> None:
        """In direct mode, where the guesses of the runs `odd` (runs,) marks stopped being finite: runs
        whose losses are all finite have all their guesses finite, and are not looked at."""
        if self.direct and self.done and bool(odd.any()):
            runs = odd.nonzero().flatten()
            self.lost_at[runs.cpu()] = first_lost(self.guess[:self.done], runs.to(self.guess.device)).cpu()


def first_lost(guesses: Tensor, runs: Tensor) -> Tensor:
    """The first attempt at which each of `runs`' guesses (attempts, runs, N) is not finite, or the
    number of attempts: found by halving, a few guesses looked at per run (in numpy, which picks them
    out several times faster than torch dispatches the same). A guess that is not finite never is
    again: every update subtracts a step from it or scales it, and inf and nan stay inf or nan."""
    if guesses.device.type != "cpu":
        return first_lost(guesses[:, runs].cpu(), torch.arange(len(runs))).to(guesses.device)
    attempts = guesses.shape[0]
    kind, exponent = _EXPONENT[guesses.dtype]  # a float is not finite when its exponent bits are all set
    bits, cols = guesses.view(kind).numpy(), runs.numpy()
    low, high = np.zeros(len(cols), dtype=np.int64), np.full(len(cols), attempts, dtype=np.int64)
    while (live := low < high).any():
        middle = (low + high) // 2
        lost = ((bits[np.minimum(middle, attempts - 1), cols] & exponent) == exponent).any(-1)
        high = np.where(lost & live, middle, high)
        low = np.where(lost | ~live, low, middle + 1)
    return torch.from_numpy(low)


_EXPONENT = {torch.float64: (torch.int64, 0x7FF << 52), torch.float32: (torch.int32, 0xFF << 23),
             torch.float16: (torch.int16, 0x1F << 10), torch.bfloat16: (torch.int16, 0xFF << 7)}


def _losses_of(config: Config, guesses: Tensor, answers: Tensor, out: Tensor) -> Tensor:
    """The loss at every logged guess (attempts, runs, N) into `out` (attempts, runs), a chunk at a time."""
    attempts, runs, n = guesses.shape
    per = max(1, _CHUNK // max(1, runs * n))
    scratch = torch.empty(min(per, attempts) * runs * n, dtype=guesses.dtype, device=guesses.device)
    for start in range(0, attempts, per):
        block = guesses[start:start + per]
        losses.value(config.loss, config.loss_options, block.reshape(-1, n), answers, config.reduction,
                     out=out[start:start + per].view(-1), scratch=scratch)
    return out


# Fresh memory costs a page fault at its first write, which on a virtual machine can take as long as
# the attempts' arithmetic. The attempts of a big log leave the other core idle: there a helper thread
# has the kernel map the log's pages before the attempts reach them (madvise MADV_POPULATE_WRITE,
# Linux 5.14 on), which never changes what they hold.
_POPULATE_WRITE, _PAGE = 23, 4096
POPULATE_FROM = 1 << 20  # bytes of log from which the pages are mapped ahead


def populate(*tensors: Tensor | None) -> None:
    """Map the pages of big CPU tensors on another thread (nothing where the kernel cannot)."""
    tensors = tuple(t for t in tensors if t is not None and t.device.type == "cpu")
    if sys.platform != "linux" or sum(t.untyped_storage().nbytes() for t in tensors) < POPULATE_FROM:
        return
    pages = _mapper(os.getpid())  # a forked child has no thread of its parent's: its own
    if pages is not None:
        pages.put(tensors)  # held by the queue until mapped: their memory cannot go away meanwhile


@functools.lru_cache(maxsize=1)
def _mapper(pid: int) -> queue.SimpleQueue | None:
    """The queue of a thread that maps what it is given, made once (starting a thread per run costs
    milliseconds); None where the kernel has no madvise."""
    try:
        madvise = ctypes.CDLL(None, use_errno=True).madvise
    except (OSError, AttributeError):
        return None
    madvise.argtypes, madvise.restype = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int], ctypes.c_int
    work: queue.SimpleQueue = queue.SimpleQueue()

    def serve() -> None:
        while True:
            for tensor in work.get():
                begin = tensor.untyped_storage().data_ptr()
                first = -(-begin // _PAGE) * _PAGE
                last = (begin + tensor.untyped_storage().nbytes()) // _PAGE * _PAGE
                if last > first and madvise(first, last - first, _POPULATE_WRITE) != 0:
                    break  # an older kernel: the attempts take the faults themselves, as without this

    threading.Thread(target=serve, name="guessgame-pages", daemon=True).start()
    return work
