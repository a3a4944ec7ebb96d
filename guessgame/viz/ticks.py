"""How a `View` reads on a matplotlib axis: its limits, where its ticks go and what they say.

Ticks are labelled with the values they stand for, never with the axis coordinate they sit at: a
log view's tick at u = 3 says `1000`, an exact zero on the floor says `0 (exact)`, and a power of ten
is written with superscripts (`10⁻¹²`) in plain text, so no label is parsed as mathtext.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator, NullLocator

if TYPE_CHECKING:
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
