"""The guesses' path over the loss landscape, in error space (guess - answer: the answer is at 0).

The frame is chosen from the answer and the runs that approach it (and every run's start); a run
that escapes is drawn to the frame's edge, with an arrow and the attempt it left.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from guessgame.rundata import RunData
from guessgame.viz import marks
from guessgame.viz.axis import View, choose
from guessgame.viz.errors import ErrorSpace, ends, error_space, landscape
from guessgame.viz.style import (FEW, STATUS_COLORS, TITLE_PAD, as_run, figure, legend_outside, margins, run_colors,
                                 run_name, title)
from guessgame.viz.story import story

DOTS = 20_000  # more logged guesses than this: lines only
PATHS = 25  # at most this many paths of each status


class Frame(NamedTuple):
    space: ErrorSpace
    vx: View
    vy: View
    live: np.ndarray  # (rows, runs)


def frame(run: RunData) -> Frame:
    """The views: x from the answer, the approaching runs and every start; y from their losses and the curve."""
    space = error_space(run)
    live = marks.alive(run)
    need = marks.needed(run, run.loss, growth=False) & np.isfinite(space.x)
    need[0] |= live[0] & np.isfinite(space.x[0]) & np.isfinite(run.loss[0])
    settled = [r for r in marks.unlogged_ends(run) if run.summary[r].status != "diverged"]
    end_x, end_loss = ends(run, settled)  # where a stopped run ended, when the log did not keep it
    xs = np.concatenate([space.x[need], end_x, [0.0]])
    rest = live & ~need
    vx = choose(xs, kind="value", base=float(np.abs(xs[np.isfinite(xs)]).max()) or 1.0, room=_room(xs, space.x[rest]))
    grid = np.linspace(vx.low, vx.high, 401)
    ys = np.concatenate([run.loss[need], end_loss, landscape(run, grid)])
    ys = ys[np.isfinite(ys)]
    vy = choose(ys, kind="value", base=float(np.abs(ys).max(initial=0)) or 1.0, room=_room(ys, run.loss[rest]))
    return Frame(space, vx, vy, live)


def _room(core: np.ndarray, rest: np.ndarray) -> tuple[bool, bool]:
    """Room on the side where runs leave: (below, above)."""
    if not core.size:
        return False, False
    with np.errstate(invalid="ignore"):
        return bool((rest < core.min()).any()), bool((np.isnan(rest) | (rest > core.max())).any())


def path_figure(source: Any) -> Figure:
    """Each run's logged guesses as (error, loss) over the loss landscape; the answer at error 0."""
    run = as_run(source)
    fig = figure(WIDTH_PATH, 6.0)
    ax = fig.add_subplot()
    f = draw_landscape(ax, run)
    colors = run_colors(run)
    verts, exits = clipped_paths(f, run.loss)
    _lines(ax, verts, colors, run.status)
    inside = _inside(f, f.space.x, run.loss)
    if inside.sum() <= DOTS:
        rows, cols = np.nonzero(inside)
        ax.scatter(f.vx.place(f.space.x[rows, cols]), f.vy.place(run.loss[rows, cols]), s=14 if run.runs <= FEW else 4,
                   c=[colors[c] for c in cols], zorder=4, linewidths=0)
    exits = [(r, int(run.attempt[k]), x, y) for r, k, x, y in exits] + _ends(ax, run, f, colors)
    _exits(ax, run, f, exits, colors)
    _starts(ax, run, f)
    ax.set_title(title(run, "the guesses over the loss, in error space"), fontsize=11, pad=TITLE_PAD)
    margins(fig, left=1.2, bottom=0.75, legend=legend_outside(ax, *_legend(run, f, colors)))
    return fig


WIDTH_PATH = 9.5


def draw_landscape(ax, run: RunData) -> Frame:
    """The frame's views on `ax`, the landscape curve, the answer line and the axis labels."""
    f = frame(run)
    f.vx.apply(ax, "x")
    f.vy.apply(ax, "y")
    grid = np.linspace(f.vx.low, f.vx.high, 801)
    curve = landscape(run, grid)
    drawn = marks.trace(f.vy, f.vx.place(grid), curve[:, None], np.ones((len(grid), 1), bool))
    ax.plot(*marks.vertices(drawn.x[:, 0], drawn.y[:, 0]), color="black", lw=1.4, zorder=2)
    ax.axvline(float(f.vx.place(0.0)), color="black", ls="--", lw=1, zorder=1)
    ax.set_xlabel(f.space.label)
    ax.set_ylabel("loss of each logged guess")
    ax.grid(True, alpha=0.3)
    return f


def _inside(f: Frame, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return f.live & f.vx.contains(x) & f.vy.contains(y)


def clipped_paths(f: Frame, loss: np.ndarray) -> tuple[np.ndarray, list[tuple[int, int, float, float]]]:
    """(3 x rows, runs, 2) vertices in axis coordinates, gaps as NaN, and the exits (run, row, x, y).

    Each row gets three slots: where the segment from the previous row ends, the point itself, and
    where the segment to the next row starts. A segment between a point inside and one outside
    ends where it crosses the frame; segments between two points outside are gaps.
    """
    px, py = _unit(f.vx, f.space.x), _unit(f.vy, loss)
    inside = _inside(f, f.space.x, loss)
    point = np.stack([px, py], axis=-1)
    cross = _crossings(point[:-1], point[1:], inside[:-1], inside[1:])  # (rows-1, runs, 2)
    cross[~(f.live[:-1] & f.live[1:])] = np.nan  # a run that stopped early just ends
    nan = np.full_like(point[:1], np.nan)
    into = np.where(inside[..., None], point, np.concatenate([nan, cross]))
    out = np.where(inside[..., None], point, np.concatenate([cross, nan]))
    mid = np.where(inside[..., None], point, np.nan)
    verts = np.stack([into, mid, out], axis=1).reshape(-1, point.shape[1], 2)
    leave = inside[:-1] & ~inside[1:] & f.live[1:] & np.isfinite(cross[..., 0])
    exits = [(int(c), int(k) + 1, *cross[k, c]) for k, c in zip(*np.nonzero(leave))]
    return _to_axis(f, verts), [(r, k, *_to_axis(f, np.array([[x, y]]))[0]) for r, k, x, y in exits]


def _unit(view: View, values: np.ndarray) -> np.ndarray:
    """Values in frame units: 0 .. 1 inside the view; far outside clipped to ±1e6, nan kept."""
    lo, hi = view.limits
    with np.errstate(over="ignore", invalid="ignore"):
        u = (view.u(np.clip(values, -1e300, 1e300)) - lo) / (hi - lo)
    return np.where(np.isnan(values), np.nan, np.clip(u, -1e6, 1e6))


def _to_axis(f: Frame, verts: np.ndarray) -> np.ndarray:
    (x0, x1), (y0, y1) = f.vx.limits, f.vy.limits
    return np.stack([x0 + verts[..., 0] * (x1 - x0), y0 + verts[..., 1] * (y1 - y0)], axis=-1)


def _crossings(p: np.ndarray, q: np.ndarray, p_in: np.ndarray, q_in: np.ndarray) -> np.ndarray:
    """Where the segment p-q crosses the unit frame, for pairs with exactly one end inside."""
    one = p_in != q_in
    a = np.where(p_in[..., None], p, q)  # the end inside
    b = np.where(p_in[..., None], q, p)
    b = np.where(np.isnan(b[..., 1:2]), np.stack([a[..., 0], np.full(a.shape[:-1], 1e6)], -1), b)
    b[..., 0] = np.where(np.isnan(b[..., 0]), a[..., 0], b[..., 0])
    d = b - a
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(d > 0, (1 - a) / d, np.where(d < 0, -a / d, np.inf)).min(axis=-1)
    t = np.clip(np.where(np.isfinite(t), t, 0), 0, 1)
    cross = a + t[..., None] * d
    # an end at an infinite (or overflowing) loss with a known error: leave through the top or bottom
    # above that error (clamped to the frame), not straight up from the point inside
    endless = (np.abs(b[..., 1]) >= 1e6) & np.isfinite(b[..., 0]) & (np.abs(b[..., 0]) < 1e6)
    edge = np.stack([np.clip(b[..., 0], 0, 1), np.where(b[..., 1] > 0, 1.0, 0.0)], -1)
    cross = np.where(endless[..., None], edge, cross)
    return np.where(one[..., None], cross, np.nan)


def _lines(ax, verts: np.ndarray, colors, statuses: list[str]) -> None:
    from matplotlib.collections import LineCollection

    runs = len(statuses)
    step = max(1, -(-verts.shape[0] * runs // marks.POINTS))
    if step > 1:  # many runs: every step-th attempt (three slots each), and the last
        rows = verts.shape[0] // 3
        keep = np.unique(np.r_[np.arange(0, rows, step), rows - 1])
        verts = verts.reshape(rows, 3, runs, 2)[keep].reshape(-1, runs, 2)
    # bottom to top: the runs that leave (the widest paths), those still moving or bouncing, the
    # converged (the shortest paths, often the many)
    for names in (("diverged",), ("unfinished", "oscillating"), ("converged",)):
        chosen = drawn_paths(statuses, names)
        if chosen.size:
            ax.add_collection(LineCollection([verts[:, r] for r in chosen], colors=[colors[r] for r in chosen],
                                             zorder=3, linewidths=1.2 if runs <= FEW else 0.8,
                                             alpha=0.5 if names == ("diverged",) and runs > FEW else 0.9),
                              autolim=False)


def drawn_paths(statuses: list[str], names: tuple[str, ...]) -> np.ndarray:
    """The runs of these statuses whose paths are drawn: all, or PATHS spread evenly through them (lrs
    and games in their order), since hundreds of zigzags through one bowl make a solid sheet that hides the rest."""
    chosen = np.flatnonzero([s in names for s in statuses])
    if chosen.size <= PATHS:
        return chosen
    return chosen[np.linspace(0, chosen.size - 1, PATHS).round().astype(int)]


def _ends(ax, run: RunData, f: Frame, colors) -> list[tuple[int, int, float, float]]:
    """Runs that stopped between kept rows: dotted from the last kept guess to the guess each ended with,
    cut where it leaves the frame (then an exit like any other); a hollow dot at an end inside."""
    from matplotlib.collections import LineCollection

    runs = marks.unlogged_ends(run)
    if not runs:
        return []
    rows = [marks.last_row(run, r) for r in runs]
    x, loss = ends(run, runs)
    px = np.stack([f.space.x[rows, runs], x])  # (2, runs): last kept, end
    py = np.stack([run.loss[rows, runs], loss])
    inside = f.vx.contains(px) & f.vy.contains(py)
    point = np.stack([_unit(f.vx, px), _unit(f.vy, py)], axis=-1)
    cross = _crossings(point[:1], point[1:], inside[:1], inside[1:])[0]
    a = np.where(inside[0][:, None], point[0], cross)
    b = np.where(inside[1][:, None], point[1], cross)
    segments = _to_axis(f, np.stack([a, b], axis=1))
    ax.add_collection(LineCollection(list(segments), colors=[colors[r] for r in runs], linestyles=":", lw=1.4,
                                     zorder=3), autolim=False)
    if inside[1].any():
        ax.scatter(segments[inside[1], 1, 0], segments[inside[1], 1, 1], s=30, facecolors="white",
                   edgecolors=[colors[r] for r, i in zip(runs, inside[1]) if i], linewidths=1.3, zorder=4)
    leave = inside[0] & ~inside[1] & np.isfinite(cross[:, 0])
    return [(r, run.summary[r].attempts_run, *segments[j, 1]) for j, r in enumerate(runs) if leave[j]]


def _exits(ax, run: RunData, f: Frame, exits, colors) -> None:
    """An arrow where a run leaves the frame (one artist per direction), and for a few runs the attempt;
    `exits` are (run, attempt, x, y)."""
    first = {}
    for r, k, x, y in exits:
        first.setdefault(r, (k, x, y))
    if not first:
        return
    (x0, x1), (y0, y1) = f.vx.limits, f.vy.limits
    runs = np.array(list(first))
    k, x, y = (np.array(v) for v in zip(*first.values()))
    dx, dy = (x - (x0 + x1) / 2) / (x1 - x0), (y - (y0 + y1) / 2) / (y1 - y0)
    up = np.abs(dy) >= np.abs(dx)
    way = np.where(up, np.where(dy > 0, "^", "v"), np.where(dx > 0, ">", "<"))
    for marker in "^v<>":
        chosen = way == marker
        if chosen.any():
            ax.scatter(x[chosen], y[chosen], marker=marker, s=110 if len(runs) <= FEW else 25,
                       c=[colors[r] for r in runs[chosen]], edgecolors="black", linewidths=0.7, clip_on=False,
                       zorder=6)
    if len(runs) <= FEW:
        for members in _clusters(way, dx, dy):
            along = np.where(np.isin(way[members[0]], ["^", "v"]), dx, dy)
            i = members[0] if along[members[0]] <= 0 else members[-1]  # the label runs toward the middle
            names = ", ".join(run_name(run, runs[j]).removeprefix("lr ") for j in members)
            when = sorted({int(k[j]) for j in members})
            when = str(when[0]) if len(when) == 1 else ", ".join(str(k[j]) for j in members)
            text = (f"{run_name(run, runs[i])} leaves\nat attempt {when}" if len(members) == 1
                    else f"lr {names} leave\nat attempt{'s' if ',' in when else ''} {when}")
            right = dx[i] > 0 if way[i] in "<>" else along[i] > 0  # then the label runs leftward, inward
            ax.annotate(text, (x[i], y[i]), textcoords="offset points",
                        xytext=(-8 if right else 8, -14 if dy[i] > 0 else 8),
                        ha="right" if right else "left", va="top" if dy[i] > 0 else "bottom", fontsize=8,
                        zorder=7, bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.8})


def _clusters(way: np.ndarray, dx: np.ndarray, dy: np.ndarray, apart: float = 0.6) -> list[list[int]]:
    """Exits through the same side closer than `apart` (a fraction of the frame) share one label: a
    label is some 40% of the frame wide."""
    groups: list[list[int]] = []
    for side in "^v<>":
        where = np.where(np.isin(way, ["^", "v"]), dx, dy)
        chosen = sorted(np.flatnonzero(way == side), key=lambda j: where[j])
        for j in chosen:
            if groups and way[groups[-1][0]] == side and where[j] - where[groups[-1][-1]] < apart:
                groups[-1].append(j)
            else:
                groups.append([j])
    return groups


def _starts(ax, run: RunData, f: Frame) -> None:
    x, y = f.space.x[0], run.loss[0]
    ok = f.vx.contains(x) & f.vy.contains(y)
    if ok.any():
        ax.scatter(f.vx.place(x[ok]), f.vy.place(y[ok]), s=120, facecolors="none", edgecolors="black",
                   linewidths=1.2, zorder=5)


def _legend(run: RunData, f: Frame, colors) -> tuple[list, list[str]]:
    handles = [Line2D([], [], color="black", lw=1.4), Line2D([], [], color="black", ls="--", lw=1),
               Line2D([], [], marker="o", ms=10, mfc="none", mec="black", ls="none"),
               Line2D([], [], marker="o", ms=4, color="gray", lw=1)]
    labels = [f.space.curve, "the answer (error 0)", "start", "logged guesses" +
              ("" if f.space.exact else "\n(off the curve when the error turns)")]
    if run.runs <= FEW:
        for r in range(run.runs):
            handles.append(Line2D([], [], color=colors[r], lw=2))
            labels.append(f"{run_name(run, r)}: {story(run, r)}")
    else:
        for status, color in STATUS_COLORS.items():
            count = run.status.count(status)
            if count:
                handles.append(Line2D([], [], color=color, lw=2))
                shown = drawn_paths(run.status, (status,)).size
                labels.append(f"{status}: {count} run{'s' if count > 1 else ''}" +
                              (f"\n  ({shown} of their paths drawn)" if shown < count else ""))
    if marks.unlogged_ends(run):
        handles.append(Line2D([], [], color="gray", ls=":", lw=1.4, marker="o", mfc="white", markevery=[-1]))
        labels.append(f"to the guess a run ended with, after its\nlast step (the log keeps every {run.config.log_every}th)")
    return handles, labels
