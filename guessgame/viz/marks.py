"""Series on a `View`: lines that stop at the edge where a run leaves, and the marks that say so.

One artist per kind (a LineCollection for every line, one scatter per marker), so ten thousand
runs draw as fast as ten.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from matplotlib.collections import LineCollection

from guessgame.rundata import RunData
from guessgame.status import Status
from guessgame.viz import style
from guessgame.viz.axis import View

POINTS = 2_000_000  # at most this many vertices in one figure's lines; more runs are thinned in attempts


class Exit(NamedTuple):
    series: int  # column of the series
    row: int  # first row past the view
    side: int  # +1 above, -1 below
    finite: bool  # False: the value itself was inf or nan (an overflow)


def alive(run: RunData) -> np.ndarray:
    """(rows, runs): True while a run was still playing (with stop_early it stops; later rows are empty)."""
    ran = np.array([s.attempts_run for s in run.summary])
    return run.attempt[:, None] <= ran[None, :]


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
    if _spread(values[keep]) == 0:  # every run diverged at once: show each one's first fifth as well
        head = max(3, len(run.attempt) // 5)
        keep[:head] |= alive(run)[:head] & np.isfinite(values[:head])
    return keep


def _spread(v: np.ndarray) -> float:
    return float(v.max() - v.min()) if v.size else 0.0


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


def trace(view: View, values: np.ndarray, live: np.ndarray) -> tuple[np.ndarray, list[Exit]]:
    """Positions to draw (rows, series) at, and where each series leaves the view.

    Inside values are drawn as placed; a value past the view next to one inside is drawn at the edge,
    so the line runs to the edge where the series leaves (or comes back); the rest is a gap (NaN).
    """
    side = np.where(live, sides(view, values), 0)
    inside = live & (side == 0) & ~np.isnan(values)
    out = live & (side != 0)
    before = np.vstack([np.zeros((1, inside.shape[1]), bool), inside[:-1]])
    after = np.vstack([inside[1:], np.zeros((1, inside.shape[1]), bool)])
    edge = np.where(side > 0, view.edge(1), view.edge(-1))
    shown = np.where(inside, view.place(values), np.where(out & (before | after), edge, np.nan))
    first = np.vstack([np.ones((1, inside.shape[1]), bool), ~out[:-1]])
    rows, cols = np.nonzero(out & first)
    exits = [Exit(int(c), int(k), int(side[k, c]), bool(np.isfinite(values[k, c]))) for k, c in zip(rows, cols)]
    return shown, exits


def first_overflow(values: np.ndarray, live: np.ndarray) -> list[int | None]:
    """Per series, the first row whose value is inf or nan while the run was playing."""
    bad = live & ~np.isfinite(values)
    return [int(np.argmax(bad[:, c])) if bad[:, c].any() else None for c in range(values.shape[1])]


def lines(ax, x: np.ndarray, shown: np.ndarray, colors, *, lw: float = 1.6, alpha: float = 1.0,
          zorder: float = 2) -> LineCollection:
    """Every series as one LineCollection; long logs of many runs are thinned in attempts."""
    rows, count = shown.shape
    step = max(1, -(-rows * count // POINTS))
    keep = np.unique(np.r_[np.arange(0, rows, step), rows - 1]) if step > 1 else slice(None)
    xs, ys = x[keep], shown[keep]
    segments = np.stack([np.broadcast_to(xs[:, None], ys.shape), ys], axis=-1).transpose(1, 0, 2)
    collection = LineCollection(list(segments), colors=colors, linewidths=lw, alpha=alpha, zorder=zorder)
    ax.add_collection(collection, autolim=False)
    return collection


def edge_marks(ax, view: View, x: np.ndarray, exits: list[Exit], colors, *, size: float = 60) -> None:
    """A triangle at the edge where a series left the view, pointing the way it went -- an overflow
    (inf or nan) too: the ✕ is kept for the attempt a run was declared diverged, drawn beneath."""
    for side, marker in ((1, "^"), (-1, "v")):
        chosen = [e for e in exits if e.side == side]
        if chosen:
            ax.scatter([x[e.row] for e in chosen], [view.edge(side)] * len(chosen), marker=marker, s=size,
                       c=[colors[e.series] for e in chosen], edgecolors="black", linewidths=0.6,
                       clip_on=False, zorder=6)


def same_series(shown: np.ndarray, columns: list[int], tolerance: float) -> list[list[int]]:
    """Columns drawn on top of each other (within `tolerance` in axis units everywhere, gaps alike),
    grouped in order of appearance."""
    groups: list[list[int]] = []
    for c in columns:
        for group in groups:
            a, b = shown[:, group[0]], shown[:, c]
            if np.array_equal(np.isnan(a), np.isnan(b)) and np.all(np.abs(a - b)[~np.isnan(a)] <= tolerance):
                group.append(c)
                break
        else:
            groups.append([c])
    return groups


def split_unequal(groups: list[list[int]], values: np.ndarray, atol: float) -> list[list[int]]:
    """Each group of columns drawn as one line, split where the columns' real values differ (beyond
    `atol`, or one relative part in a thousand): columns clipped to the same edge are not one line."""
    out: list[list[int]] = []
    for group in groups:
        sub: list[list[int]] = []
        for c in group:
            for members in sub:
                a, b = values[:, members[0]], values[:, c]
                with np.errstate(invalid="ignore", over="ignore"):
                    same = (a == b) | (np.isnan(a) & np.isnan(b)) | np.isclose(a, b, rtol=1e-3, atol=atol)
                if same.all():
                    members.append(c)
                    break
            else:
                sub.append([c])
        out.extend(sub)
    return out


def zoom(ax, run: RunData, shown: np.ndarray, live: np.ndarray, who: str = "every run") -> None:
    """Attempts up to a little after the last point in view: a run that left for good needs no more.
    `who` names the runs drawn, for the note on why the rest is cut."""
    seen = np.flatnonzero((~np.isnan(shown) & live).any(axis=1))
    rows = len(run.attempt)
    last = int(seen[-1]) if seen.size else rows - 1
    if last < rows // 2 and rows > 8:
        end = min(rows - 1, last + max(3, last // 3))
        style.attempt_axis(ax, run.attempt, last=int(run.attempt[end]))
        why = "all past the view" if live[end + 1:].any() else f"{who} had stopped"
        ax.text(0.98, 0.03, f"attempts {run.attempt[end] + 1}–{run.attempt[-1]}:\n{why}", ha="right",
                va="bottom", transform=ax.transAxes, fontsize=8, color="gray",
                bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.85})
    else:
        style.attempt_axis(ax, run.attempt)
