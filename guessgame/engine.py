"""The batched simulation: every run of a config (learning rates x games) as one tensor.

Attempt t does, for all runs at once, what the notebook's loop does for one:

    loss, grad = loss_fn(guess, answer)           # equal to torch.nn.functional's and autograd's
    step = lr * grad                              # plain SGD; other optimizers: old - new guess
    guess = guess - step

and records the guess before its step, the loss, the gradient and the step.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import torch
from torch import Tensor

from guessgame import losses, optimizers, theory
from guessgame.status import verdicts
from guessgame.config import Config, RandomAnswer, load_config
from guessgame.errors import ConfigError
from guessgame.records import RunSummary, Theory
from guessgame.status import Status

_LOW_PRECISION = (torch.float16, torch.bfloat16)


@dataclass
class Result:
    """A finished (or interrupted) simulation. Tensors are indexed [attempt, run, *answer_shape]."""

    config: Config
    attempt: Tensor  # (attempts,) the 1-based attempt number of each logged row
    guess: Tensor  # (attempts, runs, *shape): the guess before its step
    loss: Tensor  # (attempts, runs)
    grad: Tensor  # like guess
    step: Tensor  # like guess: guess(t+1) = guess(t) - step(t)
    lr: Tensor  # (runs,)
    game: Tensor  # (runs,) which hidden answer of its learning rate
    answer: Tensor  # (runs, *shape)
    final_guess: Tensor  # (runs, *shape): the guess after the last step
    attempts_run: list[int]
    status: list[Status]
    converged_at: list[int | None]
    diverged_at: list[int | None]
    theory: list[Theory]
    interrupted: bool = False
    best_loss: list[float] = field(default_factory=list)  # the lowest loss each run reached
    final_loss: list[float] = field(default_factory=list)
    left_at: list[int | None] = field(default_factory=list)

    @property
    def runs(self) -> int:
        return int(self.lr.shape[0])

    def summary(self) -> list[RunSummary]:
        """One record per run: what `summary.json` holds."""
        # Each tensor goes to Python once, not once per run: a sweep can have 10^5 runs.
        lr, game = self.lr.double().tolist(), self.game.tolist()
        final_guess, answer = self.final_guess.double().tolist(), self.answer.double().tolist()
        return [
            RunSummary(run=r, lr=lr[r], game=game[r], status=self.status[r], attempts_run=self.attempts_run[r],
                       converged_at=self.converged_at[r], diverged_at=self.diverged_at[r], left_at=self.left_at[r],
                       final_loss=self.final_loss[r], best_loss=self.best_loss[r], final_guess=final_guess[r],
                       answer=answer[r], theory=self.theory[r])
            for r in range(self.runs)
        ]


class Interrupted(KeyboardInterrupt):
    """Ctrl-C during `simulate`; `.result` holds the attempts computed so far."""

    def __init__(self, result: Result) -> None:
        super().__init__("interrupted")
        self.result = result


def simulate(source: Config | dict | str, overrides: tuple[str, ...] | list[str] = (), *,
             progress: Callable[[int, int], None] | None = None) -> Result:
    """Play every run of a config as one batch and return the full log.

    >>> result = simulate({"answer": [2, 77, 91], "guess": 50, "loss": "mse", "lr": [0.1, 10]})
    >>> result.status
    ['unfinished', 'diverged']
    """
    config = load_config(source, overrides)
    device = _device(config.device)
    dtype = getattr(torch, config.dtype)
    _check_memory(config, dtype.itemsize)
    lr_values = torch.tensor(config.lr, dtype=torch.float64).repeat_interleave(config.games)
    runs, n = config.runs, config.numel
    answer = hidden_answers(config, dtype, device)  # (runs, n)
    guess = torch.tensor(config.guess, dtype=dtype, device=device).expand(config.shape).reshape(1, n)
    guess = guess.expand(runs, n).clone()
    # Plain SGD multiplies by lr as the notebook's Python float does: in float32 for half precision
    # (its opmath), else in the dtype. The optimizers take lr in float64 and derive their scalars
    # from it as torch.optim does from the Python float.
    lr = lr_values.to(torch.float32 if dtype in _LOW_PRECISION else dtype).to(device).unsqueeze(1)
    answers = answer[:config.games]  # (games, N): run r plays answers[r % games]

    attempts = config.attempts
    logged = config.logged_attempts
    # Every attempt kept and no early stop: the guesses go straight into the log, and the losses
    # are computed from it afterwards in one pass (an inner reduction per attempt costs more than
    # the whole update).
    direct = config.log_every == 1 and not config.stop_early
    rows = len(logged)
    log_guess = torch.empty(rows + direct, runs, n, dtype=dtype, device=device)
    log_grad, log_step = torch.empty_like(log_guess[:rows]), torch.empty_like(log_guess[:rows])
    all_loss = None if direct else torch.empty(attempts, runs, dtype=dtype, device=device)
    tracker = verdicts.Tracker(all_loss, tolerance=config.tolerance, diverge_factor=config.diverge_factor,
                             has_minimum=losses.LOSSES[config.loss].has_minimum) if config.stop_early else None
    row_of = {a: i for i, a in enumerate(logged)}
    guesses, grads, steps = log_guess.unbind(0), log_grad.unbind(0), log_step.unbind(0)

    plain = config.optimizer == "sgd" and config.optimizer_options["momentum"] == 0 \
        and config.optimizer_options["weight_decay"] == 0
    optimizer = None if plain else optimizers.make(config.optimizer, config.optimizer_options,
                                                   lr_values.to(device).unsqueeze(1))
    state = optimizer.init(guess) if optimizer else None
    active = torch.ones(runs, dtype=torch.bool, device=device)
    attempts_run = torch.full((runs,), attempts, dtype=torch.long)
    lost_at = torch.full((runs,), attempts, dtype=torch.long)  # 0-based attempt whose guess is not finite
    loss_name, loss_options, reduction = config.loss, config.loss_options, config.reduction
    done = 0
    try:
        if direct:
            guesses[0].copy_(guess)
        for t in range(1, attempts + 1):
            if direct:
                guess = guesses[t - 1]
                grad = losses.grad(loss_name, loss_options, guess, answers, reduction)
                grads[t - 1].copy_(grad)
                if optimizer is None:  # the notebook's update: step = lr * grad; guess -= step
                    torch.sub(guess, torch.mul(lr, grad, out=steps[t - 1]), out=guesses[t])
                else:
                    guesses[t].copy_(optimizer.update(grad, guess, state, t))
                    torch.sub(guess, guesses[t], out=steps[t - 1])
                done = t
                if progress is not None:
                    progress(t, attempts)
                continue
            loss, grad = losses.loss_and_grad(loss_name, loss_options, guess, answers, reduction)
            if optimizer is None:
                step = (lr * grad).to(dtype)
                new_guess = guess - step
            else:
                new_guess = optimizer.update(grad, guess, state, t).to(dtype)
                step = guess - new_guess
            guess_finite = _note_lost(loss, guess, lost_at, t)
            if tracker is not None:
                new_guess, step = _stop_decided(tracker, t, loss, all_loss, guess_finite, active,
                                                attempts_run, guess, new_guess, step, grad)
            else:
                all_loss[t - 1] = loss
            row = row_of.get(t)
            if row is not None:
                guesses[row].copy_(guess)
                grads[row].copy_(grad)
                steps[row].copy_(step)
            guess = new_guess
            done = t
            if progress is not None:
                progress(t, attempts)
            if tracker is not None and not active.any():
                break
    except KeyboardInterrupt:
        interrupted = True
    else:
        interrupted = False
    if direct:
        guess = guesses[done]
        all_loss = _losses_of(config, log_guess[:done], answer)
        _lost_in_log(all_loss, log_guess[:done], lost_at)
    result = _result(config, logged, done, log_guess, log_grad, log_step, all_loss, lr_values, answer,
                     guess, attempts_run.clamp(max=done), lost_at.clamp(max=done), interrupted=interrupted)
    if interrupted:
        raise Interrupted(result)
    return result


def _losses_of(config: Config, guesses: Tensor, answer: Tensor, chunk: int = 1 << 22) -> Tensor:
    """The loss at every logged guess (attempts, runs, N) -> (attempts, runs), a chunk at a time."""
    attempts, runs, n = guesses.shape
    out = torch.empty(attempts, runs, dtype=guesses.dtype, device=guesses.device)
    per = max(1, chunk // max(1, runs * n))
    for start in range(0, attempts, per):
        block = guesses[start:start + per]
        values = losses.value(config.loss, config.loss_options, block.reshape(-1, n), answer[:config.games],
                              config.reduction)
        out[start:start + per] = values.reshape(block.shape[0], runs)
    return out


def _note_lost(loss: Tensor, guess: Tensor, lost_at: Tensor, t: int) -> Tensor:
    """Whether each guess is finite; notes in `lost_at` the first attempt (0-based) at which it was not."""
    # A guess that is not finite never gives a finite loss, and a finite sum means every loss is
    # finite: one reduction per attempt, and a closer look only when something overflowed.
    if bool(torch.isfinite(loss.sum())):
        return torch.ones_like(loss, dtype=torch.bool)
    finite = torch.isfinite(guess).all(1)
    lost_at[~finite.cpu() & (lost_at >= t)] = t - 1
    return finite


def _lost_in_log(loss: Tensor, guesses: Tensor, lost_at: Tensor) -> None:
    """`lost_at` from a full log: only runs with a loss that is not finite need their guesses looked at."""
    odd = (~torch.isfinite(loss)).any(0).cpu()
    if odd.any():
        runs = odd.nonzero().flatten()
        lost_at[runs] = verdicts._first(~torch.isfinite(guesses[:, runs.to(guesses.device)]).all(-1).cpu())


def _stop_decided(tracker, t, loss, all_loss, guess_finite, active, attempts_run, guess, new_guess, step, grad):
    """With `stop_early`: a run stops after the attempt that reached its verdict, its step applied.

    Later rows of a stopped run hold NaN losses, gradients and steps, and its last guess."""
    idle = ~active
    if idle.any():
        nan = torch.full_like(step, float("nan"))
        loss.masked_fill_(idle, float("nan"))
        grad.copy_(torch.where(idle.unsqueeze(1), nan, grad))
        step = torch.where(idle.unsqueeze(1), nan, step)
    all_loss[t - 1] = loss
    decided = tracker.update(loss, guess_finite) & active
    attempts_run[decided.cpu()] = t
    new_guess = torch.where(active.unsqueeze(1), new_guess, guess)
    active &= ~decided
    return new_guess, step


def _result(config, logged, done, log_guess, log_grad, log_step, all_loss, lr_values, answer, guess,
            attempts_run, lost_at, *, interrupted) -> Result:
    kept = [i for i, a in enumerate(logged) if a <= done]
    shape = config.shape
    rows = len(kept)
    runs = config.runs

    def view(log: Tensor) -> Tensor:
        return log[:rows].reshape(rows, runs, *shape)

    loss = all_loss[:done]
    outcome = verdicts.classify(loss.cpu(), attempts_run, lost_at, tolerance=config.tolerance,
                              diverge_factor=config.diverge_factor, has_minimum=losses.LOSSES[config.loss].has_minimum,
                              slack=verdicts.slack(all_loss.dtype))
    final_loss, best_loss = _final_and_best(loss.cpu(), attempts_run)
    row_index = torch.tensor([logged[i] - 1 for i in kept], dtype=torch.long, device=all_loss.device)
    start = (log_guess[0] - answer) if rows else torch.zeros_like(answer)
    return Result(
        config=config,
        attempt=torch.tensor([logged[i] for i in kept], dtype=torch.long),
        guess=view(log_guess), loss=loss.index_select(0, row_index), grad=view(log_grad),
        step=view(log_step), lr=lr_values, game=torch.arange(runs) % config.games,
        answer=answer.reshape(runs, *shape), final_guess=guess.reshape(runs, *shape),
        attempts_run=attempts_run.tolist(), status=outcome.status, converged_at=outcome.converged_at,
        diverged_at=outcome.diverged_at, theory=_theory(config, lr_values, start, verdicts.slack(all_loss.dtype),
                                                       done if interrupted else config.attempts),
        interrupted=interrupted, best_loss=best_loss, final_loss=final_loss, left_at=outcome.left_at,
    )


def _final_and_best(loss: Tensor, attempts_run: Tensor) -> tuple[list[float], list[float]]:
    if loss.shape[0] == 0:
        nan = [float("nan")] * loss.shape[1]
        return nan, list(nan)
    last = (attempts_run - 1).clamp_min(0).unsqueeze(0)
    final = loss.double().gather(0, last)[0]
    index = torch.arange(loss.shape[0]).unsqueeze(1)
    finite = torch.where((index < attempts_run) & torch.isfinite(loss), loss.double(),
                         torch.full_like(loss, float("inf"), dtype=torch.float64))
    best = finite.amin(0)
    best = torch.where(torch.isfinite(best), best, torch.full_like(best, float("nan")))
    return final.tolist(), best.tolist()


def _theory(config: Config, lr: Tensor, start: Tensor, slack: float, attempts: int) -> list[Theory]:
    """What closed-form gradient descent predicts for each run over the attempts it had."""
    return theory.predict_runs(config, start.double().cpu().reshape(config.runs, -1), lr=lr,
                               attempts=max(attempts, 1), slack=slack)


def hidden_answers(config: Config, dtype: torch.dtype, device: torch.device | str = "cpu") -> Tensor:
    """The hidden answers, one row per run: (runs, N)."""
    runs, n = config.runs, config.numel
    if not isinstance(config.answer, RandomAnswer):
        answer = torch.tensor(config.answer, dtype=dtype, device=device).reshape(1, n)
        return answer.expand(runs, n)
    spec = config.answer
    generator = torch.Generator().manual_seed(config.seed)
    if spec.integer:
        draws = torch.randint(int(torch.tensor(spec.low).ceil()), int(torch.tensor(spec.high).floor()) + 1,
                              (config.games, n), generator=generator, dtype=torch.float64)
    else:
        draws = spec.low + (spec.high - spec.low) * torch.rand(config.games, n, generator=generator,
                                                               dtype=torch.float64)
    # Every learning rate plays the same K games, so a comparison across lrs is fair.
    return draws.repeat(len(config.lr), 1).to(dtype=dtype, device=device)


def log_bytes(config: Config, itemsize: int = 8) -> int:
    """Memory the log of a config takes: guess, gradient and step per kept attempt, and every loss."""
    rows = len(config.logged_attempts) + 1  # the guess after the last step too
    return rows * config.runs * config.numel * itemsize * 3 + config.attempts * config.runs * itemsize


def _check_memory(config: Config, itemsize: int) -> None:
    needed = log_bytes(config, itemsize)
    available = _available_memory()
    if available and needed > 0.7 * available:
        losses_alone = config.attempts * config.runs * itemsize
        way_out = (f"keep every k-th attempt with log_every (e.g. log_every: "
                   f"{max(2, int(needed / (0.3 * available)) + 1)}), or use fewer runs or attempts"
                   if losses_alone < 0.3 * available else "use fewer runs or attempts")
        raise ConfigError(
            f"{config.runs:,} runs x {config.attempts:,} attempts would keep {needed / 2**30:.1f} GiB of log, "
            f"more than this machine can spare ({available / 2**30:.1f} GiB free); {way_out}", key="log_every")


def _available_memory() -> int | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def _device(name: str) -> torch.device:
    if name == "cuda" and not torch.cuda.is_available():
        raise ConfigError("got 'cuda' but no CUDA GPU is available here; use device: cpu",
                          key="device")
    return torch.device(name)
