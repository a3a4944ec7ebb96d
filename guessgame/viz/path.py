"""The guesses' path over the loss landscape, in error space (guess - answer: the answer is at 0).

The frame is chosen from the answer and the runs that approach it (and every run's start); a run
that escapes is drawn to the frame's edge, with an arrow and the attempt it left.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from guessgame import ravine
from guessgame.rundata import RunData
from guessgame.status import Status
from guessgame.viz import marks
from guessgame.viz.errorspace import ends, has_curve
from guessgame.viz.fit import NBSP, fitted
from guessgame.viz.frame import WIDTH_PATH, Frame, clipped_paths, crossings, draw_landscape, inside_frame, to_axis, unit
from guessgame.viz.story import story
from guessgame.viz.style import (
    FEW,
    STATUS_COLORS,
    TITLE_PAD,
    drawn_into,
    legend_outside,
    margins,
    points,
    run_colors,
    run_data,
    run_name,
    title,
)

DOTS = 20_000  # more logged guesses than this: lines only
PATHS = 25  # at most this many paths of each status


def path_figure(source: Any, ax=None) -> Figure:
    """Each run's logged guesses as (error, loss) over the loss landscape; the answer at error 0.

    With `ax` (a matplotlib Axes), drawn into it and its figure returned, laid out as it was.
    """
    run = run_data(source)
    fig, ax, new = drawn_into(ax, WIDTH_PATH, 6.0)
    f = draw_landscape(ax, run)
    colors = run_colors(run)
    verts, exits = clipped_paths(f, run.loss)
    paths(ax, verts, colors, run.status)
    inside = inside_frame(f, f.space.x, run.loss)
    if inside.sum() <= DOTS:
        rows, cols = np.nonzero(inside)
        ax.scatter(f.vx.place(f.space.x[rows, cols]), f.vy.place(run.loss[rows, cols]), s=14 if run.runs <= FEW else 4,
                   c=[colors[c] for c in cols], zorder=4, linewidths=0)
    exits = [(r, int(run.attempt[k]), x, y) for r, k, x, y in exits] + _ends(ax, run, f, colors)
    labels = exit_marks(ax, run, f, exits, colors)
    _starts(ax, run, f)
    ax.set_title(title(run, "the guesses over the loss, in error space"), fontsize=points(11), pad=TITLE_PAD)
    legend = legend_outside(ax, *_legend(run, f, colors))
    if new:
        margins(fig, left=1.2, bottom=0.75, legend=legend)
    fit_labels(ax, labels)
    return fig


def paths(ax, verts: np.ndarray, colors, statuses: list) -> None:
    """Each run's path (see `frame.clipped_paths`), in layers by status; a status of None is not drawn."""
    from matplotlib.collections import LineCollection

    runs = len(statuses)
    step = max(1, -(-verts.shape[0] * runs // marks.POINTS))
    if step > 1:  # many runs: every step-th attempt (three slots each), and the last
        rows = verts.shape[0] // 3
        keep = np.unique(np.r_[np.arange(0, rows, step), rows - 1])
        verts = verts.reshape(rows, 3, runs, 2)[keep].reshape(-1, runs, 2)
    # bottom to top: the runs that leave (the widest paths), those still moving or bouncing, the
    # converged (the shortest paths, often the many)
    for layer in sorted({status.layer for status in Status}):
        names = tuple(status for status in Status if status.layer == layer)
        chosen = drawn_paths(statuses, names)
        if chosen.size:
            ax.add_collection(LineCollection([verts[:, r] for r in chosen], colors=[colors[r] for r in chosen],
                                             zorder=3, linewidths=1.2 if runs <= FEW else 0.8,
                                             alpha=0.5 if Status.DIVERGED in names and runs > FEW else 0.9),
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
    point = np.stack([unit(f.vx, px), unit(f.vy, py)], axis=-1)
    cross = crossings(point[:1], point[1:], inside[:1], inside[1:])[0]
    a = np.where(inside[0][:, None], point[0], cross)
    b = np.where(inside[1][:, None], point[1], cross)
    segments = to_axis(f, np.stack([a, b], axis=1))
    ax.add_collection(LineCollection(list(segments), colors=[colors[r] for r in runs], linestyles=":", lw=1.4,
                                     zorder=3), autolim=False)
    if inside[1].any():
        ax.scatter(segments[inside[1], 1, 0], segments[inside[1], 1, 1], s=30, facecolors="white",
                   edgecolors=[colors[r] for r, i in zip(runs, inside[1]) if i], linewidths=1.3, zorder=4)
    leave = inside[0] & ~inside[1] & np.isfinite(cross[:, 0])
    return [(r, run.summary[r].attempts_run, *segments[j, 1]) for j, r in enumerate(runs) if leave[j]]


def exit_marks(ax, run: RunData, f: Frame, exits, colors) -> list:
    """An arrow where a run leaves the frame (one artist per direction), and for a few runs the attempt
    (returned, to be fitted to the axes once laid out: see `fit_labels`); `exits` are (run, attempt, x, y)."""
    first = {}
    for r, k, x, y in exits:
        first.setdefault(r, (k, x, y))
    if not first:
        return []
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
    labels = []
    for members in _clusters(way, dx, dy) if len(runs) <= FEW else []:
        along = np.where(np.isin(way[members[0]], ["^", "v"]), dx, dy)
        i = members[0] if along[members[0]] <= 0 else members[-1]  # the label runs toward the middle
        members = sorted(members, key=lambda j: (run.lr[runs[j]], runs[j]))  # named in the order of their lrs
        names = [run_name(run, runs[j]).removeprefix("lr " * (len(members) > 1)) for j in members]
        when = sorted({int(k[j]) for j in members})
        when = str(when[0]) if len(when) == 1 else ", ".join(str(k[j]) for j in members)
        tail = ("leaves" if len(members) == 1 else "leave") + f"\nat attempt{'s' * (',' in when)} {when}"
        right = dx[i] > 0 if way[i] in "<>" else along[i] > 0  # then the label runs leftward, inward
        label = ax.annotate("", (x[i], y[i]), textcoords="offset points", xytext=(-8 if right else 8,
                            -14 if dy[i] > 0 else 8), ha="right" if right else "left", va="top" if dy[i] > 0
                            else "bottom", fontsize=points(8), zorder=7,
                            bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.8})
        labels.append((label, "" if len(members) == 1 else "lr" + NBSP, names, tail))
    return labels


def fit_labels(ax, labels: list) -> None:
    """Each exit's label wrapped to the room between its point and the far side of the axes, each run's
    name on one line where it fits."""
    width = ax.get_position().width * ax.figure.get_figwidth()
    low, high = ax.get_xlim()
    for label, head, names, tail in labels:
        at = (label.xy[0] - low) / (high - low)
        room = width * (at if label.get_horizontalalignment() == "right" else 1 - at)
        room -= (10 + 0.4 * label.get_fontsize()) / 72  # its offset and its box's pad
        label.set_text(f"{head}{', '.join(name.replace(' ', NBSP) for name in names)} {tail}")
        fitted(label, room)


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
    ravined = not f.space.exact and ravine.is_ravine(run.config)
    handles = [Line2D([], [], color="black" if has_curve(run) else "none", lw=1.4),
               Line2D([], [], color="black", ls="--", lw=1),
               Line2D([], [], marker="o", ms=10, mfc="none", mec="black", ls="none"),
               Line2D([], [], marker="o", ms=4, color="gray", lw=1)]
    labels = [f.space.curve, "the answer (error 0)", "start", "logged guesses" + (
        "\n(each its run's measured loss)" if ravined else "" if f.space.exact
        else "\n(off the curve when the error turns)")]
    more = run_entries(run, colors)
    return handles + more[0], labels + more[1]


def run_entries(run: RunData, colors) -> tuple[list, list[str]]:
    """The legend's entries for the runs: one each, or one per status with how many paths are drawn; and
    the dotted way to an end the log did not keep."""
    handles, labels = [], []
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
        labels.append("to the guess a run ended with, after its\nlast step "
                      f"(the log keeps every {run.config.log_every}th)")
    return handles, labels
