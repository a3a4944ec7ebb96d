"""torch.optim.SGD, with momentum, dampening, Nesterov momentum or weight decay.

    v(t) = momentum v(t-1) + (1 - dampening) g(t),  v(1) = g(1)
    guess -= lr (g + momentum v  if nesterov else  v)

Plain SGD (none of these) is the notebook's own update instead, `step = lr * grad` (`chain.plain`):
torch.optim.SGD's `guess.add_(grad, alpha=-lr)` rounds differently.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from guessgame.optimizers.spec import Optimizer, Spec, gradient
from guessgame.ranges import AT_LEAST_0, FRACTION

if TYPE_CHECKING:
    from torch import Tensor


class SgdState(NamedTuple):
    buf: Tensor | None  # the momentum buffer, None before the first attempt


def sgd(lr: Tensor, momentum: float, dampening: float, nesterov: bool, weight_decay: float) -> Optimizer:
    """v(t) = momentum v(t-1) + (1 - dampening) g(t), v(1) = g(1);  guess -= lr (g + momentum v if nesterov else v)."""
    from guessgame import perrun
    from guessgame.optimizers.chain import decayed, stepped

    def update(grad: Tensor, guess: Tensor, state: SgdState) -> tuple[Tensor, Tensor, SgdState]:
        if momentum != 0:
            buf = grad.clone() if state.buf is None else perrun.add(state.buf.mul_(momentum), grad, 1 - dampening)
            state = SgdState(buf)
            grad = perrun.add(grad, buf, momentum) if nesterov else buf
        return (*stepped(perrun.add(guess, grad, -lr), guess), state)

    return decayed(weight_decay, Optimizer(lambda guess: SgdState(None), update))


def _formula(options: dict[str, Any]) -> str:
    g = gradient(options)
    if options["momentum"] and options["nesterov"]:
        return f"lr * (1 + momentum) * {g}   (the momentum buffer starts as {g})"
    return f"lr * {g}" + ("   (the momentum buffer starts as the gradient)" if options["momentum"] else "")


def _rule(options: dict[str, Any]) -> tuple[str, str] | None:
    if options["nesterov"] and (options["momentum"] <= 0 or options["dampening"] != 0):
        return "nesterov", "nesterov needs momentum > 0 and dampening 0"
    return None


SPECS = (
    Spec("sgd", "SGD", {"momentum": 0.0, "dampening": 0.0, "nesterov": False, "weight_decay": 0.0},
         {"momentum": AT_LEAST_0, "dampening": FRACTION, "weight_decay": AT_LEAST_0},
         build=sgd, formula=_formula, cycles="momentum", rule=_rule),
)
