"""An optimizer as one record (`Spec`), and the interface the engine's loop steps a batch with (`Optimizer`).

Nothing here imports torch: the config reads the records to validate a file, and builds no update.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, NamedTuple

from guessgame.ranges import Range

if TYPE_CHECKING:
    from torch import Tensor


class Optimizer(NamedTuple):
    init: Callable[[Tensor], Any]
    update: Callable[..., tuple[Tensor, Tensor, Any]]  # (grad, guess, state, out=None); out: .step, .guess
    step: Callable[[Tensor, Tensor], Tensor] | None = None  # (grad, guess) -> the step alone, where it needs
    # no state (plain SGD)
    stepping: Callable[..., Callable[[Tensor], Tensor]] | None = None  # (guess -> a new tensor of its
    # gradient) -> (guess -> its step): `step` with nothing looked up per call, for a loop (plain SGD)


class NoState(NamedTuple):
    pass


def _no_rule(options: dict[str, Any]) -> tuple[str, str] | None:
    return None


@dataclass(frozen=True)
class Spec:
    """Everything guessgame knows of one optimizer; config, validation, the engine, explain and the tests
    all read it from here.

        >>> from guessgame.optimizers import OPTIMIZERS
        >>> OPTIMIZERS["adam"].torch, OPTIMIZERS["adam"].defaults["betas"]
        ('Adam', (0.9, 0.999))
    """

    name: str  # as a config names it: `adam`
    torch: str  # its torch.optim class: `Adam`
    defaults: dict[str, Any]  # its options with torch's defaults (lr aside: every run has its own)
    ranges: dict[str, Range]  # each number option's allowed values; a pair's (betas) for each of the two
    build: Callable[..., Optimizer]  # (lr (runs, 1) float64, **options) -> its update for a batch of runs
    formula: Callable[[dict[str, Any]], str]  # what it changes on the first attempt, in g and the guess
    cycles: str | None = None  # the option OneCycleLR cycles: `momentum`, `betas` (its beta1), or None
    rule: Callable[[dict[str, Any]], tuple[str, str] | None] = _no_rule  # options refused together:
    # (the option to name, what is allowed), or None


def gradient(options: dict[str, Any], decoupled: bool = False) -> str:
    """What the optimizer sees of the gradient in a formula: g, or g with L2 weight decay added."""
    return "(g + weight_decay * guess)" if options.get("weight_decay") and not decoupled else "g"


def shrink(options: dict[str, Any]) -> str:
    """The decoupled weight decay's part of a first step (AdamW's), as a formula's first term."""
    return "lr * weight_decay * guess + " if options.get("weight_decay") else ""
