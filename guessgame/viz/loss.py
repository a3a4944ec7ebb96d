"""Loss against attempt: every run, each diverged run marked where it diverged, theory behind."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from guessgame import ravine
from guessgame.config.schema import LARGEST
from guessgame.rundata import RunData
from guessgame.status import Status
from guessgame.viz import marks, spread, style
from guessgame.viz.axis import View, choose
from guessgame.viz.story import story
from guessgame.viz.style import (
    FEW,
    STATUS_COLORS,
    TITLE_PAD,
    WIDTH,
    figure,
    legend_outside,
    margins,
    points,
    run_colors,
    run_data,
    run_name,
    shared_theory,
    side,
    title,
)


def loss_figure(source: Any, ax=None) -> Figure:
    """Loss against attempt, one line per run (log scale; symlog or linear once a loss goes negative).

    Values past the view (a diverging run, inf, nan) run to its edge and are marked there; exact
    zeros sit on a floor below the data, labelled `0 (exact)`; ✕ marks the attempt a run diverged.
    With `ax` (a matplotlib Axes), drawn into it and its figure returned, laid out as it was (and
    without the close-up panel a figure of its own gets when runs leave early).
    """
    run = run_data(source)
    if spread.spread(run):
        return spread.figure(run, ax, loss_view(run), marked=lambda a, v: _diverged(a, run, v, size=20))
    live = marks.alive(run)
    view = loss_view(run)
    drawn = marks.trace(view, run.attempt, run.loss, live)
    new = ax is None
    near = _close_up(run, drawn, live) if new else None
    fig, ax, close = _axes(ax, near)
    colors = run_colors(run)
    exits = _panel(ax, run, view, drawn, colors)
    marks.zoom(ax, run, drawn.points, live)
    ax.set_ylabel({"log": "loss (log scale)", "symlog": "loss (symlog: it goes negative)"}.get(
        view.scale, "loss: exactly 0 at every attempt" if view.floor is not None else "loss"))
    ax.set_title(title(run, "loss per attempt"), fontsize=points(11), pad=TITLE_PAD)
    if close is not None:
        _panel(close, run, view, drawn, colors, words=False)  # the main panel names the dtype's limit
        style.attempt_axis(close, run.attempt, last=near)
        close.set_title(f"closer: attempts 1–{near}", fontsize=points(10), pad=TITLE_PAD)
        close.tick_params(labelleft=False)
    texts = _legend(close or ax, run, colors, exits, view,
                    marks.same_series(drawn.points, list(range(run.runs)), 2e-3 * np.ptp(view.limits))
                    if run.runs <= FEW else [])
    if new:
        margins(fig, left=1.15, wspace=0.3, legend=texts)
    return fig


def _axes(ax, near: int | None):
    """The figure, its main Axes and the close-up's (None without one): `ax` and its figure when given."""
    if ax is not None:
        return ax.figure, ax, None
    fig = figure(WIDTH + (3.0 if near else 0.0))
    if near:  # a second panel: the first attempts, where runs left while the others go on for long
        main, close = fig.subplots(1, 2, sharey=True, gridspec_kw={"width_ratios": [2.2, 1]})
        return fig, main, close
    return fig, fig.add_subplot(), None


def _panel(ax, run: RunData, view: View, drawn: marks.Trace, colors, words: bool = True) -> list[marks.Exit]:
    """The runs' lines on `ax`, with theory, edge marks, ✕ and the dtype's limit; returns the edge marks."""
    few = run.runs <= FEW
    view.apply(ax)
    if few:
        _theory(ax, run, view, colors)
    marks.lines(ax, drawn, colors, lw=1.8 if few else 0.8, alpha=1.0 if few else 0.6)
    marks.edge_marks(ax, view, run.attempt, drawn.exits, colors, size=60 if few else 14,
                     edge="black" if few else "none")
    exits = drawn.exits + _last_attempts(ax, run, view, colors, size=60 if few else 14)
    _diverged(ax, run, view, size=110 if few else 20)
    _dtype_limit(ax, run, view, words)
    ax.grid(True, which="major", alpha=0.3)
    return exits


def _close_up(run: RunData, drawn: marks.Trace, live: np.ndarray) -> int | None:
    """The last attempt of a close-up panel, when a run leaves the view for good within the first
    twentieth of the attempts shown (a sliver at the left edge); else None."""
    seen = np.flatnonzero((~np.isnan(drawn.points) & live).any(axis=1))
    rows = len(run.attempt)
    if not seen.size or rows < 2:
        return None
    last = int(seen[-1])
    end = run.attempt[min(rows - 1, last + max(3, last // 3))] if last < rows // 2 and rows > 8 else run.attempt[-1]
    span = float(end - run.attempt[0])
    gone = []
    for e in drawn.exits:  # the series' last exit, when nothing of it is in view afterwards
        if e.x is not None and not np.isfinite(drawn.points[e.row:, e.series]).any():
            gone.append(e.x)
    if span < 40 or not gone or min(gone) > 0.05 * span:
        return None
    return int(max(10, np.ceil(2.5 * min(gone))))


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
        curve = np.where(np.isnan(curve), np.inf, curve)  # nan: past float64, above
        shown = (curve >= view.low)[:, None]  # to the top edge if it gets there; stops at the bottom of the data
        drawn = marks.trace(view, run.attempt, curve[:, None], shown)
        ax.plot(*marks.vertices(drawn.x[:, 0], drawn.y[:, 0]), color=colors[r], lw=7, alpha=0.25,
                solid_capstyle="butt", zorder=1.5)


def theory_curve(run: RunData, r: int) -> np.ndarray | None:
    """For plain SGD on MSE: loss(t) = loss(1) * rate^(2(t-1)); None where theory has no such closed form."""
    theory, config = run.summary[r].theory, run.config.cells[run.cells[r]] if run.config.grid else run.config
    if not ravine.one_sequence(config) or theory is None or theory.rate is None:
        return None
    loss0 = run.loss[0, r] if run.attempt.size and run.attempt[0] == 1 else np.nan
    if not np.isfinite(loss0) or loss0 <= 0:
        return None
    with np.errstate(over="ignore", under="ignore", divide="ignore", invalid="ignore"):
        curve = np.exp(np.log(loss0) + 2.0 * (run.attempt - 1) * np.log(np.float64(theory.rate)))
    curve[~np.isfinite(curve)] = np.nan
    return curve


def _last_attempts(ax, run: RunData, view: View, colors, size: float) -> list[marks.Exit]:
    """A run stopped between two kept rows: dotted from its last kept loss to its final one, the loss
    at the attempt it stopped (from the summary), so its end is drawn where it was; an end past the
    view sits on its edge, marked like any other. Returns those edge marks."""
    edges = []
    for r in marks.unlogged_ends(run):
        info = run.summary[r]
        row = marks.last_row(run, r)
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
    stopped = set(marks.unlogged_ends(run))
    value = np.array([run.summary[r].final_loss if r in stopped and run.summary[r].attempts_run == a else v
                      for r, a, v in zip(runs, at, value)])  # stopped there: its final loss is that attempt's
    side = marks.sides(view, value[None, :])[0]
    y = np.where(side == 0, view.place(value), np.where(side > 0, view.edge(1), view.edge(-1)))
    ax.scatter(at, y, marker="X", s=size, color=STATUS_COLORS[Status.DIVERGED],  # no black rims on many: they
               edgecolors="black" if size > 50 else "none", linewidths=0.8, zorder=5.5,  # would fuse into a bar
               clip_on=False)  # an edge mark shows on top


def _dtype_limit(ax, run: RunData, view: View, words: bool) -> None:
    """The largest number the narrowest dtype holds; with `words`, named -- in a grid of dtypes, as the
    bound of its cells only."""
    dtype = min(run.config.dtypes, key=LARGEST.__getitem__)
    largest = LARGEST[dtype] if dtype != "float64" else None  # float64 overflows only far out
    if largest and view.low <= largest <= view.high:
        y = float(view.place(largest))
        ax.axhline(y, color="black", ls="-.", lw=0.9, alpha=0.6, zorder=1)
        cells = sum(cell.dtype == dtype for cell in run.config.cells) if len(run.config.dtypes) > 1 else 0
        only = f" ({dtype} cell{'s' * (cells > 1)} only)" if cells else ""
        if words:
            ax.annotate(f"largest {dtype}: {largest:g}{only}", (0.99, y), xycoords=("axes fraction", "data"),
                        ha="right", va="bottom", fontsize=points(8), alpha=0.8)


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
    if marks.unlogged_ends(run):
        handles.append(Line2D([], [], color="gray", ls=":", lw=1.4))
        labels.append(f"to the attempt a run stopped\n(the log keeps every {run.config.log_every}th)")
    for side_, marker, text in ((1, "^", "past the top: larger, or inf/nan"),
                                (-1, "v", "past the bottom: smaller, or −inf")):
        if any(e.side == side_ for e in exits):
            handles.append(Line2D([], [], marker=marker, ls="none", ms=8, color="gray", mec="black"))
            labels.append(text)
    if view.floor is not None and view.scale == "log":
        handles.append(Line2D([], [], color="gray", ls=":"))
        labels.append("0 (exact): loss exactly 0,\nbelow the grey break")
