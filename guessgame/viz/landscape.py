"""The notebook's "visualizing the loss function": each loss and its gradient over a range of guesses."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from matplotlib import colormaps
from matplotlib.figure import Figure

from guessgame.losses import LOSSES, effective
from guessgame.viz import marks
from guessgame.viz.axis import View, choose
from guessgame.viz.style import TITLE_PAD, figure, legend_outside, margins

SAMPLES = 801  # points per curve, whatever the range
PEAKS_APART = 20  # curves whose largest values differ more than this share a symlog axis
DOTS = 21  # the notebook's dots: at whole numbers when there are at most this many, else evenly spaced


def one_element(loss: str, options: dict, x: np.ndarray, target: float) -> tuple[np.ndarray, np.ndarray]:
    """Loss and gradient of a one-element guess x against `target`; inf where float64 overflows."""
    definition, options = effective(loss, {**LOSSES[loss].defaults, **options})
    with np.errstate(over="ignore", invalid="ignore"):
        return definition.values(x - target, options)


def landscape_figure(losses: list[str], target: float = 2.0, low: float = -8.0, high: float = 12.0,
                     options: dict | None = None) -> Figure:
    """Each loss (left) and its gradient (right) at every guess from `low` to `high`, the answer dashed.

    A fixed number of points over any finite range; values past float64 are clipped to the top and
    marked. A loss that coincides with one drawn before it is dashed over it, and the legend says where.
    """
    fig = figure(11.0, 5.0)
    left, right = fig.subplots(1, 2)
    x = np.linspace(low, high, SAMPLES)
    if not np.isfinite(x).all():  # a range wider than float64: halves, then doubled
        x = 2 * np.linspace(low / 2, high / 2, SAMPLES)
    dots = _dots(low, high)
    values = [one_element(name, (options or {}).get(name, {}), x, target) for name in losses]
    for ax, k, what in ((left, 0, "loss"), (right, 1, "gradient d loss / d guess")):
        _panel(ax, Curves(x, dots, losses, [v[k] for v in values], target, options), k)
        ax.set_xlabel("guess")
        ax.set_ylabel(what)
    left.set_title("loss at each guess", pad=TITLE_PAD)
    right.set_title("gradient at each guess (the step is −lr × this)", pad=TITLE_PAD)
    margins(fig, left=0.9, top=0.5, wspace=1.0, legend=legend_outside(right))
    return fig


def _dots(low: float, high: float) -> np.ndarray:
    whole = np.floor(high) - np.ceil(low) + 1
    if 0 < whole <= DOTS:
        return np.arange(np.ceil(low), np.floor(high) + 1)
    return np.linspace(low, high, DOTS) if np.isfinite(high - low) else 2 * np.linspace(low / 2, high / 2, DOTS)


class Curves(NamedTuple):
    x: np.ndarray  # the guesses each curve is drawn at
    dots: np.ndarray  # the guesses marked with a dot
    names: list[str]  # the losses
    curves: list[np.ndarray]  # each loss's value (or gradient) at x
    target: float  # the answer
    options: dict | None  # each loss's options, by name


def _panel(ax, drawn: Curves, k: int) -> None:
    x, dots, names, curves, target, options = drawn
    view = _view(curves)
    view.apply(ax)
    View("linear", float(x[0]), float(x[-1])).apply(ax, "x")  # ticks labelled apart, however long
    cycle = colormaps["tab10"]
    for i, (name, curve) in enumerate(zip(names, curves)):
        drawn = marks.trace(view, x, curve[:, None], np.ones((len(x), 1), bool))
        same = _same_as(x, curve, names[:i], curves[:i])
        aside = "  (its minimum is not at the answer)" if not LOSSES[name].has_minimum and k == 0 else ""
        ax.plot(*marks.vertices(drawn.x[:, 0], drawn.y[:, 0]), color=cycle(i), lw=2.4 if not same else 1.6,
                ls="-" if not same else (0, (4, 3)), label=name + aside + same, zorder=2 + i)
        dot = one_element(name, (options or {}).get(name, {}), dots, target)[k]
        ax.scatter(dots, view.place(dot), color=cycle(i), s=14, zorder=2 + i, clip_on=False)
        marks.edge_marks(ax, view, x, drawn.exits, [cycle(i)], size=50)
    ax.axvline(target, color="black", ls="--", lw=1, label=f"answer = {target:g}" if k == 1 else None)
    ax.axhline(float(view.place(0.0)), color="gray", lw=0.8)
    ax.grid(True, alpha=0.3)


def _view(curves: list[np.ndarray]) -> View:
    """Linear, unless one curve dwarfs another (l1 next to mse over a wide range): then symlog, linear up
    to the smaller curve's decade, so its shape stays readable under the larger one."""
    values = np.concatenate([c[np.isfinite(c)] for c in curves] + [[0.0]])
    peaks = [float(np.abs(c[np.isfinite(c)]).max()) for c in curves if np.isfinite(c).mean() > 0.1]
    peaks = [p for p in peaks if p > 0] or [1e-300]
    small = min(peaks)
    return choose(values, kind="value", base=small, within=PEAKS_APART,
                  linthresh=10.0 ** min(300.0, np.ceil(np.log10(small))))


def _same_as(x, curve, names, curves) -> str:
    """`  (= l1 for guess ≥ 2)` when this curve coincides with an earlier one over part of the range."""
    for name, other in zip(names, curves):
        equal = np.isfinite(curve) & np.isclose(curve, other, rtol=1e-12, atol=0)
        if equal.mean() > 0.02:
            where = x[equal]
            return (f"\n  (= {name} everywhere)" if equal.all() else
                    f"\n  (= {name} for guess in [{where.min():.3g}, {where.max():.3g}])")
    return ""
