"""Optimizers for a batch of runs, each run updated exactly as the notebook or `torch.optim` updates one.

An optimizer is a pair of functions in the optax style, over a guess (runs, N) with a learning rate
(runs, 1) per run:

    init(guess) -> state                               state: a NamedTuple of tensors (and a count)
    update(grad, guess, state) -> (new_guess, step, state)

Plain SGD is the notebook's update, `step = lr * grad; guess -= step`. The others follow
`torch.optim`'s single-tensor code path on the CPU (the one it takes for a single parameter), in the
same order. Where that code scales by a Python float derived from lr (`-lr`, `1 - lr * weight_decay`,
`-lr / (1 - beta1^t)`), the scalar is computed per run in float64, as Python computes it, and applied
through `perrun`, which rounds it as torch's kernel rounds a Python float. So each run equals
`torch.optim` bit for bit, in every dtype (the tests compare them attempt by attempt).

Weight decay is one piece, chained in front of the optimizer it decays for (`decayed`); AdamW's
decoupled decay shrinks the guess instead (`shrunk`). Both are applied where torch.optim applies them,
first thing in the step, so chaining keeps the bits.
"""

from __future__ import annotations

from typing import Any, Callable, NamedTuple

import torch
from torch import Tensor

from guessgame import perrun, schedules
from guessgame.config import Config

_HALF = (torch.float16, torch.bfloat16)


class Optimizer(NamedTuple):
    init: Callable[[Tensor], Any]
    update: Callable[..., tuple[Tensor, Tensor, Any]]  # (grad, guess, state, out=None); out: .step, .guess
    step: Callable[[Tensor, Tensor], Tensor] | None = None  # (grad, guess) -> the step alone, where it needs
    # no state (plain SGD)
    stepping: Callable[..., Callable[[Tensor], Tensor]] | None = None  # (guess -> a new tensor of its
    # gradient) -> (guess -> its step): `step` with nothing looked up per call, for a loop (plain SGD)


class NoState(NamedTuple):
    pass


class SgdState(NamedTuple):
    buf: Tensor | None  # the momentum buffer, None before the first attempt


class AdamState(NamedTuple):
    count: int
    exp_avg: Tensor
    exp_avg_sq: Tensor
    max_exp_avg_sq: Tensor | None  # with amsgrad


class RmspropState(NamedTuple):
    square_avg: Tensor
    grad_avg: Tensor | None  # when centered
    buf: Tensor | None  # with momentum


class AdagradState(NamedTuple):
    count: int
    sum: Tensor


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
        return torch.mul(lr, grad).to(guess.dtype)

    def stepping(grad: Callable[[Tensor], Tensor]) -> Callable[[Tensor], Tensor]:
        # the step is worked out in the gradient's new tensor, in place: the product is rounded to the
        # guess's dtype as `.to` rounds it
        return lambda guess: grad(guess).mul_(lr)

    return Optimizer(lambda guess: NoState(), update, step_of, stepping)


def _stepped(new_guess: Tensor, guess: Tensor) -> tuple[Tensor, Tensor]:
    """A torch.optim update's new guess, rounded to the guess's dtype, and the step it took."""
    new_guess = new_guess.to(guess.dtype)
    return new_guess, guess - new_guess


def _ignoring_out(update: Callable) -> Callable:
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


def sgd(lr: Tensor, momentum: float, dampening: float, nesterov: bool) -> Optimizer:
    """v(t) = momentum v(t-1) + (1 - dampening) g(t), v(1) = g(1);  guess -= lr (g + momentum v if nesterov else v)."""

    def update(grad: Tensor, guess: Tensor, state: SgdState) -> tuple[Tensor, Tensor, SgdState]:
        if momentum != 0:
            buf = grad.clone() if state.buf is None else perrun.add(state.buf.mul_(momentum), grad, 1 - dampening)
            state = SgdState(buf)
            grad = perrun.add(grad, buf, momentum) if nesterov else buf
        return (*_stepped(perrun.add(guess, grad, -lr), guess), state)

    return Optimizer(lambda guess: SgdState(None), update)


def adam(lr: Tensor, betas: tuple[float, float], eps: float, amsgrad: bool) -> Optimizer:
    """m = lerp(m, g, 1 - b1); v = b2 v + (1 - b2) g^2;  guess -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)."""
    beta1, beta2 = betas

    def init(guess: Tensor) -> AdamState:
        zeros = torch.zeros_like
        return AdamState(0, zeros(guess), zeros(guess), zeros(guess) if amsgrad else None)

    def update(grad: Tensor, guess: Tensor, state: AdamState) -> tuple[Tensor, Tensor, AdamState]:
        t = state.count + 1
        exp_avg = state.exp_avg.lerp_(grad, 1 - beta1)
        exp_avg_sq = state.exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
        bias_correction2_sqrt = (1 - beta2**t) ** 0.5
        largest = state.max_exp_avg_sq
        if largest is not None:
            torch.maximum(largest, exp_avg_sq, out=largest)
        denom = ((exp_avg_sq if largest is None else largest).sqrt() / bias_correction2_sqrt).add_(eps)
        new_guess = perrun.addcdiv(guess, exp_avg, denom, -(lr / (1 - beta1**t)))
        return (*_stepped(new_guess, guess), AdamState(t, exp_avg, exp_avg_sq, largest))

    return Optimizer(init, update)


def rmsprop(lr: Tensor, alpha: float, eps: float, momentum: float, centered: bool) -> Optimizer:
    """v = alpha v + (1 - alpha) g^2;  guess -= lr g / (sqrt(v - mean_g^2 if centered else v) + eps)."""

    def init(guess: Tensor) -> RmspropState:
        zeros = torch.zeros_like
        return RmspropState(zeros(guess), zeros(guess) if centered else None, zeros(guess) if momentum > 0 else None)

    def update(grad: Tensor, guess: Tensor, state: RmspropState) -> tuple[Tensor, Tensor, RmspropState]:
        square_avg = state.square_avg.mul_(alpha).addcmul_(grad, grad, value=1 - alpha)
        if state.grad_avg is not None:
            grad_avg = state.grad_avg.lerp_(grad, 1 - alpha)
            avg = square_avg.addcmul(grad_avg, grad_avg, value=-1).sqrt_()
        else:
            avg = square_avg.sqrt()
        avg = avg.add_(eps)
        if state.buf is not None:
            new_guess = perrun.add(guess, state.buf.mul_(momentum).addcdiv_(grad, avg), -lr)
        else:
            new_guess = perrun.addcdiv(guess, grad, avg, -lr)
        return (*_stepped(new_guess, guess), state)

    return Optimizer(init, update)


def adagrad(lr: Tensor, lr_decay: float, initial_accumulator_value: float, eps: float) -> Optimizer:
    """s += g^2;  guess -= lr / (1 + (t - 1) lr_decay) * g / (sqrt(s) + eps)."""

    def update(grad: Tensor, guess: Tensor, state: AdagradState) -> tuple[Tensor, Tensor, AdagradState]:
        t = state.count + 1
        total = state.sum.addcmul_(grad, grad, value=1)
        new_guess = perrun.addcdiv(guess, grad, total.sqrt().add_(eps), -(lr / (1 + (t - 1) * lr_decay)))
        return (*_stepped(new_guess, guess), AdagradState(t, total))

    return Optimizer(lambda guess: AdagradState(0, torch.full_like(guess, initial_accumulator_value)), update)


_OPTIMIZERS = {"sgd": sgd, "adam": adam, "adamw": adam, "rmsprop": rmsprop, "adagrad": adagrad}


def scheduled(at: Callable[[int], Optimizer]) -> Optimizer:
    """An lr schedule: attempt t updates as `at(t - 1)`, the optimizer built with that attempt's lr (and
    momentum), carrying its state on -- what torch.optim does when a scheduler rewrites param_group['lr']."""

    def update(grad: Tensor, guess: Tensor, state: ScheduledState, out: Any = None) -> tuple[Tensor, Tensor, Any]:
        new_guess, step, inner = at(state.count).update(grad, guess, state.inner, out=out)
        return new_guess, step, ScheduledState(state.count + 1, inner)

    return Optimizer(lambda guess: ScheduledState(0, at(0).init(guess)), update)


def make(config: Config, lr: Tensor, lrs: Tensor | None = None) -> Optimizer:
    """The config's optimizer, for per-run learning rates `lr` (runs, 1) in float64; with its schedule,
    whose lrs (attempts, runs) are `scheduled_lrs(config, lr)` unless given."""
    dtype = getattr(torch, config.dtype)
    plain_dtype = torch.float32 if dtype in _HALF else dtype
    if not config.scheduled:
        return plain(lr.to(plain_dtype)) if config.plain_sgd else _torch_optim(config, lr, config.optimizer_options)
    table = (scheduled_lrs(config, lr[:, 0]) if lrs is None else lrs).to(lr.device).unsqueeze(-1)
    momenta = schedules.momenta(config.schedule, config.schedule_options, config.attempts)
    if config.plain_sgd and momenta is None:  # the notebook's loop, taking the scheduler's lr
        table = table.to(plain_dtype)
        return scheduled(lambda k: plain(table[k]))
    # OneCycleLR cycles SGD's momentum as torch does -- plain SGD's too, which then has momentum
    if momenta is None:
        return scheduled(lambda k: _torch_optim(config, table[k], config.optimizer_options))
    return scheduled(lambda k: _torch_optim(config, table[k], _cycled(config, momenta[k])))


def scheduled_lrs(config: Config, lr: Tensor) -> Tensor:
    """The lr each run (runs,) uses at each attempt: (attempts, runs) float64, on lr's device."""
    table = schedules.lrs(config.schedule, config.schedule_options, lr.double().cpu().numpy(), config.attempts)
    return torch.from_numpy(table).to(lr.device)


def _cycled(config: Config, momentum: float) -> dict[str, Any]:
    """OneCycleLR's momentum for one attempt: SGD's and RMSprop's `momentum`, Adam's beta1."""
    options = dict(config.optimizer_options)
    if "betas" in options:
        options["betas"] = (momentum, options["betas"][1])
    else:
        options["momentum"] = momentum
    return options


def _torch_optim(config: Config, lr: Tensor, options: dict[str, Any]) -> Optimizer:
    options = dict(options)
    weight_decay = options.pop("weight_decay")
    inner = _OPTIMIZERS[config.optimizer](lr, **options)
    chained = shrunk(lr, weight_decay, inner) if config.optimizer == "adamw" else decayed(weight_decay, inner)
    return Optimizer(chained.init, _ignoring_out(chained.update))


def reference(config: Config, params: list[Tensor], lr: float) -> torch.optim.Optimizer:
    """The same optimizer from `torch.optim`, for one game: what `explain` narrates a step of. With a
    schedule, torch's own scheduler is attached to it, so it holds the first attempt's lr (and momentum)."""
    cls = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW,
           "rmsprop": torch.optim.RMSprop, "adagrad": torch.optim.Adagrad}[config.optimizer]
    optimizer = cls(params, lr=lr, **config.optimizer_options)
    if config.scheduled:
        options = dict(config.schedule_options)
        if config.schedule == "onecycle":
            options.update(max_lr=lr, total_steps=schedules.total_steps(options, config.attempts))
        getattr(torch.optim.lr_scheduler, schedules.CLASSES[config.schedule])(optimizer, **options)
    return optimizer
