"""torch.optim.Adagrad: each element's steps shrink with the sum of its squared gradients.

    s += g^2
    guess -= lr / (1 + (t - 1) lr_decay) * g / (sqrt(s) + eps)

OneCycleLR cannot take it: it has neither momentum nor a beta1 to cycle (torch's refuses it too).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from guessgame.optimizers.spec import Optimizer, Spec, gradient
from guessgame.ranges import ABOVE_0, AT_LEAST_0

if TYPE_CHECKING:
    from torch import Tensor


class AdagradState(NamedTuple):
    count: int
    sum: Tensor


def adagrad(lr: Tensor, lr_decay: float, weight_decay: float, initial_accumulator_value: float,
            eps: float) -> Optimizer:
    """s += g^2;  guess -= lr / (1 + (t - 1) lr_decay) * g / (sqrt(s) + eps)."""
    import torch

    from guessgame import perrun
    from guessgame.optimizers.chain import decayed, stepped

    def update(grad: Tensor, guess: Tensor, state: AdagradState) -> tuple[Tensor, Tensor, AdagradState]:
        t = state.count + 1
        total = state.sum.addcmul_(grad, grad, value=1)
        new_guess = perrun.addcdiv(guess, grad, total.sqrt().add_(eps), -(lr / (1 + (t - 1) * lr_decay)))
        return (*stepped(new_guess, guess), AdagradState(t, total))

    def init(guess: Tensor) -> AdagradState:
        return AdagradState(0, torch.full_like(guess, initial_accumulator_value))

    return decayed(weight_decay, Optimizer(init, update))


def _formula(options: dict[str, Any]) -> str:
    g = gradient(options)
    return f"lr * {g} / (sqrt(initial_accumulator_value + {g}^2) + eps)"


SPECS = (
    Spec("adagrad", "Adagrad", {"lr_decay": 0.0, "weight_decay": 0.0, "initial_accumulator_value": 0.0, "eps": 1e-10},
         {"lr_decay": AT_LEAST_0, "weight_decay": AT_LEAST_0, "initial_accumulator_value": AT_LEAST_0, "eps": ABOVE_0},
         build=adagrad, formula=_formula),
)
