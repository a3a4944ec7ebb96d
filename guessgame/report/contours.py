"""The page's contour view: what plots/contour.png shows, as data the page draws -- the game's loss over a
plane through the answer (`viz.plane`) on the figure's own views (`viz.contour.backdrop`), and each run's
path projected onto that plane, drawn to the view's edge where it leaves and marked there.

The loss is carried as a GRID x GRID table of its values at evenly spaced points across the view (the
page contours it at the figure's levels, `viz.plane.levels`); the labels of the lines are placed here, on
the lines the page draws from that same table. A grid of several losses has a panel per loss, as the figure.
"""

from __future__ import annotations

import html
from typing import Any

import numpy as np

from guessgame.config.labels import item_label
from guessgame.losses import effective
from guessgame.report.series import RESOLUTION, axis, quantize
from guessgame.rundata import RunData
from guessgame.viz import marks
from guessgame.viz.contour import GRID as FIGURE_GRID
from guessgame.viz.contour import Sheet, backdrop, end_ways, losses, note
from guessgame.viz.frame import clipped_paths, inside_frame
from guessgame.viz.plane import levels, loss_on
from guessgame.viz.ticks import value_label

GRID = 81  # points along each side of the view where the page's table holds the loss
_EXIT = {(0, -1): "triangle-left", (0, 1): "triangle-right", (1, -1): "triangle-down", (1, 1): "triangle-up"}


class Contours:
    """Each panel of the contour view (`panels`, JSON-able), which panel each cell's runs are drawn on, and
    every logged guess's place on the plane (`x`, `y`: (rows, runs), nan for a guess lost to nan)."""

    def __init__(self, run: RunData) -> None:
        from matplotlib.figure import Figure

        groups = losses(run)
        self.sheets: list[Sheet] = []
        self.panels: list[dict[str, Any]] = []
        self.panel_of = np.zeros(run.runs, int)
        for k, (loss, members) in enumerate(groups):
            sheet = backdrop(Figure().add_subplot(), run, loss, members, contours=False)
            self.sheets.append(sheet)
            self.panel_of[members] = k
            named = f" ({item_label('loss', *loss)})" if len(groups) > 1 else ""
            self.panels.append(_panel(run, sheet, loss, named))
        self.x, self.y = self.sheets[0].f.space.x, self.sheets[0].y  # one plane, whichever loss it carries
        self.cells = [int(self.panel_of[np.argmax(run.cells == c)]) for c in range(len(run.config.cells))]
        self.unlogged = set(marks.unlogged_ends(run))

    def path(self, run: RunData, r: int, rows: np.ndarray) -> dict[str, Any]:
        """Run r's kept rows on its panel: `x`, `y` each guess's place (past the axis: at the edge it is past;
        null: lost to nan), as steps from the place before (`_steps`); with `line` its path clipped where it
        leaves, `exits` [x, y, symbol, attempt]; with `end` the way on to a guess it ended with unlogged."""
        f = self.sheets[self.panel_of[r]].f
        x, y = self.x[rows, r], self.y[rows, r]
        out: dict[str, Any] = {k: _steps(q) for k, q in zip("xy", _placed(f, x, y))}
        end = self._end(run, r) if r in self.unlogged and f.live[0, r] else None
        if end:
            out["end"] = end
        alive = f.live[rows, r]
        if (f.vx.contains(x) & f.vy.contains(y))[alive].all():
            return out  # inside the view throughout: the line is its points
        one = f._replace(space=f.space._replace(x=x[:, None]), live=alive[:, None])
        verts, exits = clipped_paths(one, y[:, None])
        line = _collapsed(verts[:, 0])
        out["line"] = [quantize(f.vx, line[:, 0]), quantize(f.vy, line[:, 1])]
        out["exits"] = [[*(q[0] for q in _placed(f, [ex], [ey])), _side(f, ex, ey), int(run.attempt[rows[k]])]
                        for _, k, ex, ey in exits]
        return out

    def _end(self, run: RunData, r: int) -> dict[str, Any] | None:
        """A run that stopped between kept rows: `line`, dotted on the page, from its last kept guess to the
        guess it ended with, clipped where it leaves the view, and `at`, that end's place if inside -- the
        way `plots/contour` draws (`viz.contour.end_ways`)."""
        two, y, verts, _ = end_ways(run, self.sheets[self.panel_of[r]], [r])
        line = _collapsed(verts[:, 0])
        if np.isnan(line).all():
            return None  # all of it past the view
        x = two.space.x
        return {"line": [quantize(two.vx, line[:, 0]), quantize(two.vy, line[:, 1])],
                "at": [q[0] for q in _placed(two, x[1], y[1])] if inside_frame(two, x, y)[1, 0] else None}


def _panel(run: RunData, sheet: Sheet, loss: tuple[str, dict], named: str) -> dict[str, Any]:
    """A panel's axes, its loss table, levels and their labels, the answer's place and its title."""
    f, p = sheet.f, sheet.plane
    has_minimum = effective(*loss)[0].has_minimum
    fine = [np.linspace(*v.limits, FIGURE_GRID) for v in (f.vx, f.vy)]  # the figure's levels, from its own grid
    cut = levels(loss_on(p, run.config, *fine, loss), has_minimum)
    gx, gy = (np.linspace(*v.limits, GRID) for v in (f.vx, f.vy))
    z = loss_on(p, run.config, gx, gy, loss)
    label = [html.escape(text).replace("\n", "<br>") for text in p.labels]
    words = html.escape(note(sheet).strip()).replace("\n", "<br>")
    answer = [q[0] for q in _placed(f, p.origin[:1], p.origin[1:])]
    return {
        "x": axis(f.vx, label[0]), "y": axis(f.vy, label[1]), "equal": bool(sheet.to_scale),
        "z": [[float(v) if np.isfinite(v) else None for v in row] for row in z.tolist()],
        "levels": [float(v) for v in cut], "log": bool(has_minimum),
        "labels": _labels(z, cut, has_minimum, (answer[0] / RESOLUTION, answer[1] / RESOLUTION)),
        "answer": answer,
        "title": f"its path over the loss's contours{html.escape(named)}", "note": words,
    }


def banded(z: np.ndarray, cut: np.ndarray, log: bool) -> np.ndarray:
    """The loss as the page contours it: level k at k exactly, linear (in log10 for a loss with a minimum)
    between two levels; below the lowest down to -1, above the highest (and inf, nan) up to len(cut)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        u = np.log10(z) if log else np.asarray(z, dtype=float)
        c = np.log10(cut) if log else np.asarray(cut, dtype=float)
    pad = float(c[-1] - c[0]) or 1.0
    u = np.where(np.isnan(u), np.inf, u)
    inner = np.interp(u, c, np.arange(c.size)) if c.size > 1 else np.zeros_like(u)
    below = -1 + np.clip((u - c[0] + pad) / pad, 0, 1)
    above = c.size - 1 + np.clip((u - c[-1]) / pad, 0, 1)
    return np.where(u < c[0], below, np.where(u > c[-1], above, inner))


def _labels(z: np.ndarray, cut: np.ndarray, log: bool, answer: tuple[float, float]) -> list[list]:
    """[x, y, text] (in 0 .. 1 across the view) of a label on each labelled level's longest line: the decades
    (every other level without a minimum) when there are three, else every level; each where its line is
    farthest from the answer's star and the labels before it."""
    import contourpy

    if not cut.size:
        return []
    at = np.linspace(0, 1, z.shape[1]), np.linspace(0, 1, z.shape[0])
    lines = contourpy.contour_generator(*at, banded(z, cut, log), name="serial")
    decades = [k for k, v in enumerate(cut) if (np.isclose(np.log10(v), np.round(np.log10(v))) if log else k % 2 == 0)]
    taken, out = [answer], []
    for k in decades if len(decades) >= 3 else range(cut.size):
        pieces = [line for line in lines.lines(float(k)) if len(line) > 1]
        if not pieces:
            continue
        line = max(pieces, key=lambda v: np.hypot(*np.diff(v, axis=0).T).sum())
        length = np.r_[0, np.cumsum(np.hypot(*np.diff(line, axis=0).T))]
        spots = line[np.searchsorted(length, length[-1] * np.linspace(0.1, 0.9, 9))]
        apart = np.min([np.hypot(*(spots - spot).T) for spot in taken], axis=0)
        x, y = spots[int(np.argmax(apart))]
        taken.append((x, y))
        out.append([round(float(x), 4), round(float(y), 4), value_label(float(cut[k]))])
    return out


def _collapsed(verts: np.ndarray) -> np.ndarray:
    """Three vertex slots a row (`viz.frame.clipped_paths`) as one line: repeats dropped, one gap between parts."""
    gap = np.isnan(verts).any(axis=1)
    keep = np.ones(len(verts), bool)
    keep[1:] = ~((verts[1:] == verts[:-1]).all(axis=1) | (gap[1:] & gap[:-1]))
    return np.where(gap[:, None], np.nan, verts)[keep]


def _steps(places: list) -> list:
    """Places as steps from the last place before (the first from 0), nulls kept: small numbers, a short page."""
    out, last = [], 0
    for q in places:
        out.append(None if q is None else q - last)
        last = last if q is None else q
    return out


def _placed(f, x, y) -> tuple[list, list]:
    """Points of the plane at their places along the axes, those past an axis at its edge, nan as null."""
    return quantize(f.vx, np.clip(x, *f.vx.limits)), quantize(f.vy, np.clip(y, *f.vy.limits))


def _side(f, x: float, y: float) -> str:
    """The triangle pointing the way a path left: past the side of the view it is furthest past."""
    past = {}
    for dim, (value, view) in enumerate(((x, f.vx), (y, f.vy))):
        u = (value - view.low) / (view.high - view.low)
        past[dim, -1], past[dim, 1] = -u, u - 1
    return _EXIT[max(past, key=past.get)]


def figure(panel: dict[str, Any], base: dict[str, Any]) -> dict[str, Any]:
    """A panel's plotly figure: `base` (the page's common layout) with its axes, x and y to one scale where
    the figure draws them so, the levels' labels and the answer's star; the page adds the contours and the run."""
    x, y = ({k: v for k, v in panel[a].items() if k != "view"} for a in "xy")
    if panel["equal"]:
        x, y = {**x, "constrain": "domain"}, {**y, "scaleanchor": "x", "scaleratio": 1, "constrain": "domain"}
    labels = [{"x": lx * RESOLUTION, "y": ly * RESOLUTION, "xref": "x", "yref": "y", "text": text,
               "showarrow": False, "font": {"size": 10, "color": "#555"}, "bgcolor": "rgba(255,255,255,0.8)",
               "borderpad": 0} for lx, ly, text in panel["labels"]]
    under = f"<br><span style='font-size:11px'>{panel['note']}</span>" if panel["note"] else ""
    title = base["title"]["text"] + under
    layout = {**base, "xaxis": x, "yaxis": y, "annotations": labels, "title": {**base["title"], "text": title},
              "margin": {**base["margin"], "t": 56 if panel["note"] else base["margin"]["t"], "r": 210, "b": 64},
              "legend": {"x": 1.03, "xanchor": "left", "y": 1, "yanchor": "top", "font": {"size": 11}}}
    answer = {"type": "scatter", "mode": "markers", "x": panel["answer"][:1], "y": panel["answer"][1:],
              "name": "the answer", "hoverinfo": "skip",
              "marker": {"symbol": "star", "size": 18, "color": "black", "line": {"color": "white", "width": 1}}}
    return {"data": [answer], "layout": layout}
