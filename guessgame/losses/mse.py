"""The mean squared error, torch's `F.mse_loss`: a slope that shrinks as the guess nears the answer.

    d/dg mean (g - a)^2 = 2 (g - a) / N

Its kernels are written out operation for operation as autograd computes them, element by element.
"""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING

from guessgame.losses.spec import Kernels, Loss

if TYPE_CHECKING:
    from torch import Tensor


def curve(e):
    return e * e, 2 * e


def kernels() -> Kernels:
    """2 (g - a) / N, and the mean (or sum) of (g - a)^2."""
    import torch

    from guessgame.losses import byrun

    def squared_difference(guess: Tensor, answer: Tensor, out: Tensor) -> Tensor:
        """(guess - answer)^2 by the kernel of `F.mse_loss` itself, in one pass."""
        return torch.ops.aten.mse_loss.out(guess, answer.expand_as(guess), byrun.REDUCTION["none"], out=out)

    def value(guess: Tensor, answers: Tensor, reduction: str, out: Tensor | None = None,
              scratch: Tensor | None = None, weights: Tensor | None = None) -> Tensor:
        return byrun.reduced(squared_difference, guess, answers, reduction, out, scratch, weights)

    def grad(guess: Tensor, answers: Tensor, reduction: str, out: Tensor | None = None) -> Tensor:
        diff = byrun.diff(guess, answers)
        return torch.mul(diff, byrun.norm(diff.shape[1], reduction, diff.dtype, 2.0), out=out)

    def both(guess: Tensor, answers: Tensor, reduction: str) -> tuple[Tensor, Tensor]:
        diff = byrun.diff(guess, answers)
        column = byrun.by_column(guess, answers)
        loss = value(guess, answers, reduction) if column else byrun.reduce(diff * diff, reduction)
        return loss, diff * byrun.norm(diff.shape[1], reduction, diff.dtype, 2.0)

    def bound_grad(answers: Tensor, reduction: str, upstream: Tensor | None = None):
        if upstream is not None:  # a ravine's: `each_grad` with its constants bound, 2 x upstream as one
            twice = upstream * 2.0  # exact where finite: (g - a) x twice is 2 (g - a) x upstream's bits
            if bool(torch.isfinite(twice).all()):  # wherever 2 (g - a) is finite (`Kernels.fuses`)
                return lambda guess: (guess - answers).mul_(twice)
            return lambda guess: (guess - answers).mul_(2.0).mul_(upstream)
        two = byrun.norm(answers.shape[1], reduction, answers.dtype, 2.0)
        return lambda guess: (guess - answers).mul_(two)

    def each_grad(upstream: Tensor, guess: Tensor, answers: Tensor, out: Tensor | None = None) -> Tensor:
        """2 (g - a) x upstream, in that order, as mse_loss_backward with reduction 'none'."""
        twice = byrun.diff(guess, answers).mul_(2.0)
        return twice.mul_(upstream) if out is None else torch.mul(twice, upstream, out=out)

    return Kernels(value, grad, both, bound_grad, each_grad=each_grad, fuses=True)


PLACE = 2  # where it is listed among the losses
SPECS = (
    Loss("mse", "2 (guess - answer)", curve, "mse_loss", kernels, "quadratic", elementwise=True,
         curvature=lambda o: Fraction(2)),
)
