"""Noisy hints (`noise: {std, batch}`): what each attempt sees of the hidden answers, drawn from the seed.

One generator serves the whole config, `torch.Generator().manual_seed(seed)`. A random answer's K games
are its first draw (`answers.drawn`); then the attempts' draws follow in blocks of m = max(1, 65536 //
(K B N)) attempts, each block one call (the last one whole too: an attempt's draws never depend on the
budget),

    eps = torch.randn((m, K, B, *shape), generator=generator, dtype=torch.float64)
    observations = (answer_k + std * eps[i, k]).to(dtype)       # the block's attempt i, game k's B observations

with answer_k the game's answer in float64 (as written, or as drawn). Every lr and every cell of a grid
plays game k against the same observations (common random numbers): lrs are compared on the same luck.
The loss is torch's minibatch loss against them (`losses.noisy`); an attempt's hint is the mean of its B
observations (in float64, of the values the run's dtype holds).

The log's `loss` is the true loss, to the hidden answers, which the verdicts read; the loss each attempt's
optimizer saw is the hints': kept by the loop that computes it (`seen`), or, where the attempts write
only the guesses, worked out afterwards from the observations they kept, all attempts at once (`seen`).
"""

from __future__ import annotations

import torch
from torch import Tensor

from guessgame.config import Config
from guessgame.engine.answers import drawn
from guessgame.losses import batched, byrun, noisy

_CHUNK = 1 << 22  # values worked on at a time, after the attempts
DRAW = 1 << 16  # about as many values drawn at once: the attempts of a block


def block(config: Config) -> int:
    """How many attempts' observations are drawn in one call: as many as make up to DRAW values, at least one."""
    return max(1, DRAW // (config.games * config.noise.batch * config.numel))


class Hints:
    """A config's noisy hints, attempt after attempt, and its loss bound to the attempt's observations."""

    def __init__(self, config: Config, dtype: torch.dtype, device: torch.device, weights: Tensor | None,
                 kept: Tensor | None = None) -> None:
        self.generator = torch.Generator().manual_seed(config.seed)
        self.answers = drawn(config, self.generator).unsqueeze(1)  # (K, 1, N) float64
        games, _, n = self.answers.shape
        self.config, self.weights, self.batch = config, weights, config.noise.batch
        self.observations = torch.empty(games, self.batch * n, dtype=dtype, device=device)  # this attempt's
        self.loss = self.bound(self.observations)
        self.block = block(config)
        # every attempt's observations, where the log keeps them; else a block's
        self.every = kept is not None
        self.kept = kept if kept is not None else torch.empty(self.block, games, self.batch * n, dtype=dtype,
                                                              device=device)

    @classmethod
    def of(cls, config: Config, dtype: torch.dtype) -> Hints:
        """A config's hints on the CPU, each observation weighed as its game's elements are: a single
        attempt's, as `explain` and `play` show them."""
        from guessgame import ravine

        weighted = ravine.of(config, dtype)
        return cls(config, dtype, torch.device("cpu"), None if weighted is None else weighted.weights)

    def bound(self, observations: Tensor) -> batched.Bound:
        """The loss against `observations` (games, B x N)."""
        config = self.config
        return noisy.bind(config.loss, config.loss_options, observations, config.reduction, self.batch, self.weights)

    def draw(self, t: int) -> Tensor:
        """Attempt t's observations, into `observations` (games, B x N), which `loss` is bound to: a block of
        attempts' drawn at its first."""
        at = t - 1 if self.every else (t - 1) % self.block
        if (t - 1) % self.block == 0:  # a whole block, however few attempts are left: the same bits, any budget
            games, _, n = self.answers.shape
            eps = torch.randn((self.block, games, self.batch, n), generator=self.generator, dtype=torch.float64)
            eps.mul_(self.config.noise.std).add_(self.answers)  # answer + std x eps, rounded as written
            count = min(self.block, len(self.kept) - at)
            self.kept[at:at + count].copy_(eps[:count].view(count, games, -1))
        return self.observations.copy_(self.kept[at])

    def hint(self, observations: Tensor) -> Tensor:
        """The mean of each game's observations (..., games, B x N) in float64: (..., games, N)."""
        return observations.unflatten(-1, (self.batch, -1)).double().mean(-2)

    def seen(self, guesses: Tensor, observations: Tensor, grad: bool = False) -> Tensor:
        """The loss each attempt saw (attempts, runs) -- or with `grad`, its gradient (attempts, runs, N) --
        at the guesses (attempts, runs, N) against the observations each attempt kept (attempts, games, B x N):
        all attempts as one batch, each guess its own game (its attempt's observations of its answer), a
        block of attempts at a time."""
        steps, runs, n = guesses.shape
        games, width = observations.shape[1:]
        out = torch.empty((steps, runs, n) if grad else (steps, runs), dtype=guesses.dtype, device=guesses.device)
        per = max(1, _CHUNK // max(1, runs * width))
        for start in range(0, steps, per):
            part, kept = guesses[start:start + per], observations[start:start + per]
            count = len(part)
            rows = part.reshape(count * runs, n)  # a view: attempt after attempt, run after run
            bound = self.bound(_own(kept, runs, byrun.by_column(rows, kept[0])))
            values = bound.grad(rows) if grad else bound.value(rows)
            out[start:start + count] = values.view(count, runs, *values.shape[1:])
        return out


def _own(kept: Tensor, runs: int, by_column: bool) -> Tensor:
    """Each run's observations at each of these attempts (attempts, games, width) -> (attempts x runs, width),
    laid out as the loss's kernels read them: with `by_column`, one column per element (`byrun.by_column`)."""
    count, games, width = kept.shape
    if not by_column:
        return kept.unsqueeze(1).expand(count, runs // games, games, width).reshape(count * runs, width)
    columns = kept.permute(2, 0, 1).unsqueeze(2).expand(width, count, runs // games, games)
    return columns.reshape(width, count * runs).T

