"""How far a run's loss can still move: what says a run has stalled.

A guess stands still when an attempt's step leaves it as it was -- the step is below half the spacing of
the floats around the guess and rounds away, or the lr is 0. With plain SGD that is for good once its lr
never rises again (`still_from`): the update has no memory, so the same guess gets the same gradient, and
an lr no larger gives a step no larger, which rounds away again.

Otherwise a decaying lr may still bound what is left: on a loss whose slope is at most S per element
(l1, huber, smooth_l1, the bad loss; mse has no bound), an attempt moves each element by at most
MOVES x lr x S (S/N with `mean`), and the loss by at most N x S (S/N) times that; the lrs still to come
add up to lr(t) x `_tail(t)` where the schedule decays geometrically (`of`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from guessgame import losses, schedules

if TYPE_CHECKING:
    from torch import Tensor

    from guessgame.config import Config

# A step rounded to the nearest float moves an element at most twice as far as the step, and the step is
# lr x slope to within the rounding of that product: three times covers both.
MOVES = 3


def still_from(config: Config) -> int | None:
    """The first attempt (0-based) from which a guess that stands still stands for good; None where it
    never does (an optimizer with a memory -- momentum, Adam's moments --, or a schedule whose lr may rise
    again: cosine rises after T_max, onecycle follows its budget)."""
    if not config.plain_sgd:
        return None
    if not config.scheduled:
        return 0
    options = config.schedule_options
    if config.schedule in ("step", "multistep", "exponential"):
        return 0 if options["gamma"] <= 1 else None
    if config.schedule == "linear":  # from total_iters on its lr is end_factor x lr, for good
        return 0 if options["end_factor"] <= options["start_factor"] else options["total_iters"]
    return None


def of(config: Config, lrs: Tensor | None = None) -> Tensor | None:
    """(attempts, runs) float64: the most each run's loss can still change from each attempt on, by the
    steps its schedule still has to take; None where that has no bound (a fixed lr, a schedule that does
    not decay geometrically, an unbounded slope, another optimizer than plain SGD). `lrs` (attempts, runs),
    the schedule's lrs, are made from the config unless given."""
    import torch

    kind, options = losses.effective(config.loss, config.loss_options)
    slope = kind.far_slope(options)
    tail = _tail(config)
    if not config.plain_sgd or slope is None or tail is None:
        return None
    if lrs is None:
        base = [lr for lr in config.lr for _ in range(config.games)]
        lrs = torch.from_numpy(schedules.lrs(config.schedule, config.schedule_options, base, config.attempts))
    n = config.numel
    per_element = float(slope) / (n if config.reduction == "mean" else 1)
    return MOVES * n * per_element * per_element * lrs.double().cpu() * torch.tensor(tail).unsqueeze(1)


def _tail(config: Config) -> list[float] | None:
    """c(t) for each 0-based attempt t: the lrs from attempt t on, for ever, add up to lr(t) x c(t) -- for
    a schedule that multiplies its lr by gamma < 1 every attempt (exponential) or every step_size (step)."""
    options, attempts = config.schedule_options, config.attempts
    if config.schedule not in ("exponential", "step") or options["gamma"] >= 1:
        return None
    gamma = options["gamma"]
    if config.schedule == "exponential":
        return [1 / (1 - gamma)] * attempts
    size = options["step_size"]  # attempt t's lr changes at every t that step_size divides, first at step_size
    return [size - t % size + size * gamma / (1 - gamma) for t in range(attempts)]
