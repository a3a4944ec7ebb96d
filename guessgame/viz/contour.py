"""The guesses' paths over the contours of the real loss, on a plane through the answer (see `plane`):
guess space itself for 2 elements; for more, the plane along the stiffest and the flattest direction, the
other coordinates at the answer, each guess at its projection. The view is chosen as the path figure's:
from the answer, every run that does not diverge and each diverging run's start; a run that leaves is drawn
to the edge and marked there, pointing the way it went. x and y share one scale while their spans are within
TO_SCALE of each other, so a ravine keeps its shape and angle. A grid of a few cells: a panel per cell; of
more, a panel per loss.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from guessgame.losses import effective
from guessgame.rundata import RunData
from guessgame.status import Status
from guessgame.viz import marks
from guessgame.viz.axis import View, choose
from guessgame.viz.errorspace import ErrorSpace
from guessgame.viz.fit import fitted
from guessgame.viz.frame import WIDTH_PATH, Frame, clipped_paths, draw_landscape, inside_frame, room
from guessgame.viz.panels import losses, panels
from guessgame.viz.path import DOTS, exit_marks, fit_labels, paths, run_entries
from guessgame.viz.plane import Plane, levels, loss_on, plane, project
from guessgame.viz.style import FEW, TITLE_PAD, figure, legend_outside, margins, points, run_colors, run_data, title
from guessgame.viz.ticks import value_label

GRID = 241  # points along each side of the plane where the loss is evaluated
TO_SCALE = 20  # x and y drawn to one scale while their spans are within this factor
_SHADES = LinearSegmentedColormap.from_list("loss", ["white", "#d4d4d4"])  # low loss light, high darker


class Sheet(NamedTuple):
    """A panel: its plane, the frame its guesses are drawn in (f.space.x: each guess's x), their y."""

    plane: Plane
    f: Frame
    y: np.ndarray  # (rows, runs)
    to_scale: bool


def contour_figure(source: Any, along: tuple[int, int] = (0, -1)) -> Figure:
    """Each run's path over the loss's contours on a plane through the answer; the answer a star, the start
    a ring. `along`: which two of `guessgame.ravine.directions` (stiffest first) span it, for 3+ elements."""
    run = run_data(source)
    if run.guess.shape[2] < 2:
        raise ValueError(f"a contour figure needs an answer of 2 or more elements; this one has "
                         f"{run.guess.shape[2]}: see the path figure")
    groups = panels(run)
    many = len(groups) > 1
    fig = figure(1.5 + 5.0 * len(groups) if many else WIDTH_PATH, 5.2 if many else 6.6)
    axes = fig.subplots(1, len(groups), squeeze=False)[0]
    colors = run_colors(run)
    exits, sheets = [], []
    for ax, (loss, members, label) in zip(axes, groups):
        sheets.append(backdrop(ax, run, loss, members, along))
        exits.append(_runs(ax, run, sheets[-1], colors))
        if many:
            ax.set_title(label, fontsize=points(10), pad=TITLE_PAD)
    heading = title(run, "the guesses over the loss's contours") + note(sheets[0])
    heading = fig.suptitle(heading, fontsize=points(11)) if many else axes[0].set_title(
        heading, fontsize=points(11), pad=TITLE_PAD)
    entries = [keys(sheets[0]), _marks(any(exits)), run_entries(run, colors)]
    legend = legend_outside(axes[-1], [h for e in entries for h in e[0]], [t for e in entries for t in e[1]])
    size = fig.get_size_inches()
    tall = 0.2 * sheets[0].plane.labels[1].count("\n")  # labels of two lines: beside the panel and under it
    margins(fig, left=1.1 + tall, bottom=0.75 + tall, wspace=1.1 + tall, legend=legend)  # the title's room
    lines = _wrapped(heading, axes[0], many)
    fig.set_size_inches(size)
    margins(fig, left=1.1 + tall, bottom=0.75 + tall, top=0.3 + 0.2 * lines + 0.5 * many, wspace=1.1 + tall,
            legend=legend)
    for ax, labelled in zip(axes, exits):
        ax.apply_aspect()
        fit_labels(ax, labelled)
    return fig


def _wrapped(heading, ax, across: bool) -> int:
    """The heading's words wrapped to the figure's width (`across`), or to the room its axes' centre leaves
    either side; its count of lines."""
    width = ax.figure.get_figwidth()
    middle = (ax.get_position().x0 + ax.get_position().x1) / 2 * width
    return fitted(heading, (width if across else 2 * min(middle, width - middle)) - 0.2).count("\n") + 1


def backdrop(ax, run: RunData, loss: tuple[str, dict] | None = None, members: np.ndarray | None = None,
             along: tuple[int, int] = (0, -1), contours: bool = True) -> Sheet:
    """The plane of `members` (default: every run) on `ax`: its views, the contours of `loss` (default: the
    game's; none without `contours`) over it, the answer and the axis labels; where each logged guess lies on it."""
    members = np.ones(run.runs, bool) if members is None else members
    loss = loss or (run.config.loss, run.config.loss_options)
    p = plane(run.config, run.answer, along)
    x, y = project(p, run.guess, run.answer)
    lost = np.isnan(x) | np.isnan(y)  # a guess with a nan along the plane is lost: off the top, as a nan loss is
    x, y = np.where(lost, np.nan, x), np.where(lost, np.nan, y)
    live = marks.alive(run) & members[None]
    vx, vy, to_scale = _views(run, p, x, y, live)
    gx, gy = np.linspace(*vx.limits, GRID), np.linspace(*vy.limits, GRID)
    if contours:
        _contours(ax, gx, gy, loss_on(p, run.config, gx, gy, loss), effective(*loss)[0].has_minimum)
    vx.apply(ax, "x")
    vy.apply(ax, "y")
    if to_scale:
        ax.set_aspect("equal", adjustable="box")
    ax.set_xlabel(p.labels[0])
    ax.set_ylabel(p.labels[1])
    ax.scatter([p.origin[0]], [p.origin[1]], marker="*", s=260, c="black", edgecolors="white", linewidths=1.0,
               zorder=7)
    return Sheet(p, Frame(ErrorSpace(x, p.labels[0], "", True), vx, vy, live), y, to_scale)


def stage(ax, run: RunData) -> tuple[Frame, np.ndarray, tuple[list, list[str]], str]:
    """What the GIF's dots move over -- for 2+ elements the loss's contours on the plane (none when a grid's
    cells play different losses), else the loss in error space -- its frame (f.space.x: each guess's x), each
    guess's y, the legend's entries for it and the title."""
    if run.guess.shape[2] < 2:
        f = draw_landscape(ax, run)
        drawn = ([Line2D([], [], color="black", lw=1.4), Line2D([], [], color="black", ls="--")],
                 [f.space.curve, "the answer (error 0)"])
        return f, run.loss, drawn, title(run, "the guesses moving over the loss, in error space")
    one = len(losses(run)) == 1
    sheet = backdrop(ax, run, contours=one)
    what = "the guesses moving over the loss's contours" if one else "the guesses moving (no contours: several losses)"
    return sheet.f, sheet.y, keys(sheet, contours=one), title(run, what) + note(sheet)


def _views(run: RunData, p: Plane, x: np.ndarray, y: np.ndarray, live: np.ndarray) -> tuple[View, View, bool]:
    """x's and y's views, from the answer and the guesses a reader needs (as the path figure's), with room
    where runs leave; one scale for both while their spans are within TO_SCALE."""
    need = marks.needed(run, run.loss, growth=False) & live & np.isfinite(x) & np.isfinite(y)
    need[0] |= live[0] & np.isfinite(x[0]) & np.isfinite(y[0])
    end_x, end_y = ends(run, p, [r for r in marks.unlogged_ends(run) if live[0, r]
                                  and run.summary[r].status != Status.DIVERGED])
    views = []
    for values, end, at in ((x, end_x, p.origin[0]), (y, end_y, p.origin[1])):
        core = np.concatenate([values[need], end[np.isfinite(end)], [at]])
        views.append(choose(core, kind="value", base=float(np.abs(core).max()) or 1.0,
                            room=room(core, values[live & ~need])))
    spans = [v.high - v.low for v in views]
    if max(spans) > TO_SCALE * min(spans):
        return *views, False
    return *(View("linear", (v.low + v.high) / 2 - max(spans) / 2, (v.low + v.high) / 2 + max(spans) / 2)
             for v in views), True


def ends(run: RunData, p: Plane, runs: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """Where on the plane each of these runs' final guess lies (the summary's, after its last step)."""
    if not runs:
        return np.zeros(0), np.zeros(0)
    final = np.array([np.asarray(run.summary[r].final_guess, dtype=float).reshape(-1) for r in runs])
    x, y = project(p, final[None], run.answer[runs])
    return x[0], y[0]


def _contours(ax, gx: np.ndarray, gy: np.ndarray, z: np.ndarray, has_minimum: bool) -> None:
    """Filled bands and labelled lines at `plane.levels`; a loss with a minimum contoured in log10, so
    levels decades apart are all drawn, zeros and overflows clipped below and above the levels."""
    at = levels(z, has_minimum)
    finite = z[np.isfinite(z)]
    if not at.size or not finite.size or finite.min() == finite.max():
        return
    with np.errstate(divide="ignore", invalid="ignore"):
        u, cut = (np.log10(z), np.log10(at)) if has_minimum else (z, at)
    pad = float(cut[-1] - cut[0]) or 1.0
    u = np.clip(np.where(np.isnan(u), np.inf, u), cut[0] - pad, cut[-1] + pad)
    ax.contourf(gx, gy, u, levels=np.r_[cut[0] - pad, cut, cut[-1] + pad], cmap=_SHADES, zorder=0)
    lines = ax.contour(gx, gy, u, levels=cut, colors="0.45", linewidths=0.8, linestyles="solid", zorder=1)
    decades = cut[np.isclose(cut, np.round(cut))] if has_minimum else cut[::2]
    ax.clabel(lines, decades if decades.size >= 3 else cut, fmt=lambda v: value_label(10.0 ** v if has_minimum
              else v), fontsize=points(7), inline_spacing=6)


def _runs(ax, run: RunData, sheet: Sheet, colors) -> list:
    """Each run's path, its logged guesses (when few), its start, the way to an end the log did not keep, and
    where it leaves the view; returns the exits' labels (see `path.fit_labels`)."""
    f, y = sheet.f, sheet.y
    verts, exits = clipped_paths(f, y)
    members = f.live.any(axis=0)
    paths(ax, verts, colors, [s if m else None for s, m in zip(run.status, members)])
    inside = inside_frame(f, f.space.x, y)
    if inside.sum() <= DOTS:
        rows, cols = np.nonzero(inside)
        ax.scatter(f.space.x[rows, cols], y[rows, cols], s=14 if run.runs <= FEW else 4,
                   c=[colors[c] for c in cols], zorder=4, linewidths=0)
    exits = [(r, int(run.attempt[k]), x, y) for r, k, x, y in exits] + _end_lines(ax, run, sheet, colors)
    start = np.unique(np.column_stack([f.space.x[0], y[0]])[f.live[0] & inside[0]], axis=0)
    ax.scatter(start[:, 0], start[:, 1], s=140, facecolors="none", edgecolors="black", linewidths=1.3, zorder=5)
    return exit_marks(ax, run, f, exits, colors)


def _end_lines(ax, run: RunData, sheet: Sheet, colors) -> list[tuple[int, int, float, float]]:
    """Runs that stopped between kept rows: dotted from the last kept guess to the guess each ended with,
    to the edge where that leaves the view (then an exit like any other); a hollow dot at an end inside."""
    from matplotlib.collections import LineCollection

    runs = [r for r in marks.unlogged_ends(run) if sheet.f.live[0, r]]
    if not runs:
        return []
    two, y, verts, exits = end_ways(run, sheet, runs)
    x = two.space.x
    ax.add_collection(LineCollection([verts[:, j] for j in range(len(runs))], colors=[colors[r] for r in runs],
                                     linestyles=":", lw=1.4, zorder=3), autolim=False)
    ended = inside_frame(two, x, y)[1]
    if ended.any():
        ax.scatter(x[1, ended], y[1, ended], s=30, facecolors="white", linewidths=1.3, zorder=4,
                   edgecolors=[colors[r] for r, e in zip(runs, ended) if e])
    return [(runs[j], run.summary[runs[j]].attempts_run, ex, ey) for j, _, ex, ey in exits]


def end_ways(run: RunData, sheet: Sheet, runs: list[int]) -> tuple[Frame, np.ndarray, np.ndarray, list]:
    """From each of `runs`' last kept guess on to the guess it ended with: a frame of those two places per run
    (nan where either is lost), their y, and the way clipped to the view with its exits (`clipped_paths`)."""
    f = sheet.f
    rows = [marks.last_row(run, r) for r in runs]
    end_x, end_y = ends(run, sheet.plane, runs)
    x, y = np.stack([f.space.x[rows, runs], end_x]), np.stack([sheet.y[rows, runs], end_y])
    lost = np.isnan(x) | np.isnan(y)
    x, y = np.where(lost, np.nan, x), np.where(lost, np.nan, y)
    two = f._replace(space=f.space._replace(x=x), live=np.ones(x.shape, bool))
    return two, y, *clipped_paths(two, y)


def note(sheet: Sheet) -> str:
    """What the plane holds and how it is drawn, under the title: '' for two elements drawn to scale."""
    parts = [f"{sheet.plane.rest}; each guess drawn at its projection onto this plane"] * bool(sheet.plane.rest)
    parts += ["x and y at different scales"] * (not sheet.to_scale)
    return "\n" + "; ".join(parts) if parts else ""


def keys(sheet: Sheet, contours: bool = True) -> tuple[list, list[str]]:
    """The legend's entries for what `backdrop` draws: the contours (if drawn) and the answer."""
    answer = Line2D([], [], marker="*", ms=14, color="black", mec="white", ls="none")
    if not contours:
        return [answer], ["the answer"]
    plane_words = "on this plane, the other\ncoordinates at the answer" if sheet.plane.rest else ""
    return [Line2D([], [], color="0.45", lw=0.8), answer], [
        f"the loss's contours{', ' * bool(plane_words)}{plane_words}\n(each labelled with its value)", "the answer"]


def _marks(left: bool) -> tuple[list, list[str]]:
    """The legend's entries for the start, the logged guesses and (if a run `left`) the edge's triangles."""
    handles = [Line2D([], [], marker="o", ms=10, mfc="none", mec="black", ls="none"),
               Line2D([], [], marker="o", ms=4, color="gray", lw=1),
               Line2D([], [], marker="^", ls="none", color="gray", mec="black", ms=8)]
    return handles[:2 + left], ["start", "logged guesses", "left the view here, the way it went"][:2 + left]
