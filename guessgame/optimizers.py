"""Optimizers for a batch of runs, each run updated exactly as `torch.optim` updates one parameter.

An optimizer here is a pair of small functions in the optax style: `init(guess) -> state` and
`update(grad, guess, state, t) -> new_guess`, with `lr` a (runs, 1) float64 tensor so every run has
its own learning rate. The operations are `torch.optim`'s single-tensor code path on the CPU (the one
it takes for a single parameter), in the same order. Where that code scales by a Python float derived
from lr (`-lr`, `1 - lr * weight_decay`, `-lr / (1 - beta1^t)`), the scalar is computed per run in
float64, as Python computes it, and applied through `perrun`, which rounds it as torch's kernel rounds
a Python float. So each run equals `torch.optim` bit for bit, in every dtype (the tests compare them
attempt by attempt).

Plain SGD is not here: the engine applies it exactly as the notebook does,
`step = lr * grad; guess -= step`.
"""

from __future__ import annotations

from typing import Any, Callable, NamedTuple

import torch
from torch import Tensor

from guessgame import perrun


class Optimizer(NamedTuple):
    init: Callable[[Tensor], dict[str, Any]]
    update: Callable[[Tensor, Tensor, dict[str, Any], int], Tensor]


def _decay(grad: Tensor, guess: Tensor, weight_decay: float) -> Tensor:
    """g + weight_decay guess (L2 weight decay)."""
    return perrun.add(grad, guess, weight_decay) if weight_decay != 0 else grad


def sgd(lr: Tensor, momentum: float, dampening: float, nesterov: bool, weight_decay: float) -> Optimizer:
    """v(t) = momentum v(t-1) + (1 - dampening) g(t), v(1) = g(1);  guess -= lr (g + momentum v if nesterov else v)."""

    def init(guess: Tensor) -> dict[str, Any]:
        return {"buf": None}

    def update(grad: Tensor, guess: Tensor, state: dict[str, Any], t: int) -> Tensor:
        grad = _decay(grad, guess, weight_decay)
        if momentum != 0:
            if state["buf"] is None:
                state["buf"] = grad.clone()
            else:
                state["buf"] = perrun.add(state["buf"].mul_(momentum), grad, 1 - dampening)
            grad = perrun.add(grad, state["buf"], momentum) if nesterov else state["buf"]
        return perrun.add(guess, grad, -lr)

    return Optimizer(init, update)


def adam(lr: Tensor, betas: tuple[float, float], eps: float, weight_decay: float, amsgrad: bool,
         decoupled: bool = False) -> Optimizer:
    """m = lerp(m, g, 1 - b1); v = b2 v + (1 - b2) g^2;  guess -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)."""
    beta1, beta2 = betas

    def init(guess: Tensor) -> dict[str, Any]:
        state = {"exp_avg": torch.zeros_like(guess), "exp_avg_sq": torch.zeros_like(guess)}
        if amsgrad:
            state["max_exp_avg_sq"] = torch.zeros_like(guess)
        return state

    def update(grad: Tensor, guess: Tensor, state: dict[str, Any], t: int) -> Tensor:
        if weight_decay != 0:
            if decoupled:
                guess = perrun.mul(guess, 1 - lr * weight_decay)
            else:
                grad = perrun.add(grad, guess, weight_decay)
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        exp_avg.lerp_(grad, 1 - beta1)
        exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
        bias_correction2_sqrt = (1 - beta2**t) ** 0.5
        if amsgrad:
            torch.maximum(state["max_exp_avg_sq"], exp_avg_sq, out=state["max_exp_avg_sq"])
            exp_avg_sq = state["max_exp_avg_sq"]
        denom = (exp_avg_sq.sqrt() / bias_correction2_sqrt).add_(eps)
        return perrun.addcdiv(guess, exp_avg, denom, -(lr / (1 - beta1**t)))

    return Optimizer(init, update)


def adamw(lr: Tensor, betas: tuple[float, float], eps: float, weight_decay: float, amsgrad: bool) -> Optimizer:
    """Adam with decoupled weight decay: guess *= 1 - lr weight_decay before the Adam step."""
    return adam(lr, betas, eps, weight_decay, amsgrad, decoupled=True)


def rmsprop(lr: Tensor, alpha: float, eps: float, weight_decay: float, momentum: float,
            centered: bool) -> Optimizer:
    """v = alpha v + (1 - alpha) g^2;  guess -= lr g / (sqrt(v - mean_g^2 if centered else v) + eps)."""

    def init(guess: Tensor) -> dict[str, Any]:
        state = {"square_avg": torch.zeros_like(guess)}
        if momentum > 0:
            state["buf"] = torch.zeros_like(guess)
        if centered:
            state["grad_avg"] = torch.zeros_like(guess)
        return state

    def update(grad: Tensor, guess: Tensor, state: dict[str, Any], t: int) -> Tensor:
        grad = _decay(grad, guess, weight_decay)
        square_avg = state["square_avg"].mul_(alpha).addcmul_(grad, grad, value=1 - alpha)
        if centered:
            grad_avg = state["grad_avg"].lerp_(grad, 1 - alpha)
            avg = square_avg.addcmul(grad_avg, grad_avg, value=-1).sqrt_()
        else:
            avg = square_avg.sqrt()
        avg = avg.add_(eps)
        if momentum > 0:
            buf = state["buf"].mul_(momentum).addcdiv_(grad, avg)
            return perrun.add(guess, buf, -lr)
        return perrun.addcdiv(guess, grad, avg, -lr)

    return Optimizer(init, update)


def adagrad(lr: Tensor, lr_decay: float, weight_decay: float, initial_accumulator_value: float,
            eps: float) -> Optimizer:
    """s += g^2;  guess -= lr / (1 + (t - 1) lr_decay) * g / (sqrt(s) + eps)."""

    def init(guess: Tensor) -> dict[str, Any]:
        return {"sum": torch.full_like(guess, initial_accumulator_value)}

    def update(grad: Tensor, guess: Tensor, state: dict[str, Any], t: int) -> Tensor:
        grad = _decay(grad, guess, weight_decay)
        state["sum"].addcmul_(grad, grad, value=1)
        std = state["sum"].sqrt().add_(eps)
        return perrun.addcdiv(guess, grad, std, -(lr / (1 + (t - 1) * lr_decay)))

    return Optimizer(init, update)


OPTIMIZERS = {"sgd": sgd, "adam": adam, "adamw": adamw, "rmsprop": rmsprop, "adagrad": adagrad}


def make(name: str, options: dict[str, Any], lr: Tensor) -> Optimizer:
    """The optimizer `name` with `torch.optim`'s hyper-parameters `options`, for per-run `lr` (runs, 1), float64."""
    return OPTIMIZERS[name](lr, **options)



def reference(name: str, options: dict[str, Any], params: list[Tensor], lr: float) -> torch.optim.Optimizer:
    """The same optimizer from `torch.optim`, for one game: what `explain` narrates a step of."""
    cls = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW,
           "rmsprop": torch.optim.RMSprop, "adagrad": torch.optim.Adagrad}[name]
    return cls(params, lr=lr, **options)
