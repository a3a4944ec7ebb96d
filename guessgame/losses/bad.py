"""The notebook's bad loss, `(guess - answer).mean()`: its gradient never points at the answer, and
the guess drifts down forever. torch.nn.functional has no such loss; it is written out here.

    d/dg mean (g - a) = 1 / N        for every element, whatever the answer

Its kernels are written out operation for operation as autograd computes them, element by element.
"""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING

from guessgame.losses.spec import Kernels, Loss

if TYPE_CHECKING:
    from torch import Tensor


def curve(e):
    import numpy as np

    return e, np.ones_like(e)


def bad_loss(guess: Tensor, answer: Tensor, reduction: str = "mean") -> Tensor:
    """The notebook's bad loss, `(guess - answer).mean()`, for one game (`none`: guess - answer)."""
    diff = guess - answer
    return {"mean": diff.mean, "sum": diff.sum}.get(reduction, lambda: diff)()


def kernels() -> Kernels:
    """1 / N, and the mean (or sum) of g - a."""
    import torch

    from guessgame.losses import byrun

    def difference(guess: Tensor, answer: Tensor, out: Tensor) -> Tensor:
        return torch.sub(guess, answer, out=out)

    def value(guess: Tensor, answers: Tensor, reduction: str, out: Tensor | None = None,
              scratch: Tensor | None = None, weights: Tensor | None = None) -> Tensor:
        return byrun.reduced(difference, guess, answers, reduction, out, scratch, weights)

    def grad(guess: Tensor, answers: Tensor, reduction: str, out: Tensor | None = None) -> Tensor:
        one = byrun.norm(guess.shape[1], reduction, guess.dtype)
        return torch.full_like(guess, one) if out is None else out.fill_(one)

    def bound_grad(answers: Tensor, reduction: str, upstream: Tensor | None = None):
        if upstream is not None:  # a ravine's: `each_grad` with its constants bound
            return lambda guess: upstream.expand_as(guess).clone()
        one = byrun.norm(answers.shape[1], reduction, answers.dtype)
        return lambda guess: torch.full_like(guess, one)

    def each_grad(upstream: Tensor, guess: Tensor, answers: Tensor, out: Tensor | None = None) -> Tensor:
        """upstream itself, for every element: guess - answer passes it on unchanged."""
        return upstream.expand_as(guess).clone() if out is None else out.copy_(upstream.expand_as(guess))

    return Kernels(value, grad, bound_grad=bound_grad, functional=bad_loss, each_grad=each_grad)


PLACE = 5  # where it is listed among the losses: last, the one that teaches by failing
SPECS = (
    Loss("bad", "1", curve, None, kernels, "drift", elementwise=True, far_slope=lambda o: Fraction(1),
         has_minimum=False, remark=" for every element, whatever the answer"),
)
