"""A finished (or interrupted) simulation: the log, with each run's verdict and theory's prediction."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Callable, Sequence

import torch
from torch import Tensor

from guessgame import ravine, theory
from guessgame.config import Config
from guessgame.engine.hints import Hints
from guessgame.engine.log import Log, final_and_best
from guessgame.lazy import Later
from guessgame.losses import batched
from guessgame.perrun import HALF
from guessgame.records import RunSummary, Theory
from guessgame.status import Status, monotone, reach, verdicts


@dataclass
class Result:
    """Tensors are indexed [attempt, run, *answer_shape]. `grad` and `step` are like `guess`: the
    gradient at the guess, and the step taken, guess(t+1) = guess(t) - step(t). The per-run lists
    (a `Later` from `simulate`) are made from the verdicts' tensors the first time they are read."""

    config: Config
    attempt: Tensor  # (attempts,) the 1-based attempt number of each logged row
    guess: Tensor  # (attempts, runs, *shape): the guess before its step
    losses: Callable[[], Tensor]  # `loss` (attempts, runs), worked out (once) when first asked for
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
    stalled_at: Sequence[int | None] | None = None  # the attempt each stalled run was declared stalled at
    settled_at: Sequence[int | None] | None = None  # the attempt each noisy run settled at its noise floor
    lr_at: Tensor | None = None  # (attempts, runs) float64: the lr each logged attempt used, with a schedule
    cell: Tensor | None = None  # (runs,) which cell of a grid (config.cells) each run belongs to
    # With noisy hints: `loss` is what each attempt's optimizer saw, against its observations; `true_loss`
    # (attempts, runs) the loss to the hidden answer, which the verdicts read; `hint` (attempts, runs,
    # *shape) float64 the mean of the attempt's observations, worked out (once) when first asked for
    true_loss: Tensor | None = None
    hints: Callable[[], Tensor] | None = None

    @property
    def loss(self) -> Tensor:
        return self.losses()

    @property
    def hint(self) -> Tensor | None:
        return None if self.hints is None else self.hints()

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
        stalled_at = [None] * self.runs if self.stalled_at is None else self.stalled_at
        settled_at = [None] * self.runs if self.settled_at is None else self.settled_at
        return [
            RunSummary(run=r, lr=lr[r], game=game[r], status=self.status[r], attempts_run=self.attempts_run[r],
                       converged_at=self.converged_at[r], diverged_at=self.diverged_at[r], left_at=self.left_at[r],
                       final_loss=self.final_loss[r], best_loss=self.best_loss[r], final_guess=final_guess[r],
                       answer=answer[r], theory=self.theory[r], cell=cell[r], stalled_at=stalled_at[r],
                       settled_at=settled_at[r])
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
    hints: Hints | None = None  # noisy hints


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
        loss = log.losses(played.answer[:config.games]).cpu()  # with noisy hints, where the guess really is
        seen = functools.cache(functools.partial(_seen, log, played.hints, loss))  # the loss each attempt saw
        halves = verdicts.Halves.of(loss)  # read by the verdicts, the best losses and the search for lost guesses
        lowest, highest = halves.lowest, halves.highest
        log.note_lost_among(~(torch.isfinite(lowest) & torch.isfinite(highest)))
        rules = verdicts.Rules.of(config, loss.dtype, played.lrs)
        found = verdicts.judge(loss, attempts_run, log.lost_at.clamp(max=done), rules, halves,
                               _stood_at(config, played, attempts_run))
        final_loss, best_loss = final_and_best(loss, attempts_run, lowest)
        predicted = _predicted(config, played, rows > 0, rules.slack)
    outcome = functools.cache(lambda: verdicts.outcome(found))

    def view(tensor: Tensor) -> Tensor:
        return tensor[:rows].reshape(rows, runs, *shape)

    return Result(
        config=config, attempt=attempts,
        guess=view(log.guess), losses=functools.cache(lambda: _rows(seen(), attempts)),
        moves=functools.cache(lambda: tuple(map(view, played.moves(log.guess[:rows]) if log.grad is None
                                                    else (log.grad, log.step)))),
        lr=played.lr, game=torch.arange(runs) % config.games, answer=played.answer.reshape(runs, *shape),
        final_guess=played.final_guess.reshape(runs, *shape), attempts_run=attempts_run.tolist(),
        status=Later(lambda: outcome().status), converged_at=Later(lambda: outcome().converged_at),
        diverged_at=Later(lambda: outcome().diverged_at), theory=predicted, interrupted=played.interrupted,
        best_loss=Later(best_loss.tolist), final_loss=Later(final_loss.tolist),
        left_at=Later(lambda: outcome().left_at), stalled_at=Later(lambda: outcome().stalled_at),
        settled_at=Later(lambda: outcome().settled_at),
        lr_at=None if played.lrs is None else played.lrs.index_select(0, attempts - 1),
        true_loss=None if played.hints is None else _rows(loss, attempts),
        hints=None if played.hints is None else functools.cache(
            lambda: _hints(log, played.hints, rows).view(rows, runs, *shape)),
    )


def _seen(log: Log, hints: Hints | None, loss: Tensor) -> Tensor:
    """The loss each attempt's optimizer saw: `loss` itself without noisy hints."""
    if hints is None:
        return loss
    if log.seen is not None:
        return log.seen[:log.done].cpu()
    return hints.seen(log.guess[:log.done], log.observations[:log.done]).cpu()


def _hints(log: Log, hints: Hints, rows: int) -> Tensor:
    """Each kept attempt's hint, per run (rows, runs, N): its game's."""
    games = hints.hint(log.observations[:rows]) if log.hint is None else log.hint[:rows]
    return games[:, torch.arange(log.config.runs) % log.config.games]


def _predicted(config: Config, played: Played, started: bool, slack: float) -> Sequence[Theory]:
    """Theory's block of each run, from its first guess and its answer as the dtype holds it."""
    log, runs = played.log, config.runs
    start = (log.guess[0] - played.answer) if started else torch.zeros_like(played.answer)
    return theory.predict_runs(config, start.double().cpu().reshape(runs, -1), lr=played.lr,
                               attempts=max(log.done if played.interrupted else config.attempts, 1), slack=slack,
                               lrs=played.lrs, later=True, answers=played.answer.double().cpu().reshape(runs, -1))


def _rows(loss: Tensor, attempts: Tensor) -> Tensor:
    """The losses of the kept attempts: all of them as they are, or a copy of every k-th."""
    if len(attempts) == loss.shape[0]:
        return loss
    return loss.index_select(0, (attempts - 1).to(loss.device))


def _stood_at(config: Config, played: Played, attempts_run: Tensor) -> Tensor | None:
    """Per run, the first attempt (0-based) whose step left its guess standing still for good
    (`reach.still_from`), or `done`; None where none did. Such a guess stands to the end, so only the runs
    whose last step left it standing are looked at, and halving finds where it began."""
    log, done, start = played.log, played.log.done, reach.still_from(config)
    if start is None or done <= start:
        return None
    every = log.every if not log.storage.direct else 1
    attempt = (log.attempts() - 1).to(log.guess.device) if every > 1 else None  # 0-based, of the kept rows

    def stands(rows: Tensor, cols: Tensor) -> Tensor:  # at kept row (attempt, with every row kept) `rows`
        guess = log.guess[rows, cols]
        if every > 1:
            after = guess - log.step[rows, cols]
        elif log.storage.direct:
            after = log.guess[rows + 1, cols]
        else:  # the log holds every attempt's guess; the one after the last is the final guess
            after = torch.where((rows + 1 == done).unsqueeze(1), played.final_guess[cols],
                                log.guess[(rows + 1).clamp(max=done - 1), cols])
        return (after == guess).all(-1) & torch.isfinite(guess).all(-1)

    kept = done if every == 1 else len(attempt)
    device = log.guess.device
    ran = (attempts_run == done).nonzero().flatten().to(device)
    ran = ran[stands(torch.full_like(ran, kept - 1), ran)]
    if not len(ran):
        return None
    low = start if every == 1 else int(torch.searchsorted(attempt, start))
    row = monotone.bisect(lambda t: (t >= low) & stands(t.to(device), ran).cpu(), len(ran), kept,
                          torch.full((len(ran),), low)).to(device)
    at = row if every == 1 else _replayed(config, played, ran, attempt, row, start)
    out = torch.full((config.runs,), done, dtype=torch.long)
    out[ran.cpu()] = at.cpu()
    return out


def _replayed(config: Config, played: Played, runs: Tensor, attempt: Tensor, row: Tensor, start: int) -> Tensor:
    """The first attempt from which each of `runs` stood still, where only every k-th attempt is kept:
    the first kept one that did is `row`, and the attempts between it and the kept one before are played
    again from there -- the loop's own arithmetic, step = lr * grad -- to find where it began."""
    log, dtype = played.log, played.log.guess.dtype
    loss_fn = batched.bind(config.loss, config.loss_options, played.answer[runs], config.reduction,
                           ravine.of(config, dtype, runs.device))
    device, plain = runs.device, torch.float32 if dtype in HALF else dtype  # the dtype lr * grad is taken in
    lrs = (played.lr if played.lrs is None else played.lrs).to(device)
    previous = (row - 1).clamp(min=0)
    t = attempt[previous] + 1
    guess = log.guess[previous, runs] - log.step[previous, runs]
    found = torch.where(row == 0, 0, attempt[row])
    for _ in range(config.log_every - 1):
        live = (t < found) & (row > 0)
        if not bool(live.any()):
            break
        lr = lrs[runs] if played.lrs is None else lrs[t.clamp(max=config.attempts - 1), runs]
        step = torch.mul(lr.to(plain).unsqueeze(1), loss_fn.both(guess)[1]).to(dtype)
        after = guess - step
        found = torch.where(live & (t >= start) & (after == guess).all(-1), t, found)
        guess, t = after, t + 1
    return found
