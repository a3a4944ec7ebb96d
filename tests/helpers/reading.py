"""Read a drawn figure as a person does: from its tick labels, where a value sits on an axis.

Tests use this instead of the figure code's own mapping: a value is "in view" when the axis, read
from its labelled ticks, places it between the axis limits.
"""

from __future__ import annotations

import re

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg

EXACT_ZERO = "0 (exact)"


def draw(figure, dpi: float = 40, *, pixels: bool = True):
    """Render in memory (as saving would), so ticks and layout are final; `pixels=False` lays the
    figure out and sets its ticks without painting it, which is all reading its axes needs."""
    figure.set_dpi(dpi)
    if pixels:
        FigureCanvasAgg(figure).draw()
    else:
        FigureCanvasAgg(figure)
        figure.draw_without_rendering()
    return figure


def tick_value(text: str) -> float | None:
    """'1000', '−0.5', '10⁻⁸', '2×10⁵', '1.5×10⁹' -> the number; None if not one."""
    text = text.replace("−", "-").strip()
    m = re.fullmatch(r"(-?)(?:([\d.]+)×)?10([⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+)", text)
    if m:
        exponent = int(m.group(3).translate(str.maketrans("⁻⁰¹²³⁴⁵⁶⁷⁸⁹", "-0123456789")))
        return (-1 if m.group(1) else 1) * float(m.group(2) or 1) * 10.0 ** exponent
    try:
        return float(text)
    except ValueError:
        return None


class Axis:
    """Position of a value on one axis, fitted to the labelled ticks (linear, log or symlog)."""

    def __init__(self, ax, which: str = "y"):
        axis = ax.yaxis if which == "y" else ax.xaxis
        self.limits = sorted(ax.get_ylim() if which == "y" else ax.get_xlim())
        ticks = [(t.get_loc(), t.label1.get_text()) for t in axis.get_major_ticks()
                 if self.limits[0] - 1e-9 <= t.get_loc() <= self.limits[1] + 1e-9 and t.label1.get_text()]
        self.floor = next((p for p, text in ticks if text == EXACT_ZERO), None)
        pairs = [(p, tick_value(text)) for p, text in ticks if tick_value(text) is not None]
        self.positions = np.array([p for p, _ in pairs])
        self.values = np.array([v for _, v in pairs])
        self.kind, self.f = self._fit()

    def _fit(self):
        v, p = self.values, self.positions
        candidates = [("linear", lambda x: x)]
        if v.size and (v > 0).all():  # no number on the axis (only `0 (exact)`): nothing says log
            candidates.insert(0, ("log", np.log10))
        nonzero = np.abs(v[v != 0])
        for k in range(4) if nonzero.size else ():  # the linear band ends at or below the smallest tick
            t = nonzero.min() / 10.0 ** k
            candidates.append(("symlog", lambda x, t=t: np.sign(x) * np.where(np.abs(x) > t, 1 + np.log10(
                np.maximum(np.abs(x), t) / t), np.abs(x) / t)))
        for kind, f in candidates:
            if len(v) < 2:
                return kind, f
            with np.errstate(all="ignore"):
                x = f(v)
                middle, spread = x.mean(), np.ptp(x) or 1.0  # fit on a unit scale: ticks may be 1e300 apart
                if not np.isfinite(x).all() or not np.isfinite(spread):
                    continue
                fitted = np.polyfit((x - middle) / spread, p, 1)
                if np.allclose(np.polyval(fitted, (x - middle) / spread), p, atol=1e-6 * (np.ptp(p) or 1)):
                    return kind, lambda x, f=f, c=fitted, m=middle, s=spread: np.polyval(
                        c, (f(np.asarray(x, dtype=float)) - m) / s)
        raise AssertionError(f"tick labels {list(v)} at {list(p)} fit no linear, log or symlog axis")

    def position(self, value: float) -> float:
        if value == 0 and self.floor is not None:
            return self.floor
        return float(self.f(value))

    def shows(self, value: float) -> bool:
        """The value sits inside the axis limits (exact zeros: on a labelled floor inside them)."""
        if value == 0 and self.kind == "log":
            return self.floor is not None and self.limits[0] <= self.floor <= self.limits[1]
        with np.errstate(all="ignore"):
            at = self.position(value)
        return bool(np.isfinite(at) and self.limits[0] <= at <= self.limits[1])


def first_finite(loss: np.ndarray, alive: np.ndarray) -> list[float | None]:
    """Per run (column), its first finite loss while it was playing."""
    out = []
    for c in range(loss.shape[1]):
        values = loss[:, c][alive[:, c]]
        finite = values[np.isfinite(values)]
        out.append(float(finite[0]) if finite.size else None)
    return out


def markers_at(ax, marker_x: float, tol: float = 0.51) -> bool:
    """Some scatter point sits at x = marker_x (on the data axis)."""
    from matplotlib.collections import PathCollection

    for collection in ax.collections:
        if not isinstance(collection, PathCollection):
            continue
        offsets = np.asarray(collection.get_offsets())
        if offsets.size and (np.abs(offsets[:, 0] - marker_x) <= tol).any():
            return True
    return False
