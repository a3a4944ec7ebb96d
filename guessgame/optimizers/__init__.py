"""Optimizers for a batch of runs, each run updated exactly as the notebook or `torch.optim` updates one.

An optimizer is one record, a `Spec` (its name, torch.optim class, options with their defaults and
ranges, first-step formula, what OneCycleLR cycles), beside the pair of functions it builds in the optax
style, over a guess (runs, N) with a learning rate (runs, 1) per run:

    init(guess) -> state                               state: a NamedTuple of tensors (and a count)
    update(grad, guess, state) -> (new_guess, step, state)

Each module of this package but `spec` and `chain` holds optimizers -- `sgd`, `adam` (Adam, AdamW),
`rmsprop`, `adagrad`, `nadam`, `adamax` -- and lists their records in `SPECS`; `OPTIMIZERS` gathers
them, so an optimizer is added by adding its module. Modules load without torch; an update imports
it when built.

Plain SGD is the notebook's update, `step = lr * grad; guess -= step` (`chain.plain`). The others follow
`torch.optim`'s single-tensor code path on the CPU (the one it takes for a single parameter), in the
same order. Where that code scales by a Python float derived from lr (`-lr`, `1 - lr * weight_decay`,
`-lr / (1 - beta1^t)`), the scalar is computed per run in float64, as Python computes it, and applied
through `perrun`, which rounds it as torch's kernel rounds a Python float. So each run equals
`torch.optim` bit for bit, in every dtype (the tests compare them attempt by attempt).

Weight decay is one piece, chained in front of the optimizer it decays for (`chain.decayed`); AdamW's
decoupled decay shrinks the guess instead (`chain.shrunk`). Both are applied where torch.optim applies
them, first thing in the step, so chaining keeps the bits.
"""

from __future__ import annotations

import importlib
import pkgutil

from guessgame.optimizers.spec import NoState, Optimizer, Spec

__all__ = ["OPTIMIZERS", "NoState", "Optimizer", "Spec"]

_SHARED = ("spec", "chain")  # what the optimizers are made of; every other module defines some


def _gathered() -> dict[str, Spec]:
    """Every module's `SPECS`, by name, the modules in alphabetical order."""
    found: dict[str, Spec] = {}
    for name in sorted(module.name for module in pkgutil.iter_modules(__path__)):
        if name not in _SHARED:
            found.update((spec.name, spec) for spec in importlib.import_module(f"{__name__}.{name}").SPECS)
    return found


OPTIMIZERS: dict[str, Spec] = _gathered()
