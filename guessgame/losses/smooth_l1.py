"""The smooth l1 loss, torch's `F.smooth_l1_loss`: a square scaled by 1/beta within beta of the
answer, l1 beyond it; with beta 0 it is l1 (torch computes it as l1_loss).

    d/dg mean smooth_beta(g - a) = clamp((g - a) / beta, -1, 1) / N

Its kernels call torch's own (`byrun.values`, `byrun.backward`): no formula gives their bits.
"""

from __future__ import annotations

from fractions import Fraction

from guessgame.losses.spec import Kernels, Loss
from guessgame.ranges import AT_LEAST_0


def curve(e, beta):
    import numpy as np

    z = np.abs(e)
    return np.where(z < beta, 0.5 * z * z / beta, z - 0.5 * beta), np.clip(e / beta, -1, 1)


def kernels() -> Kernels:
    """torch's smooth_l1_loss and smooth_l1_loss_backward, each run its own loop."""
    import torch

    from guessgame.losses import byrun

    aten = torch.ops.aten
    return byrun.with_option(aten.smooth_l1_loss.out, aten.smooth_l1_loss_backward.grad_input)


def _becomes(options: dict) -> tuple[str, dict] | None:
    """torch's F.smooth_l1_loss with beta 0 is l1_loss (it says so, and calls it)."""
    return ("l1", {}) if options.get("beta") == 0 else None


PLACE = 4  # where it is listed among the losses
SPECS = (
    Loss("smooth_l1", "clamp((guess - answer) / beta, -1, 1)", curve, "smooth_l1_loss", kernels, "piecewise",
         defaults={"beta": 1.0}, ranges={"beta": AT_LEAST_0}, becomes=_becomes,
         width=lambda o: Fraction(o["beta"]), curvature=lambda o: 1 / Fraction(o["beta"]),
         far_slope=lambda o: Fraction(1)),
)
