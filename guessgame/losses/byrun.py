"""What every loss's batched kernels are made of: torch's loops and reductions laid out so that each run
is computed as torch computes it alone, bit for bit, in every dtype.

The guesses are (rows, N) and the hidden answers (games, N), row r playing answer r % games. Each
loss module builds its kernels from these (and imports this module, so torch, only when it does).
"""

from __future__ import annotations

import functools
import math
from typing import Callable

import torch
from torch import Tensor

from guessgame.losses.spec import Kernels

REDUCTION = {"none": 0, "mean": 1, "sum": 2}  # torch's Reduction enum
# torch runs an elementwise loop of at least this many elements on several threads, split at
# arbitrary elements (at::internal::GRAIN_SIZE); below it a loop runs whole, as one run's does.
_SERIAL_LIMIT = 32768
# Up to this many elements per run, torch reduces a column of runs in the order it reduces one run's
# row, and many times faster than as many short rows.
_BY_COLUMN = 4


def reduce(values: Tensor, reduction: str, dim: int = 1, out: Tensor | None = None) -> Tensor:
    return torch.mean(values, dim=dim, out=out) if reduction == "mean" else torch.sum(values, dim=dim, out=out)


def by_column(guess: Tensor, answers: Tensor) -> bool:
    """Whether `reduced` lays the values out one column per element."""
    return answers.shape[1] <= _BY_COLUMN and guess.shape[0] > 1


def reduced(values_into: Callable[[Tensor, Tensor, Tensor], Tensor], guess: Tensor, answers: Tensor, reduction: str,
            out: Tensor | None = None, scratch: Tensor | None = None, weights: Tensor | None = None) -> Tensor:
    """Each run's reduction of `values_into(guess, answer, out)`, an elementwise function of guess -
    answer, into `out` if given; each element's value times its weight first, if `weights` (1, N) are
    given. With a few elements per run, the values are laid out one column per element. `scratch`, of
    at least as many elements as `guess`, holds them if given."""
    games, n = answers.shape
    column = by_column(guess, answers)
    values = room((n, guess.shape[0]) if column else guess.shape, guess, scratch)
    if not column:
        values_into(guess.reshape(-1, games, n), answers, values.view(-1, games, n))
        return reduce(weighted(values, weights), reduction, out=out)
    values_into(guess.reshape(-1, games, n).permute(2, 0, 1), answers.T.unsqueeze(1), values.view(n, -1, games))
    return reduce(weighted(values, None if weights is None else weights.T), reduction, dim=0, out=out)


def weighted(values: Tensor, weights: Tensor | None) -> Tensor:
    """`weights * values` in place (the weights broadcast), as `weights * F.<loss>(..., reduction="none")`."""
    return values if weights is None else values.mul_(weights)


def room(shape: tuple[int, ...], like: Tensor, scratch: Tensor | None) -> Tensor:
    """A tensor of `shape` to work in: the start of `scratch`, or a new one."""
    if scratch is None:
        return torch.empty(shape, dtype=like.dtype, device=like.device)
    return scratch.view(-1)[:math.prod(shape)].view(shape)


def norm(n: int, reduction: str, dtype: torch.dtype, numerator: float = 1.0) -> float:
    """numerator/N (or numerator), rounded to `dtype` first, as torch's backward kernels do in half precision."""
    value = numerator / n if reduction == "mean" else numerator
    return _rounded(value, dtype) if dtype in (torch.float16, torch.bfloat16) else value


@functools.lru_cache(maxsize=64)
def _rounded(value: float, dtype: torch.dtype) -> float:
    return torch.tensor(value, dtype=dtype).item()


def diff(guess: Tensor, answers: Tensor) -> Tensor:
    """guess - answer for every row (rows, N)."""
    games, n = answers.shape
    if games == 1:
        return guess - answers
    return (guess.reshape(-1, games, n) - answers).view(-1, n)


# torch's own loss kernels, for losses no formula gives the bits of: their vectorised body and scalar
# tail round differently (which elements fall in which depends on N and the CPU), and the half precision
# kernels keep some steps in float. They are called as `kernel(answer (N,), guesses (rows, N), out)`.
def values(kernel: Callable[[Tensor, Tensor, Tensor], Tensor], guess: Tensor, answers: Tensor, reduction: str,
           out: Tensor | None = None, scratch: Tensor | None = None, weights: Tensor | None = None) -> Tensor:
    """Each run's reduction of torch's value kernel, called with reduction 'none' (times `weights`, if given)."""
    each = by_run(kernel, answers, guess, room(guess.shape, guess, scratch))
    return reduce(weighted(each, weights), reduction, out=out)


def backward(kernel: Callable[..., Tensor], guess: Tensor, answers: Tensor, out: Tensor | None = None) -> Tensor:
    """Each run's gradient from torch's backward kernel, `kernel(one, answer, guess, out)`, one the
    gradient of the loss itself.

    The kernel takes the real reduction, which needs an `input` of N elements, the answer: its 1/N
    is then torch's own. So it is handed -answer and -guess: input - target = (-answer) - (-guess) =
    guess - answer exactly, signed zeros included.
    """
    one = _one(guess.dtype, guess.device)

    def kernel_of_one(answer: Tensor, rows: Tensor, into: Tensor) -> Tensor:
        return kernel(one, answer, rows, into)

    return by_run(kernel_of_one, -answers, guess.neg(), out)


@functools.lru_cache(maxsize=16)
def _one(dtype: torch.dtype, device: torch.device) -> Tensor:
    """The gradient of a loss with respect to itself, 1, made once per dtype and device (the kernels only read it)."""
    return torch.ones((), dtype=dtype, device=device)


def by_run(kernel, answers: Tensor, guess: Tensor, out: Tensor | None = None) -> Tensor:
    """Apply `kernel` so each run is one row of torch's loop, the loop it runs for that run alone.

    The answer, broadcast over rows, keeps torch from fusing the rows into one long loop (which
    would move elements between its vectorised body and scalar tail), and each call stays below the
    size torch splits across threads (which would cut rows at arbitrary elements).
    """
    games, n = answers.shape
    out = torch.empty_like(guess) if out is None else out
    rows, outs = guess.reshape(-1, games, n), out.view(-1, games, n)
    chunk = max(1, (_SERIAL_LIMIT - 1) // n)
    for game in range(games):
        for start in range(0, rows.shape[0], chunk):
            kernel(answers[game], rows[start:start + chunk, game], outs[start:start + chunk, game])
    return out


def with_option(forward: Callable[..., Tensor], gradient: Callable[..., Tensor]):
    """The kernels (`Kernels`: value, grad and each_grad) of a loss torch computes with one option (huber's
    delta, smooth_l1's beta, passed by its name), from its two kernels: `forward(input, target, reduction,
    option, out=)` and `gradient(grad_output, input, target, reduction, option, grad_input=)`."""
    def value(guess: Tensor, answers: Tensor, reduction: str, out: Tensor | None = None,
              scratch: Tensor | None = None, weights: Tensor | None = None, **options: float) -> Tensor:
        (option,) = options.values()

        def kernel(answer: Tensor, rows: Tensor, into: Tensor) -> Tensor:
            return forward(rows, answer, REDUCTION["none"], option, out=into)
        return values(kernel, guess, answers, reduction, out, scratch, weights)

    def grad(guess: Tensor, answers: Tensor, reduction: str, out: Tensor | None = None, **options: float) -> Tensor:
        (option,) = options.values()

        def kernel(one: Tensor, answer: Tensor, rows: Tensor, into: Tensor) -> Tensor:
            return gradient(one, answer, rows, REDUCTION[reduction], option, grad_input=into)
        return backward(kernel, guess, answers, out)

    def each_grad(upstream: Tensor, guess: Tensor, answers: Tensor, out: Tensor | None = None,
                  **options: float) -> Tensor:
        (option,) = options.values()

        def kernel(answer: Tensor, rows: Tensor, into: Tensor) -> Tensor:
            return gradient(upstream[0], rows, answer, REDUCTION["none"], option, grad_input=into)
        return by_run(kernel, answers, guess, out)

    return Kernels(value, grad, each_grad=each_grad)
