"""Each element of the guess against attempt, a panel per run, the answer dashed.

Elements whose scales differ by orders of magnitude are drawn as their error divided by its start,
(guess - answer) / |guess(1) - answer|, so each one goes from ±1 to 0 as it reaches its answer.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib import colormaps
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from guessgame.rundata import RunData
from guessgame.status import Status
from guessgame.viz import marks
from guessgame.viz.axis import choose
from guessgame.viz.fit import NBSP, fitted, room_under
from guessgame.viz.plane import element
from guessgame.viz.style import (
    STATUS_COLORS,
    TITLE_PAD,
    current,
    figure,
    legend_outside,
    margins,
    points,
    run_data,
    run_name,
    side,
    title,
)

SHOWN_ELEMENTS = 6
PANELS = 6  # runs shown, when there are more
MOST = 9  # runs shown when more are needed to show each regime


def trajectory_figure(source: Any) -> Figure:
    """Each shown element of the guess against attempt, one panel per shown run, the answer dashed."""
    run = run_data(source)
    picked, why = regimes(run)
    n = run.guess.shape[2]
    elements = list(range(min(n, SHOWN_ELEMENTS)))
    scale = _scales(run, picked, elements)
    cols = min(3, len(picked))
    rows = -(-len(picked) // cols)
    fig = figure(max(9.0, 4.0 * cols + 2.6), 3.3 * rows + 1.3)
    axes = fig.subplots(rows, cols, squeeze=False)
    notes = [_panel(ax, run, r, elements, scale) for ax, r in zip(axes.flat, picked)]
    for ax in list(axes.flat)[len(picked):]:
        ax.set_visible(False)
    texts = legend_outside(axes[0, -1], *_legend(run, picked, elements, scale))
    what = "guess per attempt (answer dashed)" if scale is None else "error ÷ its start per attempt (answer = 0)"
    shown = [f"the first {len(elements)} of {n} elements"] * (len(elements) < n)
    shown += [f"{len(picked)} of {run.runs} runs: {why}"] * (len(picked) < run.runs)
    size = fig.get_size_inches()
    margins(fig, left=1.0, wspace=1.0, legend=texts)  # a first layout: the widths the titles are wrapped to
    panel, width = axes[0, 0].get_position().width * fig.get_figwidth(), fig.get_figwidth()
    fig.set_size_inches(size)
    lines = max(fitted(ax.title, panel).count("\n") + 1 for ax in axes.flat[:len(picked)])
    heading = fig.suptitle(title(run, what) + ("\nshown: " + "; ".join(shown) if shown else ""),
                           fontsize=points(11), va="top")
    headed = fitted(heading, width - 0.2).count("\n") + 1
    fig.set_figheight(size[1] + current().scale * (0.2 * (lines - 1) * rows + 0.22 * max(0, headed - 3)))
    heading.set_y(1 - 0.08 / fig.get_figheight())  # more lines of titles: taller, the panels keep their size
    panel_title = 0.2 * lines + 0.1  # its lines, and the pad that keeps a ▲ off it
    margins(fig, left=1.0, top=0.1 + 0.22 * headed + panel_title + 0.1, hspace=0.75 + panel_title, wspace=1.0,
            bottom=0.65 + room_under(notes[-cols:], panel) / current().scale, legend=texts)
    return fig


def regimes(run: RunData, most: int = PANELS) -> tuple[list[int], str]:
    """The runs to show, one per regime: nearest each best lr of theory, either side of each critical
    lr, mid-way (in log lr) in each range those lrs split the sweep into, one of each status not shown
    yet (up to MOST); then the lrs farthest from those chosen -- of equal lrs, one of a cell not shown
    yet -- up to `most`. And the choice in words: only the reasons that chose a run."""
    if run.runs <= most:
        return list(range(run.runs)), ""
    lr, statuses, cells = np.asarray(run.lr, dtype=float), np.array(run.status), np.asarray(run.cells)
    log, theory = np.log(lr), [info.theory for info in run.summary if info.theory]
    best = sorted({t.best_lr for t in theory if t.best_lr})
    critical = sorted({t.critical_lr for t in theory if t.critical_lr})
    named = {"best": ", ".join(f"{v:g}" for v in best), "critical": ", ".join(f"{v:g}" for v in critical)}
    why = {int(np.argmin(np.abs(log - np.log(at)))): f"nearest the best lr {named['best']}" for at in best}
    both = all((lr < at).any() and (lr > at).any() for at in critical)
    for at in critical:  # the nearest lr on each side
        for r in [np.where(lr < at, lr, -np.inf).argmax()] * bool((lr < at).any()) + [
                np.where(lr > at, lr, np.inf).argmin()] * bool((lr > at).any()):
            why.setdefault(int(r), f"{'either side of' if both else 'nearest'} the critical lr {named['critical']}")
    edges = np.unique(np.clip([lr.min(), *best, *critical, lr.max()], lr.min(), lr.max()))
    for low, high in zip(edges, edges[1:]):
        inside = np.flatnonzero((lr > low) & (lr < high))
        if inside.size:
            why.setdefault(int(inside[np.argmin(np.abs(log[inside] - (np.log(low) + np.log(high)) / 2))]),
                           "mid-way between" + (" them and the ends" if best or critical else " the ends"))
    for status in dict.fromkeys(run.status):  # at its middle lr
        if status not in statuses[list(why)]:
            members = np.flatnonzero(statuses == status)
            middle = members[np.argsort(lr[members], kind="stable")[members.size // 2]]
            why.setdefault(int(middle), "one of each status")
    chosen = list(why)[:MOST]
    words = list(dict.fromkeys(why[r] for r in chosen))
    while len(chosen) < most and (gap := np.abs(log[:, None] - log[chosen][None, :]).min(axis=1)
                                  + 1e-9 * ~np.isin(cells, cells[chosen])).max() > 0:
        chosen.append(int(gap.argmax()))
        words += ["the others spread out"] * (words[-1] != "the others spread out")
    return sorted(chosen, key=lambda r: (run.cells[r], lr[r], r)), ", ".join(words)


def _scales(run: RunData, picked: list[int], elements: list[int]) -> np.ndarray | None:
    """Per element, what to divide its error by; None when every element reads well as it is."""
    start = np.abs(run.guess[0][np.ix_(picked, elements)] - run.answer[np.ix_(picked, elements)])
    start = np.where(np.isfinite(start), start, 0).max(axis=0)
    values = np.concatenate([run.guess[0][np.ix_(picked, elements)].ravel(),
                             run.answer[np.ix_(picked, elements)].ravel()])
    values = np.clip(values[np.isfinite(values)], -1e300, 1e300)
    span = float(values.max() / 2 - values.min() / 2) * 2 if values.size else 0.0
    moving = start[start > 0]
    if not moving.size or moving.min() >= 0.02 * span:
        return None
    return np.where(start > 0, start, 1.0)


def _series(run: RunData, r: int, elements: list[int], scale, final: bool = False) -> np.ndarray:
    """The shown elements of run r at every kept row, or (`final`) of the guess it ended with."""
    guess = (np.asarray(run.summary[r].final_guess, dtype=float).reshape(-1)[elements] if final
             else run.guess[:, r][:, elements])
    if scale is None:
        return guess
    with np.errstate(over="ignore", invalid="ignore"):
        return (guess - run.answer[r, elements]) / scale


def _panel(ax, run: RunData, r: int, elements: list[int], scale):
    """Draw one run; returns the note under its axis when that is cut (see `marks.zoom`)."""
    values = _series(run, r, elements, scale)
    live = np.repeat(marks.alive(run)[:, [r]], len(elements), axis=1)
    targets = run.answer[r, elements] if scale is None else np.zeros(len(elements))
    view, core = _view(run, r, values, live, targets)
    view.apply(ax)
    traced = marks.trace(view, run.attempt, values, live)
    groups = marks.same_series(traced.points, list(range(len(elements))), 2e-3 * (view.limits[1] - view.limits[0]))
    groups = marks.split_unequal(groups, values, 2e-3 * float(np.ptp(core)) if core.size else 0.0)
    colors = [colormaps["tab10"](i % 10) for i in range(len(elements))]
    ends = ((values[marks.last_row(run, r)], _series(run, r, elements, scale, final=True))
            if r in marks.unlogged_ends(run) else None)
    _lines(ax, run, r, view, traced, [g[0] for g in groups], colors, ends)
    for i, target in enumerate(targets):
        if i == 0 or target not in targets[:i]:
            ax.axhline(float(view.place(target)), ls=(0, (5, 3)), lw=1.2, color=colors[i] if scale is None
                       else "black", alpha=0.9, zorder=1.8)
    _events(ax, run, r)
    cut = marks.zoom(ax, run, traced.points, live, who="the run")
    note = _note(run, elements, groups, values, live, targets)
    info = run.summary[r]
    # `lr 1`, its cell and its side of the critical lr: each held on one line where it fits
    name = f"{run_name(run, r)}{side(run, r)}".replace(" ", NBSP).replace(f"{NBSP}(", " (")
    ax.set_title(f"{name}: {info.status.value}" + ("\n" + note if note else ""),
                 color=STATUS_COLORS[info.status], fontsize=points(10), pad=TITLE_PAD)
    ax.set_ylabel("guess" if scale is None else "(guess − answer) ÷ start")
    ax.grid(True, alpha=0.3)
    return cut


def _view(run: RunData, r: int, values: np.ndarray, live: np.ndarray, targets: np.ndarray):
    """The panel's view, from the answers and the values a reader needs (see `marks.needed`), with
    room on the side where the run leaves; and those values."""
    need = np.repeat(marks.needed(run, run.loss)[:, [r]], values.shape[1], axis=1) & np.isfinite(values)
    core = np.concatenate([values[need], targets])
    rest = values[live & ~need]
    with np.errstate(invalid="ignore"):
        room = (bool((rest < core.min()).any()), bool((np.isnan(rest) | (rest > core.max())).any()))
    base = max(float(np.abs(targets).max()), float(np.abs(values[0][np.isfinite(values[0])]).max(initial=0)), 1e-300)
    return choose(core, kind="value", base=base, room=room), core


def _lines(ax, run: RunData, r: int, view, traced: marks.Trace, firsts: list[int], colors, ends) -> None:
    """One line per group of elements drawn on top of each other (`firsts`: the first of each), the
    way to where the run ended (`ends`, see `_end`), a dot per attempt when there are few, and the
    edge marks."""
    marks.lines(ax, traced, [colors[i] for i in firsts], lw=1.6, columns=firsts)
    if ends is not None:
        _end(ax, run, r, view, ends, colors)
    if len(run.attempt) <= 60:  # few attempts: each one a dot
        for i in firsts:
            ax.plot(run.attempt, traced.points[:, i], "o", ms=2.5, color=colors[i], zorder=3)
    marks.edge_marks(ax, view, run.attempt, [e for e in traced.exits if e.series in firsts], colors, size=40)


def _note(run: RunData, elements: list[int], groups: list[list[int]], values: np.ndarray, live: np.ndarray,
          targets: np.ndarray) -> str:
    """The words under a panel's title: which elements share one line, which stay on their answer."""
    name = [f"guess{element(run.shape, e)}" for e in elements]
    drawn = (live & np.isfinite(values)).sum(axis=0)  # a single point is no line to share
    notes = [" = ".join(name[i] for i in g) + " (one line)" for g in groups if len(g) > 1 and drawn[g[0]] > 1]
    notes += [f"{name[i]} stays on its answer" for i in (g[0] for g in groups)
              if (values[:, i][live[:, i]] == targets[i]).all()]
    return "; ".join(notes)


def _end(ax, run: RunData, r: int, view, rows: tuple[np.ndarray, np.ndarray], colors) -> None:
    """A run that stopped between kept rows: dotted from its last kept guess to the guess it ended with
    (after its last step, the attempt after it stopped), a dot there, or a ▲ where it leaves the view."""
    at = np.array([run.attempt[marks.last_row(run, r)], run.summary[r].attempts_run + 1], dtype=float)
    values = np.vstack(rows)
    end = marks.trace(view, at, values, np.ones(values.shape, bool))
    marks.lines(ax, end, colors[:values.shape[1]], lw=1.4, ls=":", zorder=2.5)
    for i in range(values.shape[1]):
        if np.isfinite(end.points[1, i]):
            ax.plot(at[1], end.points[1, i], "o", ms=4, mfc="white", mec=colors[i], mew=1.3, zorder=3)
    marks.edge_marks(ax, view, at, end.exits, colors, size=40)


def _events(ax, run: RunData, r: int) -> None:
    """A dotted line at the attempt the run converged or diverged."""
    info = run.summary[r]
    for at, status in ((info.converged_at, Status.CONVERGED), (info.diverged_at, Status.DIVERGED)):
        if info.status == status and at:
            ax.axvline(at, color=STATUS_COLORS[status], ls=":", lw=1.6, zorder=1.5)


def _legend(run: RunData, picked: list[int], elements: list[int], scale) -> tuple[list, list[str]]:
    cycle = colormaps["tab10"]
    handles, labels = [], []
    for i, e in enumerate(elements):
        handles.append(Line2D([], [], color=cycle(i % 10), lw=2))
        name = f"guess{element(run.shape, e)}"
        labels.append(name if scale is None else f"{name}: error ÷ {scale[i]:.3g}")
    handles.append(Line2D([], [], color="gray" if scale is None else "black", ls=(0, (5, 3))))
    labels.append("answer (each element's colour)" if scale is None else "answer: error 0")
    for status in (Status.CONVERGED, Status.DIVERGED):
        if any(run.summary[r].status == status for r in picked):
            handles.append(Line2D([], [], color=STATUS_COLORS[status], ls=":", lw=1.6))
            labels.append(f"{status.value} at this attempt")
    stopped = [r for r in marks.unlogged_ends(run) if r in picked]
    if stopped:
        handles.append(Line2D([], [], color="gray", ls=":", lw=1.4, marker="o", mfc="white", markevery=[-1]))
        labels.append("to the guess a run ended with, after\nits last step "
                      f"(the log keeps every {run.config.log_every}th)")
    handles.append(Line2D([], [], marker="^", ls="none", color="gray", mec="black"))
    labels.append("left the view here (▲ above, ▼ below)")
    return handles, labels
