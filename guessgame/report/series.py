"""A run's curves as the page carries them: placed on the figures' own views, thinned, and compact.

Every value is put on its axis by `viz.axis.View` -- as the static figures put it: exact zeros on a
labelled floor, values past the view (huge, inf, nan) clipped to its edge and marked there -- then
kept as its place along the axis in 1/RESOLUTION-ths of the axis (a whole number 0 .. RESOLUTION;
null for a gap). Those places are for drawing only: every number the page prints is carried as the
text `formatting.number` writes (`texts`). Long runs keep their first and last attempts, the attempts
around each event (converging, diverging, leaving the view, reaching the band), and an even spread of
the rest. The path figure's points and landscape are placed on its frame (`viz.frame`) the same way.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

from guessgame.formatting import number
from guessgame.viz import marks
from guessgame.viz.axis import View
from guessgame.viz.errorspace import landscape

RESOLUTION = 10_000  # a drawn value is kept to 1/10000 of its axis: finer than a screen shows
HEAD, TAIL, AROUND = 12, 6, 3  # attempts kept at the start, at the end, either side of an event


def quantize(view: View, placed: np.ndarray) -> list:
    """Positions on `view`'s axis (as `View.place` gives them) -> whole numbers 0 .. RESOLUTION, None for NaN."""
    lo, hi = view.limits
    with np.errstate(invalid="ignore"):
        q = np.rint((np.asarray(placed, dtype=float) - lo) / (hi - lo) * RESOLUTION)
    gaps = np.isnan(q)
    out = np.where(gaps, 0, q).astype(np.int64).tolist()
    for k in np.flatnonzero(gaps).tolist():
        out[k] = None
    return out


def texts(values: np.ndarray) -> str:
    """Values as the page prints them, `formatting.number`'s text, one space between each: `1571.333 174.5926`
    (a text has no space; one string is shorter than a list of them)."""
    return " ".join(number(v) for v in np.asarray(values, dtype=float).tolist())


def axis(view: View, title: str) -> dict[str, Any]:
    """A plotly axis showing `view`: 0 .. RESOLUTION, ticked and labelled as the static figures are."""
    return {**plain_axis(title), **ticks(view), "view": inverse(view)}


def plain_axis(title: str) -> dict[str, Any]:
    """What every axis of 0 .. RESOLUTION shares: its range, title and grid."""
    return {"range": [-0.02 * RESOLUTION, 1.02 * RESOLUTION], "title": {"text": title}, "zeroline": False,
            "showgrid": True, "gridcolor": "#e6e6e6", "fixedrange": True}


def ticks(view: View) -> dict[str, list]:
    """`view`'s ticks and their labels, as the static figures tick it, at their places 0 .. RESOLUTION."""
    ax = _scratch()
    view.apply(ax)  # the view ticks a scratch matplotlib axis, as it ticks a figure's; the ticks are read back
    lo, hi = view.limits
    values = [float(u) for u in ax.yaxis.get_major_locator()() if lo <= u <= hi]
    formatter = ax.yaxis.get_major_formatter()
    return {"tickvals": quantize(view, values), "ticktext": [formatter(u, k) for k, u in enumerate(values)]}


def inverse(view: View) -> dict[str, Any]:
    """What the page needs to turn a kept position back into the value it shows in words."""
    low, high = (float(u) for u in view.u([view.low, view.high]))
    return {"scale": view.scale, "limits": list(view.limits), "inside": [low, high], "linthresh": view.linthresh,
            "floor": None if view.floor is None else float(view.u(view.floor))}


@lru_cache(maxsize=1)
def _scratch():
    from matplotlib.figure import Figure

    return Figure().add_subplot()


def floor_band(view: View) -> list[float] | None:
    """Where the grey break below a log axis's data lies (exact zeros sit under it), in axis units; None
    without one (a linear axis of nothing but exact zeros has its floor at 0, and no break)."""
    if view.floor is None or view.scale != "log":
        return None
    gap = float(np.log10(view.low / view.floor))
    return [0.0, float(quantize(view, [float(view.u(view.low)) - 0.4 * gap])[0])]


def kept_rows(shown: np.ndarray, attempt: np.ndarray, events: list[int], budget: int) -> np.ndarray:
    """Rows of one run to keep, at most about `budget`: the first and last, those around each event
    attempt and each edge of a gap (the run leaving or re-entering the view), and an even spread."""
    rows = len(shown)
    if rows <= budget:
        return np.arange(rows)
    keep = [np.arange(min(HEAD, rows)), np.arange(max(0, rows - TAIL), rows)]
    gap = np.isnan(shown)
    edges = np.flatnonzero(gap[1:] != gap[:-1])
    at = np.searchsorted(attempt, [a for a in events if a]) if events else np.array([], int)
    for row in np.concatenate([edges, edges + 1, at]).astype(int):
        keep.append(np.arange(max(0, row - AROUND), min(rows, row + AROUND + 1)))
    chosen = np.unique(np.concatenate(keep))
    left = max(8, budget - len(chosen))
    stride = max(1, rows // left) | 1  # odd: a period-2 bounce shows both of its sides
    spread = np.unique(np.r_[np.arange(0, rows, stride), np.geomspace(1, rows, left // 4).astype(int) - 1])
    return np.unique(np.concatenate([chosen, spread]))


def on_view(view: View, values: np.ndarray, live: np.ndarray) -> tuple[np.ndarray, list[marks.Exit]]:
    """`marks.trace` by row: the positions to draw (a run leaving the view runs to its edge, then a
    gap) and the exits."""
    traced = marks.trace(view, np.arange(len(values)), values, live)
    shown = traced.points.copy()
    for e in traced.exits:
        shown[e.row, e.series] = view.edge(e.side)
    return shown, traced.exits


def deltas(values: np.ndarray) -> list[int]:
    """Attempts as the first one and the steps between them: small numbers, a short page."""
    values = np.asarray(values, dtype=int)
    return np.diff(values, prepend=0).tolist()


def sort_key(value) -> float | None:
    """A sort key JSON can hold: inf as ±1e308, nan as None (sorted last)."""
    if value is None or np.isnan(value):
        return None
    return float(np.clip(value, -1e308, 1e308))


def path_positions(f, loss: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
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


def landscape_curve(run, f) -> dict[str, Any]:
    """The loss curve over the path's frame, and where the answer (error 0) is."""
    grid = np.linspace(f.vx.low, f.vx.high, 401)
    curve = landscape(run, grid)
    shown, _ = on_view(f.vy, curve[:, None], np.ones((len(grid), 1), bool))
    return {"x": quantize(f.vx, f.vx.place(grid)), "y": quantize(f.vy, shown[:, 0]),
            "answer": quantize(f.vx, [f.vx.place(0.0)])[0], "label": f.space.curve}


BAND_POINTS = 400  # attempts a band is drawn at, at most


def bands(run, view: View) -> tuple[list[dict], dict[int, int]]:
    """Noisy hints over several games: each lr's (and cell's) band of true losses, 10% to 90% of its games, on
    `view` at up to BAND_POINTS of the kept attempts; and each run's band."""
    from guessgame.viz import spread

    if not spread.spread(run) or not run.attempt.size:
        return [], {}
    rows = np.unique(np.linspace(0, len(run.attempt) - 1, min(len(run.attempt), BAND_POINTS)).round().astype(int))
    out, of = [], {}
    for k, members in enumerate(spread.groups(run)):
        low, _, high = spread.quantiles(run, members)
        out.append({"t": run.attempt[rows].tolist(), "low": quantize(view, view.place(low[rows])),
                    "high": quantize(view, view.place(high[rows]))})
        of.update({int(r): k for r in members})
    return out, of


def element(shape: tuple[int, ...], i: int) -> str:
    """Element i of the flattened guess, as Python indexes it: `guess[1]`, `guess[0,1]`, or `guess`."""
    if len(shape) <= 1:
        return f"guess[{i}]" if shape else "guess"
    return "guess[" + ",".join(str(k) for k in np.unravel_index(i, shape)) + "]"
