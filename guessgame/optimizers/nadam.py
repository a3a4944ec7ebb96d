"""torch.optim.NAdam: Adam with Nesterov momentum, whose momentum warms up over the first attempts.

    mu(t) = beta1 (1 - 0.96^(t momentum_decay) / 2),   P(t) = mu(1) ... mu(t)
    m = lerp(m, g, 1 - beta1);  v = beta2 v + (1 - beta2) g^2;  d = sqrt(v / (1 - beta2^t)) + eps
    guess -= lr (1 - mu(t)) / (1 - P(t)) g / d  +  lr mu(t+1) / (1 - P(t) mu(t+1)) m / d

torch keeps P(t) in a 0-d tensor of its scalar dtype (float32 unless the default dtype is float64),
rounded there every attempt; so does this, and reads it back as torch does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from guessgame.optimizers.spec import Optimizer, Spec, gradient, shrink
from guessgame.ranges import ABOVE_0, AT_LEAST_0, BELOW_1

if TYPE_CHECKING:
    from torch import Tensor


class NadamState(NamedTuple):
    count: int
    mu_product: Tensor  # P(t), 0-d, in torch's scalar dtype
    exp_avg: Tensor
    exp_avg_sq: Tensor


def nesterov_moments(lr: Tensor, betas: tuple[float, float], eps: float, momentum_decay: float) -> Optimizer:
    """NAdam's update, before weight decay: two addcdivs, by g and by m, each with its own per-run factor."""
    import torch

    from guessgame import perrun
    from guessgame.optimizers.chain import stepped

    beta1, beta2 = betas

    def init(guess: Tensor) -> NadamState:
        scalar = torch.float64 if torch.get_default_dtype() == torch.float64 else torch.float32
        return NadamState(0, torch.tensor(1.0, dtype=scalar), torch.zeros_like(guess), torch.zeros_like(guess))

    def update(grad: Tensor, guess: Tensor, state: NadamState) -> tuple[Tensor, Tensor, NadamState]:
        t = state.count + 1
        mu = beta1 * (1.0 - 0.5 * (0.96 ** (t * momentum_decay)))
        mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((t + 1) * momentum_decay)))
        product = state.mu_product.mul_(mu).item()
        exp_avg = state.exp_avg.lerp_(grad, 1 - beta1)
        exp_avg_sq = state.exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
        denom = exp_avg_sq.div(1 - beta2**t).sqrt().add_(eps)
        new_guess = perrun.addcdiv(guess, grad, denom, -lr * (1.0 - mu) / (1.0 - product))
        new_guess = perrun.addcdiv(new_guess, exp_avg, denom, (-lr * mu_next) / (1.0 - product * mu_next))
        return (*stepped(new_guess, guess), NadamState(t, state.mu_product, exp_avg, exp_avg_sq))

    return Optimizer(init, update)


def nadam(lr: Tensor, betas: tuple[float, float], eps: float, weight_decay: float, momentum_decay: float,
          decoupled_weight_decay: bool) -> Optimizer:
    from guessgame.optimizers.chain import decayed, shrunk

    inner = nesterov_moments(lr, betas, eps, momentum_decay)
    return shrunk(lr, weight_decay, inner) if decoupled_weight_decay else decayed(weight_decay, inner)


def _formula(options: dict[str, Any]) -> str:
    decoupled = options["decoupled_weight_decay"]
    g = gradient(options, decoupled)
    return (f"{shrink(options) if decoupled else ''}lr * (1 + mu2 (1 - beta1) / (1 - mu1 mu2)) * {g} / (|{g}| + eps)"
            f"   (NAdam's first step, with mu_t = beta1 (1 - 0.96^(t momentum_decay) / 2): the bias-corrected "
            f"averages are {g} and {g}^2, and the momentum looks one attempt ahead)")


SPECS = (
    Spec("nadam", "NAdam", {"betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.0, "momentum_decay": 4e-3,
                            "decoupled_weight_decay": False},
         {"betas": BELOW_1, "eps": ABOVE_0, "weight_decay": AT_LEAST_0, "momentum_decay": AT_LEAST_0},
         build=nadam, formula=_formula, cycles="betas"),
)
