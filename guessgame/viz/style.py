"""What every figure shares: size, colours by status, titles, legends outside the data -- and the look
they are drawn in, one of `STYLES`: the default, for a screen, or `talk`, for a projector.

Importing this loads neither numpy nor matplotlib (the command line reads `STYLES` for `--style`): each
function loads what it draws with.
"""

from __future__ import annotations

import functools
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, Iterator, NamedTuple

from guessgame.status import Status
from guessgame.viz import labels
from guessgame.viz.labels import below_height, legend_below, text_width

if TYPE_CHECKING:
    import numpy as np
    from matplotlib.figure import Figure

    from guessgame.rundata import RunData

DPI = 150  # figures are sized so that a PNG at this dpi is at least 1200 px wide
WIDTH = 9.0  # inches: 1350 px at DPI
STATUS_COLORS = {status: status.color for status in Status}  # each status's colour, defined on Status
# The words of every figure, written in `labels` and read here with the rest of the look.
title, run_name, side, lr_text, shared_theory = (labels.title, labels.run_name, labels.side, labels.lr_text,
                                                 labels.shared_theory)
FEW = 8  # up to this many runs: one legend entry per run
TITLE_PAD = 12  # points between an axes and its title: room for a ▲ on the top edge


class Style(NamedTuple):
    """A look for every figure: matplotlib's rcParams while it is drawn and saved, and what its layout
    reads -- how much larger texts (and the margins that hold them) are than the default's, the smallest
    text, every figure's width, and where legends go."""

    about: str  # in words, for --help
    rc: dict[str, Any]
    scale: float = 1.0  # texts and margins, against the default look
    least: float = 0.0  # points: no text is drawn smaller, whoever set its size
    width: float | None = None  # inches: every figure this wide (None: each its own)
    tall: float = 1.0  # heights, against the default look
    legend_below: bool = False  # one legend under the panels, across the figure (else right of the data)


_TALK = 14.0  # points in a figure 1920 px wide at DPI: read from the back of a classroom
STYLES: dict[str, Style] = {
    "default": Style("for a screen, legends right of the data", {}),
    "talk": Style("for a projector: 1920 px wide, no text under 14 pt, legends under the data",
                  {"font.size": 15, "axes.titlesize": 16.5, "axes.labelsize": 15, "xtick.labelsize": 15,
                   "ytick.labelsize": 15, "legend.fontsize": _TALK, "legend.title_fontsize": _TALK,
                   "figure.titlesize": 16.5, "lines.linewidth": 2.2, "lines.markersize": 8, "axes.linewidth": 1.2,
                   "xtick.major.width": 1.2, "ytick.major.width": 1.2, "xtick.major.size": 6, "ytick.major.size": 6},
                  scale=1.5, least=_TALK, width=1920 / DPI, tall=1.25, legend_below=True),
}
_STYLE: ContextVar[str] = ContextVar("style", default="default")


@contextmanager
def using(name: str) -> Iterator[Style]:
    """Figures made (and saved) inside are drawn in the style `name`, one of `STYLES`:

        with using("talk"):
            loss_figure(result).savefig("loss.png", dpi=DPI)   # 1920 px wide
    """
    import matplotlib

    token = _STYLE.set(name)
    try:
        with matplotlib.rc_context(STYLES[name].rc):
            yield STYLES[name]
    finally:
        _STYLE.reset(token)


def current() -> Style:
    return STYLES[_STYLE.get()]


def points(size: float) -> float:
    """A text size of the default look, in the current one."""
    look = current()
    return max(size * look.scale, look.least)


def run_data(source: Any) -> RunData:
    """The `RunData` of a `Result`, or a `RunData` as it is: every figure takes either (`plots.as_run`
    also reads a run folder)."""
    from guessgame.rundata import RunData

    return source if isinstance(source, RunData) else RunData.from_result(source)


def figure(width: float = WIDTH, height: float = 5.4) -> Figure:
    """A figure at least 1200 px wide at DPI (in the current style, its width and taller). Its layout is
    set by `margins` (fixed, in inches): measuring every text as constrained layout does costs three
    times the drawing itself."""
    look = current()
    return _figure_class(look.least)(figsize=(look.width or max(width, 1200 / DPI), height * look.tall), dpi=DPI)


@functools.cache
def _figure_class(least: float):
    """matplotlib's Figure; with a least text size, one that draws no text smaller."""
    from matplotlib.figure import Figure
    from matplotlib.text import Text

    if not least:
        return Figure

    class Legible(Figure):
        def draw(self, renderer) -> None:
            for text in self.findobj(Text):
                if text.get_fontsize() < least:
                    text.set_fontsize(least)
            super().draw(renderer)

    return Legible


def drawn_into(ax, width: float = WIDTH, height: float = 5.4) -> tuple[Figure, Any, bool]:
    """The figure to draw in, its one Axes, and whether the figure is new: `ax` and the figure it is
    in when one is given (matplotlib's convention: its layout and size stay the caller's), else a new
    figure of this size with one Axes."""
    if ax is not None:
        return ax.figure, ax, False
    fig = figure(width, height)
    return fig, fig.add_subplot(), True


def margins(fig: Figure, *, left: float = 1.1, right: float = 0.25, top: float = 0.7, bottom: float = 0.65,
            wspace: float = 0.0, hspace: float = 0.0, legend: list[str] | None = None) -> None:
    """Place the axes with margins in inches (the default look's: the current style scales them with its
    texts); `legend` (its labels) widens the right margin to hold it, growing the figure rather than
    squeezing the data -- or, with the legend under the panels, the figure grows taller to hold it."""
    look = current()
    left, right, top, bottom, wspace, hspace = (v * look.scale for v in (left, right, top, bottom, wspace, hspace))
    below = below_height(fig)
    if below:
        bottom += below
        fig.set_figheight(fig.get_figheight() + below)
    elif legend:
        extra = text_width(legend, points(8.5)) + 0.6 * look.scale
        right += extra
        width = fig.get_figwidth()
        if not look.width:
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
    import numpy as np

    colors = np.zeros((run.runs, 4))
    colors[:, 3] = 1
    statuses = np.array(run.status)
    for status, (light, dark) in _shades().items():
        members = np.flatnonzero(statuses == status)
        if not members.size:
            continue
        rank = np.argsort(np.argsort(run.lr[members], kind="stable"), kind="stable")
        where = np.full(members.size, 0.78) if members.size == 1 else rank / (members.size - 1)
        colors[members, :3] = light + (dark - light) * where[:, None]
    return [tuple(c) for c in colors]


@functools.cache
def _shades() -> dict:
    """Each status's ramp, from a tint of its colour (its smallest lr) to a shade (its largest): darker =
    larger lr, so runs either side of a critical lr differ in hue, not shade. Each end as far from the
    colour as keeps it nearer its own status colour than any other's (oranges stay orange)."""
    import numpy as np
    from matplotlib.colors import to_rgb

    base = {status: np.array(to_rgb(color)) for status, color in STATUS_COLORS.items()}
    ramps = {}
    for status, rgb in base.items():
        def own(color, rgb=rgb, status=status) -> bool:
            return all(1.5 * np.abs(color - rgb).sum() < np.abs(color - other).sum()
                       for key, other in base.items() if key != status)

        light = next(c for t in (0.45, 0.35, 0.25, 0.15, 0.0) if own(c := rgb + (1 - rgb) * t))
        dark = next(c for t in (0.45, 0.35, 0.25, 0.15, 0.0) if own(c := rgb * (1 - t)))
        ramps[status] = (light, dark)
    return ramps


def legend_outside(ax, handles=None, labels=None, title: str | None = None, fontsize: float = 8.5) -> list[str]:
    """A legend never over the data: right of the axes, or in a style with legends below, added to the
    figure's one legend under its panels. Returns its texts (for `margins`)."""
    if handles is None:
        handles, labels = ax.get_legend_handles_labels()
    if handles and current().legend_below:
        legend_below(ax.figure, list(handles), list(labels), title, points(fontsize))
    elif handles:
        ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0,
                  fontsize=points(fontsize), title=title, title_fontsize=points(fontsize), frameon=False)
    return list(labels or []) + ([title] if title else [])


def attempt_axis(ax, attempts: np.ndarray, last: int | None = None) -> None:
    """Attempts are whole numbers: integer ticks, and room around a single attempt; up to `last`."""
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=round(8 / current().scale)))  # fewer, when larger
    low, high = (int(attempts.min()), int(attempts.max())) if attempts.size else (1, 1)
    high = min(high, last) if last else high
    pad = max(0.5, 0.02 * (high - low))
    ax.set_xlim(low - pad, high + pad)
    ax.set_xlabel("attempt")


def pick_runs(run: RunData, most: int) -> list[int]:
    """Up to `most` runs: spread across the lrs, at least one of each status, both ends."""
    import numpy as np

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
