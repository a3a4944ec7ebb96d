"""Playing the game by hand: the computer hides an answer, the player guesses, and sees after each
guess the loss and the gradient there; at the end, how many attempts plain SGD needed for the same
answer. Input and output are passed in, so the game runs the same in a terminal, a notebook or a test.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Callable

import torch

from guessgame import losses, ravine
from guessgame.config import Config, RandomAnswer, replaced
from guessgame.engine import hidden_answers, simulate
from guessgame.formatting import number, vector
from guessgame.status import Status

QUIT = {"q", "quit", "exit", "give up"}
# The built-in game of `guessgame play` without a config: higher or lower, told by the L1 gradient.
DEFAULT_GAME = {"name": "play", "answer": {"random": {"low": 0, "high": 100, "shape": [], "integer": True}},
                "guess": 50, "loss": "l1", "lr": 1, "attempts": 100}


@dataclass
class Played:
    answer: list | float
    attempts: int  # guesses the player made
    found: bool
    sgd: list[dict]  # per lr of the config: lr, status, converged_at, attempts_run


def play(config: Config, read: Callable[[str], str | None] = input, say: Callable[[str], None] = print) -> Played:
    """One game. `read(prompt)` returns a line, or None (or raises EOFError) at the end of input;
    `say` shows a line. With the defaults it plays in a notebook or a Python prompt:

    >>> from guessgame.play import DEFAULT_GAME, play
    >>> play(load_config(DEFAULT_GAME))  # doctest: +SKIP
    """
    dtype = getattr(torch, config.dtype)
    answer = hidden_answers(config, dtype)[:1]  # (1, N): the first game's answer
    n = config.numel
    hints = None
    if config.noise is not None:  # the first game's, drawn as the run draws them
        from guessgame.engine.hints import Hints

        hints = Hints.of(config, dtype)
    say(_introduction(config))
    made, found = 0, False
    while made < config.attempts:
        try:
            line = read(f"guess {made + 1}> ")
        except EOFError:  # `input` at the end of its input
            line = None
        if line is None or line.strip().lower() in QUIT:
            break
        guess = _parse(line, n)
        if isinstance(guess, str):
            say(guess)
            continue
        made += 1
        guessed = torch.tensor(guess, dtype=dtype).reshape(1, n)
        loss, grad = losses.loss_and_grad(config.loss, config.loss_options, guessed, answer, config.reduction,
                                          ravine.of(config, dtype))
        if hints is not None:  # told against this attempt's own observations; found where the true loss says
            hints.draw(made)
            seen, grad = hints.loss.both(guessed)
            say(f"  hint {vector(hints.hint(hints.observations)[0].reshape(config.shape).tolist())}")
        shown = grad[0].reshape(config.shape).tolist()
        say(f"  loss {number(float((loss if hints is None else seen)[0]))}   gradient {vector(shown)}")
        if _is_answer(config, guessed - answer, float(loss[0])):
            found = True
            break
    hidden = answer[0].reshape(config.shape).tolist()
    say(_ending(config, made, found, hidden))
    sgd = _plain_sgd(config, hidden)
    for run in sgd:
        say(_sgd_line(config, run))
    return Played(answer=hidden, attempts=made, found=found, sgd=sgd)


def _ending(config: Config, made: int, found: bool, hidden: Any) -> str:
    attempts = f"{made} {'attempt' if made == 1 else 'attempts'}"
    if found:
        return f"You found it in {attempts}: the answer is {vector(hidden)}."
    if made >= config.attempts:
        return f"Out of attempts ({config.attempts}). The answer was {vector(hidden)}."
    return f"You stopped after {attempts}. The answer was {vector(hidden)}."


def _is_answer(config: Config, diff: torch.Tensor, loss: float) -> bool:
    """The guess is the answer: exactly, or within tolerance of a loss whose minimum is the answer.

    The bad loss has no minimum: its loss is 0 at many wrong guesses."""
    if bool((diff == 0).all()):
        return True
    return losses.LOSSES[config.loss].has_minimum and abs(loss) <= config.tolerance


def _introduction(config: Config) -> str:
    what = "a number" if not config.shape else f"an answer of shape {list(config.shape)} ({config.numel} numbers)"
    where = ""
    if isinstance(config.answer, RandomAnswer):
        kind = "whole numbers" if config.answer.integer else "numbers"
        where = f", {kind} from {number(config.answer.low)} to {number(config.answer.high)}"
    loss = config.loss + (f" ({', '.join(f'{k}={v}' for k, v in config.loss_options.items())})"
                          if config.loss_options else "")
    count = "one number" if config.numel == 1 else f"{config.numel} numbers, or one for all"
    noisy = "" if config.noise is None else (
        f" against {config.noise.batch} noisy observation{'s' if config.noise.batch > 1 else ''} of the answer "
        f"(answer + {number(config.noise.std)} x N(0, 1), new ones each guess; the hint is their mean)")
    return (f"I have hidden {what}{where}. After each guess you see the {loss} loss ({config.reduction}){noisy} and "
            f"its gradient: the gradient points uphill, so step against it. Type {count}; q gives up. "
            f"You have {config.attempts} attempts.")


def _parse(line: str, n: int) -> list[float] | str:
    """The numbers of a typed guess (`50`, `1, 2, 3`, `[[1, 2], [3, 4]]`), or a message saying what is wrong."""
    words = [w for w in re.split(r"[\s,\[\]()]+", line.strip()) if w]
    expected = "one number" if n == 1 else f"{n} numbers (or one for all)"
    try:
        values = [float(w) for w in words]
    except ValueError:
        return f"  not a guess: {line.strip()!r}; type {expected}, or q to give up"
    if not values or len(values) not in (1, n):
        return f"  got {len(values)} numbers; type {expected}"
    if not all(math.isfinite(v) for v in values):
        return "  guesses must be finite numbers"
    return values * n if len(values) == 1 else values


def _plain_sgd(config: Config, answer) -> list[dict]:
    result = simulate(replaced(config, answer=answer, games=1, optimizer="sgd", stop_early=True, log_every=1,
                                     device="cpu"))
    return [{"lr": lr, "status": result.status[r], "converged_at": result.converged_at[r],
             "attempts_run": result.attempts_run[r]} for r, lr in enumerate(config.lr)]


def _sgd_line(config: Config, run: dict) -> str:
    head = f"Plain SGD at lr {number(run['lr'])} from {vector(config.guess)}"
    if run["status"] == Status.CONVERGED:
        return f"{head} needed {run['converged_at']} attempts."
    if run["status"] == Status.DIVERGED:
        return f"{head} diverged (stopped at attempt {run['attempts_run']})."
    return f"{head} did not converge in {run['attempts_run']} attempts: {run['status']}."
