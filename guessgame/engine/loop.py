"""`simulate`: every run of a config played attempt by attempt, as one batch -- the notebook's loop
(`_play`) for every run at once."""

from __future__ import annotations

import functools
from typing import Callable

import torch
from torch import Tensor

from guessgame import interrupts, optimizers, ravine
from guessgame.config import Config, load_config
from guessgame.engine import direct
from guessgame.engine.answers import device_of, hidden_answers
from guessgame.engine.direct import Progress
from guessgame.engine.hints import Hints
from guessgame.engine.log import Log
from guessgame.engine.memory import check_memory
from guessgame.engine.optimizer import optimizer_for, scheduled_lrs
from guessgame.engine.result import Interrupted, Played, Result, build
from guessgame.engine.stopping import EarlyStop
from guessgame.losses import batched


def simulate(source: Config | dict | str, overrides: tuple[str, ...] | list[str] = (), *,
             progress: Progress | None = None) -> Result:
    """Play every run of a config as one batch and return the full log.

    A grid (`optimizer`, `loss`, `schedule` or `dtype` given as a list) plays one batch per cell, every
    combination, and returns their runs together, cell after cell (`result.cell`).

    >>> result = simulate({"answer": [2, 77, 91], "guess": 50, "loss": "mse", "lr": [0.1, 10]})
    >>> result.status
    ['unfinished', 'diverged']
    """
    config = load_config(source, overrides)
    with interrupts.watching():  # one Ctrl-C stops the attempts and keeps them (`Interrupted`)
        if config.grid:
            from guessgame.engine.grid import play_cells

            return play_cells(config, _simulate_cell, progress)
        return _simulate_cell(config, progress)


def _simulate_cell(config: Config, progress: Progress | None, answer: Tensor | None = None) -> Result:
    """One batch: every lr (x game) of a config with one loss, optimizer and schedule. `answer`, the
    hidden answers (runs, N), is given by a grid, which made them, and checked the memory, once for
    all its cells."""
    device = device_of(config)
    dtype = getattr(torch, config.dtype)
    if answer is None:
        check_memory(config, dtype.itemsize)
        answer = hidden_answers(config, dtype, device)  # (runs, N)
    lr = torch.tensor(config.lr, dtype=torch.float64).repeat_interleave(config.games)
    start = torch.tensor(config.guess, dtype=dtype, device=device).expand(config.shape).reshape(1, -1)
    log = Log(config, start.expand(config.runs, -1).clone())
    stop = EarlyStop(config, log.loss) if config.stop_early else None
    lrs = scheduled_lrs(config, lr) if config.scheduled else None  # (attempts, runs)
    optimizer = optimizer_for(config, lr.to(device).unsqueeze(1), lrs)
    weights = ravine.of(config, dtype, device)
    loss_fn = batched.bind(config.loss, config.loss_options, answer[:config.games], config.reduction, weights)
    hints = None if config.noise is None else Hints(config, dtype, device, None if weights is None else weights.weights,
                                                    log.observations)
    final_guess, interrupted = _play(config, log, optimizer, stop, loss_fn, progress, answer[:config.games], hints)
    attempts_run = stop.attempts_run if stop else torch.full((config.runs,), config.attempts, dtype=torch.long)
    gradients = functools.partial(_gradients, loss_fn) if hints is None else \
        functools.partial(hints.seen, observations=log.observations, grad=True)
    moves = functools.partial(_moves, gradients, optimizer)
    result = build(config, Played(log, lr, answer, final_guess, attempts_run, interrupted, lrs, moves, hints))
    if interrupted:
        raise Interrupted(result)
    return result


def _play(config: Config, log: Log, optimizer: optimizers.Optimizer, stop: EarlyStop | None,
          loss_fn: batched.Bound, progress: Progress | None, answers: Tensor,
          hints: Hints | None = None) -> tuple[Tensor, bool]:
    """The attempts, until the budget, every run stopped, or Ctrl-C; the last guess, and whether cut short.

    This is the notebook's loop for every run at once: the loss and its gradient, the optimizer's
    update, the attempt kept. Where every attempt is kept and none stops early, the same updates
    write straight into the log instead (`direct`, the storage's fast paths). With noisy `hints`, each
    attempt's loss is against its own observations, and its loss to the hidden answers (`loss_fn`)
    is what the verdicts read."""
    if log.storage.direct:
        return direct.play(config, log, optimizer, loss_fn, progress, answers, hints)
    guess = log.start
    state = optimizer.init(guess)
    for t in range(1, config.attempts + 1):
        if hints is None:
            loss, grad = loss_fn.both(guess)
        else:  # the attempt's own observations; the verdicts read the loss to the hidden answers
            hints.draw(t)
            seen, grad = hints.loss.both(guess)
            loss = loss_fn.value(guess)
            log.note_seen(t, seen, hints)
        new_guess, step, state = optimizer.update(grad, guess, state)
        if stop is None:
            log.note_lost(t, loss, guess)
            guess = log.record(t, guess, grad, step, new_guess, loss)
        else:
            finite = log.note_lost(t, loss, guess)
            if hints is not None:
                log.seen[t - 1] = stop.mask(log.seen[t - 1], grad, step)[0]
            loss, grad, step = stop.mask(loss, grad, step)
            log.record(t, guess, grad, step, new_guess, loss)
            guess = stop.decide(t, loss, finite, guess, new_guess)
        if progress is not None:
            progress(t, config.attempts)
        if t < config.attempts and interrupts.requested():
            return log.final(guess), True
        if stop is not None and stop.finished:
            break
    return log.final(guess), False


def _moves(gradients: Callable[[Tensor], Tensor], optimizer: optimizers.Optimizer,
           guesses: Tensor) -> tuple[Tensor, Tensor]:
    """Plain SGD's gradients and steps at logged guesses (rows, runs, N): the loop's own arithmetic again,
    on all of them at once -- each element's value is what it was in the loop."""
    grad = gradients(guesses)
    return grad, optimizer.step(grad, guesses)  # (the next guesses are in the log already)


def _gradients(loss_fn: batched.Bound, guesses: Tensor) -> Tensor:
    """The gradient at each of the guesses (rows, runs, N)."""
    rows, runs, n = guesses.shape
    return loss_fn.grad(guesses.reshape(rows * runs, n)).view(rows, runs, n)
