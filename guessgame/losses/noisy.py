"""A loss against noisy hints, batched over runs: each run's loss is torch's minibatch loss of its guess
against its game's B observations,

    F.<loss>(guess.expand(B, *shape), observations, reduction=...)     (weights broadcast over the batch)

computed as a game of B x N elements -- the guess repeated B times, the observations in a row -- which is
that expression element for element and reduced over the same B x N values; its gradient is that game's,
summed over the batch as autograd sums an expand's gradient.
"""

from __future__ import annotations

import torch
from torch import Tensor

from guessgame.losses import batched


def bind(name: str, options: dict, observations: Tensor, reduction: str, batch: int, weights: Tensor | None = None
         ) -> batched.Bound:
    """The loss against `observations` (games, B x N), row r of the guesses (rows, N) playing game r % games;
    `weights` (1, N), a ravine's, weigh each element of every observation."""
    ravine = None
    if weights is not None:
        from guessgame.losses.weighted import Ravine

        ravine = Ravine(weights.repeat(1, batch), None)
    flat = batched.bind(name, options, observations, reduction, ravine)
    if batch == 1:
        return flat

    def repeated(guess: Tensor) -> Tensor:
        return guess.unsqueeze(1).expand(-1, batch, -1).reshape(guess.shape[0], -1)

    def summed(grad: Tensor, n: int, out: Tensor | None = None) -> Tensor:
        return torch.sum(grad.view(grad.shape[0], batch, n), 1, out=out)

    def value(guess: Tensor) -> Tensor:
        return flat.value(repeated(guess))

    def grad(guess: Tensor, out: Tensor | None = None) -> Tensor:
        return summed(flat.grad(repeated(guess)), guess.shape[1], out)

    def both(guess: Tensor) -> tuple[Tensor, Tensor]:
        loss, each = flat.both(repeated(guess))
        return loss, summed(each, guess.shape[1])

    return batched.Bound(value, grad, both, grad)
