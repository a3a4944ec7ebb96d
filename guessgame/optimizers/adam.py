"""torch.optim.Adam and torch.optim.AdamW: one update, with L2 weight decay (Adam) or decoupled (AdamW).

    m = lerp(m, g, 1 - b1);  v = b2 v + (1 - b2) g^2
    guess -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)      (v: its running max with amsgrad)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from guessgame.optimizers.spec import Optimizer, Spec, gradient, shrink
from guessgame.ranges import ABOVE_0, AT_LEAST_0, BELOW_1

if TYPE_CHECKING:
    from torch import Tensor


class AdamState(NamedTuple):
    count: int
    exp_avg: Tensor
    exp_avg_sq: Tensor
    max_exp_avg_sq: Tensor | None  # with amsgrad


def moments(lr: Tensor, betas: tuple[float, float], eps: float, amsgrad: bool) -> Optimizer:
    """Adam's update, before weight decay: the module's equation, m and v kept in the state."""
    import torch

    from guessgame import perrun
    from guessgame.optimizers.chain import stepped

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
        return (*stepped(new_guess, guess), AdamState(t, exp_avg, exp_avg_sq, largest))

    return Optimizer(init, update)


def adam(lr: Tensor, betas: tuple[float, float], eps: float, weight_decay: float, amsgrad: bool) -> Optimizer:
    from guessgame.optimizers.chain import decayed

    return decayed(weight_decay, moments(lr, betas, eps, amsgrad))


def adamw(lr: Tensor, betas: tuple[float, float], eps: float, weight_decay: float, amsgrad: bool) -> Optimizer:
    from guessgame.optimizers.chain import shrunk

    return shrunk(lr, weight_decay, moments(lr, betas, eps, amsgrad))


def _formula(decoupled: bool):
    def formula(options: dict[str, Any]) -> str:
        g = gradient(options, decoupled)
        return (f"{shrink(options) if decoupled else ''}lr * {g} / (|{g}| + eps)   (Adam's first step: the "
                f"bias-corrected averages are {g} and {g}^2, so each element moves by about lr)")
    return formula


_RANGES = {"betas": BELOW_1, "eps": ABOVE_0, "weight_decay": AT_LEAST_0}
SPECS = (
    Spec("adam", "Adam", {"betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.0, "amsgrad": False}, _RANGES,
         build=adam, formula=_formula(False), cycles="betas"),
    Spec("adamw", "AdamW", {"betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 1e-2, "amsgrad": False}, _RANGES,
         build=adamw, formula=_formula(True), cycles="betas"),
)
