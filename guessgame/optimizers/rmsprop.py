"""torch.optim.RMSprop: the gradient divided by a running root mean square of it.

    v = alpha v + (1 - alpha) g^2
    guess -= lr g / (sqrt(v - mean_g^2  if centered else  v) + eps)     (through a momentum buffer if any)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from guessgame.optimizers.spec import Optimizer, Spec, gradient
from guessgame.ranges import ABOVE_0, AT_LEAST_0

if TYPE_CHECKING:
    from torch import Tensor


class RmspropState(NamedTuple):
    square_avg: Tensor
    grad_avg: Tensor | None  # when centered
    buf: Tensor | None  # with momentum


def rmsprop(lr: Tensor, alpha: float, eps: float, weight_decay: float, momentum: float,
            centered: bool) -> Optimizer:
    """v = alpha v + (1 - alpha) g^2;  guess -= lr g / (sqrt(v - mean_g^2 if centered else v) + eps)."""
    import torch

    from guessgame import perrun
    from guessgame.optimizers.chain import decayed, stepped

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
        return (*stepped(new_guess, guess), state)

    return decayed(weight_decay, Optimizer(init, update))


def _formula(options: dict[str, Any]) -> str:
    g = gradient(options)
    square = f"(1 - alpha) {g}^2" + (f" - ((1 - alpha) {g})^2" if options["centered"] else "")
    return f"lr * {g} / (sqrt({square}) + eps)"


SPECS = (
    Spec("rmsprop", "RMSprop", {"alpha": 0.99, "eps": 1e-8, "weight_decay": 0.0, "momentum": 0.0, "centered": False},
         {"alpha": AT_LEAST_0, "eps": ABOVE_0, "weight_decay": AT_LEAST_0, "momentum": AT_LEAST_0},
         build=rmsprop, formula=_formula, cycles="momentum"),
)
