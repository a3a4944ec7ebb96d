"""The l1 loss, torch's `F.l1_loss`: the error's absolute value, a slope of 1 everywhere but the answer.

    d/dg mean|g - a| = sign(g - a) / N        (sign(0) = 0: an exact hit stays put)

Its kernels are written out operation for operation as autograd computes them, element by element.
"""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING

from guessgame.losses.spec import Kernels, Loss

if TYPE_CHECKING:
    from torch import Tensor


def curve(e):
    import numpy as np

    return np.abs(e), np.sign(e)


def kernels() -> Kernels:
    """sign(g - a) / N, and the mean (or sum) of |g - a|."""
    import torch

    from guessgame.losses import byrun

    def absolute_difference(guess: Tensor, answer: Tensor, out: Tensor) -> Tensor:
        return torch.sub(guess, answer, out=out).abs_()

    def value(guess: Tensor, answers: Tensor, reduction: str, out: Tensor | None = None,
              scratch: Tensor | None = None, weights: Tensor | None = None) -> Tensor:
        return byrun.reduced(absolute_difference, guess, answers, reduction, out, scratch, weights)

    def grad(guess: Tensor, answers: Tensor, reduction: str, out: Tensor | None = None) -> Tensor:
        diff = byrun.diff(guess, answers)
        return torch.mul(diff.sign(), byrun.norm(diff.shape[1], reduction, diff.dtype), out=out)

    def both(guess: Tensor, answers: Tensor, reduction: str) -> tuple[Tensor, Tensor]:
        diff = byrun.diff(guess, answers)
        column = byrun.by_column(guess, answers)
        loss = value(guess, answers, reduction) if column else byrun.reduce(diff.abs(), reduction)
        return loss, diff.sign() * byrun.norm(diff.shape[1], reduction, diff.dtype)

    def bound_grad(answers: Tensor, reduction: str, upstream: Tensor | None = None):
        if upstream is not None:  # a ravine's: `each_grad` with its constants bound
            return lambda guess: (guess - answers).sign_().mul_(upstream)
        one = byrun.norm(answers.shape[1], reduction, answers.dtype)
        return lambda guess: (guess - answers).sign_().mul_(one)

    def each_grad(upstream: Tensor, guess: Tensor, answers: Tensor, out: Tensor | None = None) -> Tensor:
        """upstream x sign(g - a): abs's backward (l1_loss is |input - target| reduced)."""
        return torch.mul(byrun.diff(guess, answers).sign_(), upstream, out=out)

    return Kernels(value, grad, both, bound_grad, each_grad=each_grad)


PLACE = 1  # where it is listed among the losses: first, the notebook's own
SPECS = (
    Loss("l1", "sign(guess - answer)", curve, "l1_loss", kernels, "walk", elementwise=True,
         width=lambda o: Fraction(0), far_slope=lambda o: Fraction(1)),
)
