"""A grid's cells compared: which optimizer (loss, schedule) tolerates the largest lr, and how the best
lr of each one gets there.

Left: each cell's final loss against lr, one curve per cell; a diverged run sits on the top edge (▲)
and the dotted line of its cell's colour marks its cliff, the smallest lr that diverged; a hollow
diamond on the bottom edge marks theory's critical lr, where theory has one (plain and heavy-ball SGD). Right: the
loss per attempt of each cell's best lr (the first to converge; else the lowest final loss of those that did not
diverge).
With random games, each lr's median over its games.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from guessgame.rundata import RunData
from guessgame.status import Status
from guessgame.viz.style import figure, legend_outside, margins, run_data, title

_PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf",
            "#7f7f7f", "#bcbd22")


def cells_figure(source: Any) -> Figure:
    """Final loss against lr per cell (left), and the best lr of each cell's loss per attempt (right)."""
    run = run_data(source)
    fig = figure(14.0, 5.8)
    left, right = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1]})
    final = np.array([s.final_loss for s in run.summary], dtype=float)
    diverged = np.array([s.status == Status.DIVERGED for s in run.summary])
    shown = final[np.isfinite(final) & (final > 0) & ~diverged]
    # the left panel's losses: from a tenth of the lowest drawn to ten times the highest
    bounds = (float(shown.min()) / 10 if shown.size else 1e-12, float(shown.max()) * 10 if shown.size else 1.0)
    handles, texts, drawn = [], [], False
    for k, label in enumerate(run.config.cell_labels()):
        color = _PALETTE[k % len(_PALETTE)]
        members = np.flatnonzero(run.cells == k)
        if not members.size:
            continue
        cliff, critical = _final_losses(left, run, members, (final, diverged), bounds, color)
        best = _best(run, members, final, diverged)
        drawn |= best is not None and _best_curve(right, run, best, color)
        handles.append(Line2D([], [], color=color, lw=2.5))
        texts.append(f"{label}\n  cliff: " + (f"lr {cliff:.4g}" if cliff is not None else "none in this sweep")
                     + (f" (theory ◇ {critical:.4g})" if critical is not None else "")
                     + (f"; best lr {run.lr[best]:.4g}: {run.summary[best].status.value}" if best is not None else ""))
    _left_axes(left, run, bounds)
    _right_axes(right, run, bounds, drawn)
    for ax in (left, right):
        _ticks_inside(ax)
    margins(fig, left=1.1, bottom=0.7, wspace=1.0, legend=legend_outside(right, handles, texts))
    return fig


def _final_losses(ax, run: RunData, members: np.ndarray, ends, bounds: tuple[float, float], color):
    """One cell's final loss against lr on `ax`: ▲ on the top edge where it diverged, △ where its loss
    is not finite, its cliff dotted and theory's critical lr a hollow diamond on the bottom edge.
    Returns the cliff and theory's critical lr (None where there is none)."""
    final, diverged = ends
    floor, top = bounds
    lrs, loss, lost = _per_lr(run, members, final, diverged)
    overflowed = ~lost & np.isnan(loss)  # no finite final loss, yet not diverged: drawn hollow on the top edge
    y = np.clip(np.where(lost | overflowed, top, loss), floor, top)
    ax.plot(lrs, y, "-", color=color, lw=1.8, alpha=0.85)
    ax.scatter(lrs[~lost & ~overflowed], y[~lost & ~overflowed], color=color, s=18, zorder=3)
    ax.scatter(lrs[lost], y[lost], color=color, marker="^", s=46, zorder=3, clip_on=False)
    ax.scatter(lrs[overflowed], y[overflowed], marker="^", s=46, zorder=3, clip_on=False,
               facecolors="none", edgecolors=color)
    cliff = lrs[lost].min() if lost.any() else None
    if cliff is not None:
        ax.axvline(cliff, color=color, ls=":", lw=1.4)
    critical = next((run.summary[r].theory.critical_lr for r in members
                     if run.summary[r].theory is not None and run.summary[r].theory.critical_lr), None)
    if critical is not None:  # theory's cliff: a hollow diamond on the bottom edge
        ax.scatter([critical], [floor], marker="D", s=60, facecolors="none", edgecolors=color, lw=1.8,
                   zorder=4, clip_on=False)
    return cliff, critical


def _best_curve(ax, run: RunData, best: int, color) -> bool:
    """The best run's loss per attempt (what a log axis can show of it); whether any of it is drawn."""
    curve = run.loss[:, best].copy()
    curve[~np.isfinite(curve) | (curve <= 0)] = np.nan
    ax.plot(run.attempt, curve, color=color, lw=1.8)
    return bool(np.isfinite(curve).any())


def _left_axes(ax, run: RunData, bounds: tuple[float, float]) -> None:
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(run.lr.min() / 1.3, run.lr.max() * 1.3)  # the lrs played, whether or not a loss is drawn
    ax.set_ylim(*bounds)
    ax.set_xlabel("learning rate (log scale)")
    ax.set_ylabel("final loss (▲ diverged, △ not finite, dotted: the cliff;\nexact zeros on the floor)")
    ax.grid(True, alpha=0.3)
    ax.set_title(title(run, "which tolerates the largest lr"), fontsize=11)


def _right_axes(ax, run: RunData, bounds: tuple[float, float], drawn: bool) -> None:
    ax.set_yscale("log")
    if not drawn:  # no best run has a loss above 0 that the dtype could hold: nothing to draw on a log scale
        ax.set_ylim(*bounds)
        ax.text(0.5, 0.5, "no best run has a finite loss above 0 to draw", transform=ax.transAxes,
                ha="center", va="center", color="0.4")
    ax.set_xlim(0.5 if len(run.attempt) == 1 else run.attempt[0], run.attempt[-1] + (len(run.attempt) == 1) / 2)
    ax.set_xlabel("attempt")
    ax.set_ylabel("loss, at each cell's best lr")
    ax.grid(True, alpha=0.3)
    ax.set_title("the best lr of each, attempt by attempt", fontsize=11)


def _per_lr(run: RunData, members: np.ndarray, final: np.ndarray, diverged: np.ndarray):
    """The cell's lrs in order, each one's (median) final loss, and whether most of its games diverged."""
    lrs = np.unique(run.lr[members])
    loss, lost = np.empty(len(lrs)), np.zeros(len(lrs), dtype=bool)
    for i, lr in enumerate(lrs):
        games = members[run.lr[members] == lr]
        lost[i] = diverged[games].mean() > 0.5
        with np.errstate(invalid="ignore"):
            loss[i] = np.nanmedian(final[games]) if np.isfinite(final[games]).any() else np.nan
    return lrs, loss, lost


def _best(run: RunData, members: np.ndarray, final: np.ndarray, diverged: np.ndarray) -> int | None:
    """The cell's best run: the one that converged first (the lower final loss on a tie); if none
    converged, the lowest final loss of those that did not diverge."""
    ok = members[~diverged[members] & np.isfinite(final[members])]
    if not ok.size:
        return None
    converged_at = np.array([run.summary[r].converged_at or np.inf for r in ok], dtype=float)
    order = np.lexsort((final[ok], converged_at))
    return int(ok[order[0]])


def _ticks_inside(ax) -> None:
    """Only the ticks within the view: a log locator also lists decades beyond it, whose labels would
    sit outside the axes."""
    ax.autoscale_view()
    for axis, limits, set_ticks in ((ax.xaxis, ax.get_xlim(), ax.set_xticks), (ax.yaxis, ax.get_ylim(), ax.set_yticks)):
        low, high = sorted(limits)
        ticks = [t for t in axis.get_majorticklocs() if low <= t <= high]
        if ticks:
            set_ticks(ticks)
            (ax.set_xlim if axis is ax.xaxis else ax.set_ylim)(*limits)
