"""Learning rates compared: each run's final loss, and the attempt it converged or diverged.

A grid's cells are named: with few columns, a column per cell and lr, each cell's columns named under
them; else each cell's runs ringed and joined in its colour (`cells.cell_looks`), named in the legend.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from guessgame.records import Theory
from guessgame.rundata import RunData
from guessgame.status import Status
from guessgame.viz import marks, spread
from guessgame.viz.axis import View, choose
from guessgame.viz.cells import cell_looks
from guessgame.viz.labels import FONT, fit_ylabel, name_groups, place_labels
from guessgame.viz.style import (
    STATUS_COLORS,
    TITLE_PAD,
    current,
    figure,
    legend_outside,
    margins,
    points,
    run_data,
    shared_theory,
    title,
)
from guessgame.viz.ticks import Columns, lr_columns, stagger

SLOTS = 12  # up to this many learning rates (a grid: cells x lrs): one evenly spaced, labelled column each
WIDTH_LR = 9.5


def lr_figure(source: Any, ax=None) -> Figure:
    """Final loss (top) and the attempt each run converged or diverged (bottom) against lr.

    Statuses are coloured; theory's critical and best lr are marked. Up to 12 learning rates get a
    column each, labelled with the numbers; more share a log axis. With `ax` (a matplotlib Axes),
    the final losses alone are drawn into it and its figure returned, laid out as it was.
    """
    run = run_data(source)
    fig, panels = _axes(ax, run)
    top, bottom = panels[0], (panels[1] if len(panels) > 1 else None)
    columns = lr_columns(run, panels, SLOTS, WIDTH_LR)
    final = np.array([s.final_loss for s in run.summary], dtype=float)
    view = _final_view(run, final)
    view.apply(top)
    y = {top: _final_loss(top, run, columns.x, final, view)}
    if bottom is not None:
        y[bottom] = _attempts(bottom, run, columns.x)
        bottom.grid(True, alpha=0.3)
    few = run.runs <= SLOTS
    rings = _rings(y, run, columns) if run.config.grid and columns.groups is None else ([], [])
    theory = _theory(panels, run, columns.where) if columns.groups is None else Theory()  # a column per cell
    top.set_ylabel("final true loss" if run.config.noise else "final loss")
    top.grid(True, alpha=0.3)
    top.set_title(title(run, "learning rates compared"), fontsize=points(11), pad=TITLE_PAD)
    sides = set(marks.sides(view, final[:, None])[:, 0].tolist())
    handles, texts = _legend(run, (theory, columns.where), sides, attempts=bottom is not None)
    noisy = spread.floors(top, run, columns.x, view)  # noisy hints: the floor against lr
    legend = legend_outside(top, handles + rings[0] + noisy[0], texts + rings[1] + noisy[1])
    if ax is None:
        margins(fig, left=1.3, bottom=0.7, hspace=0.15, legend=legend)
        stagger(fig, bottom)
        fit_ylabel(fig, bottom)
        if columns.groups:
            name_groups(fig, bottom, columns.groups)
    for panel, (at, texts) in y.items():  # once the layout is fixed: labels placed clear of each other
        place_labels(fig, panel, [(columns.x[r], at[r], texts[r]) for r in range(run.runs)] if few else [],
                     marker=(7.0 if rings[0] else 5.0) * current().scale ** 0.5, size=points(FONT))  # a ring: wider
    return fig


def _axes(ax, run: RunData) -> tuple[Figure, list]:
    """The figure and its panels, final loss above attempts; `ax` alone (no attempts panel) when given."""
    if ax is not None:
        return ax.figure, [ax]
    fig = figure(WIDTH_LR, 7.2 if len(np.unique(run.lr)) > 4 else 5.6)
    return fig, list(fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 2]}))


def _final_view(run: RunData, final: np.ndarray) -> View:
    """From the final losses of the runs that did not diverge, and every run's first loss; a diverged
    run's final loss too while it is within a thousand times their scale (the bad loss's modest fall),
    not a blow-up that would flatten the rest."""
    diverged = np.array([s == Status.DIVERGED for s in run.status])
    first = run.loss[0] if run.attempt.size else np.array([])
    core = np.concatenate([final[~diverged], first])
    core = core[np.isfinite(core)]
    scale = max(float(np.abs(core).max(initial=0)), 1.0)
    with np.errstate(invalid="ignore"):
        modest = diverged & np.isfinite(final) & (np.abs(final) <= 1e3 * scale)
    core = np.concatenate([core, final[modest]])
    if core.size and core.min() >= 0 and core.max() > 0:  # a decade above the largest, for its label
        core = np.append(core, 10 * core.max())
    rest = final[diverged & ~modest]
    with np.errstate(invalid="ignore"):
        room = (bool(core.size and (rest < core.min()).any()),
                bool(core.size and (np.isnan(rest) | (rest > core.max())).any()))
    return choose(core, kind="loss", room=room)


def _final_loss(ax, run: RunData, x: np.ndarray, final: np.ndarray, view: View) -> tuple[np.ndarray, list[str]]:
    """Each run's final loss at its lr -- hollow where it converged and then left the tolerance; returns
    where each is drawn and its value in words."""
    side = marks.sides(view, final[:, None])[:, 0]
    y = np.where(side == 0, view.place(final), np.where(side > 0, view.edge(1), view.edge(-1)))
    statuses = np.array(run.status)
    left = np.array([s.left_at is not None for s in run.summary])
    few, grow = run.runs <= SLOTS, current().scale  # marks as much larger as the texts
    for status, color in STATUS_COLORS.items():
        for past, marker in ((0, "o"), (1, "^"), (-1, "v")):
            for hollow in (False, True):
                chosen = (statuses == status) & (side == past) & (left == hollow)
                if chosen.any():  # no black rims on many: thousands would fuse into a black bar
                    ax.scatter(x[chosen], y[chosen], marker=marker, s=(70 if few else 22) * grow, zorder=4,
                               linewidths=1.5 if hollow else 0.6, facecolors="white" if hollow else color,
                               edgecolors=color if hollow else ("black" if past and few else "none"), clip_on=False)
    if run.attempt.size and np.unique(run.loss[0]).size == 1 and np.isfinite(run.loss[0, 0]):
        ax.axhline(float(view.place(run.loss[0, 0])), color="gray", ls="--", lw=1, zorder=1)
    return y, [_value_text(v) for v in final]


def _value_text(v: float) -> str:
    if np.isnan(v):
        return "nan"
    if np.isinf(v):
        return "∞" if v > 0 else "−∞"
    return "0 (exact)" if v == 0 else f"{v:.3g}"


# where a verdict was reached
_VERDICT_MARKS = {Status.CONVERGED: "o", Status.DIVERGED: "X", Status.STALLED: "s", Status.SETTLED: "D"}


def _attempts(ax, run: RunData, x: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """● the attempt it converged, ✕ the one it diverged, ■ the one it stalled (it stopped there), ◆ the one
    it settled at its noise floor, ○ (any other status) still going when the attempts ran out; returns where
    each is drawn and its attempt in words."""
    at = np.array([s.converged_at or s.diverged_at or s.stalled_at or s.settled_at or s.attempts_run
                   for s in run.summary],
                  dtype=float)
    statuses, size = np.array(run.status), (60 if run.runs <= SLOTS else 22) * current().scale
    for status, color in STATUS_COLORS.items():
        chosen = statuses == status
        marker = _VERDICT_MARKS.get(status)
        if not chosen.any():
            continue
        if marker:
            ax.scatter(x[chosen], at[chosen], marker=marker, s=size * (0.8 if marker in "sD" else 1), color=color,
                       zorder=4, edgecolors="black" if marker == "X" and run.runs <= SLOTS else "none")
        else:
            ax.scatter(x[chosen], at[chosen], marker="o", s=size, facecolors="none", edgecolors=color,
                       linewidths=1.5, zorder=4)
    ax.axhline(run.config.attempts, color="gray", ls="--", lw=1)
    ax.set_ylim(0, run.config.attempts * 1.08 + 1)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=6))
    stalled = ", ■\u00a0stalled" if Status.STALLED in run.status else ""
    stalled += ", ◆\u00a0settled" if Status.SETTLED in run.status else ""
    ax.set_ylabel(f"attempt: ●\u00a0converged, ✕\u00a0diverged{stalled},\n○\u00a0still\u00a0going", fontsize=points(9))
    return at, [f"{a:.0f}" for a in at]


def _rings(y: dict, run: RunData, columns: Columns) -> tuple[list, list[str]]:
    """A grid's cells told apart: each cell's runs ringed, and joined across lrs, in its colour and dash;
    the legend's entries for them."""
    handles, texts = [], []
    for k, (label, (color, dash, ring)) in enumerate(zip(run.config.cell_labels(), cell_looks(run.config.cell_count))):
        members = np.flatnonzero(run.cells == k)
        order = members[np.argsort(columns.x[members], kind="stable")]
        for ax, (at, _) in y.items():
            ax.scatter(columns.x[order], at[order], s=(150 if run.runs <= SLOTS else 60) * current().scale, marker=ring,
                       facecolors="none", edgecolors=color, linewidths=1.4, zorder=3.5, clip_on=False)
            if run.games == 1 and len(order) > 1:
                ax.plot(columns.x[order], at[order], color=color, ls=dash, lw=1, alpha=0.7, zorder=2)
        handles.append(Line2D([], [], color=color, ls=dash, lw=1, marker=ring, ms=11, mfc="none", mec=color, mew=1.4))
        texts.append(label)
    return handles, texts


def _theory(panels: list, run: RunData, where) -> Theory:
    """Theory's critical and best lr, a vertical line across every panel -- in a grid, only where every
    run's theory names the same ones; returns the theory drawn."""
    theory = shared_theory(run)
    if run.config.grid and any((s.theory or Theory()).critical_lr != theory.critical_lr
                               or (s.theory or Theory()).best_lr != theory.best_lr for s in run.summary):
        return Theory()
    for key, style, color in (("critical_lr", "--", "#d62728"), ("best_lr", ":", "#2a9d3f")):
        value = getattr(theory, key)
        at = where(value) if value else None
        if at is not None:
            for ax in panels:
                ax.axvline(at, color=color, ls=style, lw=1.4, zorder=1)
    return theory


def _legend(run: RunData, theory_where, sides: set[int], attempts: bool) -> tuple[list, list[str]]:
    theory, where = theory_where
    handles, labels = [], []
    left = sum(s.left_at is not None for s in run.summary)
    for status, color in STATUS_COLORS.items():
        count = run.status.count(status) - (left if status == Status.CONVERGED else 0)
        if count:
            handles.append(Line2D([], [], marker="o", ls="none", color=color, ms=8))
            labels.append(f"{status.value} ({count})")
    if left:
        handles.append(Line2D([], [], marker="o", ls="none", mfc="white", mec=STATUS_COLORS[Status.CONVERGED],
                              mew=1.5, ms=8))
        labels.append(f"converged, then left\nthe tolerance ({left})")
    for side, marker, text in ((1, "^", "final loss past the top\n(larger, inf or nan)"),
                               (-1, "v", "final loss past the bottom\n(smaller, or −inf)")):
        if side in sides:
            handles.append(Line2D([], [], marker=marker, ls="none", color="gray", mec="black", ms=8))
            labels.append(text)
    if run.attempt.size and np.unique(run.loss[0]).size == 1:
        handles.append(Line2D([], [], color="gray", ls="--"))
        labels.append("loss at attempt 1")
    for key, style, color, name in (("critical_lr", "--", "#d62728", "critical"), ("best_lr", ":", "#2a9d3f", "best")):
        value = getattr(theory, key)
        if value:
            handles.append(Line2D([], [], color=color, ls=style, lw=1.4))
            lrs = np.unique(run.lr)
            off = "" if where(value) is not None else (
                "\n(left of these lrs)" if value < lrs[0] else "\n(right of these lrs)"
                if value > lrs[-1] else "\n(one column; not drawn)")
            labels.append(f"theory: {name} lr = {value:.4g}{off}")
    if attempts and Status.STALLED in run.status:
        handles.append(Line2D([], [], marker="s", ls="none", color=STATUS_COLORS[Status.STALLED], ms=7))
        labels.append("the attempt it stalled:\nstopped there (bottom)")
    if attempts:
        handles.append(Line2D([], [], color="gray", ls="--", lw=1))
        labels.append("attempts run (bottom)")
    return handles, labels
