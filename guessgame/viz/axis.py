"""The one way a value is put on an axis, shared by every figure.

A `View` is chosen from the values a reader needs to see (the converging runs, each diverging run's
start); everything else is placed on it: values inside are drawn as they are, exact zeros on a
log axis sit on a labelled floor below the data, and values past the view -- huge, inf or nan --
are clipped to its edge, to be marked there. They never set the range and are never dropped.

    view = choose(needed, kind="loss")   # log, symlog or linear, with its limits
    view.place(values)                   # where to draw each value
    view.side(values)                    # 0 inside, +1 above the view, -1 below (nan: 0)
    view.apply(ax)                       # scale, limits, ticks and the floor on a matplotlib axis
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from guessgame.viz import ticks

DECADES = 300  # views stay within 1e-300 .. 1e300: far from float64's edges, so ticks never overflow
_MARGIN = 0.03  # of the axis, between the last value drawn as itself and the edge


@dataclass(frozen=True)
class View:
    """Values from `low` to `high`, drawn on a plain linear axis in coordinates `u = view.u(value)`:
    log10(value) for "log", a symlog map for "symlog", the value itself for "linear". Figures draw
    `place(values)` and never hand matplotlib a raw value, so no value can break its transforms."""

    scale: str  # "linear", "log" or "symlog"
    low: float  # values from low to high are drawn as themselves
    high: float
    floor: float | None = None  # where exact zeros sit: below `low` on a log axis; 0 when every value is 0
    linthresh: float = 1.0  # symlog only

    def u(self, values) -> np.ndarray:
        """The axis coordinate of values inside the view."""
        v = np.asarray(values, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            if self.scale == "log":
                return np.log10(v)
            if self.scale == "symlog":  # in logs, so |v| / linthresh never overflows
                la = np.log10(np.abs(v)) - np.log10(self.linthresh)
                return np.sign(v) * np.where(la > 0, 1 + la, 10.0 ** np.minimum(la, 0))
        return v

    @cached_property  # (frozen: worked out once, read for every series of every run)
    def limits(self) -> tuple[float, float]:
        """The axis limits (in u): the view, plus a margin where clipped values are marked."""
        bottom = self.floor if self.floor is not None else self.low
        lo, hi = (float(x) for x in self.u([bottom, self.high]))
        pad = _MARGIN * (hi - lo)
        return lo - pad, hi + pad

    def side(self, values) -> np.ndarray:
        """0 inside the view (or an exact zero on the floor), +1 above or +inf, -1 below or -inf, 0 for nan."""
        v = np.asarray(values, dtype=float)
        with np.errstate(invalid="ignore"):
            out = np.where(v > self.high, 1, np.where(v < self.low, -1, 0))
        if self.floor is not None:
            out = np.where(v == 0, 0, out)
        return out

    def place(self, values) -> np.ndarray:
        """Where (in u) to draw each value: itself, the floor for an exact zero, or the edge it is
        past; nan stays nan."""
        v = np.asarray(values, dtype=float)
        bottom, top = self.limits
        side = self.side(v)
        inside = np.where(side == 0, v, self.high)
        shown = np.where(side > 0, top, np.where(side < 0, bottom, self.u(inside)))
        if self.floor is not None:
            shown = np.where(v == 0, float(self.u(self.floor)), shown)
        return np.where(np.isnan(v), np.nan, shown)

    def edge(self, side: int) -> float:
        return self.limits[1] if side > 0 else self.limits[0]

    def contains(self, values) -> np.ndarray:
        """True where a value is drawn as itself (an exact zero on the floor counts)."""
        v = np.asarray(values, dtype=float)
        return np.isfinite(v) & (self.side(v) == 0)

    def apply(self, ax, axis: str = "y") -> None:
        """Limits and ticks (labelled with values) on `ax`; a floor gets its band and `0 (exact)` tick."""
        ticks.apply(self, ax, axis)


def choose(needed, *, kind: str = "loss", base: float | None = None, room: tuple[bool, bool] = (False, False),
           zeros: bool | None = None, within: float = 1e3, linthresh: float | None = None) -> View:
    """The view that shows every needed value as itself.

    kind "loss": log while nothing is negative (exact zeros on a floor), else linear over at most
    three decades, symlog beyond. kind "value": linear while |values| stay within `within` x `base`,
    symlog past that (linear up to `linthresh`, or base's decade). `room` = (below, above) adds
    space for runs that leave on that side.
    """
    v = np.asarray(needed, dtype=float).ravel()
    v = np.clip(v[np.isfinite(v)], -(10.0 ** DECADES), 10.0 ** DECADES)
    if zeros is None:
        zeros = bool((v == 0).any())
    if v.size and not v.any() and kind == "loss":  # every loss exactly 0: a plain axis from that floor
        return View("linear", 0.0, 1.0, floor=0.0)
    if not v.size or not v.any():
        return View("linear", -1.0, 1.0)
    if kind == "loss" and v.min() >= 0:
        return _log_view(v[v > 0], zeros, room)
    big, small = np.abs(v).max(), np.abs(v[v != 0]).min()
    if kind == "value":
        base = base if base and np.isfinite(base) and base > 0 else small
        base = max(base, big * 1e-15)  # at most 15 decades either side
        if big <= within * base:
            return _linear_view(v, room)
        return _symlog_view(v, linthresh or 10.0 ** np.floor(np.log10(base)), room)
    if big <= 1e3 * small:
        return _linear_view(v, room)
    return _symlog_view(v, 10.0 ** np.floor(np.log10(max(small, big * 1e-12))), room)


def _decades(lo: float, hi: float) -> tuple[int, int]:
    a = int(np.clip(np.floor(np.log10(lo)), -DECADES, DECADES - 1))
    b = int(np.clip(np.ceil(np.log10(hi)), a + 1, DECADES))
    return a, b


def _extra(span: float) -> int:
    """Decades of room for runs that leave: some, but never enough to squash what is needed."""
    return int(np.clip(round(0.15 * span), 1, 40))


def _log_view(positive: np.ndarray, zeros: bool, room: tuple[bool, bool]) -> View:
    a, b = _decades(positive.min(), positive.max())
    span = b - a
    if room[1]:
        b = min(DECADES, b + _extra(span))
    if room[0]:
        a = max(-DECADES + 2, a - _extra(span))
    floor = None
    if zeros:  # a break of a tenth of the axis, whatever its span, then the floor -- at 1e-300 at the lowest
        a = max(a, -DECADES + 2, int(np.ceil((-DECADES + 0.12 * b) / 1.12)))
        floor = 10.0 ** (a - 0.12 * (b - a))
    return View("log", 10.0 ** a, 10.0 ** b, floor=floor)


def _linear_view(v: np.ndarray, room: tuple[bool, bool]) -> View:
    lo, hi = float(v.min()), float(v.max())
    if lo == hi:
        pad = abs(lo) * 0.1 or 1.0
        lo, hi = lo - pad, hi + pad
    span = hi - lo
    return View("linear", lo - (0.3 * span if room[0] else 0), hi + (0.3 * span if room[1] else 0))


def _symlog_view(v: np.ndarray, linthresh: float, room: tuple[bool, bool]) -> View:
    lo, hi = float(v.min()), float(v.max())
    top = _decade_up(hi, linthresh) if hi > 0 else 0.0
    bottom = -_decade_up(-lo, linthresh) if lo < 0 else 0.0
    span = np.log10(max(abs(top), abs(bottom)) / linthresh)
    if room[1]:
        top = _decade_up(top, linthresh) * 10.0 ** _extra(span) if top > 0 else linthresh * 10.0 ** _extra(span)
    if room[0]:
        bottom = (-_decade_up(-bottom, linthresh) * 10.0 ** _extra(span) if bottom < 0
                  else -linthresh * 10.0 ** _extra(span))
    return View("symlog", max(bottom, -(10.0 ** DECADES)), min(top, 10.0 ** DECADES), linthresh=linthresh)


def _decade_up(x: float, linthresh: float) -> float:
    return max(10.0 ** min(DECADES, np.ceil(np.log10(max(x, linthresh)))), linthresh)
