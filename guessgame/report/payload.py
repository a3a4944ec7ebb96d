"""What the page shows, as one JSON-able dict: the game, each cell of a grid, each run's curves and
words, the tables; for 2+ elements the contour view (`report.contours`) and each run's path on it.

Every curve is placed on the view its static figure would choose (`viz.loss.loss_view`,
`viz.path.frame`, the comparison's final-loss view) and kept as whole numbers along the axis
(`series.quantize`), for drawing. What the page prints is carried as text (`series.texts`): each kept
attempt's loss always; its guesses and its error too while the runs' data stays within DATA_BYTES
with them (beyond that, the page prints the loss alone). Up to MOST_RUNS runs are carried (more are picked
across the lrs and statuses, and the page says so), with about CURVE_ROWS rows of curves in all.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import numpy as np

from guessgame import ravine
from guessgame.formatting import attempts_text, number, theory_text, vector
from guessgame.records import Theory
from guessgame.report import series
from guessgame.report.charts import cell_colors
from guessgame.report.contours import Contours
from guessgame.report.words import game_sentence, run_sentence, score_rows
from guessgame.rundata import RunData
from guessgame.status import Status
from guessgame.viz import marks
from guessgame.viz.axis import View, choose
from guessgame.viz.frame import frame
from guessgame.viz.loss import loss_view
from guessgame.viz.lrs import _final_view
from guessgame.viz.style import STATUS_COLORS, pick_runs, run_name

MOST_RUNS = 2000  # runs the page carries; more are picked across the lrs and statuses
CURVE_ROWS = 80_000  # rows of curves (run x kept attempt) the page carries in all
DATA_BYTES = 9 * 2**19  # the runs' data with their guesses and errors as text at most (plotly.js adds 1.5 MB)
TABLE_HEAD, TABLE_TAIL = 4, 3  # rows of a run's attempt table shown at each end


def page_data(run: RunData, config_text: str) -> dict[str, Any]:
    shown = list(range(run.runs)) if run.runs <= MOST_RUNS else pick_runs(run, MOST_RUNS)
    elements = list(range(min(run.guess.shape[2], 6 if len(shown) <= 100 else 3)))
    loss = _Curves(loss_view(run), run.loss, marks.alive(run))
    paths = _Paths(run)
    final = np.array([s.final_loss for s in run.summary], dtype=float)
    final_view = _final_view(run, final)
    cells = _cells(run, paths)
    contours = Contours(run) if run.guess.shape[2] >= 2 else None
    bands, band_of = series.bands(run, loss.view)  # noisy hints over several games: each lr's band
    return {
        "name": run.name, "config": config_text, "cells": cells,
        "runs_total": run.runs, "games": run.games, "attempts": run.config.attempts,
        "colors": {status.value: color for status, color in STATUS_COLORS.items()},
        "axes": {"loss": series.axis(loss.view, ("true loss" if run.seen is not None else "loss")  # noisy hints
                                     + ("" if loss.view.scale == "linear" else f" ({loss.view.scale} scale)")),
                 "final": series.axis(final_view, "final loss")},
        "floor": {"loss": series.floor_band(loss.view), "final": series.floor_band(final_view)},
        "theory_curve": _theory_scale(run, loss.view, cells),
        "elements": [series.element(run.shape, e) for e in elements], "numel": run.guess.shape[2],
        "runs": _runs(run, shown, elements, loss, paths, (final_view, final), cells, contours, band_of),
        "bands": bands,
        "contour": contours and {"panels": contours.panels, "cells": contours.cells},
        "score": score_rows(run.summary) if run.games > 1 else None,
    }


def _runs(run: RunData, shown: list[int], elements: list[int], loss: "_Curves", paths: "_Paths", finals,
          cells: list[dict[str, Any]], contours: Contours | None, band: dict[int, int]) -> list[dict[str, Any]]:
    """Each carried run: its kept rows' curves (and path on the contour view), texts and tables."""
    live = marks.alive(run)
    budget = max(24, CURVE_ROWS // len(shown))
    need = marks.needed(run, run.loss, growth=False)
    runs, spelled, kept = [], [], []
    for r in shown:
        rows = _kept(run, r, live, loss, budget)
        kept.append(rows)
        view = _guess_view(run, r, elements, need, live)
        guesses = [_Curves(view, run.guess[:, [r], e], live[:, [r]], column=r) for e in elements]
        entry = _run(run, r, int(live[:, r].sum()), rows, loss, guesses, paths, *finals)
        entry["theory"] = _theory_pair(run, r) if cells[run.cells[r]]["closed_loss"] else None
        entry["lt"] = series.texts(run.loss[rows, r])
        entry["band"] = band.get(r)
        if run.hint is not None and elements:  # noisy hints: what the run saw, on its guesses' view
            entry["hint"] = [series.quantize(view, view.place(run.hint[rows, r, e])) for e in elements]
        runs.append(entry)
        spelled.append({"gt": [series.texts(run.guess[rows, r, e]) for e in elements],
                        "et": series.texts(paths.error[rows, r])})
    extra = sum(len(text) for s in spelled for text in (*s["gt"], s["et"]))
    if extra + len(json.dumps(runs, separators=(",", ":"), ensure_ascii=False)) <= DATA_BYTES:
        for entry, texts in zip(runs, spelled):
            entry.update(texts)
    for entry, r, rows in zip(runs, shown, kept):  # outside DATA_BYTES: the texts are carried as before
        entry["c"] = contours.path(run, r, rows) if contours else None
    return runs


def _kept(run: RunData, r: int, live: np.ndarray, loss: "_Curves", budget: int) -> np.ndarray:
    """The rows of run r the page carries: every event's attempt among them."""
    alive = int(live[:, r].sum())
    info = run.summary[r]
    events = [info.converged_at, info.diverged_at, info.left_at, (info.theory or Theory()).band_reached_at]
    events += [int(run.attempt[e.row]) for e in loss.exits.get(r, [])]
    return series.kept_rows(loss.shown[:alive, r], run.attempt[:alive], events, budget)


def _cells(run: RunData, paths: "_Paths") -> list[dict[str, Any]]:
    """Each cell of a grid (one, unnamed, without a grid): its label, colour, game sentence, theory's note
    and the lrs theory names, whether theory's loss is a straight line on a log axis (`_theory_scale`),
    and its path figure's axes and landscape."""
    colors = cell_colors(run.config.cell_count)
    cells = []
    for c, (config, label) in enumerate(zip(run.config.cells, run.config.cell_labels())):
        theory = next((s.theory for s, k in zip(run.summary, run.cells.tolist()) if k == c and s.theory is not None),
                      None) or Theory()
        cells.append({"label": label, "color": colors[c], "game": game_sentence(config),
                      "note": f"Theory: {theory.note}." if theory.note else None,
                      "critical": theory.critical_lr, "best": theory.best_lr,
                      "closed_loss": ravine.one_sequence(config),
                      "path": paths.cells[c]})
    return cells


class _Paths:
    """The path figure of each cell, on its own loss's landscape (`viz.frame`, from that cell's runs), and
    each run's logged (error, loss) placed on its cell's frame: `x`, `y` and `error`, (rows, runs)."""

    def __init__(self, run: RunData) -> None:
        self.frames: list = []
        self.cells: list[dict[str, Any]] = []
        self.x, self.y, self.error = (np.full(run.loss.shape, np.nan) for _ in range(3))
        for c, config in enumerate(run.config.cells):
            members = np.flatnonzero(run.cells == c)
            cell = run if not run.config.grid else dataclasses.replace(
                run, config=config, lr=run.lr[members], game=run.game[members], loss=run.loss[:, members],
                guess=run.guess[:, members], answer=run.answer[members], summary=[run.summary[r] for r in members],
                lr_at=None if run.lr_at is None else run.lr_at[:, members], cell=None)
            f = frame(cell)
            self.x[:, members], self.y[:, members] = series.path_positions(f, cell.loss)
            self.error[:, members] = f.space.x
            self.frames.append(f)
            self.cells.append({"x": series.axis(f.vx, f.space.label), "y": series.axis(f.vy, "loss"),
                               "landscape": series.landscape_curve(cell, f)})


class _Curves:
    """One quantity of every run on one view: drawn positions and where each run left the view."""

    def __init__(self, view: View, values: np.ndarray, live: np.ndarray, column: int = 0) -> None:
        """`values` (rows, runs), or one run's (rows, 1) as run `column`."""
        self.view, self.column = view, column
        self.shown, exits = series.on_view(view, values, live)
        self.exits: dict[int, list[marks.Exit]] = {}
        for e in exits:
            self.exits.setdefault(e.series + column, []).append(e)

    def of(self, r: int, rows: np.ndarray) -> list:
        return series.quantize(self.view, self.shown[rows, r - self.column])

    def exits_of(self, run: RunData, r: int, rows: np.ndarray | None = None) -> list[list[int]]:
        """[attempt, side, finite] of each time run r left the view; with `rows`, the first and those at a
        kept row only (a guess bouncing across an edge leaves it every attempt)."""
        exits = self.exits.get(r, [])
        if rows is not None:
            kept = set(rows.tolist())
            exits = [e for k, e in enumerate(exits) if k == 0 or e.row in kept]
        return [[int(run.attempt[e.row]), e.side, int(e.finite)] for e in exits]


def _run(run: RunData, r: int, alive: int, rows: np.ndarray, loss: _Curves, guesses: list[_Curves],
         paths: "_Paths", final_view: View, final: np.ndarray) -> dict[str, Any]:
    info = run.summary[r]
    f = paths.frames[run.cells[r]]
    side = int(marks.sides(final_view, final[None, [r]])[0, 0])
    verdict = getattr(info, f"{info.status.value}_at", None)  # converged_at, diverged_at: a verdict's attempt
    answer = run.answer[r, :len(guesses)]
    return {
        "run": r, "lr": float(run.lr[r]), "game": int(run.game[r]), "cell": int(run.cells[r]),
        "status": info.status.value,
        "name": run_name(run, r), "sentence": run_sentence(run, r),
        "a": series.deltas(run.attempt[rows]), "loss": loss.of(r, rows), "loss_exits": loss.exits_of(run, r),
        "diverged": _diverged_mark(run, r, loss.view),
        "guess": [g.of(r, rows) for g in guesses], "guess_exits": [g.exits_of(run, r, rows) for g in guesses],
        "answer": series.quantize(guesses[0].view, guesses[0].view.place(answer)) if guesses else [],
        "guess_axis": series.ticks(guesses[0].view) if guesses else None,
        "px": series.quantize(f.vx, paths.x[rows, r]), "py": series.quantize(f.vy, paths.y[rows, r]),
        "final": [series.quantize(final_view, [final_view.edge(side) if side else final_view.place(final[r])])[0],
                  side, number(final[r])],
        "at": int(verdict or info.attempts_run), "verdict_at": verdict,
        "head": _guesses(run, r, range(min(TABLE_HEAD, alive))),
        "tail": _guesses(run, r, range(max(TABLE_HEAD, alive - TABLE_TAIL), alive)),
        "skipped": max(0, alive - TABLE_HEAD - TABLE_TAIL),
        "row": [number(float(run.lr[r])), attempts_text(info), number(info.final_loss), theory_text(info.theory)],
        "keys": [series.sort_key(info.converged_at or info.diverged_at or info.attempts_run),
                 series.sort_key(info.final_loss)],
    }


def _guess_view(run: RunData, r: int, elements: list[int], need: np.ndarray, live: np.ndarray) -> View:
    """A run's view of its shown elements, as its static trajectory panel: the answer, the guesses while
    needed (a diverging run's start); a run that leaves is drawn to the edge and marked there."""
    values = run.guess[:, r][:, elements]
    needed = np.repeat(need[:, [r]], len(elements), axis=1) & np.isfinite(values)
    targets = run.answer[r, elements]
    core = np.concatenate([values[needed], targets])
    rest = values[np.repeat(live[:, [r]], len(elements), axis=1) & ~needed]
    with np.errstate(invalid="ignore"):
        room = (bool((rest < core.min()).any()), bool((np.isnan(rest) | (rest > core.max())).any()))
    start = values[0][np.isfinite(values[0])]
    base = max(float(np.abs(targets).max(initial=0)), float(np.abs(start).max(initial=0)), 1e-300)
    return choose(core, kind="value", base=base, room=room)


def _diverged_mark(run: RunData, r: int, view: View) -> list[int] | None:
    """✕ at the attempt the run was declared diverged, at its logged loss there (or the edge)."""
    info = run.summary[r]
    if info.status != Status.DIVERGED or not info.diverged_at or not run.attempt.size:
        return None
    row = int(np.clip(np.searchsorted(run.attempt, info.diverged_at, side="right") - 1, 0, len(run.attempt) - 1))
    value = run.loss[row, r] if run.attempt[row] == info.diverged_at or info.attempts_run != info.diverged_at \
        else info.final_loss
    side = int(marks.sides(view, np.array([[value]]))[0, 0])
    place = view.place(value) if side == 0 else view.edge(side)
    return [int(info.diverged_at), series.quantize(view, [place])[0]]


def _theory_scale(run: RunData, view: View, cells: list[dict[str, Any]]) -> dict[str, float] | None:
    """For plain SGD on mse at a fixed lr, theory's loss is loss(1)·rate^(2(t−1)): a straight line on the
    log axis, drawn by the page from each run's log10 loss(1) and log10 rate (`_theory_pair`)."""
    if not any(cell["closed_loss"] for cell in cells) or view.scale != "log":
        return None
    low, high = (float(u) for u in view.u([view.low, view.high]))
    return {"low": low, "high": high, "limits": list(view.limits)}


def _theory_pair(run: RunData, r: int) -> list[float] | None:
    theory = run.summary[r].theory
    first = run.loss[0, r] if run.attempt.size and run.attempt[0] == 1 else np.nan
    if theory is None or theory.rate is None or not np.isfinite(first) or first <= 0 or theory.rate <= 0:
        return None
    return [round(float(np.log10(first)), 6), round(float(np.log10(theory.rate)), 9)]


def _guesses(run: RunData, r: int, rows: range) -> list[str]:
    """The guess column of a run's attempt table; its attempts and losses are the first and last kept rows'
    (every run keeps its first and last few rows, `series.kept_rows`)."""
    return [vector(run.guess[k, r].tolist()) for k in rows]

