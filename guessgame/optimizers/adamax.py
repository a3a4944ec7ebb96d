"""torch.optim.Adamax: Adam with the infinity norm in place of the root mean square.

    m = lerp(m, g, 1 - beta1);  u = max(beta2 u, |g| + eps)
    guess -= lr / (1 - beta1^t) * m / u
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from guessgame.optimizers.spec import Optimizer, Spec, gradient
from guessgame.ranges import ABOVE_0, AT_LEAST_0, BELOW_1

if TYPE_CHECKING:
    from torch import Tensor


class AdamaxState(NamedTuple):
    count: int
    exp_avg: Tensor
    exp_inf: Tensor  # u, the decaying largest |g|


def adamax(lr: Tensor, betas: tuple[float, float], eps: float, weight_decay: float) -> Optimizer:
    """m = lerp(m, g, 1 - beta1); u = max(beta2 u, |g| + eps);  guess -= lr / (1 - beta1^t) * m / u."""
    import torch

    from guessgame import perrun
    from guessgame.optimizers.chain import decayed, stepped

    beta1, beta2 = betas

    def init(guess: Tensor) -> AdamaxState:
        return AdamaxState(0, torch.zeros_like(guess), torch.zeros_like(guess))

    def update(grad: Tensor, guess: Tensor, state: AdamaxState) -> tuple[Tensor, Tensor, AdamaxState]:
        t = state.count + 1
        exp_avg = state.exp_avg.lerp_(grad, 1 - beta1)
        exp_inf = torch.maximum(state.exp_inf.mul_(beta2), grad.abs().add_(eps), out=state.exp_inf)
        new_guess = perrun.addcdiv(guess, exp_avg, exp_inf, -(lr / (1 - beta1**t)))
        return (*stepped(new_guess, guess), AdamaxState(t, exp_avg, exp_inf))

    return decayed(weight_decay, Optimizer(init, update))


def _formula(options: dict[str, Any]) -> str:
    g = gradient(options)
    return f"lr * {g} / (|{g}| + eps)   (Adamax's first step: its infinity norm starts as |{g}| + eps)"


SPECS = (
    Spec("adamax", "Adamax", {"betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.0},
         {"betas": BELOW_1, "eps": ABOVE_0, "weight_decay": AT_LEAST_0},
         build=adamax, formula=_formula, cycles="betas"),
)
