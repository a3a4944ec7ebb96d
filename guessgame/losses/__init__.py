"""The five losses, each defined once: what every other part of guessgame knows about a loss.

A `Loss` carries, for one element e = guess - answer of the error:

    value, slope   the loss and its derivative, as numpy curves (the pictures draw these)
    formula        the gradient as a learner reads it (explain prints it)
    defaults       its options (huber's delta, smooth_l1's beta), torch's defaults
    width          where the quadratic core ends: 0 for l1 (no core), inf for mse (all core)
    curvature      the second derivative inside the core; the far slope is |slope| outside it
                   (theory's closed forms are written in these two numbers)
    torch          the `torch.nn.functional` loss a PyTorch user would call (the reference)

With `reduction: mean` every element's share is divided by N; with `sum` it is not. The batched
torch value and gradient, bit-equal to torch's, are in `guessgame.losses.batched`, loaded with torch
on first use: `losses.value`, `losses.grad`, `losses.loss_and_grad`, `losses.functional`.

    >>> effective("smooth_l1", {"beta": 0.0})[0].name
    'l1'
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Callable

_TORCH_API = ("value", "grad", "loss_and_grad", "functional")


@dataclass(frozen=True)
class Loss:
    name: str
    formula: str  # d loss / d guess for one element, before the 1/N of `mean`
    curve: Callable[..., tuple[Any, Any]]  # (e, **options) -> (value, slope), numpy, elementwise
    torch: str | None  # the torch.nn.functional name; None: the bad loss, (guess - answer).mean()
    width: Callable[[dict], Fraction | float] = lambda options: math.inf
    curvature: Callable[[dict], Fraction | None] = lambda options: None  # d²/de² inside the core
    far_slope: Callable[[dict], Fraction | None] = lambda options: None  # |d/de| outside the core
    defaults: dict = field(default_factory=dict)  # its options, as torch's defaults
    has_minimum: bool = True
    remark: str = ""  # said after the formula

    def gradient_text(self, reduction: str) -> str:
        return self.formula + (" / N" if reduction == "mean" else "") + self.remark

    def values(self, e, options: dict):
        """(value, slope) of each element of the error `e` (a numpy array); inf where float64 overflows."""
        import numpy as np

        with np.errstate(over="ignore", invalid="ignore"):
            return self.curve(np.asarray(e, dtype=float), **options)


def _l1(e):
    import numpy as np
    return np.abs(e), np.sign(e)


def _mse(e):
    return e * e, 2 * e


def _huber(e, delta):
    import numpy as np
    z = np.abs(e)
    return np.where(z < delta, 0.5 * z * z, delta * (z - 0.5 * delta)), np.clip(e, -delta, delta)


def _smooth_l1(e, beta):
    import numpy as np
    z = np.abs(e)
    return np.where(z < beta, 0.5 * z * z / beta, z - 0.5 * beta), np.clip(e / beta, -1, 1)


def _bad(e):
    import numpy as np
    return e, np.ones_like(e)


LOSSES = {
    "l1": Loss("l1", "sign(guess - answer)", _l1, "l1_loss", width=lambda o: Fraction(0),
               far_slope=lambda o: Fraction(1)),
    "mse": Loss("mse", "2 (guess - answer)", _mse, "mse_loss", curvature=lambda o: Fraction(2)),
    "huber": Loss("huber", "clamp(guess - answer, -delta, delta)", _huber, "huber_loss", defaults={"delta": 1.0},
                  width=lambda o: Fraction(o["delta"]), curvature=lambda o: Fraction(1),
                  far_slope=lambda o: Fraction(o["delta"])),
    "smooth_l1": Loss("smooth_l1", "clamp((guess - answer) / beta, -1, 1)", _smooth_l1, "smooth_l1_loss", defaults={"beta": 1.0},
                      width=lambda o: Fraction(o["beta"]), curvature=lambda o: 1 / Fraction(o["beta"]),
                      far_slope=lambda o: Fraction(1)),
    "bad": Loss("bad", "1", _bad, None, far_slope=lambda o: Fraction(1), has_minimum=False,
                remark=" for every element, whatever the answer"),
}


def effective(name: str, options: dict) -> tuple[Loss, dict]:
    """The loss that actually runs: torch's smooth_l1 with beta 0 is l1 (its F.smooth_l1_loss says so)."""
    if name == "smooth_l1" and options.get("beta") == 0:
        return LOSSES["l1"], {}
    return LOSSES[name], options


def __getattr__(name: str) -> Any:
    if name in _TORCH_API:
        from guessgame.losses import batched

        return getattr(batched, name)
    raise AttributeError(f"module 'guessgame.losses' has no attribute {name!r}")
