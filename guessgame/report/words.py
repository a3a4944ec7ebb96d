"""The page's sentences: the game, and what happened to a run next to what theory predicted -- in the
words the figures' legends (`viz.story`) and the terminal's summary (`formatting`) already use."""

from __future__ import annotations

import math

from guessgame import ravine
from guessgame.config import Config, RandomAnswer, RandomRotation
from guessgame.formatting import held_note, number, signed_rate, theory_text, vector
from guessgame.records import RunSummary, Theory
from guessgame.rundata import RunData
from guessgame.score import others, scores
from guessgame.status import Status
from guessgame.viz.story import story
from guessgame.viz.style import run_name, side


def game_sentence(config: Config) -> str:
    """`Find the hidden answer [2, 77, 91] from the first guess 50 with the mse loss (mean over 3
    elements) and plain SGD: 40 learning rates from 0.01 to 10, 60 attempts each, in float64.`"""
    answer = config.answer
    if isinstance(answer, RandomAnswer):
        kind = "whole numbers" if answer.integer else "numbers"
        many = f"{config.games} hidden answers per learning rate" if config.games != 1 else "a hidden answer"
        hidden = (f"{many} ({kind} from {answer.low:g} to {answer.high:g}, shape {list(answer.shape)}, "
                  f"seed {config.seed})")
    else:
        hidden = f"the hidden answer {vector(answer if isinstance(answer, list) else float(answer))}"
    guess = vector(config.guess if isinstance(config.guess, list) else float(config.guess))
    n = config.numel
    loss = f"the {config.loss} loss ({config.reduction} over {n} element{'s' if n != 1 else ''}{_ravine(config)})"
    lrs = config.lr
    rates = (f"learning rate {number(lrs[0])}" if len(lrs) == 1 else
             f"{len(lrs)} learning rates from {number(min(lrs))} to {number(max(lrs))}")
    held = held_note(config)
    return (f"Find {hidden} from the first guess {guess} with {loss} and {_optimizer(config)}: {rates}"
            f"{_schedule(config)}, {config.attempts:,} attempts each, in {config.dtype}{_noise(config)}"
            + (f" ({held})." if held else "."))


def _noise(config: Config) -> str:
    """`, each attempt seeing 4 noisy observations (answer + 2 × N(0, 1)): the loss drawn is the true loss,
    to the hidden answer`, or nothing without noise."""
    noise = config.noise
    if noise is None:
        return ""
    if "noise" in dict(config.grid):
        return (", each attempt seeing noisy observations of the answer (a noise per cell): the loss drawn is the "
                "true loss, to the hidden answer")
    seen = f"{noise.batch} noisy observation{'s' if noise.batch != 1 else ''}"
    return (f", each attempt seeing {seen} (answer + {number(noise.std)} × N(0, 1)): the loss drawn is the true "
            "loss, to the hidden answer")


def _ravine(config: Config) -> str:
    """`, weighted [1, 100], turned 30°` (or `turned by a random rotation, seed 3`), or nothing for the plain game."""
    said = ""
    if ravine.is_weighted(config):
        said += f", weighted {vector(config.weights if isinstance(config.weights, list) else float(config.weights))}"
    if isinstance(config.rotation, RandomRotation):
        said += f", turned by a random rotation (seed {config.rotation.seed})"
    elif config.rotation is not None:
        said += f", turned {config.rotation:g}°"
    return said



def _schedule(config: Config) -> str:
    """`, scheduled by exponential (gamma 0.9)`, or nothing for a constant lr."""
    if not config.scheduled:
        return ""
    options = ", ".join(f"{k} {v}" for k, v in config.schedule_options.items() if v is not None)  # None: its default
    return f", scheduled by {config.schedule}" + (f" ({options})" if options else "")


def _optimizer(config: Config) -> str:
    if config.plain_sgd:
        return "plain SGD (step = lr × gradient)"
    changed = {k: v for k, v in config.optimizer_options.items() if v not in (0, 0.0, False, None)}
    options = ", ".join(f"{k} {v}" for k, v in changed.items())
    return f"{config.optimizer}" + (f" ({options})" if options else "")


def run_sentence(run: RunData, r: int) -> str:
    """`lr 3.5 (> critical): diverged at 7: → ∞. Theory predicts diverged at 7, critical lr 3, rate 1.33:
    the error grows ×1.33 per attempt.`"""
    info = run.summary[r]
    return f"{run_name(run, r)}{side(run, r)}: {story(run, r)}. {theory_sentence(info.theory)}"


def theory_sentence(theory: Theory | None) -> str:
    """`Theory predicts converged at 47, critical lr 3, rate -0.933: the error shrinks ×0.933 per attempt,
    changing sign each time: the guess overshoots.`"""
    if theory is None or theory.predicted is None:
        return f"Theory: {(theory.note if theory else None) or 'no closed form'}."
    text = f"Theory predicts {theory_text(theory)}"
    rate = signed_rate(theory)
    if theory.predicted is Status.STALLED:
        text += ": its steps stop moving the guess short of the answer"
    elif rate is not None and math.isfinite(rate):
        size = abs(rate)
        text += (": the error lands on the answer in one step" if rate == 0 else
                 ": the error keeps its size" if size == 1 else
                 f": the error {'grows' if size > 1 else 'shrinks'} ×{size:.3g} per attempt")
        if theory.condition_number is not None and theory.condition_number != 1 and rate != 0:
            text += " along its slowest direction"
        if rate < 0:
            text += (", changing sign each time: the guess bounces between two points" if size == 1 else
                     ", changing sign each time: the guess overshoots")
    return text + "."


def score_rows(summary: list[RunSummary]) -> list[list[str]]:
    """Random games scored per lr, as the terminal's score table: lr, games, converged, diverged,
    other, median attempts, middle half, fewest-most."""
    rows = []
    for score in scores(summary):
        shares, took = score.shares, score.attempts_to_converge
        other = others(shares)
        cells = [number(score.lr), str(score.games), f"{shares[Status.CONVERGED]:.0%}",
                 f"{shares[Status.DIVERGED]:.0%}", f"{other:.0%}"]
        cells += ([f"{took.median:g}", f"{took.q1:g}–{took.q3:g}", f"{took.min}–{took.max}"] if took
                  else ["–", "–", "–"])
        rows.append(cells)
    return rows
