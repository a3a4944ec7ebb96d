"""The losses in torch, batched over runs, by name: each run's loss and gradient equal, bit for bit, what
`torch.nn.functional`'s loss and autograd give for that run alone, in every dtype.

Each loss's module builds its kernels (`losses.Kernels`); here they are looked up by the loss's record
and bound: `value`, `grad`, `loss_and_grad`, `bind` (for a loop of attempts), and the single-game loss
as PyTorch users write it (`functional`).
"""

from __future__ import annotations

import functools
from typing import Callable, NamedTuple

import torch.nn.functional as F
from torch import Tensor

from guessgame.losses import LOSSES, effective


def value(name: str, options: dict, guess: Tensor, answers: Tensor, reduction: str, *, out: Tensor | None = None,
          scratch: Tensor | None = None, ravine=None) -> Tensor:
    """The loss (rows,) of `name` at `guess` (rows, N); row r plays answers[r % games], answers (games, N).
    Written into `out` (rows,) if given; `scratch`, of at least rows x N elements, is worked in if given.
    A `ravine` (`weighted.Ravine`) weighs and turns the error."""
    if ravine is not None:
        from guessgame.losses import weighted

        return weighted.value(name, options, guess, answers, reduction, ravine, out=out, scratch=scratch)
    loss, options = effective(name, options)
    return loss.kernels().value(guess, answers, reduction, **options, out=out, scratch=scratch)


def grad(name: str, options: dict, guess: Tensor, answers: Tensor, reduction: str) -> Tensor:
    """The gradient (rows, N) of the loss `name` at `guess` (rows, N); row r plays answers[r % games]."""
    loss, options = effective(name, options)
    return loss.kernels().grad(guess, answers, reduction, **options)


def loss_and_grad(name: str, options: dict, guess: Tensor, answers: Tensor,
                  reduction: str, ravine=None) -> tuple[Tensor, Tensor]:
    return bind(name, options, answers, reduction, ravine).both(guess)


class Bound(NamedTuple):
    """One config's loss against its answers, looked up once for a loop of attempts."""

    value: Callable[[Tensor], Tensor]  # guess (rows, N) -> loss (rows,)
    grad: Callable[..., Tensor]  # guess, out=None -> gradient (rows, N), written into `out` if given
    both: Callable[[Tensor], tuple[Tensor, Tensor]]  # the two, sharing guess - answer where they can
    at: Callable[[Tensor], Tensor]  # guess -> gradient, the same arithmetic as `grad` with its constants
    # worked out once, in a new tensor the caller may write over: what a loop that keeps nothing else
    # calls every attempt
    fused: bool = False  # `at` is `grad` only while no error is past half the largest float (`Kernels.fuses`)


def bind(name: str, options: dict, answers: Tensor, reduction: str, ravine=None) -> Bound:
    """The loss bound to its answers (and its `ravine`, a `weighted.Ravine`, if any)."""
    if ravine is not None:
        from guessgame.losses import weighted

        return weighted.bind(name, options, answers, reduction, ravine)
    loss, options = effective(name, options)
    fixed = {"answers": answers, "reduction": reduction, **options}
    kernels = loss.kernels()
    value_of = functools.partial(kernels.value, **fixed)
    grad_of = functools.partial(kernels.grad, **fixed)
    if kernels.both is not None:
        both = functools.partial(kernels.both, **fixed)
    else:
        def both(guess: Tensor) -> tuple[Tensor, Tensor]:
            return value_of(guess), grad_of(guess)
    # a loss may offer one game's gradient with its constants worked out once (a loop's attempt then
    # costs little more than its arithmetic); the others use their ordinary gradient
    one_game = kernels.bound_grad is not None and answers.shape[0] == 1
    return Bound(value_of, grad_of, both, kernels.bound_grad(**fixed) if one_game else grad_of)


def functional(name: str, options: dict, reduction: str):
    """The single-game loss as PyTorch users write it: `loss = fn(guess, answer)`, for autograd."""
    record = LOSSES[name]
    if record.torch is None:  # a loss of its own, written out beside its kernels
        alone = record.kernels().functional
        return lambda guess, answer: alone(guess, answer, reduction)
    fn = getattr(F, record.torch)
    return lambda guess, answer: fn(guess, answer, reduction=reduction, **options)
