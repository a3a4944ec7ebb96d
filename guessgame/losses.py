"""The five losses, batched over runs, with gradients written out by hand.

Each loss is a pair of functions of `diff = guess - answer`, shape (runs, N): the loss (runs,) and
its gradient (runs, N). The gradients are the ones autograd computes for `torch.nn.functional`'s
losses, operation for operation, so they agree to the last bit (the tests check this):

    l1         d/dg mean|g - a|        = sign(g - a) / N
    mse        d/dg mean (g - a)^2     = 2 (g - a) / N
    huber      d/dg mean huber_delta   = clamp(g - a, -delta, delta) / N
    smooth_l1  d/dg mean smooth_beta   = clamp((g - a) / beta, -1, 1) / N
    bad        d/dg mean (g - a)       = 1 / N            (never points at the answer)

With `reduction: sum` the `/ N` goes away.
"""

from __future__ import annotations

import functools

import torch
import torch.nn.functional as F
from torch import Tensor


def _reduce(values: Tensor, reduction: str) -> Tensor:
    return values.mean(dim=1) if reduction == "mean" else values.sum(dim=1)


def _norm(n: int, reduction: str, dtype: torch.dtype, numerator: float = 1.0) -> float:
    """numerator/N (or numerator), rounded to `dtype` first, as torch's backward kernels do in half precision."""
    value = numerator / n if reduction == "mean" else numerator
    return _rounded(value, dtype) if dtype in (torch.float16, torch.bfloat16) else value


@functools.lru_cache(maxsize=64)
def _rounded(value: float, dtype: torch.dtype) -> float:
    return torch.tensor(value, dtype=dtype).item()


def l1(diff: Tensor, reduction: str) -> Tensor:
    return _reduce(diff.abs(), reduction)


def l1_grad(diff: Tensor, reduction: str) -> Tensor:
    return diff.sign() * _norm(diff.shape[1], reduction, diff.dtype)


def mse(diff: Tensor, reduction: str) -> Tensor:
    return _reduce(diff * diff, reduction)


def mse_grad(diff: Tensor, reduction: str) -> Tensor:
    return diff * _norm(diff.shape[1], reduction, diff.dtype, 2.0)


def huber(diff: Tensor, reduction: str, delta: float) -> Tensor:
    z = diff.abs()
    return _reduce(torch.where(z < delta, 0.5 * z * z, delta * (z - 0.5 * delta)), reduction)


def huber_grad(diff: Tensor, reduction: str, delta: float) -> Tensor:
    norm = _norm(diff.shape[1], reduction, diff.dtype)
    return torch.where(diff < -delta, -norm * delta, torch.where(diff > delta, norm * delta, diff * norm))


def smooth_l1(diff: Tensor, reduction: str, beta: float) -> Tensor:
    if beta == 0.0:  # torch falls back to l1 here
        return l1(diff, reduction)
    z = diff.abs()
    return _reduce(torch.where(z < beta, 0.5 * z * z / beta, z - 0.5 * beta), reduction)


def smooth_l1_grad(diff: Tensor, reduction: str, beta: float) -> Tensor:
    if beta == 0.0:
        return l1_grad(diff, reduction)
    norm = _norm(diff.shape[1], reduction, diff.dtype)
    return torch.where(diff < -beta, -norm, torch.where(diff > beta, norm, diff / beta * norm))


def bad(diff: Tensor, reduction: str) -> Tensor:
    return _reduce(diff, reduction)


def bad_grad(diff: Tensor, reduction: str) -> Tensor:
    return torch.full_like(diff, _norm(diff.shape[1], reduction, diff.dtype))


def bad_loss(guess: Tensor, answer: Tensor, reduction: str = "mean") -> Tensor:
    """The notebook's bad loss, `(guess - answer).mean()`, for one game."""
    diff = guess - answer
    return diff.mean() if reduction == "mean" else diff.sum()


VALUE = {"l1": l1, "mse": mse, "huber": huber, "smooth_l1": smooth_l1, "bad": bad}
GRAD = {"l1": l1_grad, "mse": mse_grad, "huber": huber_grad, "smooth_l1": smooth_l1_grad, "bad": bad_grad}


def value(name: str, options: dict, diff: Tensor, reduction: str) -> Tensor:
    """The loss (rows,) of `name` at `diff = guess - answer`, shape (rows, N)."""
    return VALUE[name](diff, reduction, **options)


def grad(name: str, options: dict, diff: Tensor, reduction: str) -> Tensor:
    """The gradient (rows, N) of the loss `name` at `diff = guess - answer`, shape (rows, N)."""
    return GRAD[name](diff, reduction, **options)


def loss_and_grad(name: str, options: dict, diff: Tensor, reduction: str) -> tuple[Tensor, Tensor]:
    return value(name, options, diff, reduction), grad(name, options, diff, reduction)


def functional(name: str, options: dict, reduction: str):
    """The single-game loss as PyTorch users write it: `loss = fn(guess, answer)`, for autograd."""
    if name == "bad":
        return lambda guess, answer: bad_loss(guess, answer, reduction)
    fn = {"l1": F.l1_loss, "mse": F.mse_loss, "huber": F.huber_loss, "smooth_l1": F.smooth_l1_loss}[name]
    return lambda guess, answer: fn(guess, answer, reduction=reduction, **options)
