"""The Huber loss, torch's `F.huber_loss`: mse's square within delta of the answer, l1's slope (times
delta) beyond it.

    d/dg mean huber_delta(g - a) = clamp(g - a, -delta, delta) / N

Its kernels call torch's own (`byrun.values`, `byrun.backward`): no formula gives their bits.
"""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING

from guessgame.losses.spec import Kernels, Loss
from guessgame.ranges import ABOVE_0

if TYPE_CHECKING:
    from torch import Tensor


def curve(e, delta):
    import numpy as np

    z = np.abs(e)
    return np.where(z < delta, 0.5 * z * z, delta * (z - 0.5 * delta)), np.clip(e, -delta, delta)


def kernels() -> Kernels:
    """torch's huber_loss and huber_loss_backward, each run its own loop."""
    import torch

    from guessgame.losses import byrun

    def value(guess: Tensor, answers: Tensor, reduction: str, delta: float, out: Tensor | None = None,
              scratch: Tensor | None = None) -> Tensor:
        def kernel(answer: Tensor, rows: Tensor, into: Tensor) -> Tensor:
            return torch.ops.aten.huber_loss.out(rows, answer, byrun.REDUCTION["none"], delta, out=into)
        return byrun.values(kernel, guess, answers, reduction, out, scratch)

    def grad(guess: Tensor, answers: Tensor, reduction: str, delta: float, out: Tensor | None = None) -> Tensor:
        def kernel(one: Tensor, answer: Tensor, rows: Tensor, into: Tensor) -> Tensor:
            return torch.ops.aten.huber_loss_backward.out(one, answer, rows, byrun.REDUCTION[reduction], delta,
                                                         grad_input=into)
        return byrun.backward(kernel, guess, answers, out)

    return Kernels(value, grad)


PLACE = 3  # where it is listed among the losses
SPECS = (
    Loss("huber", "clamp(guess - answer, -delta, delta)", curve, "huber_loss", kernels, "piecewise",
         defaults={"delta": 1.0}, ranges={"delta": ABOVE_0},  # with delta 0 it is 0 everywhere: nothing to play
         width=lambda o: Fraction(o["delta"]), curvature=lambda o: Fraction(1),
         far_slope=lambda o: Fraction(o["delta"])),
)
