"""The notebook's "visualizing the loss function": each loss and its gradient over a range of guesses."""

from __future__ import annotations

import textwrap
from typing import Callable, NamedTuple

import numpy as np
from matplotlib import colormaps
from matplotlib.figure import Figure

from guessgame.config.schema import item_label
from guessgame.losses import LOSSES, effective
from guessgame.viz import marks
from guessgame.viz.axis import View, choose
from guessgame.viz.style import TITLE_PAD, figure, legend_outside, margins

SAMPLES = 801  # points per curve over the whole range, whatever it is ...
CORE = 121  # ... and as many again across each loss's core (answer ± twice its width), where it bends
PEAKS_APART = 20  # curves whose largest values differ more than this share a symlog axis
DOTS = 21  # the notebook's dots: at whole numbers when there are at most this many, else evenly spaced
STRETCH = 3  # samples in a row that agree before two curves are said to coincide there
ROUNDING = 1e-15  # relative difference of two values that float64's rounding alone could make
WRAP = 40  # characters a line of the legend, so that it does not squeeze the panels


class Item(NamedTuple):
    """One loss drawn: its name as given, its options (torch's defaults filled in) and its label."""

    name: str
    options: dict
    label: str

    def at(self, x: np.ndarray, target: float) -> tuple[np.ndarray, np.ndarray]:
        """Loss and gradient of a one-element guess x against `target`; inf where float64 overflows."""
        definition, options = effective(self.name, self.options)
        with np.errstate(over="ignore", invalid="ignore"):
            return definition.values(np.asarray(x, dtype=float) - target, options)


def item(loss: str | tuple[str, dict], options: dict | None = None) -> Item:
    """`huber` or ('huber', {'delta': 2}) -> its Item; `options` by name apply to a bare name."""
    name, given = (loss, (options or {}).get(loss, {})) if isinstance(loss, str) else loss
    resolved = {**LOSSES[name].defaults, **given}
    return Item(name, resolved, item_label("loss", name, resolved))


def landscape_figure(losses: list, target: float = 2.0, low: float = -8.0, high: float = 12.0,
                     options: dict | None = None) -> Figure:
    """Each loss (left) and its gradient (right) at guesses from `low` to `high`, the answer dashed.

    `losses`: names (`"huber"`, with `options` by name) or (name, options) pairs (`("huber", {"delta": 2})`).
    SAMPLES points over any finite range, more where a loss bends; values past float64 are clipped to
    the top and marked. Where a curve agrees with one drawn before it, it is dashed over it, and the
    legend says for which guesses (found by evaluating both, never assumed from the names).
    """
    items = [item(loss, options) for loss in losses]
    fig = figure(11.0, 5.0)
    left, right = fig.subplots(1, 2)
    x = _guesses(low, high, target, items)
    values = [one.at(x, target) for one in items]
    for ax, k in ((left, 0), (right, 1)):
        _panel(ax, Curves(x, _dots(low, high), items, [v[k] for v in values], target), k)
        ax.set_xlabel("guess")
        ax.set_ylabel(("loss", "gradient d loss / d guess")[k])
    left.set_title("loss at each guess", pad=TITLE_PAD)
    right.set_title("gradient at each guess (the step is −lr × this)", pad=TITLE_PAD)
    for line, text in zip(right.lines, _labels(items, x, target)):
        line.set_label(text)
    margins(fig, left=0.9, top=0.5, wspace=1.0, legend=legend_outside(right))
    return fig


def _spaced(low: float, high: float, count: int) -> np.ndarray:
    """`count` evenly spaced points from low to high, for a range wider than float64 too (halves, doubled)."""
    x = np.linspace(low, high, count)
    return x if np.isfinite(x).all() else 2 * np.linspace(low / 2, high / 2, count)


def _guesses(low: float, high: float, target: float, items: list[Item]) -> np.ndarray:
    """SAMPLES guesses over the range; CORE more across each loss's core, its bends (answer ± width) exactly."""
    parts = [_spaced(low, high, SAMPLES), [target]]
    for one in items:
        definition, options = effective(one.name, one.options)
        width = float(definition.width(options))
        if 0 < width < np.inf:
            with np.errstate(over="ignore"):
                a, b = max(low, target - 2 * width), min(high, target + 2 * width)
                parts += [_spaced(a, b, CORE) if a < b else [], [target - width, target + width]]
    x = np.unique(np.concatenate([np.asarray(p, dtype=float) for p in parts]))
    return x[np.isfinite(x) & (x >= low) & (x <= high)]


def _dots(low: float, high: float) -> np.ndarray:
    whole = np.floor(high) - np.ceil(low) + 1
    if 0 < whole <= DOTS:
        return np.arange(np.ceil(low), np.floor(high) + 1)
    return _spaced(low, high, DOTS)


class Curves(NamedTuple):
    x: np.ndarray  # the guesses each curve is drawn at
    dots: np.ndarray  # the guesses marked with a dot
    items: list[Item]  # the losses
    curves: list[np.ndarray]  # each loss's value (or gradient) at x
    target: float  # the answer


def _panel(ax, drawn: Curves, k: int) -> None:
    x, dots, items, curves, target = drawn
    view = _view(curves)
    view.apply(ax)
    View("linear", float(x[0]), float(x[-1])).apply(ax, "x")  # ticks labelled apart, however long
    cycle = colormaps["tab10"]
    for i, (one, curve) in enumerate(zip(items, curves)):
        traced = marks.trace(view, x, curve[:, None], np.ones((len(x), 1), bool))
        same = any(_stretches(_agree(curve, other)) for other in curves[:i])
        ax.plot(*marks.vertices(traced.x[:, 0], traced.y[:, 0]), color=cycle(i), lw=1.6 if same else 2.4,
                ls=(0, (4, 3)) if same else "-", zorder=2 + i, label=one.label)
        ax.scatter(dots, view.place(one.at(dots, target)[k]), color=cycle(i), s=14, zorder=2 + i, clip_on=False)
        marks.edge_marks(ax, view, x, traced.exits, [cycle(i)], size=50)
    ax.axvline(target, color="black", ls="--", lw=1, label=f"answer = {target:g}")
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


def _agree(a, b) -> np.ndarray:
    """Where two curves have the same value, to float64 rounding (a few units in the last place)."""
    return np.isfinite(a) & np.isclose(a, b, rtol=ROUNDING, atol=0)


def _stretches(agree: np.ndarray) -> list[tuple[int, int]]:
    """(first, last) sample of each run of at least STRETCH samples in a row that agree."""
    edges = np.flatnonzero(np.diff(np.r_[0, agree.astype(int), 0]))
    return [(a, b - 1) for a, b in zip(edges[::2], edges[1::2]) if b - a >= STRETCH]


def _labels(items: list[Item], x: np.ndarray, target: float) -> list[str]:
    """Each loss's legend entry: its label, and for which guesses its loss or gradient equals an
    earlier one's, found by evaluating both there (each bound bisected to float64's precision)."""
    texts = []
    for i, one in enumerate(items):
        text = one.label + ("  (no minimum)" if not LOSSES[one.name].has_minimum else "")
        for other in items[:i]:
            where = [_where(lambda g, k=k, a=one, b=other: _agree(a.at(g, target)[k], b.at(g, target)[k]), x)
                     for k in range(2)]
            if any(where):
                text += "\n" + textwrap.fill(f"({_said(other.label, where)})", WRAP, initial_indent="  ",
                                             subsequent_indent="   ", break_on_hyphens=False)
                break
        texts.append(text)
    return texts


def _said(other: str, where: list[str]) -> str:
    loss, gradient = where
    if loss == gradient:
        return f"loss and gradient = {other}'s {loss}"
    if loss and gradient:
        return f"loss = {other}'s {loss}; gradient {gradient}"
    return f"{'loss' if loss else 'gradient'} = {other}'s {loss or gradient}"


def _where(agree: Callable[[np.ndarray], np.ndarray], x: np.ndarray) -> str:
    """`for guess in [-8, 1] and [3, 12]`: where `agree` holds over x, or '' if nowhere worth saying."""
    found = agree(x)
    if found.all():
        return "over the whole range"
    span = float(np.ptp(x / 2)) * 2
    parts = []
    for first, last in _stretches(found):
        low = _bound(agree, x[first - 1], x[first], span, "[(") if first else f"[{x[0]:.3g}"
        high = _bound(agree, x[last + 1], x[last], span, "])") if last < len(x) - 1 else f"{x[-1]:.3g}]"
        parts.append(f"{low}, {high}")
    return "for guess in " + " and ".join(parts) if parts else ""


def _bound(agree: Callable, outside: float, inside: float, span: float, brackets: str) -> str:
    """The bound between a guess where agreement fails and one where it holds, bisected until they are
    neighbouring floats, in the fewest digits (at least 3) within a billionth of the range of it; with
    its bracket: closed if the curves agree at the number shown, open if only beyond it."""
    while (middle := outside / 2 + inside / 2) not in (outside, inside):
        outside, inside = (outside, middle) if agree(np.array([middle]))[0] else (middle, inside)
    text = next(t for d in range(3, 18) if abs(float(t := f"{inside:.{d}g}") - inside) <= 1e-9 * span or d == 17)
    bracket = brackets[0] if agree(np.array([float(text)]))[0] else brackets[1]
    return bracket + text if bracket in "[(" else text + bracket
