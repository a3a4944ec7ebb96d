"""A ravine's loss in torch, batched over runs: each element's loss times its weight, of the error turned
by a rotation if there is one (`guessgame.ravine` writes the expression down):

    error = guess - answer  |  (guess - answer) @ R.T
    loss  = reduction(weights * F.<loss>(error, 0, reduction="none"))

Each run's loss and gradient are what autograd gives that expression for the run alone: the upstream
gradient of each element's loss is (1 / N) * weights (`mean`: mean's backward, then the product's) or
the weights (`sum`), and the loss's own backward with reduction "none" takes it from there (`each_grad`);
with a rotation the gradient is turned back, grad_error @ R.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor

from guessgame.losses import byrun, effective
from guessgame.losses.batched import Bound


class Ravine(NamedTuple):
    """A game's weights (1, N) and rotation R (N, N) or None, in the game's dtype."""

    weights: Tensor
    rotation: Tensor | None

    def upstream(self, reduction: str) -> Tensor:
        """d loss / d (each element's loss): autograd's, in the dtype."""
        if reduction == "sum":
            return self.weights
        n = self.weights.shape[1]
        return torch.ones_like(self.weights).div_(n).mul_(self.weights)


def value(name: str, options: dict, guess: Tensor, answers: Tensor, reduction: str, ravine: Ravine, *,
          out: Tensor | None = None, scratch: Tensor | None = None) -> Tensor:
    """The loss (rows,) of each row of `guess` (rows, N), row r playing answers[r % games]."""
    loss, options = effective(name, options)
    if ravine.rotation is not None:
        guess, answers = _turned(guess, answers, ravine.rotation), _zero(answers)
    return loss.kernels().value(guess, answers, reduction, **options, out=out, scratch=scratch,
                                weights=ravine.weights)


def bind(name: str, options: dict, answers: Tensor, reduction: str, ravine: Ravine) -> Bound:
    """`batched.bind` for a ravine: the loss, its gradient and the two together, bound to the answers."""
    loss, effective_options = effective(name, options)
    kernels = loss.kernels()
    upstream = ravine.upstream(reduction)
    turn = ravine.rotation

    def value_of(guess: Tensor) -> Tensor:
        return value(name, options, guess, answers, reduction, ravine)

    def grad_of(guess: Tensor, out: Tensor | None = None) -> Tensor:
        if turn is None:
            return kernels.each_grad(upstream, guess, answers, out=out, **effective_options)
        error = _turned(guess, answers, turn)
        return torch.mm(kernels.each_grad(upstream, error, _zero(answers), **effective_options), turn, out=out)

    def both(guess: Tensor) -> tuple[Tensor, Tensor]:
        return value_of(guess), grad_of(guess)

    if turn is None and answers.shape[0] == 1 and kernels.bound_grad is not None:
        at = kernels.bound_grad(answers, reduction, upstream=upstream)  # a loop's every attempt, constants bound
        return Bound(value_of, grad_of, both, at, fused=kernels.fuses)
    if turn is None:
        def at(guess: Tensor) -> Tensor:
            return kernels.each_grad(upstream, guess, answers, **effective_options)
        return Bound(value_of, grad_of, both, at)
    return Bound(value_of, grad_of, both, grad_of)


def _turned(guess: Tensor, answers: Tensor, turn: Tensor) -> Tensor:
    """The error in the ravine's axes, (guess - answer) @ R.T, each row."""
    return torch.mm(byrun.diff(guess, answers), turn.T)


def _zero(answers: Tensor) -> Tensor:
    return answers.new_zeros((1, answers.shape[1]))


def functional(name: str, options: dict, reduction: str, ravine: Ravine):
    """The ravine's loss as a PyTorch user writes it, for autograd: `loss, each = fn(guess, answer)`,
    `each` the weighted elements' losses before they are reduced (the error's shape, or flat if turned)."""
    from guessgame.losses.batched import functional as plain

    unreduced = plain(name, options, "none")

    def fn(guess: Tensor, answer: Tensor) -> tuple[Tensor, Tensor]:
        weights = ravine.weights.reshape(-1) if ravine.rotation is not None else ravine.weights.reshape(guess.shape)
        if ravine.rotation is None:
            each = weights * unreduced(guess, answer)
        else:
            error = (guess - answer).reshape(-1) @ ravine.rotation.T
            each = weights * unreduced(error, torch.zeros_like(error))
        return (each.mean() if reduction == "mean" else each.sum()), each

    return fn
