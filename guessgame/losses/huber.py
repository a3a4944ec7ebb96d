"""The Huber loss, torch's `F.huber_loss`: mse's square within delta of the answer, l1's slope (times
delta) beyond it.

    d/dg mean huber_delta(g - a) = clamp(g - a, -delta, delta) / N

Its kernels call torch's own (`byrun.values`, `byrun.backward`): no formula gives their bits.
"""

from __future__ import annotations

from fractions import Fraction

from guessgame.losses.spec import Kernels, Loss
from guessgame.ranges import ABOVE_0


def curve(e, delta):
    import numpy as np

    z = np.abs(e)
    return np.where(z < delta, 0.5 * z * z, delta * (z - 0.5 * delta)), np.clip(e, -delta, delta)


def kernels() -> Kernels:
    """torch's huber_loss and huber_loss_backward, each run its own loop."""
    import torch

    from guessgame.losses import byrun

    return byrun.with_option(torch.ops.aten.huber_loss.out, torch.ops.aten.huber_loss_backward.out)


PLACE = 3  # where it is listed among the losses
SPECS = (
    Loss("huber", "clamp(guess - answer, -delta, delta)", curve, "huber_loss", kernels, "piecewise",
         defaults={"delta": 1.0}, ranges={"delta": ABOVE_0},  # with delta 0 it is 0 everywhere: nothing to play
         width=lambda o: Fraction(o["delta"]), curvature=lambda o: Fraction(1),
         far_slope=lambda o: Fraction(o["delta"])),
)
