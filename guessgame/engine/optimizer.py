"""A config's optimizer: its record's update for a batch of runs, with the config's schedule; and the same
optimizer from torch.optim, for one game."""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from guessgame import perrun, schedules
from guessgame.config import Config
from guessgame.optimizers import OPTIMIZERS, Optimizer
from guessgame.optimizers.chain import ignoring_out, plain, scheduled


def optimizer_for(config: Config, lr: Tensor, lrs: Tensor | None = None) -> Optimizer:
    """The config's optimizer, for per-run learning rates `lr` (runs, 1) in float64; with its schedule,
    whose lrs (attempts, runs) are `scheduled_lrs(config, lr)` unless given."""
    dtype = getattr(torch, config.dtype)
    plain_dtype = torch.float32 if dtype in perrun.HALF else dtype
    if not config.scheduled:
        return plain(lr.to(plain_dtype)) if config.plain_sgd else _torch_optim(config, lr, config.optimizer_options)
    table = (scheduled_lrs(config, lr[:, 0]) if lrs is None else lrs).to(lr.device).unsqueeze(-1)
    momenta = schedules.momenta(config.schedule, config.schedule_options, config.attempts)
    if config.plain_sgd and momenta is None:  # the notebook's loop, taking the scheduler's lr
        table = table.to(plain_dtype)
        return scheduled(lambda k: plain(table[k]))
    # OneCycleLR cycles SGD's momentum as torch does -- plain SGD's too, which then has momentum
    if momenta is None:
        return scheduled(lambda k: _torch_optim(config, table[k], config.optimizer_options))
    return scheduled(lambda k: _torch_optim(config, table[k], _cycled(config, momenta[k])))


def scheduled_lrs(config: Config, lr: Tensor) -> Tensor:
    """The lr each run (runs,) uses at each attempt: (attempts, runs) float64, on lr's device."""
    table = schedules.lrs(config.schedule, config.schedule_options, lr.double().cpu().numpy(), config.attempts)
    return torch.from_numpy(table).to(lr.device)


def _cycled(config: Config, momentum: float) -> dict[str, Any]:
    """The options with OneCycleLR's momentum for one attempt in the option it cycles: SGD's and
    RMSprop's `momentum`, the beta1 of `betas`."""
    options = dict(config.optimizer_options)
    cycles = OPTIMIZERS[config.optimizer].cycles
    value = options[cycles]
    options[cycles] = (momentum, *value[1:]) if isinstance(value, tuple) else momentum
    return options


def _torch_optim(config: Config, lr: Tensor, options: dict[str, Any]) -> Optimizer:
    chained = OPTIMIZERS[config.optimizer].build(lr, **options)
    return Optimizer(chained.init, ignoring_out(chained.update))


def torch_optimizer(config: Config, params: list[Tensor], lr: float) -> torch.optim.Optimizer:
    """The same optimizer from `torch.optim`, for one game: what `explain` narrates a step of. With a
    schedule, torch's own scheduler is attached to it, so it holds the first attempt's lr (and momentum)."""
    cls = getattr(torch.optim, OPTIMIZERS[config.optimizer].torch)
    optimizer = cls(params, lr=lr, **config.optimizer_options)
    if config.scheduled:
        options = dict(config.schedule_options)
        if config.schedule == "onecycle":
            options.update(max_lr=lr, total_steps=schedules.total_steps(options, config.attempts))
        getattr(torch.optim.lr_scheduler, schedules.CLASSES[config.schedule])(optimizer, **options)
    return optimizer
