"""What the explorer draws of one run, as plain numbers: the loss at each attempt with theory's, the
guesses with the answer, the path over the loss's contours, and the run's verdict in the report's words.
Nothing here draws: `figures` puts a `Frame` on the screen, and the tests read it."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from guessgame import theory
from guessgame.losses import effective
from guessgame.report.words import game_sentence, run_sentence
from guessgame.rundata import RunData
from guessgame.status import Status
from guessgame.viz.plane import element, loss_on, plane, project

MOST_ELEMENTS = 8  # the guesses drawn, one line each: the first ones of a bigger answer
GRID = 61  # points along each side of the contour view
VIEW = 1.15  # the contour view: the answer, give or take this many times the first guess's distance


class Contour(NamedTuple):
    xs: np.ndarray  # (GRID,) the view's coordinates along the plane's first direction
    ys: np.ndarray
    z: np.ndarray  # (GRID, GRID): the loss over the view (its log10 where `log`)
    log: bool
    x: np.ndarray  # (rows,) each guess's place on the plane
    y: np.ndarray
    answer: tuple[float, float]
    labels: tuple[str, str]


class Frame(NamedTuple):
    attempt: np.ndarray  # (rows,)
    loss: np.ndarray  # (rows,) the loss to the hidden answer (with noisy hints, the true loss)
    seen: np.ndarray | None  # (rows,) with noisy hints, the loss each attempt's optimizer saw
    theory: np.ndarray | None  # (rows,) theory's loss (with noise: expected true loss); None: no closed form
    log: bool  # a log loss axis: the loss has a minimum of 0
    guess: np.ndarray  # (rows, k) the first k elements' guesses
    answer: np.ndarray  # (k,)
    names: list[str]  # `guess[0]` ...
    hint: np.ndarray | None  # (rows, k) with noisy hints, the mean of each attempt's observations
    contour: Contour | None  # for an answer of 2 or more elements
    verdict: str  # the report's sentence: what happened, and what theory predicts
    game: str  # the report's sentence of the game
    status: Status
    headline: str  # the status in words: `converged, then left` for a run that left the tolerance again


def frame_of(run: RunData) -> Frame:
    """The frame of run 0 of `run`."""
    config = run.config
    log = effective(config.loss, config.loss_options)[0].has_minimum
    k = min(MOST_ELEMENTS, run.guess.shape[2])
    with np.errstate(over="ignore", invalid="ignore"):
        error = run.guess[0, :1] - run.answer[:1]
    info = run.summary[0]
    curve = theory.curves(config, error, run.lr[:1], answers=run.answer[:1]) if run.attempt.size else None
    return Frame(
        attempt=run.attempt, loss=run.loss[:, 0], seen=None if run.seen is None else run.seen[:, 0],
        theory=None if curve is None else curve[:, 0].numpy()[run.attempt - 1],
        log=log, guess=run.guess[:, 0, :k], answer=run.answer[0, :k],
        names=[f"guess{element(config.shape, i)}" for i in range(k)],
        hint=None if run.hint is None else run.hint[:, 0, :k],
        contour=contour_of(run, log) if run.guess.shape[2] >= 2 and run.attempt.size else None,
        verdict=run_sentence(run, 0), game=game_sentence(config), status=info.status,
        headline=f"{info.status}, then left" if info.left_at else str(info.status))


def contour_of(run: RunData, log: bool) -> Contour:
    """The loss over a view of the plane centred on the answer, `VIEW` times the first guess's distance
    across each way (1 where the first guess is on the answer, or off the plane; never below the floats'
    spacing there): the same view for every lr of a game, so moving the lr moves the path over a landscape
    that stays where it is; a path that leaves it is cut at its edge. With `log`, the loss's log10."""
    config = run.config
    p = plane(config, run.answer[:1])
    origin = np.asarray(p.origin, dtype=float)
    with np.errstate(over="ignore", invalid="ignore"):
        x, y = (c[:, 0] for c in project(p, run.guess[:, :1], run.answer[:1]))
        reach = float(max(abs(x[0] - origin[0]), abs(y[0] - origin[1])))
    reach = max(reach if np.isfinite(reach) and reach > 0 else 1.0, 64 * float(np.spacing(abs(origin)).max()))
    xs, ys = (np.linspace(o - VIEW * reach, o + VIEW * reach, GRID) for o in origin)
    z = loss_on(p, config, xs, ys)
    if log:  # six decades under the view's highest loss: the answer's own point, near 0, would take them all
        positive = z[(z > 0) & np.isfinite(z)]
        z = np.log10(np.clip(z, max(positive.min(), positive.max() * 1e-6) if positive.size else 1.0, None))
    z = np.where(np.isfinite(z), z, np.nan)  # past float64: not drawn
    return Contour(xs, ys, z, log, x, y, (float(origin[0]), float(origin[1])), p.labels)
