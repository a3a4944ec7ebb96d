"""Learning rates compared: each run's final loss, and the attempt it converged or diverged."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from guessgame.rundata import RunData
from guessgame.status import Status
from guessgame.viz import marks
from guessgame.viz.axis import View, choose
from guessgame.viz.labels import place_labels
from guessgame.viz.style import (
    STATUS_COLORS,
    TITLE_PAD,
    figure,
    legend_outside,
    margins,
    run_data,
    shared_theory,
    title,
)

SLOTS = 12  # up to this many learning rates: one evenly spaced, labelled column each


def lr_figure(source: Any, ax=None) -> Figure:
    """Final loss (top) and the attempt each run converged or diverged (bottom) against lr.

    Statuses are coloured; theory's critical and best lr are marked. Up to 12 learning rates get a
    column each, labelled with the numbers; more share a log axis. With `ax` (a matplotlib Axes),
    the final losses alone are drawn into it and its figure returned, laid out as it was.
    """
    run = run_data(source)
    fig, panels = _axes(ax, run)
    top, bottom = panels[0], (panels[1] if len(panels) > 1 else None)
    x, where = _positions(run, panels)
    final = np.array([s.final_loss for s in run.summary], dtype=float)
    view = _final_view(run, final)
    view.apply(top)
    labels = {top: _final_loss(top, run, x, final, view)}
    if bottom is not None:
        labels[bottom] = _attempts(bottom, run, x)
        bottom.grid(True, alpha=0.3)
    _theory(panels, run, where)
    top.set_ylabel("final loss")
    top.grid(True, alpha=0.3)
    top.set_title(title(run, "learning rates compared"), fontsize=11, pad=TITLE_PAD)
    sides = set(marks.sides(view, final[:, None])[:, 0].tolist())
    legend = legend_outside(top, *_legend(run, where, sides, attempts=bottom is not None))
    if ax is None:
        margins(fig, left=1.3, bottom=0.7, hspace=0.15, legend=legend)
        _stagger_if_crowded(fig, bottom)
    for panel, wanted in labels.items():  # once the layout is fixed: labels placed clear of each other
        place_labels(fig, panel, wanted)
    return fig


def _axes(ax, run: RunData) -> tuple[Figure, list]:
    """The figure and its panels, final loss above attempts; `ax` alone (no attempts panel) when given."""
    if ax is not None:
        return ax.figure, [ax]
    fig = figure(WIDTH_LR, 7.2 if len(np.unique(run.lr)) > 4 else 5.6)
    return fig, list(fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 2]}))


def _stagger_if_crowded(fig, bottom) -> None:
    """Every other column label one line lower when neighbours would run into each other across a
    column's width (measured on the laid-out axes), with the room below that takes."""
    ticks = bottom.xaxis.get_major_ticks()
    if len(ticks) < 2 or bottom.get_xscale() != "linear":  # a log axis of many lrs labels only its decades
        return
    low, high = bottom.get_xlim()
    pitch = bottom.get_position().width * fig.get_figwidth() / (high - low)  # inches per column
    size = ticks[0].label1.get_fontsize()
    longest = max(len(t.label1.get_text()) for t in ticks) * size * 0.62 / 72
    if longest < 0.9 * pitch:
        return
    for tick in ticks[1::2]:
        tick.set_pad(tick.get_pad() + 1.3 * size)
    extra = 1.3 * size / 72
    height = fig.get_figheight()
    fig.set_figheight(height + extra)
    fig.subplots_adjust(bottom=(0.7 + extra) / (height + extra), top=1 - 0.7 / (height + extra))


WIDTH_LR = 9.5


def _positions(run: RunData, panels: list):
    """x of each run, and a function placing any lr on that axis (None if outside the columns); the
    lrs are labelled on the lowest of the panels."""
    lrs = np.unique(run.lr)
    bottom = panels[-1]
    if len(lrs) <= SLOTS:
        slot = {lr: i for i, lr in enumerate(lrs)}
        x = np.array([slot[lr] for lr in run.lr], dtype=float)
        if run.games > 1:  # games of one lr spread a little inside its column
            x += np.random.default_rng(0).uniform(-0.15, 0.15, run.runs)
        bottom.set_xticks(np.arange(len(lrs)), [f"{lr:.4g}" for lr in lrs])
        bottom.set_xlim(-0.6, len(lrs) - 0.4)
        bottom.set_xlabel("learning rate (one column each, in increasing order)")
        logs = np.log10(lrs)

        def where(lr: float) -> float | None:
            if len(lrs) < 2 or not lrs[0] <= lr <= lrs[-1]:
                return None
            return float(np.interp(np.log10(lr), logs, np.arange(len(lrs))))

        return x, where
    for ax in panels:
        ax.set_xscale("log")
    bottom.set_xlabel("learning rate (log scale)")
    return run.lr.copy(), lambda lr: lr if lrs[0] <= lr <= lrs[-1] else None


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


def _final_loss(ax, run: RunData, x: np.ndarray, final: np.ndarray, view: View) -> list[tuple]:
    """Each run's final loss at its lr; returns the value labels wanted (few runs)."""
    side = marks.sides(view, final[:, None])[:, 0]
    y = np.where(side == 0, view.place(final), np.where(side > 0, view.edge(1), view.edge(-1)))
    statuses = np.array(run.status)
    few = run.runs <= SLOTS
    for status, color in STATUS_COLORS.items():
        for past, marker in ((0, "o"), (1, "^"), (-1, "v")):
            chosen = (statuses == status) & (side == past)
            if chosen.any():
                ax.scatter(x[chosen], y[chosen], marker=marker, s=70 if few else 22, color=color,  # no black
                           edgecolors="black" if past and few else "none", linewidths=0.6, zorder=4,  # rims: thousands
                           clip_on=False)  # would fuse into a black bar
    if run.attempt.size and np.unique(run.loss[0]).size == 1 and np.isfinite(run.loss[0, 0]):
        ax.axhline(float(view.place(run.loss[0, 0])), color="gray", ls="--", lw=1, zorder=1)
    return [(x[r], y[r], _value_text(final[r])) for r in range(run.runs)] if few else []


def _value_text(v: float) -> str:
    if np.isnan(v):
        return "nan"
    if np.isinf(v):
        return "∞" if v > 0 else "−∞"
    return "0 (exact)" if v == 0 else f"{v:.3g}"


def _attempts(ax, run: RunData, x: np.ndarray) -> list[tuple]:
    """● the attempt it converged, ✕ the one it diverged, ○ still going when the attempts ran out;
    returns the labels wanted (few runs)."""
    summary = run.summary
    budget = run.config.attempts
    for status, key, marker in ((Status.CONVERGED, "converged_at", "o"), (Status.DIVERGED, "diverged_at", "X")):
        chosen = [r for r, s in enumerate(summary) if s.status == status and getattr(s, key)]
        if chosen:
            ax.scatter(x[chosen], [getattr(summary[r], key) for r in chosen], marker=marker,
                       s=60 if run.runs <= SLOTS else 22,
                       color=STATUS_COLORS[status], edgecolors="black" if marker == "X" and run.runs <= SLOTS
                       else "none", zorder=4)
    for status in (Status.OSCILLATING, Status.UNFINISHED):
        chosen = [r for r, s in enumerate(summary) if s.status == status]
        if chosen:
            ax.scatter(x[chosen], [summary[r].attempts_run for r in chosen], marker="o",
                       s=60 if run.runs <= SLOTS else 22, facecolors="none", edgecolors=STATUS_COLORS[status],
                       linewidths=1.5, zorder=4)
    ax.axhline(budget, color="gray", ls="--", lw=1)
    ax.set_ylim(0, budget * 1.08 + 1)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=6))
    ax.set_ylabel("attempt: ● converged\n✕ diverged, ○ still going", fontsize=9)
    wanted = []
    for r, info in enumerate(summary if run.runs <= SLOTS else []):
        at = {Status.CONVERGED: info.converged_at,
              Status.DIVERGED: info.diverged_at}.get(info.status, info.attempts_run)
        if at:
            wanted.append((x[r], at, f"{at}"))
    return wanted


def _theory(panels: list, run: RunData, where) -> None:
    """Theory's critical and best lr, a vertical line across every panel."""
    theory = shared_theory(run)
    for key, style, color in (("critical_lr", "--", "#d62728"), ("best_lr", ":", "#2a9d3f")):
        value = getattr(theory, key)
        at = where(value) if value else None
        if at is not None:
            for ax in panels:
                ax.axvline(at, color=color, ls=style, lw=1.4, zorder=1)


def _legend(run: RunData, where, sides: set[int], attempts: bool) -> tuple[list, list[str]]:
    handles, labels = [], []
    for status, color in STATUS_COLORS.items():
        count = run.status.count(status)
        if count:
            handles.append(Line2D([], [], marker="o", ls="none", color=color, ms=8))
            labels.append(f"{status.value} ({count})")
    for side, marker, text in ((1, "^", "final loss past the top\n(larger, inf or nan)"),
                               (-1, "v", "final loss past the bottom\n(smaller, or −inf)")):
        if side in sides:
            handles.append(Line2D([], [], marker=marker, ls="none", color="gray", mec="black", ms=8))
            labels.append(text)
    if run.attempt.size and np.unique(run.loss[0]).size == 1:
        handles.append(Line2D([], [], color="gray", ls="--"))
        labels.append("loss at attempt 1")
    theory = shared_theory(run)
    for key, style, color, name in (("critical_lr", "--", "#d62728", "critical"), ("best_lr", ":", "#2a9d3f", "best")):
        value = getattr(theory, key)
        if value:
            handles.append(Line2D([], [], color=color, ls=style, lw=1.4))
            lrs = np.unique(run.lr)
            off = "" if where(value) is not None else (
                "\n(left of these lrs)" if value < lrs[0] else "\n(right of these lrs)"
                if value > lrs[-1] else "\n(one column; not drawn)")
            labels.append(f"theory: {name} lr = {value:.4g}{off}")
    if attempts:
        handles.append(Line2D([], [], color="gray", ls="--", lw=1))
        labels.append("attempts run (bottom)")
    return handles, labels
