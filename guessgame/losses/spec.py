"""A loss as one record (`Loss`), and the batched torch functions it builds (`Kernels`).

Nothing here imports torch: the config reads the records to validate a file, and builds no kernel.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Callable, NamedTuple

from guessgame.ranges import Range

if TYPE_CHECKING:
    from torch import Tensor


class Kernels(NamedTuple):
    """A loss in torch, batched over runs: guess (rows, N), answers (games, N), reduction and the
    options in, row r playing answers[r % games]; each run's result bit for bit what torch gives it alone."""

    value: Callable[..., Tensor]  # -> the loss (rows,); `out` (rows,) and `scratch` (>= rows x N) if given
    grad: Callable[..., Tensor]  # -> the gradient (rows, N), written into `out` if given
    both: Callable[..., tuple[Tensor, Tensor]] | None = None  # the two sharing guess - answer, where quicker
    bound_grad: Callable[..., Callable[[Tensor], Tensor]] | None = None  # (answers (1, N), reduction, options;
    # `upstream`, a ravine's (1, N), where the loss has `each_grad` written out in it)
    # -> guess -> a new tensor of its gradient: one game's `grad`, its constants worked out once
    functional: Callable[..., Tensor] | None = None  # (guess, answer, reduction) -> one game's loss for
    # autograd, where torch.nn.functional has none
    each_grad: Callable[..., Tensor] | None = None  # (upstream (1, N), guess, answers, out=None) -> each
    # element's gradient of the unreduced loss times `upstream`: autograd's through reduction="none"
    fuses: bool = False  # `bound_grad` with an `upstream` multiplies by a constant of `each_grad`'s and the
    # upstream at once: the same bits wherever no error is past half the largest float (`engine.direct`)


@dataclass(frozen=True)
class Loss:
    """Everything guessgame knows of one loss, for one element e = guess - answer of the error; config,
    validation, the engine, theory, explain, the pictures and the tests all read it from here.

        >>> from guessgame.losses import LOSSES
        >>> LOSSES["huber"].torch, LOSSES["huber"].defaults
        ('huber_loss', {'delta': 1.0})
    """

    name: str  # as a config names it: `huber`
    formula: str  # d loss / d guess for one element, before the 1/N of `mean`; explain prints it
    curve: Callable[..., tuple[Any, Any]]  # (e, **options) -> (value, slope), numpy, elementwise: the pictures'
    torch: str | None  # the torch.nn.functional loss a PyTorch user would call; None: there is none
    build: Callable[[], Kernels]  # its batched value and gradient, torch imported when first built
    closed_form: str | None = None  # theory's shape for it: quadratic (all core), walk (no core), piecewise
    # (core and arms), drift (no minimum); None: theory says it has none
    elementwise: bool = False  # its kernels compute each element alone, operation for operation: the same
    # bits whatever the memory layout, so the engine may lay the guesses out by column
    width: Callable[[dict], Fraction | float] = lambda options: math.inf  # where the quadratic core ends
    curvature: Callable[[dict], Fraction | None] = lambda options: None  # d²/de² inside the core
    far_slope: Callable[[dict], Fraction | None] = lambda options: None  # |d/de| outside the core
    defaults: dict = field(default_factory=dict)  # its options, as torch's defaults
    ranges: dict[str, Range] = field(default_factory=dict)  # each option's allowed values
    becomes: Callable[[dict], tuple[str, dict] | None] = lambda options: None  # the loss (name, options)
    # it is with these options, where torch computes it as that one
    has_minimum: bool = True
    remark: str = ""  # said after the formula

    def gradient_text(self, reduction: str) -> str:
        return self.formula + (" / N" if reduction == "mean" else "") + self.remark

    def values(self, e, options: dict):
        """(value, slope) of each element of the error `e` (a numpy array); inf where float64 overflows."""
        import numpy as np

        with np.errstate(over="ignore", invalid="ignore"):
            return self.curve(np.asarray(e, dtype=float), **options)

    def kernels(self) -> Kernels:
        """Its batched torch functions, built the first time a loss of this kind asks for them."""
        return _built(self.build)


@functools.cache
def _built(build: Callable[[], Kernels]) -> Kernels:
    return build()
