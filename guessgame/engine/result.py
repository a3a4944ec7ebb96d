"""A finished (or interrupted) simulation: the log, with each run's verdict and theory's prediction."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Callable, Sequence

import torch
from torch import Tensor

from guessgame import theory
from guessgame.config import Config
from guessgame.engine.log import Log
from guessgame.lazy import Later
from guessgame.records import RunSummary, Theory
from guessgame.status import Status, verdicts


@dataclass
class Result:
    """Tensors are indexed [attempt, run, *answer_shape]. `grad` and `step` are like `guess`: the
    gradient at the guess, and the step taken, guess(t+1) = guess(t) - step(t). The per-run lists
    (a `Later` from `simulate`) are made from the verdicts' tensors the first time they are read."""

    config: Config
    attempt: Tensor  # (attempts,) the 1-based attempt number of each logged row
    guess: Tensor  # (attempts, runs, *shape): the guess before its step
    loss: Tensor  # (attempts, runs)
    moves: Callable[[], tuple[Tensor, Tensor]]  # `grad` and `step`, worked out (once) when first asked for
    lr: Tensor  # (runs,)
    game: Tensor  # (runs,) which hidden answer of its learning rate
    answer: Tensor  # (runs, *shape)
    final_guess: Tensor  # (runs, *shape): the guess after the last step
    attempts_run: list[int]
    status: Sequence[Status]
    converged_at: Sequence[int | None]
    diverged_at: Sequence[int | None]
    theory: Sequence[Theory]
    interrupted: bool = False
    best_loss: Sequence[float] = field(default_factory=list)  # the lowest loss each run reached
    final_loss: Sequence[float] = field(default_factory=list)
    left_at: Sequence[int | None] = field(default_factory=list)
    lr_at: Tensor | None = None  # (attempts, runs) float64: the lr each logged attempt used, with a schedule
    cell: Tensor | None = None  # (runs,) which cell of a grid (config.cells) each run belongs to

    @property
    def grad(self) -> Tensor:
        return self.moves()[0]

    @property
    def step(self) -> Tensor:
        return self.moves()[1]

    @property
    def runs(self) -> int:
        return int(self.lr.shape[0])

    def stopped_at(self) -> dict[str, int]:
        """Where the attempts ended: the last attempt played, and with a grid, in which cell (0-based) --
        what an interrupted run folder says."""
        if self.cell is None:
            return {"attempt": max(self.attempts_run)}
        cell = int(self.cell[-1])
        return {"cell": cell, "attempt": max(a for a, k in zip(self.attempts_run, self.cell.tolist()) if k == cell)}

    def summary(self) -> list[RunSummary]:
        """One record per run: what `summary.json` holds."""
        # Each tensor goes to Python once, not once per run: a sweep can have 10^5 runs.
        lr, game = self.lr.double().tolist(), self.game.tolist()
        cell = [0] * self.runs if self.cell is None else self.cell.tolist()
        final_guess, answer = self.final_guess.double().tolist(), self.answer.double().tolist()
        return [
            RunSummary(run=r, lr=lr[r], game=game[r], status=self.status[r], attempts_run=self.attempts_run[r],
                       converged_at=self.converged_at[r], diverged_at=self.diverged_at[r], left_at=self.left_at[r],
                       final_loss=self.final_loss[r], best_loss=self.best_loss[r], final_guess=final_guess[r],
                       answer=answer[r], theory=self.theory[r], cell=cell[r])
            for r in range(self.runs)
        ]


class Interrupted(KeyboardInterrupt):
    """Ctrl-C during `simulate`; `.result` holds the attempts computed so far."""

    def __init__(self, result: Result) -> None:
        super().__init__("interrupted")
        self.result = result


@dataclass
class Played:
    """What the loop leaves: the log, the runs' learning rates and answers, where each run ended."""

    log: Log
    lr: Tensor  # (runs,) float64
    answer: Tensor  # (runs, N)
    final_guess: Tensor  # (runs, N)
    attempts_run: Tensor  # (runs,)
    interrupted: bool
    lrs: Tensor | None = None  # (attempts, runs) float64: every attempt's lr, with a schedule
    moves: Callable[[Tensor], tuple[Tensor, Tensor]] | None = None  # guesses -> their gradients and steps,
    # when the log kept only the guesses


def build(config: Config, played: Played) -> Result:
    """The Result of a played log: the kept rows, each run's verdict, best and final loss, and theory."""
    log, done = played.log, played.log.done
    attempts = log.attempts()
    rows, runs, shape = len(attempts), config.runs, config.shape
    attempts_run = played.attempts_run.clamp(max=done)
    # Every verdict is reached now, for all runs at once; the lists of one entry per run are made
    # when first read. None of the tensors made for that is handed out: they are made without
    # autograd's bookkeeping (the losses go into the log's own tensor).
    with torch.inference_mode():
        loss = log.losses(played.answer[:config.games]).cpu()
        halves = verdicts.Halves.of(loss)  # read by the verdicts, the best losses and the search for lost guesses
        lowest, highest = halves.lowest, halves.highest
        log.note_lost_among(~(torch.isfinite(lowest) & torch.isfinite(highest)))
        rules = verdicts.Rules.of(config, loss.dtype)
        found = verdicts.judge(loss, attempts_run, log.lost_at.clamp(max=done), rules, halves)
        final_loss, best_loss = _final_and_best(loss, attempts_run, lowest)
        start = (log.guess[0] - played.answer) if rows else torch.zeros_like(played.answer)
        predicted = theory.predict_runs(config, start.double().cpu().reshape(runs, -1), lr=played.lr,
                                        attempts=max(done if played.interrupted else config.attempts, 1),
                                        slack=rules.slack, lrs=played.lrs, later=True)
    outcome = functools.cache(lambda: verdicts.outcome(found))

    def view(tensor: Tensor) -> Tensor:
        return tensor[:rows].reshape(rows, runs, *shape)

    return Result(
        config=config, attempt=attempts,
        guess=view(log.guess), loss=_rows(loss, attempts),
        moves=functools.cache(lambda: tuple(map(view, played.moves(log.guess[:rows]) if log.grad is None
                                                    else (log.grad, log.step)))),
        lr=played.lr, game=torch.arange(runs) % config.games, answer=played.answer.reshape(runs, *shape),
        final_guess=played.final_guess.reshape(runs, *shape), attempts_run=attempts_run.tolist(),
        status=Later(lambda: outcome().status), converged_at=Later(lambda: outcome().converged_at),
        diverged_at=Later(lambda: outcome().diverged_at), theory=predicted, interrupted=played.interrupted,
        best_loss=Later(best_loss.tolist), final_loss=Later(final_loss.tolist),
        left_at=Later(lambda: outcome().left_at),
        lr_at=None if played.lrs is None else played.lrs.index_select(0, attempts - 1),
    )


def _rows(loss: Tensor, attempts: Tensor) -> Tensor:
    """The losses of the kept attempts: all of them as they are, or a copy of every k-th."""
    if len(attempts) == loss.shape[0]:
        return loss
    return loss.index_select(0, (attempts - 1).to(loss.device))


def _final_and_best(loss: Tensor, attempts_run: Tensor, lowest: Tensor) -> tuple[Tensor, Tensor]:
    """Each run's last loss, and the lowest it reached (NaN losses aside: inf if every loss overflowed,
    NaN only if every one is NaN), in float64; `lowest` (runs,) is each run's lowest loss, NaN if one is NaN."""
    steps, runs = loss.shape
    if steps == 0:
        return torch.full((runs,), torch.nan, dtype=torch.float64), torch.full((runs,), torch.nan, dtype=torch.float64)
    final = loss.gather(0, (attempts_run - 1).clamp_min(0).unsqueeze(0).to(loss.device))[0].double()
    # `lowest` is right where every loss was played and none is NaN (a NaN would have made it NaN).
    # The others, a block of them at a time: only their played losses that are not NaN count.
    best = lowest.clone()
    odd = ((attempts_run < steps) | torch.isnan(best)).nonzero().flatten()
    block = max(1, verdicts.BLOCK // steps)
    for start in range(0, len(odd), block):
        runs_ = odd[start:start + block]
        values = loss[:, runs_.to(loss.device)]
        ignored = torch.isnan(values)
        short = attempts_run[runs_] < steps
        if bool(short.any()):
            ignored |= (torch.arange(steps).unsqueeze(1) >= attempts_run[runs_]).to(values.device)
        lowest_ = values.masked_fill(ignored, torch.inf).amin(0).double()
        best[runs_] = torch.where(ignored.all(0), torch.nan, lowest_).cpu()
    return final, best
