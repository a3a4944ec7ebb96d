"""The losses, each defined once: what every other part of guessgame knows about a loss.

A loss is one record, a `Loss` (`spec`): for one element e = guess - answer of the error, its curve
(value and slope, in numpy, as the pictures draw them), the gradient formula explain prints, its options
with torch's defaults and their ranges, theory's closed form and the numbers it is written in (the
core's width and curvature, the far slope), the `torch.nn.functional` loss a PyTorch user would call,
and what it builds: its value and gradient in torch, batched over runs (`Kernels`).

Each module of this package but `spec`, `byrun`, `batched` and `weighted` (a ravine's loss) holds one
loss -- `l1`, `mse`, `huber`, `smooth_l1`, `bad` -- beside its kernels, and lists its record in `SPECS`;
`LOSSES` gathers them in the order of the modules' `PLACE`, so a loss is added by adding its module.
Modules load without torch; their kernels import it when first built, from what `byrun` shares.

With `reduction: mean` every element's share is divided by N; with `sum` it is not. The batched torch
value and gradient, bit-equal to torch's, are used through `losses.value`, `losses.grad`,
`losses.loss_and_grad`, `losses.functional` (from `batched`, loaded with torch on first use).

    >>> effective("smooth_l1", {"beta": 0.0})[0].name
    'l1'
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

from guessgame.losses.spec import Kernels, Loss

__all__ = ["LOSSES", "Kernels", "Loss", "effective"]

# what the losses are made of and used through; every other module is one loss
_SHARED = ("spec", "byrun", "batched", "weighted", "noisy")
_TORCH_API = ("value", "grad", "loss_and_grad", "functional")


def _gathered() -> dict[str, Loss]:
    """Every module's `SPECS`, by name, the modules in the order of their `PLACE`."""
    modules = [importlib.import_module(f"{__name__}.{module.name}") for module in pkgutil.iter_modules(__path__)
               if module.name not in _SHARED]
    return {loss.name: loss for module in sorted(modules, key=lambda m: m.PLACE) for loss in module.SPECS}


LOSSES: dict[str, Loss] = _gathered()


def effective(name: str, options: dict) -> tuple[Loss, dict]:
    """The loss that actually runs: the one its record says it becomes with these options (torch's
    smooth_l1 with beta 0 is l1, as its F.smooth_l1_loss says), or itself."""
    becomes = LOSSES[name].becomes(options)
    if becomes is None:
        return LOSSES[name], options
    return LOSSES[becomes[0]], becomes[1]


def __getattr__(name: str) -> Any:
    if name in _TORCH_API:
        from guessgame.losses import batched

        return getattr(batched, name)
    raise AttributeError(f"module 'guessgame.losses' has no attribute {name!r}")
