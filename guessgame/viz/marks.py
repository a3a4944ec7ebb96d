"""Series on a `View`: lines that stop at the edge where a run leaves, and the marks that say so.

One artist per kind (a LineCollection for every line, one scatter per marker): ten thousand runs draw as fast as ten.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.colors import to_rgba

from guessgame.rundata import RunData
from guessgame.status import Status
from guessgame.viz import style
from guessgame.viz.axis import View
from guessgame.viz.fit import under_axis

POINTS = 2_000_000  # at most this many vertices in one figure's lines; more runs are thinned in attempts


class Exit(NamedTuple):
    series: int  # column of the series
    row: int  # first row past the view
    side: int  # +1 above, -1 below
    finite: bool  # False: the value itself was inf or nan (an overflow)
    x: float | None = None  # where the line meets the edge; None: at the row itself


class Trace(NamedTuple):
    """A set of series placed on a view (see `trace`)."""

    points: np.ndarray  # (rows, series): where each value is drawn as itself; NaN past the edge or not playing
    x: np.ndarray  # (3 x rows, series): the lines' vertices, cut where they cross an edge; NaN: a gap
    y: np.ndarray
    exits: list[Exit]


def alive(run: RunData) -> np.ndarray:
    """(rows, runs): True while a run was still playing (with stop_early it stops; later rows are empty)."""
    ran = np.array([s.attempts_run for s in run.summary])
    return run.attempt[:, None] <= ran[None, :]


def unlogged_ends(run: RunData) -> list[int]:
    """Runs that stopped early at an attempt the thinned log did not keep."""
    kept = set(run.attempt.tolist())
    return [r for r, s in enumerate(run.summary) if 0 < s.attempts_run < run.config.attempts
            and s.attempts_run not in kept]


def last_row(run: RunData, r: int) -> int:
    """The last kept row a run played."""
    return int(np.searchsorted(run.attempt, run.summary[r].attempts_run, side="right")) - 1


def needed(run: RunData, values: np.ndarray, *, growth: bool = True) -> np.ndarray:
    """(rows, runs) mask of the values a reader needs: every row of a run that did not diverge, and
    each diverged run's start -- with `growth`, its rows until the attempt it diverged as well."""
    keep = alive(run) & np.isfinite(values)
    for r, info in enumerate(run.summary):
        at = info.diverged_at if growth else 2
        if info.status == Status.DIVERGED:
            cut = run.attempt >= (at or 2)
            cut[: 1] = False
            keep[cut, r] = False
    kept = values[keep]
    if not kept.size or kept.max() == kept.min():  # every run diverged at once: show each one's first fifth
        head = max(3, len(run.attempt) // 5)
        keep[:head] |= alive(run)[:head] & np.isfinite(values[:head])
    return keep


def sides(view: View, values: np.ndarray) -> np.ndarray:
    """view.side, with nan on the side of the last value before it (an overflow: above by default)."""
    side = view.side(values)
    nan = np.isnan(values)
    if nan.any():
        known = np.where(nan | (side == 0), 0, side)
        rows = np.arange(len(values))[:, None] * (known != 0)
        last = np.maximum.accumulate(rows, axis=0)
        filled = np.take_along_axis(known, last, axis=0)
        side = np.where(nan, np.where(filled == 0, 1, filled), side)
    return side


def trace(view: View, x: np.ndarray, values: np.ndarray, live: np.ndarray) -> Trace:
    """Each series (a column of `values`, at rows `x`) on the view: its points, its line and its exits.

    A value inside the axis limits is drawn as itself. The line between two rows is cut where it
    crosses the top or bottom edge, on its true course, so a series leaving the view runs straight to
    the edge; a value with no course to follow (inf, nan, or a tiny one in a log axis's break above
    its zero floor) is drawn on the edge at its own row. Each time a series reaches an edge it gets an
    `Exit` at the attempt it crossed.
    """
    rows, count = values.shape
    bottom, top = view.limits
    u, known = _placed(view, values, live)
    inside = known & (u >= bottom) & (u <= top)
    points = np.where(inside, u, np.nan)
    # each segment, row k to k+1, clipped to the band [bottom, top] (1-D Liang-Barsky)
    p, q = u[:-1], u[1:]
    both = live[:-1] & live[1:]
    with np.errstate(divide="ignore", invalid="ignore"):  # a segment from or to a value off the axis (inf)
        d = q - p
        ta, tb = (bottom - p) / d, (top - p) / d
        flat = d == 0
        t0 = np.where(flat, 0.0, np.maximum(0.0, np.minimum(ta, tb)))
        t1 = np.where(flat, 1.0, np.minimum(1.0, np.maximum(ta, tb)))
        middle = p + 0.5 * (t0 + t1) * d
    seen = both & (t0 <= t1) & (inside[:-1] | inside[1:] | ((t0 < t1) & (middle > bottom) & (middle < top)))
    xx = np.broadcast_to(np.asarray(x, dtype=float)[:, None], values.shape)
    dx = xx[1:] - xx[:-1]
    start = (np.where(seen, xx[:-1] + t0 * dx, np.nan), np.where(seen, np.where(inside[:-1], p, p + t0 * d), np.nan))
    end = (np.where(seen, xx[:-1] + t1 * dx, np.nan), np.where(seen, np.where(inside[1:], q, p + t1 * d), np.nan))
    gap = np.full((1, count), np.nan)
    slots_x = np.stack([np.where(inside, xx, np.vstack([gap, end[0]])), np.where(inside, xx, np.nan),
                        np.where(inside, xx, np.vstack([start[0], gap]))], axis=1).reshape(3 * rows, count)
    slots_y = np.stack([np.where(inside, u, np.vstack([gap, end[1]])), points,
                        np.where(inside, u, np.vstack([start[1], gap]))], axis=1).reshape(3 * rows, count)
    return Trace(points, slots_x, slots_y, _exits(view, values, live, inside, seen, end, u))


def _placed(view: View, values: np.ndarray, live: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each value's axis coordinate, and whether that is the value itself (False: put on the edge it
    is past, with no course to follow). Rows not played are NaN."""
    side = sides(view, values)
    with np.errstate(invalid="ignore", over="ignore"):
        u = view.place(values)  # inside: the value (zeros on the floor); past the view: the edge
        real = view.u(np.clip(values, -(10.0 ** 300), 10.0 ** 300))
    if view.floor is not None:  # zeros sit on the floor; the break above it holds no values
        real = np.where(values == 0, u, np.where(values >= view.low, real, np.nan))
    known = np.isfinite(values) & np.isfinite(real)
    u = np.where(known, real, np.where(side > 0, view.edge(1), np.where(side < 0, view.edge(-1), u)))
    return np.where(live, u, np.nan), known & live


def _exits(view: View, values, live, inside, seen, end, u) -> list[Exit]:
    """Where each series reaches an edge: its first row if that is past the view, and every segment
    that ends on an edge short of a value past it."""
    bottom, top = view.limits
    out = live & ~inside
    exits = []
    for c in np.flatnonzero(out[0]):
        exits.append(Exit(int(c), 0, 1 if u[0, c] > (bottom + top) / 2 else -1, bool(np.isfinite(values[0, c]))))
    leave = seen & out[1:]
    for k, c in zip(*np.nonzero(leave)):
        side = 1 if end[1][k, c] >= (bottom + top) / 2 else -1
        exits.append(Exit(int(c), int(k) + 1, side, bool(np.isfinite(values[k + 1, c])), float(end[0][k, c])))
    return sorted(exits, key=lambda e: (e.row, e.series))


def lines(ax, trace: Trace, colors, *, lw: float = 1.6, alpha: float = 1.0, zorder: float = 2,
          columns: list[int] | None = None, ls: str = "-") -> LineCollection:
    """Every series (or those in `columns`) as one LineCollection; long logs of many runs are thinned."""
    xs, ys = (trace.x, trace.y) if columns is None else (trace.x[:, columns], trace.y[:, columns])
    rows, count = xs.shape[0] // 3, xs.shape[1]
    step = max(1, -(-rows * count // POINTS))
    if step > 1:  # every step-th row (its three slots) and the last
        keep = np.unique(np.r_[np.arange(0, rows, step), rows - 1])
        xs, ys = (v.reshape(rows, 3, count)[keep].reshape(-1, count) for v in (xs, ys))
    segments = [np.column_stack(vertices(xs[:, c], ys[:, c])) for c in range(count)]
    collection = LineCollection(segments, colors=colors, linewidths=lw, alpha=alpha, zorder=zorder, linestyles=ls)
    ax.add_collection(collection, autolim=False)
    return collection


def vertices(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One series' line from its three slots a row, without the repeats (a row in view fills all three)."""
    repeat = np.zeros(x.shape, bool)
    repeat[1:] = (x[1:] == x[:-1]) & (y[1:] == y[:-1])
    return x[~repeat], y[~repeat]


def edge_marks(ax, view: View, x: np.ndarray, exits: list[Exit], colors, *, size: float = 60,
               edge: str = "black") -> None:
    """A triangle at the edge where a series left the view, pointing the way it went -- an overflow
    (inf or nan) too: the ✕ is kept for the attempt a run was declared diverged, drawn beneath.
    `edge`: the triangles' outline ("none" for thousands, which would fuse into a black bar)."""
    for side, marker in ((1, "^"), (-1, "v")):
        chosen = [e for e in exits if e.side == side]
        if chosen:
            at = np.array([x[e.row] if e.x is None else e.x for e in chosen], dtype=float)
            fill = np.array([to_rgba(colors[e.series]) for e in chosen])
            mark = ax.scatter(at, np.full(len(at), view.edge(side)), marker=marker, s=size, c=fill,
                              edgecolors=edge, linewidths=0.6, clip_on=False, zorder=6)
            _over_the_panel(ax, mark, at, fill)


def _over_the_panel(ax, mark, at: np.ndarray, fill: np.ndarray) -> None:
    """Only the marks over the axes' x range, now and after a zoom: unclipped, one past it lands on the next panel."""
    y = mark.get_offsets()[:, 1].copy()

    def keep(_=None) -> None:
        shown = (at >= min(ax.get_xlim())) & (at <= max(ax.get_xlim()))
        mark.set_offsets(np.column_stack([at[shown], y[shown]]))
        mark.set_facecolors(fill[shown])

    keep()
    ax.callbacks.connect("xlim_changed", keep)


def same_series(shown: np.ndarray, columns: list[int], tolerance: float) -> list[list[int]]:
    """Columns drawn on top of each other (within `tolerance` in axis units everywhere, gaps alike),
    grouped in order of appearance."""
    def near(a, b) -> bool:
        return np.array_equal(np.isnan(a), np.isnan(b)) and bool(np.all(np.abs(a - b)[~np.isnan(a)] <= tolerance))

    return _grouped(columns, lambda group, c: near(shown[:, group[0]], shown[:, c]))


def split_unequal(groups: list[list[int]], values: np.ndarray, atol: float) -> list[list[int]]:
    """Each group of columns drawn as one line, split where the columns' real values differ (beyond
    `atol`, or one relative part in a thousand): columns clipped to the same edge are not one line."""
    def same(members, c) -> bool:
        a, b = values[:, members[0]], values[:, c]
        with np.errstate(invalid="ignore", over="ignore"):
            return bool(((a == b) | (np.isnan(a) & np.isnan(b)) | np.isclose(a, b, rtol=1e-3, atol=atol)).all())

    return [members for group in groups for members in _grouped(group, same)]


def _grouped(columns: list[int], joins) -> list[list[int]]:
    """Columns in groups, in order of appearance: each joins the first group `joins(group, c)` accepts."""
    groups: list[list[int]] = []
    for c in columns:
        home = next((group for group in groups if joins(group, c)), [])
        if not home:
            groups.append(home)
        home.append(c)
    return groups


def zoom(ax, run: RunData, shown: np.ndarray, live: np.ndarray, who: str = "every run"):
    """Attempts up to a little after the last point in view: a run that left for good needs no more.
    `who` names the runs drawn, for the note on why the rest is cut; returns that note (None: not cut)."""
    seen = np.flatnonzero((~np.isnan(shown) & live).any(axis=1))
    rows = len(run.attempt)
    last = int(seen[-1]) if seen.size else rows - 1
    if last >= rows // 2 or rows <= 8:
        return style.attempt_axis(ax, run.attempt)  # not cut: no note
    end = min(rows - 1, last + max(3, last // 3))
    style.attempt_axis(ax, run.attempt, last=int(run.attempt[end]))
    why = "all past the view" if live[end + 1:].any() else f"{who} had stopped"
    note = ax.annotate(f"attempts {run.attempt[end] + 1}–{run.attempt[-1]}:\n{why}", (1, 1), ha="right", va="top",
                       xycoords=lambda renderer: under_axis(ax, note, renderer), fontsize=style.points(7.5),
                       color="gray", annotation_clip=False)
    return note

