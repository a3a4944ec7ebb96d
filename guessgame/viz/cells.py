"""A grid's cells compared -- whatever it compares (optimizers, losses, schedules, dtypes): where each
one's cliff is, and how the best lr of each one gets there.

Left: each cell's final loss against lr, one curve per cell; a diverged run sits on the top edge (▲)
and the dotted line of its cell's colour marks its cliff, the smallest lr that diverged; a hollow
diamond on the bottom edge marks theory's critical lr, where theory has one (plain and heavy-ball SGD).
With one lr, a column per cell instead. Right: the loss per attempt of each cell's best lr (the first
to converge and stay, `score.best_run`; else the lowest final loss of those that neither converged nor
diverged) -- never a run that converged and then left the tolerance (`left_at`). With random games, each
lr's median over its games.

Cells are told apart by colours that no status uses (then by dashes): no cell reads as converged or
diverged.
"""

from __future__ import annotations

import functools
import textwrap
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from guessgame.formatting import attempts_text, status_text
from guessgame.rundata import RunData
from guessgame.score import best_run
from guessgame.status import Status
from guessgame.viz.labels import compared, fit_ylabel, grow_below
from guessgame.viz.style import (
    STATUS_COLORS,
    TITLE_PAD,
    current,
    figure,
    legend_outside,
    margins,
    points,
    run_data,
    title,
)
from guessgame.viz.ticks import plain_log

# Cell colours, in order of preference: each reads on white; those too near a status colour are not used.
_CANDIDATES = ("#7b3294", "#17becf", "#e7298a", "#000000", "#8c564b", "#bcbd22", "#7f7f7f", "#004d4d")
_NEAR = 30.0  # CIELAB distance under which two colours read as one
_DASHES = ("-", "--", ":", "-.")  # and for the lr figure's rings, a shape to each round of the colours
_RINGS = ("o", "s", "D", "p")


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
    one_lr = len(np.unique(run.lr)) == 1
    labels = run.config.cell_labels()
    handles, texts, drawn = [], [], False
    for k, (label, (color, dash, _)) in enumerate(zip(labels, cell_looks(len(labels)))):
        members = np.flatnonzero(run.cells == k)
        if not members.size:
            continue
        at = (lambda lrs, k=k: np.full(len(lrs), float(k))) if one_lr else (lambda lrs: lrs)
        cliff, critical = _final_losses(left, run, members, (final, diverged), bounds, (color, dash, at))
        best = _best(run, members, final)
        drawn |= best is not None and _best_curve(right, run, best, (color, dash))
        handles.append(Line2D([], [], color=color, ls=dash, lw=2.5))
        texts.append(_entry(run, label, members, (cliff, critical, best), one_lr).replace(
            "\n  ", ": " if current().legend_below else "\n  "))  # a legend across the figure: one line each
    (_cell_axes if one_lr else _lr_axes)(left, run, bounds)
    _right_axes(right, run, bounds, drawn)
    for ax in (left, right):
        _ticks_inside(ax)
    fig.suptitle(title(run, f"{compared(run)} compared"), fontsize=points(11), y=1 - 0.1 / fig.get_figheight(),
                 va="top")
    margins(fig, left=1.1, top=1.1, bottom=0.7, wspace=1.0, legend=legend_outside(right, handles, texts))
    if one_lr:
        _name_columns(fig, left, labels)
    fit_ylabel(fig, left)
    return fig


@functools.cache
def cell_looks(count: int) -> list[tuple[str, str, str]]:
    """A (colour, dash, ring marker) per cell: each colour of `_CANDIDATES` far from every status colour,
    solid (ringed by a circle), then each dashed (a square), and so on."""
    from matplotlib.colors import to_rgb

    statuses = _lab([to_rgb(color) for color in STATUS_COLORS.values()])
    colors = [c for c, lab in zip(_CANDIDATES, _lab([to_rgb(c) for c in _CANDIDATES]))
              if np.linalg.norm(statuses - lab, axis=1).min() >= _NEAR]
    rounds = [k // len(colors) % len(_DASHES) for k in range(count)]
    return [(colors[k % len(colors)], _DASHES[r], _RINGS[r]) for k, r in enumerate(rounds)]


def _lab(rgb: list) -> np.ndarray:
    """sRGB colours in CIELAB (D65), where distance is how different they look."""
    rgb = np.asarray(rgb, dtype=float)
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    xyz = linear @ np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]).T
    f = xyz / np.array([0.9505, 1.0, 1.089])
    f = np.where(f > 0.008856, np.cbrt(f), 7.787 * f + 16 / 116)
    return np.stack([116 * f[:, 1] - 16, 500 * (f[:, 0] - f[:, 1]), 200 * (f[:, 1] - f[:, 2])], axis=1)


def _final_losses(ax, run: RunData, members: np.ndarray, ends, bounds: tuple[float, float], look):
    """One cell's final loss against lr on `ax` (at x = `at(lrs)`): ▲ on the top edge where it diverged,
    △ where its loss is not finite, its cliff dotted and theory's critical lr a hollow diamond on the
    bottom edge. Returns the cliff and theory's critical lr (None where there is none)."""
    (final, diverged), (floor, top), (color, dash, at) = ends, bounds, look
    lrs, loss, lost = _per_lr(run, members, final, diverged)
    overflowed = ~lost & np.isnan(loss)  # no finite final loss, yet not diverged: drawn hollow on the top edge
    x, y = at(lrs), np.clip(np.where(lost | overflowed, top, loss), floor, top)
    ax.plot(x, y, ls=dash, color=color, lw=1.8, alpha=0.85)
    ax.scatter(x[~lost & ~overflowed], y[~lost & ~overflowed], color=color, s=18 if len(x) > 1 else 70, zorder=3)
    ax.scatter(x[lost], y[lost], color=color, marker="^", s=46, zorder=3, clip_on=False)
    ax.scatter(x[overflowed], y[overflowed], marker="^", s=46, zorder=3, clip_on=False,
               facecolors="none", edgecolors=color)
    cliff = lrs[lost].min() if lost.any() else None
    if cliff is not None and len(x) > 1:
        ax.axvline(cliff, color=color, ls=":", lw=1.4)
    critical = next((run.summary[r].theory.critical_lr for r in members
                     if run.summary[r].theory is not None and run.summary[r].theory.critical_lr), None)
    if critical is not None and len(x) > 1:  # theory's cliff: a hollow diamond on the bottom edge
        ax.scatter([critical], [floor], marker="D", s=60, facecolors="none", edgecolors=color, lw=1.8,
                   zorder=4, clip_on=False)
    return cliff, critical


def _entry(run: RunData, label: str, members: np.ndarray, found, one_lr: bool) -> str:
    """A cell's legend entry: its cliff and best lr; with one lr, how its runs ended."""
    cliff, critical, best = found
    theory = f" (theory ◇ {critical:.4g})" if critical is not None else ""
    if one_lr:
        ends = [run.summary[r].status for r in members]
        told = (_ended(run.summary[members[0]]) if len(members) == 1
                else ", ".join(f"{ends.count(s)} {s.value}" for s in STATUS_COLORS if s in ends))
        return f"{label}\n  {told}" + (f"; theory: critical lr {critical:.4g}" if critical is not None else "")
    return (f"{label}\n  cliff: " + (f"lr {cliff:.4g}" if cliff is not None else "none in this sweep") + theory
            + (f"; best lr {run.lr[best]:.4g}: {_ended(run.summary[best])}" if best is not None else ""))


def _ended(summary) -> str:
    """`converged at 239`, `stalled at 223`, `converged at 13, left at 161`, `oscillating (300 attempts)`."""
    told = attempts_text(summary)
    return f"{status_text(summary)} ({told} attempts)" if told.isdigit() else told


def _best_curve(ax, run: RunData, best: int, look) -> bool:
    """The best run's loss per attempt (what a log axis can show of it); whether any of it is drawn."""
    curve = run.loss[:, best].copy()
    curve[~np.isfinite(curve) | (curve <= 0)] = np.nan
    ax.plot(run.attempt, curve, color=look[0], ls=look[1], lw=1.8)
    return bool(np.isfinite(curve).any())


def _lr_axes(ax, run: RunData, bounds: tuple[float, float]) -> None:
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(run.lr.min() / 1.3, run.lr.max() * 1.3)  # the lrs played, whether or not a loss is drawn
    lrs = np.unique(run.lr)
    if len(lrs) <= 6:  # a few lrs: each one named, and no minor labels crowding them
        ax.set_xticks(lrs, [f"{lr:.4g}" for lr in lrs], minor=False)
        ax.set_xticks([], minor=True)
    ax.set_ylim(*bounds)
    ax.set_xlabel("learning rate (log scale)")
    ax.set_ylabel("final loss (▲ diverged, △ not finite, dotted: the cliff;\nexact zeros on the floor)")
    ax.grid(True, alpha=0.3)
    ax.set_title("final loss at each lr", fontsize=points(11), pad=TITLE_PAD)


def _cell_axes(ax, run: RunData, bounds: tuple[float, float]) -> None:
    """One lr: a column per cell (named under it once the layout is fixed)."""
    ax.set_yscale("log")
    ax.set_xlim(-0.6, run.config.cell_count - 0.4)
    ax.set_ylim(*bounds)
    ax.set_xlabel(f"{compared(run)}, all at lr {run.lr[0]:.4g}")
    ax.set_ylabel("final loss (▲ diverged, △ not finite;\nexact zeros on the floor)")
    ax.grid(True, axis="y", alpha=0.3)
    ax.set_title(f"final loss at lr {run.lr[0]:.4g}", fontsize=points(11), pad=TITLE_PAD)


def _name_columns(fig, ax, labels: list[str]) -> None:
    """Each column's cell under it, its words wrapped to the column's width -- or, where a word is wider,
    written upwards; the figure grows to hold them."""
    size = points(10)
    pitch = ax.get_position().width * fig.get_figwidth() / len(labels)  # inches per column
    chars = int(pitch * 0.9 / (size * 0.6 / 72))
    if max((len(word) for label in labels for word in label.split()), default=0) <= chars:
        names = ["\n".join(textwrap.wrap(label, chars, break_long_words=False)) for label in labels]
        ax.set_xticks(np.arange(len(labels)), names, fontsize=size)
        grow_below(fig, max(name.count("\n") for name in names) * 1.25 * size / 72)
    else:
        ax.set_xticks(np.arange(len(labels)), labels, fontsize=size, rotation=90)
        grow_below(fig, max(len(label) for label in labels) * size * 0.6 / 72)


def _right_axes(ax, run: RunData, bounds: tuple[float, float], drawn: bool) -> None:
    ax.set_yscale("log")
    if not drawn:  # no best run has a loss above 0 that the dtype could hold: nothing to draw on a log scale
        ax.set_ylim(*bounds)
        ax.text(0.5, 0.5, "no best run has a finite loss above 0 to draw", transform=ax.transAxes,
                ha="center", va="center", color="0.4")
    ax.set_xlim(0.5 if len(run.attempt) == 1 else run.attempt[0], run.attempt[-1] + (len(run.attempt) == 1) / 2)
    ax.set_xlabel("attempt")
    one = run.config.grid[0][0] if len(run.config.grid) == 1 else "cell"
    ax.set_ylabel(f"loss, at each {one}'s best lr")
    ax.grid(True, alpha=0.3)
    ax.set_title(f"each {one}'s best lr, per attempt", fontsize=points(11), pad=TITLE_PAD)


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


def _best(run: RunData, members: np.ndarray, final: np.ndarray) -> int | None:
    """The cell's best run: `score.best_run` of its runs; if none converged and stayed, the lowest
    finite final loss of those that reached no other verdict (neither converged nor diverged)."""
    best = best_run([run.summary[r] for r in members])
    if best is not None:
        return next(int(r) for r in members if run.summary[r] is best)
    ok = members[[run.summary[r].status not in (Status.CONVERGED, Status.DIVERGED) for r in members]]
    ok = ok[np.isfinite(final[ok])]
    return int(ok[np.argmin(final[ok])]) if ok.size else None


def _ticks_inside(ax) -> None:
    """Only the ticks within the view: a log locator also lists decades beyond it, whose labels would
    sit outside the axes; each label in plain text."""
    plain_log(ax)
    ax.autoscale_view()
    for axis, limits, set_ticks in ((ax.xaxis, ax.get_xlim(), ax.set_xticks), (ax.yaxis, ax.get_ylim(), ax.set_yticks)):
        low, high = sorted(limits)
        ticks = [t for t in axis.get_majorticklocs() if low <= t <= high]
        if ticks:
            set_ticks(ticks)
            (ax.set_xlim if axis is ax.xaxis else ax.set_ylim)(*limits)
