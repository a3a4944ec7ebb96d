"""The five losses in torch, batched over runs: each run's loss and gradient equal, bit for bit, what
`torch.nn.functional`'s loss and autograd give for that run alone, in every dtype.

Each function takes the guesses (rows, N) and the hidden answers (games, N), row r playing answer
r % games, and returns the loss (rows,) or its gradient (rows, N):

    l1         d/dg mean|g - a|        = sign(g - a) / N
    mse        d/dg mean (g - a)^2     = 2 (g - a) / N
    huber      d/dg mean huber_delta   = clamp(g - a, -delta, delta) / N
    smooth_l1  d/dg mean smooth_beta   = clamp((g - a) / beta, -1, 1) / N
    bad        d/dg mean (g - a)       = 1 / N            (never points at the answer)

With `reduction: sum` the `/ N` goes away. l1, mse and bad are written out operation for operation
as autograd computes them. huber and smooth_l1 call torch's own kernels, because no formula gives
their bits: their vectorised body and scalar tail round differently (which elements fall in which
depends on N and the CPU), and the half precision kernels keep some steps in float.
"""

from __future__ import annotations

import functools
import math
from typing import Callable, NamedTuple

import torch
import torch.nn.functional as F
from torch import Tensor

from guessgame.losses import LOSSES, effective

_REDUCTION = {"none": 0, "mean": 1, "sum": 2}  # torch's Reduction enum
# torch runs an elementwise loop of at least this many elements on several threads, split at
# arbitrary elements (at::internal::GRAIN_SIZE); below it a loop runs whole, as one run's does.
_SERIAL_LIMIT = 32768


# Up to this many elements per run, torch reduces a column of runs in the order it reduces one run's
# row, and many times faster than as many short rows.
_BY_COLUMN = 4


def _reduce(values: Tensor, reduction: str, dim: int = 1, out: Tensor | None = None) -> Tensor:
    return torch.mean(values, dim=dim, out=out) if reduction == "mean" else torch.sum(values, dim=dim, out=out)


def _by_column(guess: Tensor, answers: Tensor) -> bool:
    return answers.shape[1] <= _BY_COLUMN and guess.shape[0] > 1


def _reduced(values_into: Callable[[Tensor, Tensor, Tensor], Tensor], guess: Tensor, answers: Tensor, reduction: str,
             out: Tensor | None = None, scratch: Tensor | None = None) -> Tensor:
    """Each run's reduction of `values_into(guess, answer, out)`, an elementwise function of guess -
    answer, into `out` if given. With a few elements per run, the values are laid out one column per
    element. `scratch`, of at least as many elements as `guess`, holds them if given."""
    games, n = answers.shape
    by_column = _by_column(guess, answers)
    values = _room((n, guess.shape[0]) if by_column else guess.shape, guess, scratch)
    if not by_column:
        values_into(guess.reshape(-1, games, n), answers, values.view(-1, games, n))
        return _reduce(values, reduction, out=out)
    values_into(guess.reshape(-1, games, n).permute(2, 0, 1), answers.T.unsqueeze(1), values.view(n, -1, games))
    return _reduce(values, reduction, dim=0, out=out)


def _difference(guess: Tensor, answer: Tensor, out: Tensor) -> Tensor:
    return torch.sub(guess, answer, out=out)


def _absolute_difference(guess: Tensor, answer: Tensor, out: Tensor) -> Tensor:
    return torch.sub(guess, answer, out=out).abs_()


def _squared_difference(guess: Tensor, answer: Tensor, out: Tensor) -> Tensor:
    """(guess - answer)^2 by the kernel of `F.mse_loss` itself, in one pass."""
    return torch.ops.aten.mse_loss.out(guess, answer.expand_as(guess), _REDUCTION["none"], out=out)


def _room(shape: tuple[int, ...], like: Tensor, scratch: Tensor | None) -> Tensor:
    """A tensor of `shape` to work in: the start of `scratch`, or a new one."""
    if scratch is None:
        return torch.empty(shape, dtype=like.dtype, device=like.device)
    return scratch.view(-1)[:math.prod(shape)].view(shape)


def _norm(n: int, reduction: str, dtype: torch.dtype, numerator: float = 1.0) -> float:
    """numerator/N (or numerator), rounded to `dtype` first, as torch's backward kernels do in half precision."""
    value = numerator / n if reduction == "mean" else numerator
    return _rounded(value, dtype) if dtype in (torch.float16, torch.bfloat16) else value


@functools.lru_cache(maxsize=64)
def _rounded(value: float, dtype: torch.dtype) -> float:
    return torch.tensor(value, dtype=dtype).item()


def _diff(guess: Tensor, answers: Tensor) -> Tensor:
    """guess - answer for every row (rows, N)."""
    games, n = answers.shape
    if games == 1:
        return guess - answers
    return (guess.reshape(-1, games, n) - answers).view(-1, n)


def l1(guess: Tensor, answers: Tensor, reduction: str, out: Tensor | None = None,
       scratch: Tensor | None = None) -> Tensor:
    return _reduced(_absolute_difference, guess, answers, reduction, out, scratch)


def l1_grad(guess: Tensor, answers: Tensor, reduction: str, out: Tensor | None = None) -> Tensor:
    diff = _diff(guess, answers)
    return torch.mul(diff.sign(), _norm(diff.shape[1], reduction, diff.dtype), out=out)


def l1_both(guess: Tensor, answers: Tensor, reduction: str) -> tuple[Tensor, Tensor]:
    diff = _diff(guess, answers)
    loss = l1(guess, answers, reduction) if _by_column(guess, answers) else _reduce(diff.abs(), reduction)
    return loss, diff.sign() * _norm(diff.shape[1], reduction, diff.dtype)


def mse(guess: Tensor, answers: Tensor, reduction: str, out: Tensor | None = None,
        scratch: Tensor | None = None) -> Tensor:
    return _reduced(_squared_difference, guess, answers, reduction, out, scratch)


def mse_grad(guess: Tensor, answers: Tensor, reduction: str, out: Tensor | None = None) -> Tensor:
    diff = _diff(guess, answers)
    return torch.mul(diff, _norm(diff.shape[1], reduction, diff.dtype, 2.0), out=out)


def mse_both(guess: Tensor, answers: Tensor, reduction: str) -> tuple[Tensor, Tensor]:
    diff = _diff(guess, answers)
    loss = mse(guess, answers, reduction) if _by_column(guess, answers) else _reduce(diff * diff, reduction)
    return loss, diff * _norm(diff.shape[1], reduction, diff.dtype, 2.0)


def huber(guess: Tensor, answers: Tensor, reduction: str, delta: float, out: Tensor | None = None,
          scratch: Tensor | None = None) -> Tensor:
    values = _by_run(_huber_values(delta), answers, guess, _room(guess.shape, guess, scratch))
    return _reduce(values, reduction, out=out)


def huber_grad(guess: Tensor, answers: Tensor, reduction: str, delta: float, out: Tensor | None = None) -> Tensor:
    return _by_run(_huber_grads(reduction, delta), -answers, guess.neg(), out)


def smooth_l1(guess: Tensor, answers: Tensor, reduction: str, beta: float, out: Tensor | None = None,
              scratch: Tensor | None = None) -> Tensor:
    values = _by_run(_smooth_l1_values(beta), answers, guess, _room(guess.shape, guess, scratch))
    return _reduce(values, reduction, out=out)


def smooth_l1_grad(guess: Tensor, answers: Tensor, reduction: str, beta: float,
                   out: Tensor | None = None) -> Tensor:
    return _by_run(_smooth_l1_grads(reduction, beta), -answers, guess.neg(), out)


def bad(guess: Tensor, answers: Tensor, reduction: str, out: Tensor | None = None,
        scratch: Tensor | None = None) -> Tensor:
    return _reduced(_difference, guess, answers, reduction, out, scratch)


def bad_grad(guess: Tensor, answers: Tensor, reduction: str, out: Tensor | None = None) -> Tensor:
    value = _norm(guess.shape[1], reduction, guess.dtype)
    return torch.full_like(guess, value) if out is None else out.fill_(value)


def bad_loss(guess: Tensor, answer: Tensor, reduction: str = "mean") -> Tensor:
    """The notebook's bad loss, `(guess - answer).mean()`, for one game."""
    diff = guess - answer
    return diff.mean() if reduction == "mean" else diff.sum()


# torch's kernels, called as `kernel(answer (N,), guesses (rows, N), out)`. The values take
# reduction 'none' and are reduced per row afterwards. The gradients take the real reduction, which
# needs an `input` of N elements, the answer: its 1/N is then torch's own. So they are handed -answer
# and -guess: input - target = (-answer) - (-guess) = guess - answer exactly, signed zeros included.
def _huber_values(delta: float):
    return lambda answer, guess, out: torch.ops.aten.huber_loss.out(guess, answer, 0, delta, out=out)


def _smooth_l1_values(beta: float):
    return lambda answer, guess, out: torch.ops.aten.smooth_l1_loss.out(guess, answer, 0, beta, out=out)


def _huber_grads(reduction: str, delta: float):
    def kernel(answer: Tensor, guess: Tensor, out: Tensor) -> Tensor:
        one = torch.ones((), dtype=out.dtype, device=out.device)
        return torch.ops.aten.huber_loss_backward.out(one, answer, guess, _REDUCTION[reduction], delta,
                                                     grad_input=out)
    return kernel


def _smooth_l1_grads(reduction: str, beta: float):
    def kernel(answer: Tensor, guess: Tensor, out: Tensor) -> Tensor:
        one = torch.ones((), dtype=out.dtype, device=out.device)
        return torch.ops.aten.smooth_l1_loss_backward.grad_input(one, answer, guess, _REDUCTION[reduction],
                                                                 beta, grad_input=out)
    return kernel


def _by_run(kernel, answers: Tensor, guess: Tensor, out: Tensor | None = None) -> Tensor:
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


VALUE = {"l1": l1, "mse": mse, "huber": huber, "smooth_l1": smooth_l1, "bad": bad}
GRAD = {"l1": l1_grad, "mse": mse_grad, "huber": huber_grad, "smooth_l1": smooth_l1_grad, "bad": bad_grad}
BOTH = {"l1": l1_both, "mse": mse_both}


def value(name: str, options: dict, guess: Tensor, answers: Tensor, reduction: str, *, out: Tensor | None = None,
          scratch: Tensor | None = None) -> Tensor:
    """The loss (rows,) of `name` at `guess` (rows, N); row r plays answers[r % games], answers (games, N).
    Written into `out` (rows,) if given; `scratch`, of at least rows x N elements, is worked in if given."""
    loss, options = effective(name, options)
    return VALUE[loss.name](guess, answers, reduction, **options, out=out, scratch=scratch)


def grad(name: str, options: dict, guess: Tensor, answers: Tensor, reduction: str) -> Tensor:
    """The gradient (rows, N) of the loss `name` at `guess` (rows, N); row r plays answers[r % games]."""
    loss, options = effective(name, options)
    return GRAD[loss.name](guess, answers, reduction, **options)


def loss_and_grad(name: str, options: dict, guess: Tensor, answers: Tensor,
                  reduction: str) -> tuple[Tensor, Tensor]:
    return bind(name, options, answers, reduction).both(guess)


class Bound(NamedTuple):
    """One config's loss against its answers, looked up once for a loop of attempts."""

    value: Callable[[Tensor], Tensor]  # guess (rows, N) -> loss (rows,)
    grad: Callable[..., Tensor]  # guess, out=None -> gradient (rows, N), written into `out` if given
    both: Callable[[Tensor], tuple[Tensor, Tensor]]  # the two, sharing guess - answer where they can
    at: Callable[[Tensor], Tensor]  # guess -> gradient, the same arithmetic as `grad` with its constants
    # worked out once, in a new tensor the caller may write over: what a loop that keeps nothing else
    # calls every attempt


def bind(name: str, options: dict, answers: Tensor, reduction: str) -> Bound:
    loss, options = effective(name, options)
    fixed = {"answers": answers, "reduction": reduction, **options}
    value_of = functools.partial(VALUE[loss.name], **fixed)
    grad_of = functools.partial(GRAD[loss.name], **fixed)
    if loss.name in BOTH:
        both = functools.partial(BOTH[loss.name], **fixed)
    else:
        def both(guess: Tensor) -> tuple[Tensor, Tensor]:
            return value_of(guess), grad_of(guess)
    return Bound(value_of, grad_of, both, _bound_grad(loss.name, answers, reduction) or grad_of)


def _bound_grad(name: str, answers: Tensor, reduction: str) -> Callable[[Tensor], Tensor] | None:
    """`l1_grad`, `mse_grad` and `bad_grad` for one game, their factor computed once (a loop's attempt
    costs little more than its arithmetic); None for the others."""
    games, n = answers.shape
    if games != 1:
        return None
    if name == "mse":
        two = _norm(n, reduction, answers.dtype, 2.0)
        return lambda guess: (guess - answers).mul_(two)
    if name == "l1":
        one = _norm(n, reduction, answers.dtype)
        return lambda guess: (guess - answers).sign_().mul_(one)
    if name == "bad":
        one = _norm(n, reduction, answers.dtype)
        return lambda guess: torch.full_like(guess, one)
    return None


def functional(name: str, options: dict, reduction: str):
    """The single-game loss as PyTorch users write it: `loss = fn(guess, answer)`, for autograd."""
    torch_name = LOSSES[name].torch
    if torch_name is None:
        return lambda guess, answer: bad_loss(guess, answer, reduction)
    fn = getattr(F, torch_name)
    return lambda guess, answer: fn(guess, answer, reduction=reduction, **options)
