"""What the page shows, as one JSON-able dict: the game, each run's curves and words, the tables.

Every curve is placed on the view its static figure would choose (`viz.loss.loss_view`,
`viz.path.frame`, the comparison's final-loss view) and kept as whole numbers along the axis
(`series.quantize`). Up to MOST_RUNS runs are carried (more are picked across the lrs and
statuses, and the page says so), with about CURVE_ROWS rows of curves in all.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from guessgame.formatting import attempts_text, number, theory_text, vector
from guessgame.records import Theory
from guessgame.report import series
from guessgame.report.words import game_sentence, run_sentence, score_rows
from guessgame.rundata import RunData
from guessgame.status import Status
from guessgame.viz import marks
from guessgame.viz.axis import View, choose
from guessgame.viz.errorspace import landscape
from guessgame.viz.frame import frame
from guessgame.viz.loss import loss_view
from guessgame.viz.lrs import _final_view
from guessgame.viz.style import STATUS_COLORS, pick_runs, run_name, shared_theory

MOST_RUNS = 2000  # runs the page carries; more are picked across the lrs and statuses
CURVE_ROWS = 80_000  # rows of curves (run x kept attempt) the page carries in all
TABLE_HEAD, TABLE_TAIL = 4, 3  # rows of a run's attempt table shown at each end


def page_data(run: RunData, config_text: str) -> dict[str, Any]:
    shown = list(range(run.runs)) if run.runs <= MOST_RUNS else pick_runs(run, MOST_RUNS)
    elements = list(range(min(run.guess.shape[2], 6 if len(shown) <= 100 else 3)))
    live = marks.alive(run)
    budget = max(24, CURVE_ROWS // len(shown))
    loss = _Curves(loss_view(run), run.loss, live)
    path = frame(run)
    px, py = _path_positions(path, run.loss)
    need = marks.needed(run, run.loss, growth=False)
    final = np.array([s.final_loss for s in run.summary], dtype=float)
    final_view = _final_view(run, final)
    theory = shared_theory(run)
    runs = []
    for r in shown:
        alive = int(live[:, r].sum())
        info = run.summary[r]
        events = [info.converged_at, info.diverged_at, info.left_at, (info.theory or Theory()).band_reached_at]
        events += [int(run.attempt[e.row]) for e in loss.exits.get(r, [])]
        rows = series.kept_rows(loss.shown[:alive, r], run.attempt[:alive], events, budget)
        view = _guess_view(run, r, elements, need, live)
        guesses = [_Curves(view, run.guess[:, [r], e], live[:, [r]], column=r) for e in elements]
        runs.append(_run(run, r, alive, rows, loss, guesses, (path, px, py), final_view, final))
    critical = theory.critical_lr
    return {
        "name": run.name, "game": game_sentence(run.config), "note": theory.note, "config": config_text,
        "runs_total": run.runs, "games": run.games, "attempts": run.config.attempts,
        "colors": {status.value: color for status, color in STATUS_COLORS.items()},
        "critical": critical, "best": theory.best_lr,
        "axes": {"loss": series.axis(loss.view, "loss" + ("" if loss.view.scale == "linear" else
                                                          f" ({loss.view.scale} scale)")),
                 "final": series.axis(final_view, "final loss"),
                 "path_x": series.axis(path.vx, path.space.label), "path_y": series.axis(path.vy, "loss")},
        "floor": {"loss": series.floor_band(loss.view), "final": series.floor_band(final_view)},
        "theory_curve": _theory_scale(run, loss.view),
        "landscape": _landscape(run, path),
        "elements": [_element(run.shape, e) for e in elements], "numel": run.guess.shape[2],
        "runs": runs, "score": score_rows(run.summary) if run.games > 1 else None,
    }


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

    def exits_of(self, run: RunData, r: int) -> list[list[int]]:
        return [[int(run.attempt[e.row]), e.side, int(e.finite)] for e in self.exits.get(r, [])]


def _run(run: RunData, r: int, alive: int, rows: np.ndarray, loss: _Curves, guesses: list[_Curves], path,
         final_view: View, final: np.ndarray) -> dict[str, Any]:
    info = run.summary[r]
    f, px, py = path
    side = int(marks.sides(final_view, final[None, [r]])[0, 0])
    at = {Status.CONVERGED: info.converged_at, Status.DIVERGED: info.diverged_at}.get(info.status) or info.attempts_run
    answer = run.answer[r, :len(guesses)]
    return {
        "run": r, "lr": float(run.lr[r]), "game": int(run.game[r]), "status": info.status.value,
        "name": run_name(run, r), "sentence": run_sentence(run, r),
        "a": series.deltas(run.attempt[rows]), "loss": loss.of(r, rows), "loss_exits": loss.exits_of(run, r),
        "diverged": _diverged_mark(run, r, loss.view),
        "guess": [g.of(r, rows) for g in guesses], "guess_exits": [g.exits_of(run, r) for g in guesses],
        "answer": series.quantize(guesses[0].view, guesses[0].view.place(answer)) if guesses else [],
        "guess_axis": series.axis(guesses[0].view, "guess") if guesses else None,
        "px": series.quantize(f.vx, px[rows, r]), "py": series.quantize(f.vy, py[rows, r]),
        "final": [series.quantize(final_view, [final_view.edge(side) if side else final_view.place(final[r])])[0],
                  side, number(final[r])],
        "at": int(at), "theory": _theory_pair(run, r),
        "head": _table(run, r, range(min(TABLE_HEAD, alive))),
        "tail": _table(run, r, range(max(TABLE_HEAD, alive - TABLE_TAIL), alive)),
        "skipped": max(0, alive - TABLE_HEAD - TABLE_TAIL),
        "row": [number(float(run.lr[r])), attempts_text(info), number(info.final_loss), theory_text(info.theory)],
        "keys": [float(run.lr[r]), _sortable(info.converged_at or info.diverged_at or info.attempts_run),
                 _sortable(info.final_loss)],
    }


def _path_positions(f, loss: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each logged (error, loss) on the path's frame: inside as itself; a point past the frame next to
    one inside clipped to the edge it is past (the line runs there; the page marks it); the rest a gap."""
    sx, sy = marks.sides(f.vx, f.space.x), marks.sides(f.vy, loss)
    inside = f.live & (sx == 0) & (sy == 0) & np.isfinite(f.space.x) & np.isfinite(loss)
    near = np.zeros_like(inside)
    near[1:] |= inside[:-1]
    near[:-1] |= inside[1:]
    out = f.live & ~inside & near
    x = np.where(sx == 0, f.vx.place(f.space.x), np.where(sx > 0, f.vx.edge(1), f.vx.edge(-1)))
    y = np.where(sy == 0, f.vy.place(loss), np.where(sy > 0, f.vy.edge(1), f.vy.edge(-1)))
    x = np.where(np.isnan(x) & out, f.vx.edge(1), x)
    y = np.where(np.isnan(y) & out, f.vy.edge(1), y)
    keep = inside | out
    return np.where(keep, x, np.nan), np.where(keep, y, np.nan)


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


def _theory_scale(run: RunData, view: View) -> dict[str, float] | None:
    """For plain SGD on mse, theory's loss is loss(1)·rate^(2(t−1)): a straight line on the log axis,
    drawn by the page from each run's log10 loss(1) and log10 rate (`_theory_pair`)."""
    if run.config.loss != "mse" or not run.config.plain_sgd or view.scale != "log":
        return None
    low, high = (float(u) for u in view.u([view.low, view.high]))
    return {"low": low, "high": high, "limits": list(view.limits)}


def _theory_pair(run: RunData, r: int) -> list[float] | None:
    theory = run.summary[r].theory
    first = run.loss[0, r] if run.attempt.size and run.attempt[0] == 1 else np.nan
    if theory is None or theory.rate is None or not np.isfinite(first) or first <= 0 or theory.rate <= 0:
        return None
    return [round(float(np.log10(first)), 6), round(float(np.log10(theory.rate)), 9)]


def _landscape(run: RunData, f) -> dict[str, Any]:
    """The loss curve over the path's frame, and where the answer (error 0) is."""
    grid = np.linspace(f.vx.low, f.vx.high, 401)
    curve = landscape(run, grid)
    shown, _ = series.on_view(f.vy, curve[:, None], np.ones((len(grid), 1), bool))
    return {"x": series.quantize(f.vx, f.vx.place(grid)), "y": series.quantize(f.vy, shown[:, 0]),
            "answer": series.quantize(f.vx, [f.vx.place(0.0)])[0], "label": f.space.curve}


def _table(run: RunData, r: int, rows: range) -> list[list[str]]:
    return [[str(int(run.attempt[k])), vector(run.guess[k, r].tolist()), number(float(run.loss[k, r]))] for k in rows]


def _sortable(value) -> float | None:
    """A sort key JSON can hold: inf as ±1e308, nan as None (sorted last)."""
    if value is None or np.isnan(value):
        return None
    return float(np.clip(value, -1e308, 1e308))


def _element(shape: tuple[int, ...], i: int) -> str:
    if len(shape) <= 1:
        return f"guess[{i}]" if shape else "guess"
    return "guess[" + ",".join(str(k) for k in np.unravel_index(i, shape)) + "]"
