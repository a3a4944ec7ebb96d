"""Updates with one scalar per run, rounded as torch rounds them with a Python float for that run alone.

`torch.optim` scales tensors by Python floats: `p.add_(g, alpha=-lr)`, `p.mul_(1 - lr * wd)`,
`p.addcdiv_(m, d, value=-step_size)`. Here every run has its own lr, so those scalars are a (runs, 1)
float64 tensor, computed in double as Python computes them. Each function below then rounds that
scalar, and the arithmetic around it, the way torch's CPU kernel does with a Python float:

    float64, float32   the scalar is rounded to the tensor's dtype; one rounding per operation
    float16, bfloat16  addcdiv and mul: scalar in float, all arithmetic in float, rounded to half once;
                       add(alpha=): scalar rounded to half; the kernel's vectorised body rounds
                       a + alpha * b once, its scalar tail rounds alpha * b to half and then the sum

A scalar may also be a plain Python float, the same for every run.
"""

from __future__ import annotations

import functools

import torch
from torch import Tensor

HALF = (torch.float16, torch.bfloat16)


def add(a: Tensor, b: Tensor, alpha: float | Tensor) -> Tensor:
    """`a.add(b, alpha=alpha)` for each run:  a + alpha b."""
    if a.dtype in HALF:
        return _add_half(a, b, _as_half(alpha, a))
    if isinstance(alpha, Tensor):
        return torch.addcmul(a, b, cast(alpha, a.dtype))  # a + b * alpha, as add's kernel rounds it
    return a.add(b, alpha=alpha)


def mul(a: Tensor, factor: float | Tensor) -> Tensor:
    """`a.mul(factor)` for each run:  a factor."""
    if not isinstance(factor, Tensor):
        return a.mul(factor)
    return cast(torch.mul(a, cast(factor, _compute_dtype(a))), a.dtype)


def addcdiv(a: Tensor, t1: Tensor, t2: Tensor, value: float | Tensor) -> Tensor:
    """`a.addcdiv(t1, t2, value=value)` for each run:  a + value t1 / t2."""
    if not isinstance(value, Tensor):
        return a.addcdiv(t1, t2, value=value)
    compute = _compute_dtype(a)
    # The kernel computes (value * t1) / t2 + a: the product first, rounded like the kernel's.
    scaled = cast(t1, compute) * cast(value, compute)
    return cast(torch.addcdiv(cast(a, compute), scaled, cast(t2, compute)), a.dtype)


def cast(x: Tensor, dtype: torch.dtype) -> Tensor:
    """`x.to(dtype)`, without a call where it is in that dtype already (a call costs more than a small update's
    arithmetic)."""
    return x if x.dtype == dtype else x.to(dtype)


def _compute_dtype(a: Tensor) -> torch.dtype:
    """Half precision kernels compute in float (and round once); the others in the tensor's dtype."""
    return torch.float32 if a.dtype in HALF else a.dtype


def _as_half(alpha: float | Tensor, a: Tensor) -> Tensor:
    """alpha rounded to a's half dtype via float, as c10::Half converts a double."""
    alpha = alpha if isinstance(alpha, Tensor) else torch.tensor(alpha, dtype=torch.float64, device=a.device)
    return alpha.to(torch.float32).to(a.dtype)


def _add_half(a: Tensor, b: Tensor, alpha: Tensor) -> Tensor:
    """a + alpha b in half precision, element by element as torch's add kernel does it for one run."""
    n = a.shape[-1]
    body = n - n % _body_width(a.dtype, a.device.type)
    out = a + b * alpha  # the scalar tail: alpha * b rounded to half, then the sum
    if body:  # the vectorised body: a + alpha * b in float, rounded once
        out[..., :body] = torch.addcmul(a[..., :body], b[..., :body], alpha)
    return out


@functools.lru_cache(maxsize=None)
def _body_width(dtype: torch.dtype, device: str) -> int:
    """Elements torch's vectorised add loop takes at a time: a run of n elements has its first
    n - n % width in the vectorised body and the rest in the scalar tail. Found by asking torch,
    with values the two round differently: a = eps/2, b = alpha = 1 + eps."""
    eps = torch.finfo(dtype).eps
    a, b, alpha = eps / 2, 1 + eps, 1 + eps
    tail = torch.tensor([a], dtype=dtype, device=device).add(torch.tensor([b], dtype=dtype, device=device),
                                                             alpha=alpha)
    width = 2
    while width <= 1 << 12:
        row = torch.full((width,), a, dtype=dtype, device=device)
        if row.add(torch.full((width,), b, dtype=dtype, device=device), alpha=alpha)[0] != tail[0]:
            return width
        width *= 2
    return 1 << 30  # no vectorised body: every element goes through the scalar formula
