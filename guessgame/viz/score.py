"""Random games scored: per learning rate, the attempts its games took and the share of each status."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from guessgame.status import Status
from guessgame.viz.style import (
    STATUS_COLORS,
    WIDTH,
    figure,
    legend_outside,
    margins,
    points,
    run_data,
    shared_theory,
    title,
)


def score_figure(source: Any) -> Figure:
    """Random games scored: per lr, attempts-to-converge of each game and the share of each status.

    One column per learning rate, in increasing order, so close learning rates stay readable.
    """
    from guessgame.score import scores

    run = run_data(source)
    table = sorted(scores(run.summary), key=lambda s: (s.cell, s.lr))  # a grid: each cell's lrs in turn
    lrs = np.array([s.lr for s in table])
    cells = run.config.cell_labels() if run.config.grid else None
    slots = np.arange(len(table))
    fig = figure(max(WIDTH, min(16.0, 4.5 + 0.45 * len(table))), 7.0)
    top, bottom = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [2, 1]})
    _attempts(top, run, table, slots)
    _shares(bottom, table, slots)
    if cells is None:  # a grid's columns are not one lr axis
        _critical_lr(run, (top, bottom), lrs, slots)
    every = max(1, len(table) // 20)
    names = [f"{s.lr:.3g}" + (f"\n{cells[s.cell]}" if cells else "") for s in table]
    bottom.set_xticks(slots[::every], names[::every],
                      rotation=45 if len(table) > 8 else 0, ha="right" if len(table) > 8 else "center")
    bottom.set_xlim(-0.6, len(table) - 0.4)
    top.grid(True, axis="y", alpha=0.3)
    top.set_ylabel("attempts to converge\n(the score: fewer is better)")
    bottom.set_ylabel("share of games (%)")
    bottom.set_ylim(0, 100)
    bottom.set_xlabel("learning rate")
    top.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=7))
    texts = legend_outside(top) + legend_outside(bottom)
    margins(fig, left=1.3, bottom=1.0, hspace=0.15, legend=texts)
    top.set_title(title(run, f"{run.games} random games per learning rate"), fontsize=points(11))
    return fig


def _attempts(top, run, table, slots) -> None:
    """Each converged game's attempts as a dot in its lr's column, with the spread of the column."""
    rng = np.random.default_rng(0)  # jitter only: where a dot sits inside its column
    slot_of = {(s.cell, s.lr): x for x, s in zip(slots, table)}
    xs, took = [], []
    for r in run.summary:
        if r.status == Status.CONVERGED:
            xs.append(slot_of[(r.cell, float(r.lr))])
            took.append(r.converged_at)
    scored = [(x, s.attempts_to_converge) for x, s in zip(slots, table) if s.attempts_to_converge]
    if scored:  # one artist per kind, not per column: a sweep of a thousand lrs draws as fast as ten
        x = np.array([x for x, _ in scored], dtype=float)
        spread = {k: np.array([getattr(a, k) for _, a in scored], dtype=float)
                  for k in ("min", "q1", "median", "q3", "max")}
        top.scatter(np.array(xs) + rng.uniform(-0.3, 0.3, len(xs)), took, s=10, color=STATUS_COLORS[Status.CONVERGED],
                    alpha=0.35, lw=0, label="one game")
        top.vlines(x, spread["min"], spread["max"], color="black", lw=0.8)
        top.vlines(x, spread["q1"], spread["q3"], color="black", lw=5, label="middle half of the games")
        top.plot(x, spread["median"], "o", color="white", mec="black", ms=6 if len(table) <= 60 else 3, ls="none",
                 label="median")
    if len(table) <= 12:  # with more columns the shares below say it
        for x, s in zip(slots, table):
            if not s.attempts_to_converge:
                top.text(x, 0.5, "none converged", transform=top.get_xaxis_transform(), ha="center",
                         va="center", fontsize=points(8), color="gray", rotation=90)


def _shares(bottom, table, slots) -> None:
    """The share of each status among each lr's games, stacked."""
    below = np.zeros(len(table))
    for status in Status:
        share = np.array([100 * s.shares[status] for s in table])
        if share.any() and len(table) <= 60:
            bottom.bar(slots, share, width=0.7, bottom=below, color=STATUS_COLORS[status], label=status.value)
        elif share.any():  # columns that touch, one artist per status
            bottom.stairs(below + share, np.arange(len(table) + 1) - 0.5, baseline=below, fill=True,
                          color=STATUS_COLORS[status], label=status.value)
        below += share


def _critical_lr(run, axes, lrs, slots) -> None:
    """Theory's critical lr as a dashed line between the columns it separates."""
    critical = shared_theory(run).critical_lr
    if critical and len(lrs) > 1 and lrs[0] <= critical <= lrs[-1]:
        at = np.interp(np.log10(critical), np.log10(lrs), slots)
        for ax in axes:
            ax.axvline(at, color="#d62728", ls="--", lw=1.2,
                       label=f"theory: critical lr = {critical:.4g}" if ax is axes[0] else None)
