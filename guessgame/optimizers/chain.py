"""What the optimizers are chained from: the notebook's own update, weight decay in its two forms, an lr
schedule, and the step a torch.optim update took."""

from __future__ import annotations

from typing import Any, Callable, NamedTuple

import torch
from torch import Tensor

from guessgame import perrun
from guessgame.optimizers.spec import NoState, Optimizer


class ScheduledState(NamedTuple):
    count: int  # attempts done
    inner: Any  # the scheduled optimizer's own state


def plain(lr: Tensor) -> Optimizer:
    """The notebook's update: step = lr * grad; guess -= step. `lr` (runs, 1) is in the dtype a Python
    float multiplies in: float32 for a half precision guess (its opmath), else the guess's dtype."""

    def update(grad: Tensor, guess: Tensor, state: NoState, out: Any = None) -> tuple[Tensor, Tensor, NoState]:
        if out is not None:  # the same arithmetic, into the caller's tensors (the step into its own if none)
            step = torch.mul(lr, grad, out=out.step)
            if out.step is None and step.dtype != guess.dtype:
                step = step.to(guess.dtype)
            return torch.sub(guess, step, out=out.guess), step, state
        step = step_of(grad, guess)
        return guess - step, step, state

    def step_of(grad: Tensor, guess: Tensor) -> Tensor:
        return perrun.cast(torch.mul(lr, grad), guess.dtype)

    def stepping(grad: Callable[[Tensor], Tensor]) -> Callable[[Tensor], Tensor]:
        # the step is worked out in the gradient's new tensor, in place: the product is rounded to the
        # guess's dtype as `.to` rounds it
        return lambda guess: grad(guess).mul_(lr)

    return Optimizer(lambda guess: NoState(), update, step_of, stepping)


def stepped(new_guess: Tensor, guess: Tensor) -> tuple[Tensor, Tensor]:
    """A torch.optim update's new guess, rounded to the guess's dtype, and the step it took."""
    new_guess = perrun.cast(new_guess, guess.dtype)
    return new_guess, guess - new_guess


def ignoring_out(update: Callable) -> Callable:
    """An update that computes into its own tensors: the caller copies them where they go."""
    def wrapped(grad: Tensor, guess: Tensor, state: Any, out: Any = None) -> tuple[Tensor, Tensor, Any]:
        return update(grad, guess, state)
    return wrapped


def decayed(weight_decay: float, inner: Optimizer) -> Optimizer:
    """L2 weight decay: `inner` sees g + weight_decay * guess."""
    if weight_decay == 0:
        return inner

    def update(grad: Tensor, guess: Tensor, state: Any) -> tuple[Tensor, Tensor, Any]:
        return inner.update(perrun.add(grad, guess, weight_decay), guess, state)

    return Optimizer(inner.init, update)


def shrunk(lr: Tensor, weight_decay: float, inner: Optimizer) -> Optimizer:
    """Decoupled weight decay (AdamW): the guess shrinks by 1 - lr * weight_decay before `inner` steps.
    The step recorded is the whole change, shrinking included."""
    if weight_decay == 0:
        return inner

    def update(grad: Tensor, guess: Tensor, state: Any) -> tuple[Tensor, Tensor, Any]:
        new_guess, _, state = inner.update(grad, perrun.mul(guess, 1 - lr * weight_decay), state)
        return new_guess, guess - new_guess, state

    return Optimizer(inner.init, update)


def scheduled(at: Callable[[int], Optimizer]) -> Optimizer:
    """An lr schedule: attempt t updates as `at(t - 1)`, the optimizer built with that attempt's lr (and
    momentum), carrying its state on -- what torch.optim does when a scheduler rewrites param_group['lr']."""

    def update(grad: Tensor, guess: Tensor, state: ScheduledState, out: Any = None) -> tuple[Tensor, Tensor, Any]:
        new_guess, step, inner = at(state.count).update(grad, guess, state.inner, out=out)
        return new_guess, step, ScheduledState(state.count + 1, inner)

    return Optimizer(lambda guess: ScheduledState(0, at(0).init(guess)), update)
