"""How a `View` reads on a matplotlib axis: its limits, where its ticks go and what they say.

Ticks are labelled with the values they stand for, never with the axis coordinate they sit at: a
log view's tick at u = 3 says `1000`, an exact zero on the floor says `0 (exact)`, and a power of ten
is written with superscripts (`10⁻¹²`) in plain text, so no label is parsed as mathtext.

The lr figure's learning rates go in columns, one each, labelled with the numbers (`lr_columns`); a
grid's cells side by side in each, or a column per cell and lr, each cell's columns named under them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, NamedTuple

import numpy as np
from matplotlib.ticker import FixedLocator, Formatter, FuncFormatter, LogFormatter, MaxNLocator, NullLocator

from guessgame.viz.labels import grow_below, text_width
from guessgame.viz.style import current, points

if TYPE_CHECKING:
    from guessgame.rundata import RunData
    from guessgame.viz.axis import View


def apply(view: View, ax, axis: str = "y") -> None:
    """Limits and ticks (labelled with values) on `ax`; a floor gets its band and `0 (exact)` tick."""
    which = ax.yaxis if axis == "y" else ax.xaxis
    (ax.set_ylim if axis == "y" else ax.set_xlim)(*view.limits)
    ax.set_autoscale_on(False)
    if view.scale == "linear" and view.floor is not None:  # nothing but exact zeros: one tick says so
        which.set_major_locator(FixedLocator([view.floor]))
        which.set_major_formatter(FuncFormatter(lambda v, pos: "0 (exact)"))
    elif view.scale == "linear":
        _linear(view, which, bins=7 if axis == "y" else _x_bins(view))
    else:
        _logarithmic(view, which)
        if view.floor is not None:
            band = (view.limits[0], float(view.u(view.low)) - 0.4 * _gap(view))
            (ax.axhspan if axis == "y" else ax.axvspan)(*band, color="#ececec", zorder=0, lw=0)
            (ax.axhline if axis == "y" else ax.axvline)(float(view.u(view.floor)), color="gray", ls=":", lw=1.2,
                                                        zorder=1)


def _linear(view: View, which, bins: int) -> None:
    ticks = MaxNLocator(nbins=bins).tick_values(*view.limits)
    ticks = ticks[(ticks >= view.limits[0]) & (ticks <= view.limits[1])]
    digits = _digits(ticks)
    which.set_major_locator(FixedLocator(ticks))
    names = [_tick_label(float(t), None, plain=True, digits=digits) for t in ticks]
    which.set_major_formatter(FuncFormatter(lambda v, pos: names[pos] if pos is not None and pos < len(names)
                                            else _tick_label(v, None, plain=True, digits=digits)))


def _logarithmic(view: View, which) -> None:
    """A log or symlog view: ticks at chosen values, each labelled with its value (the floor `0 (exact)`)."""
    ticks = _log_ticks(view) if view.scale == "log" else _symlog_ticks(view)
    which.set_major_locator(FixedLocator([float(view.u(t)) for t in ticks]))
    labels = {round(float(view.u(t)), 9): _tick_label(t, view.floor) for t in ticks}
    which.set_major_formatter(FuncFormatter(lambda u, _: labels.get(round(u, 9), "")))
    which.set_minor_locator(NullLocator())


def _x_bins(view: View) -> int:
    """Fewer ticks along x when their labels are long (×10ⁿ), so neighbours never run together."""
    ticks = MaxNLocator(nbins=7).tick_values(*view.limits)
    longest = max((len(_tick_label(float(t), None, plain=True)) for t in ticks), default=1)
    return max(3, min(7, 42 // max(longest, 1)))


def _gap(view: View) -> float:
    return float(np.log10(view.low / view.floor)) if view.floor else 0.0


def _log_ticks(view: View) -> list[float]:
    a, b = round(np.log10(view.low)), round(np.log10(view.high))
    if b - a <= 2:  # a short range: 1, 2, 5 x each decade
        ticks = [m * 10.0 ** k for k in range(a, b + 1) for m in (1, 2, 5)]
        ticks = [t for t in ticks if view.low <= t <= view.high]
    else:
        stride = max(1, -(-(b - a) // 6))
        ticks = [10.0 ** k for k in range(b, a - 1, -stride)]
    return sorted(ticks + ([view.floor] if view.floor is not None else []))


def _symlog_ticks(view: View) -> list[float]:
    k0 = round(np.log10(view.linthresh))
    ticks = [0.0]
    for sign, end in ((1, view.high), (-1, -view.low)):
        if end <= view.linthresh * 1.0001:
            continue
        k1 = int(np.floor(np.log10(end) + 1e-9))
        stride = max(1, -(-(k1 - k0) // 4))
        ticks += [sign * 10.0 ** k for k in range(k1, k0 - 1, -stride)]
    # 0 first, then outward: a tick closer than a twelfth of the axis to one kept is dropped (±1 and 0
    # on an axis of ±10³⁰⁰ would print on top of each other)
    lo, hi = view.limits
    kept: list[float] = []
    for t in sorted(ticks, key=abs):
        if all(abs(float(view.u(t)) - float(view.u(k))) >= (hi - lo) / 12 for k in kept):
            kept.append(t)
    return sorted(kept)


def _digits(ticks: np.ndarray) -> int:
    """Significant digits that tell evenly spaced ticks apart (at least 3)."""
    if len(ticks) < 2:
        return 3
    step = float(np.min(np.diff(ticks)))
    largest = float(np.max(np.abs(ticks)))
    if step <= 0 or largest == 0 or not np.isfinite(largest / step):
        return 3
    return int(max(3, min(16, np.ceil(np.log10(largest / step) + 1e-9) + 1)))


def plain_log(ax) -> None:
    """The labels matplotlib chooses for a log axis (which decades, which minor ticks) written as the ticks
    write values (`10⁻³¹`): plain text, no mathtext to parse."""
    for axis in (ax.xaxis, ax.yaxis):
        for get, put in ((axis.get_major_formatter, axis.set_major_formatter),
                         (axis.get_minor_formatter, axis.set_minor_formatter)):
            if isinstance(get(), LogFormatter):
                put(_Plain(get()))


class _Plain(Formatter):
    """A log axis's labels where `inner` (still its axis's) puts one, each `value_label`."""

    def __init__(self, inner: LogFormatter) -> None:
        self.inner = inner

    def set_locs(self, locs) -> None:
        self.inner.set_locs(locs)

    def __call__(self, x: float, pos: int | None = None) -> str:
        return value_label(x) if self.inner(x, pos) else ""


def value_label(v: float) -> str:
    """A value as the ticks write it: `0.5`, `2×10⁻⁵`, `10³⁰⁰` (a contour's level, beside its line)."""
    return _tick_label(v, None)


def _tick_label(v: float, floor: float | None, plain: bool = False, digits: int = 3) -> str:
    if plain and (v == 0 or 1e-3 <= abs(v) < 1e5):
        return f"{v:.{max(6, digits)}g}".replace("-", "−")
    if floor is not None and np.isclose(v, floor, rtol=1e-9, atol=0):
        return "0 (exact)"
    if v == 0:
        return "0"
    exponent = int(np.floor(np.log10(abs(v)) + 1e-9))
    mantissa = abs(v) / 10.0 ** exponent
    sign = "−" if v < 0 else ""
    if -3 <= exponent <= 4:
        return f"{sign}{abs(v):g}"
    power = "10" + str(exponent).translate(_SUPERSCRIPT)  # plain text: no mathtext to parse
    if np.isclose(mantissa, 1):
        return f"{sign}{power}"
    return f"{sign}{mantissa:.{digits}g}×{power}"


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def stagger(fig, ax) -> None:
    """Every other column label of `ax` one line lower when neighbours would run into each other across a
    column's width (measured on the laid-out axes), with the room below that takes."""
    ticks = ax.xaxis.get_major_ticks()
    if len(ticks) < 2 or ax.get_xscale() != "linear":  # a log axis of many lrs labels only its decades
        return
    low, high = ax.get_xlim()
    pitch = ax.get_position().width * fig.get_figwidth() / (high - low)  # inches per column
    size = ticks[0].label1.get_fontsize()
    longest = max(len(t.label1.get_text()) for t in ticks) * size * 0.62 / 72
    if longest < 0.9 * pitch:
        return
    for tick in ticks[1::2]:
        tick.set_pad(tick.get_pad() + 1.3 * size)
    grow_below(fig, 1.3 * size / 72)


class Columns(NamedTuple):
    """Where runs go across: each run's x, where any lr is (None: not on this axis), and a grid's groups of
    columns to name, (x0, x1, cell label) -- or None where its cells are told apart by colour."""

    x: np.ndarray
    where: Callable[[float], float | None]
    groups: list[tuple[float, float, str]] | None


def lr_columns(run: RunData, panels: list, slots: int, width: float) -> Columns:
    """The lr figure's x of each run, and a function placing any lr on that axis (None if outside the
    columns), for panels `width` inches wide at most; the lrs are labelled on the lowest of the panels. Up
    to `slots` lrs get a column each -- a grid's cells side by side in it, or with as few cells and lrs
    and room for the cells' names, a column per cell and lr; more lrs share a log axis."""
    lrs, bottom = np.unique(run.lr), panels[-1]
    pairs = sorted(set(zip(run.cells.tolist(), run.lr.tolist()))) if run.config.grid else []
    if pairs and len(pairs) <= slots and _named_under(run, len(pairs) / len(lrs), width):
        slot = {pair: i for i, pair in enumerate(pairs)}
        x = np.array([slot[pair] for pair in zip(run.cells.tolist(), run.lr.tolist())], dtype=float)
        names = run.config.cell_labels()
        groups = [(slot[(k, lrs[0])] - 0.5, slot[(k, lrs[-1])] + 0.5, names[k])
                  for k in sorted(set(run.cells.tolist()))]
        for ax in panels:
            for x0, _, _ in groups[1:]:
                ax.axvline(x0, color="0.55", lw=0.8, zorder=1)
        _slots(run, bottom, x, [lr for _, lr in pairs])
        one = run.config.grid[0][0] if len(run.config.grid) == 1 else "cell"
        bottom.set_xlabel(f"learning rate: a column per {one} and lr")
        return Columns(x, lambda lr: None, groups)
    if len(lrs) <= slots:
        slot = {lr: i for i, lr in enumerate(lrs)}
        x = np.array([slot[lr] for lr in run.lr], dtype=float)
        if run.config.grid:  # cells side by side inside each column
            count = run.config.cell_count
            x += (run.cells - (count - 1) / 2) * min(0.7 / count, 0.2)
        _slots(run, bottom, x, list(lrs))
        bottom.set_xlabel("learning rate (one column each, in increasing order)")
        logs = np.log10(lrs)

        def where(lr: float) -> float | None:
            if len(lrs) < 2 or not lrs[0] <= lr <= lrs[-1]:
                return None
            return float(np.interp(np.log10(lr), logs, np.arange(len(lrs))))

        return Columns(x, where, None)
    for ax in panels:
        ax.set_xscale("log")
    bottom.set_xlabel("learning rate (log scale)")
    return Columns(run.lr.copy(), lambda lr: lr if lrs[0] <= lr <= lrs[-1] else None, None)


def _slots(run: RunData, ax, x: np.ndarray, lrs: list[float]) -> None:
    """Columns labelled with their lrs; games of one lr spread a little inside its column."""
    if run.games > 1:
        x += np.random.default_rng(0).uniform(-0.15, 0.15, run.runs)
    ax.set_xticks(np.arange(len(lrs)), [f"{lr:.4g}" for lr in lrs])
    ax.set_xlim(-0.6, len(lrs) - 0.4)


def _named_under(run: RunData, groups: float, width: float) -> bool:
    """Whether each cell's name fits under its group of columns, a word to a line at most."""
    look = current()
    width = (look.width or width) - 1.55 * look.scale  # the axes, roughly: the figure less its margins
    if not look.legend_below:
        width -= 2.8 * look.scale
    longest = max(len(word) for label in run.config.cell_labels() for word in label.split())
    return text_width(["x" * longest], points(10)) * 1.1 <= 0.9 * width / groups
