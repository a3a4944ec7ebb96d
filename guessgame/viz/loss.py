"""Loss against attempt: every run, each diverged run marked where it diverged, theory behind."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from guessgame.config.schema import LARGEST
from guessgame.rundata import RunData
from guessgame.status import Status
from guessgame.viz import marks
from guessgame.viz.axis import View, choose
from guessgame.viz.style import (FEW, STATUS_COLORS, as_run, figure, legend_outside, margins,
                                 run_colors,
                                 run_name, shared_theory, side, title)
from guessgame.viz.story import story



def loss_figure(source: Any) -> Figure:
    """Loss against attempt, one line per run (log scale; symlog or linear once a loss goes negative).

    Values past the view (a diverging run, inf, nan) run to its edge and are marked there; exact
    zeros sit on a floor below the data, labelled `0 (exact)`; ✕ marks the attempt a run diverged.
    """
    run = as_run(source)
    fig = figure()
    ax = fig.add_subplot()
    live = marks.alive(run)
    view = loss_view(run)
    view.apply(ax)
    colors = run_colors(run)
    few = run.runs <= FEW
    if few:
        _theory(ax, run, view, colors)
    shown, exits = marks.trace(view, run.loss, live)
    marks.lines(ax, run.attempt, shown, colors, lw=1.8 if few else 0.8, alpha=1.0 if few else 0.6)
    marks.edge_marks(ax, view, run.attempt, exits, colors, size=60 if few else 14)
    exits = exits + _last_attempts(ax, run, view, colors, size=60 if few else 14)
    _diverged(ax, run, view, size=110 if few else 20)
    _dtype_limit(ax, run, view)
    marks.zoom(ax, run, shown, live)
    ax.set_ylabel({"log": "loss (log scale)", "symlog": "loss (symlog: it goes negative)"}.get(view.scale, "loss"))
    ax.grid(True, which="major", alpha=0.3)
    ax.set_title(title(run, "loss per attempt"), fontsize=11)
    texts = _legend(ax, run, colors, exits, view,
                    marks.same_series(shown, list(range(run.runs)), 2e-3 * np.ptp(view.limits)) if few else [])
    margins(fig, left=1.15, legend=texts)
    return fig


def loss_view(run: RunData) -> View:
    """Chosen from the losses a reader needs; room on the side where other runs leave."""
    live = marks.alive(run)
    need = marks.needed(run, run.loss)
    core = run.loss[need]
    rest = run.loss[live & ~need]
    with np.errstate(invalid="ignore"):
        above = core.size and bool((np.isnan(rest) | (rest > core.max())).any())
        below = core.size and bool((rest < core.min()).any())
    zeros = bool((core == 0).any())
    return choose(core, kind="loss", room=(below, above), zeros=zeros)


def _theory(ax, run: RunData, view: View, colors) -> None:
    """Theory's curve, wide and pale behind each measured line, so both show where they agree."""
    for r in range(run.runs):
        curve = theory_curve(run, r)
        if curve is None:
            continue
        curve[~view.contains(curve) | (curve == 0)] = np.nan
        ax.plot(run.attempt, view.place(curve), color=colors[r], lw=7, alpha=0.25, solid_capstyle="butt", zorder=1.5)


def theory_curve(run: RunData, r: int) -> np.ndarray | None:
    """For plain SGD on MSE: loss(t) = loss(1) * rate^(2(t-1)); None where theory has no closed form."""
    theory = run.summary[r].theory
    config = run.config.cells[run.cells[r]] if run.config.grid else run.config  # the run's own cell
    if config.loss != "mse" or not config.plain_sgd or theory is None or theory.rate is None:
        return None
    loss0 = run.loss[0, r] if run.attempt.size and run.attempt[0] == 1 else np.nan
    if not np.isfinite(loss0) or loss0 <= 0:
        return None
    with np.errstate(over="ignore", under="ignore", divide="ignore", invalid="ignore"):
        curve = np.exp(np.log(loss0) + 2.0 * (run.attempt - 1) * np.log(np.float64(theory.rate)))
    curve[~np.isfinite(curve)] = np.nan
    return curve


def _unlogged_ends(run: RunData) -> list[int]:
    """Runs that stopped early at an attempt the thinned log did not keep."""
    kept = set(run.attempt.tolist())
    return [r for r, s in enumerate(run.summary) if 0 < s.attempts_run < run.config.attempts
            and s.attempts_run not in kept]


def _last_attempts(ax, run: RunData, view: View, colors, size: float) -> list[marks.Exit]:
    """A run stopped between two kept rows: dotted from its last kept loss to its final one, the loss
    at the attempt it stopped (from the summary), so its end is drawn where it was; an end past the
    view sits on its edge, marked like any other. Returns those edge marks."""
    edges = []
    for r in _unlogged_ends(run):
        info = run.summary[r]
        row = int(np.searchsorted(run.attempt, info.attempts_run, side="right")) - 1
        ends = np.array([run.loss[row, r], info.final_loss])
        side = marks.sides(view, ends[None, :])[0]
        y = np.where(side == 0, view.place(ends), np.where(side > 0, view.edge(1), view.edge(-1)))
        ax.plot([run.attempt[row], info.attempts_run], y, ls=":", lw=1.4, color=colors[r], zorder=2.5, clip_on=False)
        if side[1] != 0 and run.summary[r].status != Status.DIVERGED:  # a diverged end gets its ✕ there
            ax.scatter([info.attempts_run], [y[1]], marker="^" if side[1] > 0 else "v", s=size, color=colors[r],
                       edgecolors="black", linewidths=0.6, zorder=6, clip_on=False)
            edges.append(marks.Exit(r, row, int(side[1]), bool(np.isfinite(info.final_loss))))
    return edges


def _diverged(ax, run: RunData, view: View, size: float) -> None:
    """✕ at the attempt each diverged run was declared diverged, at its loss there (or the edge)."""
    runs = [r for r, s in enumerate(run.summary) if s.status == Status.DIVERGED and s.diverged_at]
    if not runs or not run.attempt.size:
        return
    at = np.array([run.summary[r].diverged_at for r in runs])
    # the logged loss at that attempt, or the last one before it (log_every, stop_early)
    rows = np.clip(np.searchsorted(run.attempt, at, side="right") - 1, 0, len(run.attempt) - 1)
    value = run.loss[rows, runs]
    stopped = set(_unlogged_ends(run))
    value = np.array([run.summary[r].final_loss if r in stopped and run.summary[r].attempts_run == a else v
                      for r, a, v in zip(runs, at, value)])  # stopped there: its final loss is that attempt's
    side = marks.sides(view, value[None, :])[0]
    y = np.where(side == 0, view.place(value), np.where(side > 0, view.edge(1), view.edge(-1)))
    ax.scatter(at, y, marker="X", s=size, color=STATUS_COLORS[Status.DIVERGED], edgecolors="black",
               linewidths=0.8 if size > 50 else 0.3, zorder=5.5, clip_on=False)  # an edge mark shows on top


def _dtype_limit(ax, run: RunData, view: View) -> None:
    largest = LARGEST[run.config.dtype] if run.config.dtype != "float64" else None  # float64 overflows only far out
    if largest and view.low <= largest <= view.high:
        y = float(view.place(largest))
        ax.axhline(y, color="black", ls="-.", lw=0.9, alpha=0.6, zorder=1)
        ax.annotate(f"largest {run.config.dtype}: {largest:g}", (0.99, y),
                    xycoords=("axes fraction", "data"), ha="right", va="bottom", fontsize=8, alpha=0.8)


def _legend(ax, run: RunData, colors, exits, view: View, groups: list[list[int]]) -> list[str]:
    handles, labels = [], []
    if run.runs <= FEW:
        under = {c: g[-1] for g in groups for c in g[:-1]}  # a line drawn under a later, identical one
        for r in range(run.runs):
            handles.append(Line2D([], [], color=colors[r], lw=2.5))
            hidden = f"\n  (under {run_name(run, under[r])}: the same losses)" if r in under else ""
            labels.append(f"{run_name(run, r)}{side(run, r)}:\n  {story(run, r)}{hidden}")
        if any(theory_curve(run, r) is not None for r in range(run.runs)):
            handles.append(Line2D([], [], color="gray", lw=7, alpha=0.3))
            labels.append("theory: loss(1)·rate^(2(t−1))\n(wide pale line behind)")
    else:
        for status, color in STATUS_COLORS.items():
            members = [r for r in range(run.runs) if run.summary[r].status == status]
            if members:
                lrs = run.lr[members]
                handles.append(Line2D([], [], color=color, lw=2.5))
                span = f"lr {lrs.min():.3g}" + (f" … {lrs.max():.3g}" if lrs.max() > lrs.min() else "")
                labels.append(f"{status.value}: {len(members)} run{'s' if len(members) > 1 else ''},\n  {span}")
        labels[-1] += "\n(darker = larger lr)"
    _marks_legend(run, exits, view, handles, labels)
    critical = shared_theory(run).critical_lr
    return legend_outside(ax, handles, labels, title=f"theory: critical lr {critical:.4g}" if critical else None)


def _marks_legend(run: RunData, exits, view: View, handles: list, labels: list) -> None:
    if any(s.status == Status.DIVERGED and s.diverged_at for s in run.summary):
        handles.append(Line2D([], [], marker="X", ls="none", ms=10, color=STATUS_COLORS[Status.DIVERGED],
                              mec="black"))
        labels.append("diverged here")
    if _unlogged_ends(run):
        handles.append(Line2D([], [], color="gray", ls=":", lw=1.4))
        labels.append(f"to the attempt a run stopped\n(the log keeps every {run.config.log_every}th)")
    for side_, marker, text in ((1, "^", "past the top: larger, or inf/nan"),
                                (-1, "v", "past the bottom: smaller, or −inf")):
        if any(e.side == side_ for e in exits):
            handles.append(Line2D([], [], marker=marker, ls="none", ms=8, color="gray", mec="black"))
            labels.append(text)
    if view.floor is not None:
        handles.append(Line2D([], [], color="gray", ls=":"))
        labels.append("0 (exact): loss exactly 0,\nbelow the grey break")
