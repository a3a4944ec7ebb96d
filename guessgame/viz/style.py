"""What every figure shares: size, colours by status, titles, legends outside the data."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib import colormaps
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from guessgame.records import Theory
from guessgame.rundata import RunData
from guessgame.status import Status

DPI = 150  # figures are sized so that a PNG at this dpi is at least 1200 px wide
WIDTH = 9.0  # inches: 1350 px at DPI
STATUS_COLORS = {Status.CONVERGED: "#2a9d3f", Status.OSCILLATING: "#e08a00", Status.UNFINISHED: "#3b6fd6",
                 Status.DIVERGED: "#d62728"}
# Within a status, darker = larger lr: runs either side of a critical lr differ in hue, not shade.
# Each status's colour ramp, and the part of it used: oranges stay orange (their dark end is
# brick red, too close to diverged).
_SHADES = {Status.CONVERGED: ("Greens", 0.5, 0.95), Status.OSCILLATING: ("Oranges", 0.4, 0.68),
           Status.UNFINISHED: ("Blues", 0.5, 0.95), Status.DIVERGED: ("Reds", 0.5, 0.95)}
FEW = 8  # up to this many runs: one legend entry per run
TITLE_PAD = 12  # points between an axes and its title: room for a ▲ on the top edge


def run_data(source: Any) -> RunData:
    """The `RunData` of a `Result`, or a `RunData` as it is: every figure takes either (`plots.as_run`
    also reads a run folder)."""
    return source if isinstance(source, RunData) else RunData.from_result(source)


def figure(width: float = WIDTH, height: float = 5.4) -> Figure:
    """A figure at least 1200 px wide at DPI. Its layout is set by `margins` (fixed, in inches):
    measuring every text as constrained layout does costs three times the drawing itself."""
    return Figure(figsize=(max(width, 1200 / DPI), height), dpi=DPI)


def drawn_into(ax, width: float = WIDTH, height: float = 5.4) -> tuple[Figure, Any, bool]:
    """The figure to draw in, its one Axes, and whether the figure is new: `ax` and the figure it is
    in when one is given (matplotlib's convention: its layout and size stay the caller's), else a new
    figure of this size with one Axes."""
    if ax is not None:
        return ax.figure, ax, False
    fig = figure(width, height)
    return fig, fig.add_subplot(), True


def text_width(lines: list[str], points: float = 8.5) -> float:
    """A generous estimate of the width in inches of the longest of these lines."""
    longest = max((len(part) for line in lines for part in str(line).split("\n")), default=0)
    return longest * points * 0.55 / 72


def margins(fig: Figure, *, left: float = 1.1, right: float = 0.25, top: float = 0.7, bottom: float = 0.65,
            wspace: float = 0.0, hspace: float = 0.0, legend: list[str] | None = None) -> None:
    """Place the axes with margins in inches; `legend` (its labels) widens the right margin to hold it,
    growing the figure rather than squeezing the data."""
    if legend:
        extra = text_width(legend) + 0.6
        right += extra
        width = fig.get_figwidth()
        fig.set_figwidth(width + max(0.0, extra - 0.35 * width))
    width, height = fig.get_size_inches()
    grid = fig.axes[0].get_subplotspec().get_gridspec() if fig.axes and fig.axes[0].get_subplotspec() else None
    cols, rows = (grid.ncols, grid.nrows) if grid else (1, 1)
    panel_w = (width - left - right - wspace * (cols - 1)) / cols
    panel_h = (height - top - bottom - hspace * (rows - 1)) / rows
    fig.subplots_adjust(left=left / width, right=1 - right / width, top=1 - top / height, bottom=bottom / height,
                        wspace=wspace / max(panel_w, 0.1), hspace=hspace / max(panel_h, 0.1))


def run_colors(run: RunData) -> list[tuple]:
    """A colour per run: its status's hue, darker for a larger lr among runs of that status."""
    colors = np.zeros((run.runs, 4))
    statuses = np.array(run.status)
    for status, (name, light, dark) in _SHADES.items():
        members = np.flatnonzero(statuses == status)
        if not members.size:
            continue
        rank = np.argsort(np.argsort(run.lr[members], kind="stable"), kind="stable")
        where = np.full(members.size, 0.78) if members.size == 1 else rank / (members.size - 1)
        shade = light + (dark - light) * where
        colors[members] = colormaps[name](shade)
    return [tuple(c) for c in colors]


def title(run: RunData, what: str) -> str:
    c = run.config
    axes = {key: len(items) for key, items in c.grid}  # a grid names how many of each it compares
    loss = f"{axes['loss']} losses" if "loss" in axes else c.loss
    optimizer = f"{axes['optimizer']} optimizers" if "optimizer" in axes else c.optimizer
    schedule = (f", {axes['schedule']} schedules" if "schedule" in axes
                else f", {c.schedule} schedule" if c.scheduled else "")
    return f"{run.name}: {what}\n({loss}, {c.reduction}, {optimizer}{schedule}, {c.dtype})"


def shared_theory(run: RunData) -> Theory:
    """The theory of the first run that has one; the lrs it names (critical, best) are shared."""
    return next((r.theory for r in run.summary if r.theory is not None), None) or Theory()


def lr_text(lr: float) -> str:
    return f"lr {lr:.4g}"


def run_name(run: RunData, r: int) -> str:
    """`lr 0.5`, or `lr 0.5, game 3` with random games; a grid's cell after it: `lr 0.5 (adam)`."""
    cell = f" ({run.config.cell_labels()[run.cells[r]]})" if run.config.grid else ""
    return lr_text(run.lr[r]) + (f", game {run.game[r]}" if run.games > 1 else "") + cell


def side(run: RunData, r: int) -> str:
    """Which side of theory's critical lr a run is on, or '' without one."""
    critical = (run.summary[r].theory or Theory()).critical_lr
    if not critical:
        return ""
    return " (< critical)" if run.lr[r] < critical else (" (= critical)" if run.lr[r] == critical
                                                          else " (> critical)")


def legend_outside(ax, handles=None, labels=None, title: str | None = None, fontsize: float = 8.5) -> list[str]:
    """A legend to the right of the axes, never over the data; returns its texts (for `margins`)."""
    if handles is None:
        handles, labels = ax.get_legend_handles_labels()
    if handles:
        ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0,
                  fontsize=fontsize, title=title, title_fontsize=fontsize, frameon=False)
    return list(labels or []) + ([title] if title else [])


def attempt_axis(ax, attempts: np.ndarray, last: int | None = None) -> None:
    """Attempts are whole numbers: integer ticks, and room around a single attempt; up to `last`."""
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=8))
    low, high = (int(attempts.min()), int(attempts.max())) if attempts.size else (1, 1)
    high = min(high, last) if last else high
    pad = max(0.5, 0.02 * (high - low))
    ax.set_xlim(low - pad, high + pad)
    ax.set_xlabel("attempt")


def pick_runs(run: RunData, most: int) -> list[int]:
    """Up to `most` runs: spread across the lrs, at least one of each status, both ends."""
    if run.runs <= most:
        return list(range(run.runs))
    order = np.argsort(run.lr, kind="stable")
    chosen = {int(order[0]), int(order[-1])}
    statuses = np.array(run.status)
    for status in STATUS_COLORS:
        members = order[statuses[order] == status]
        if members.size and len(chosen) < most:
            chosen.add(int(members[members.size // 2]))
    for i in np.linspace(0, run.runs - 1, most).round().astype(int):
        if len(chosen) >= most:
            break
        chosen.add(int(order[i]))
    return sorted(chosen, key=lambda r: (run.lr[r], r))
