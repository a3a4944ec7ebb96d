"""What a simulation keeps of its attempts (`Log`, in the `Storage` chosen for its batch), and what is
read from that afterwards: every loss, and where guesses stopped being finite."""

from __future__ import annotations

import torch
from torch import Tensor

from guessgame import losses, ravine
from guessgame.config import Config
from guessgame.engine.lost import first_lost
from guessgame.engine.pages import populate
from guessgame.engine.ring import Ring, Slots
from guessgame.engine.storage import Storage
from guessgame.status import verdicts

_CHUNK = 1 << 18  # elements of guesses turned into losses at a time


class Log:
    """The guess before its step, the gradient and the step at every kept attempt; every loss.

    How they are kept is `storage` (see `guessgame.engine.storage`). Nothing is made per attempt
    before the loop: a row is found by arithmetic.
    """

    def __init__(self, config: Config, start: Tensor) -> None:
        runs, n = start.shape
        self.config, self.every = config, config.log_every
        self.storage = Storage.of(config, runs, n)
        direct = self.storage.direct
        self.rows = config.logged_rows
        shape, place = (self.rows + direct, runs, n), {"dtype": start.dtype, "device": start.device}
        if self.storage is Storage.GUESSES_BY_COLUMN:
            self.guess = torch.empty(n, *shape[:2], **place).permute(1, 2, 0)
        else:
            self.guess = torch.empty(shape, **place)
        moves = not self.storage.guesses_only
        self.grad, self.step = (torch.empty(self.rows, runs, n, **place) if moves else None for _ in range(2))
        # With direct storage the losses are computed after the loop, into this.
        self.loss = torch.empty(self.rows if direct else config.attempts, runs, **place)
        populate(self.guess, self.grad, self.step, self.loss)
        # With noisy hints `loss` is the true loss, to the hidden answers. The loop that computes each attempt's
        # loss keeps the loss it saw and each kept attempt's hint per game; the one that writes only the guesses
        # keeps every attempt's observations, and the rest is worked out from them (`hints`).
        noisy, games = config.noise is not None, config.games
        self.seen = torch.empty(config.attempts, runs, **place) if noisy and not direct else None
        self.hint = torch.empty(self.rows, games, n, dtype=torch.float64) if noisy and not direct else None
        self.observations = torch.empty(config.attempts, games, config.noise.batch * n, **place) \
            if noisy and direct else None
        self.lost_at = torch.full((runs,), config.attempts, dtype=torch.long)  # first attempt (0-based) not finite
        self.done = 0
        if direct:
            self.guess[0].copy_(start)
        self.start = self.guess[0] if direct else start
        self._ring = Ring(self.rows, self.grad, self.step, self.guess) if self.storage.ring else None

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
        """With direct storage, where attempt t writes its gradient, step and next guess."""
        if self._ring is not None:
            return self._ring.slots(t)
        if self.storage.guesses_only:
            return Slots(None, None, self.guess[t])
        return Slots(self.grad[t - 1], self.step[t - 1], self.guess[t])

    def keep(self, t: int, slots: Slots, step: Tensor, new_guess: Tensor) -> Tensor:
        """With direct storage, keep attempt t: its gradient is in its slot, and its step and next guess
        too unless the optimizer made its own. Returns the guess the next attempt starts from."""
        if slots.step is not None and step is not slots.step:
            slots.step.copy_(step)
        if new_guess is not slots.guess:
            slots.guess.copy_(new_guess)
        self.done = t
        if self._ring is not None and self._ring.full(t):
            self._ring.flush(t)
        return slots.guess

    def note_seen(self, t: int, seen: Tensor, hints) -> None:
        """With noisy hints, attempt t's loss against its observations (runs,) and, if kept, its hint."""
        self.seen[t - 1] = seen
        row = self.row(t)
        if row is not None:
            self.hint[row] = hints.hint(hints.observations)

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
        """The guess after the last recorded step (with direct storage, read from the log)."""
        if self._ring is not None:
            self._ring.flush(self.done)
        return self.guess[self.done] if self.storage.direct else guess

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
        """Every loss (attempts done, runs); with direct storage computed now from the logged guesses."""
        if not self.storage.direct:
            return self.loss[:self.done]
        return _losses_of(self.config, self.guess[:self.done], answers, self.loss[:self.done])

    def note_lost_among(self, odd: Tensor) -> None:
        """With direct storage, where the guesses of the runs `odd` (runs,) marks stopped being finite:
        runs whose losses are all finite have all their guesses finite, and are not looked at."""
        if self.storage.direct and self.done and bool(odd.any()):
            runs = odd.nonzero().flatten()
            self.lost_at[runs.cpu()] = first_lost(self.guess[:self.done], runs.to(self.guess.device)).cpu()


def _losses_of(config: Config, guesses: Tensor, answers: Tensor, out: Tensor) -> Tensor:
    """The loss at every logged guess (attempts, runs, N) into `out` (attempts, runs), a chunk at a time."""
    attempts, runs, n = guesses.shape
    per = max(1, _CHUNK // max(1, runs * n))
    scratch = torch.empty(min(per, attempts) * runs * n, dtype=guesses.dtype, device=guesses.device)
    weights = ravine.of(config, guesses.dtype, guesses.device)
    for start in range(0, attempts, per):
        block = guesses[start:start + per]
        losses.value(config.loss, config.loss_options, block.reshape(-1, n), answers, config.reduction,
                     out=out[start:start + per].view(-1), scratch=scratch, ravine=weights)
    return out


def final_and_best(loss: Tensor, attempts_run: Tensor, lowest: Tensor) -> tuple[Tensor, Tensor]:
    """Each run's last loss, and the lowest it reached (NaN losses aside: inf if every loss overflowed,
    NaN only if every one is NaN), in float64; `lowest` (runs,) is each run's lowest loss, NaN if one is NaN."""
    steps, runs = loss.shape
    if steps == 0:
        return torch.full((runs,), torch.nan, dtype=torch.float64), torch.full((runs,), torch.nan, dtype=torch.float64)
    final = loss.gather(0, (attempts_run - 1).clamp_min(0).unsqueeze(0).to(loss.device))[0].double()
    # `lowest` is right where every loss was played and none is NaN (a NaN would have made it NaN).
    # The others, a block of them at a time: only their played losses that are not NaN count.
    best = lowest.clone()
    odd = ((attempts_run < steps) | torch.isnan(best)).nonzero().flatten()
    block = max(1, verdicts.BLOCK // steps)
    for start in range(0, len(odd), block):
        runs_ = odd[start:start + block]
        values = loss[:, runs_.to(loss.device)]
        ignored = torch.isnan(values)
        short = attempts_run[runs_] < steps
        if bool(short.any()):
            ignored |= (torch.arange(steps).unsqueeze(1) >= attempts_run[runs_]).to(values.device)
        lowest_ = values.masked_fill(ignored, torch.inf).amin(0).double()
        best[runs_] = torch.where(ignored.all(0), torch.nan, lowest_).cpu()
    return final, best
