"""The page's four plotly figures as JSON: their layouts and the traces that do not change with the
selected run (the loss landscape, every run on the comparison chart). The page adds each run's
traces itself (`report.js`), from the data `payload` carries.

On the comparison chart a status is a colour (`viz.style.STATUS_COLORS`); a grid's cells are told
apart by a symbol each and a line of the cell's own colour through its points, chosen far from every
status colour (`cell_colors`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from guessgame.report import contours
from guessgame.report.series import RESOLUTION, plain_axis
from guessgame.status import Status
from guessgame.viz.style import STATUS_COLORS

FONT = {"family": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", "size": 12}
# fixed margins, the legend inside the bottom one: the loss chart's two stacked plots must line up
_MARGIN = {"l": 78, "r": 16, "t": 36, "b": 130, "autoexpand": False}
# a grid's cell colours, in the order cells take them; those too near a status colour are left out
_CELL_PALETTE = ("#5c2a82", "#e377c2", "#222222", "#8c564b", "#17becf", "#6d6d00", "#7f7f7f", "#1b4f72",
                 "#ff69b4", "#4b0082")
_NEAR = 150  # colours closer than this ("redmean" distance, 0 .. 765) read as the same
# a grid's cell symbols on the final-loss panel, in order: no triangle (a point past the view) nor ✕ (diverged)
_CELL_SYMBOLS = ("circle", "square", "diamond", "pentagon", "hexagon", "star", "hourglass", "cross")
_EDGE = {"color": "#333", "width": 1}  # the outline of a cell's symbol
# the bottom panel's symbol of a verdict; any other verdict is ■, a run that ran out of attempts ○
_BOTTOM = {Status.CONVERGED.value: "circle", Status.DIVERGED.value: "x"}


def cell_colors(count: int) -> list[str]:
    """A colour per cell, none near a status's colour: a cell is never read as a status."""
    far = [c for c in _CELL_PALETTE if min(_distance(c, s) for s in STATUS_COLORS.values()) >= _NEAR]
    return [far[k % len(far)] for k in range(count)]


def _distance(a: str, b: str) -> float:
    """How far apart two colours look: the "redmean" weighting of their RGB difference."""
    from matplotlib.colors import to_rgb

    (r1, g1, b1), (r2, g2, b2) = (np.array(to_rgb(c)) * 255 for c in (a, b))
    mean = (r1 + r2) / 2
    red, green, blue = (r1 - r2) ** 2, (g1 - g2) ** 2, (b1 - b2) ** 2
    return float(np.sqrt((2 + mean / 256) * red + 4 * green + (2 + (255 - mean) / 256) * blue))


def figures(data: dict[str, Any]) -> dict[str, Any]:
    contour = data["contour"] and [contours.figure(p, _base(p["title"])) for p in data["contour"]["panels"]]
    return {"loss": _loss(data), "trajectory": _trajectory(data), "path": _path(data), "compare": _compare(data),
            "contour": contour}


def _base(title: str, **layout: Any) -> dict[str, Any]:
    return {"title": {"text": title, "font": {"size": 14}, "x": 0.01, "xanchor": "left"}, "font": FONT,
            "margin": dict(_MARGIN), "showlegend": True, "hovermode": "closest", "plot_bgcolor": "white",
            "legend": {"orientation": "h", "y": -0.2, "yanchor": "top", "x": 0, "font": {"size": 11}}, **layout}


def _plain(axis: dict[str, Any]) -> dict[str, Any]:
    """A plotly axis without the `view` the page reads values back with."""
    return {k: v for k, v in axis.items() if k != "view"}


def _attempt_axis(data: dict[str, Any]) -> dict[str, Any]:
    return {"title": {"text": "attempt"}, "range": [0.5, data["attempts"] + 0.5], "zeroline": False,
            "gridcolor": "#eeeeee", "fixedrange": True}


def _floor(band: list[float] | None, yref: str = "y") -> list[dict[str, Any]]:
    """The grey break below a log axis: exact zeros sit on the `0 (exact)` tick under it."""
    if band is None:
        return []
    return [{"type": "rect", "xref": "paper", "yref": yref, "x0": 0, "x1": 1, "y0": -0.02 * RESOLUTION,
             "y1": band[1], "fillcolor": "#ececec", "line": {"width": 0}, "layer": "below"}]


def _loss(data: dict[str, Any]) -> dict[str, Any]:
    layout = _base("loss per attempt (every run faint)", xaxis=_attempt_axis(data),
                   yaxis=_plain(data["axes"]["loss"]), shapes=_floor(data["floor"]["loss"]))
    return {"data": [], "layout": layout}


def _trajectory(data: dict[str, Any]) -> dict[str, Any]:
    """Each run brings its own y ticks (its view of its guesses); the rest of the axis is shared."""
    shown = len(data["elements"])
    note = "" if shown == data["numel"] else f" (the first {shown} of {data['numel']} elements)"
    layout = _base(f"its guess per attempt{note}", xaxis=_attempt_axis(data), yaxis=plain_axis("guess"))
    return {"data": [], "layout": layout}


def _path(data: dict[str, Any]) -> dict[str, Any]:
    """Each cell's path figure, on its own loss's landscape (`cells`); the page shows the selected run's."""
    cells = []
    for cell in data["cells"]:
        land, axes = cell["path"]["landscape"], cell["path"]
        answer = {"type": "line", "xref": "x", "yref": "paper", "x0": land["answer"], "x1": land["answer"],
                  "y0": 0, "y1": 1, "line": {"dash": "dash", "color": "black", "width": 1}}
        layout = _base("its path over the loss landscape (error space)", xaxis=_plain(axes["x"]),
                       yaxis=_plain(axes["y"]), shapes=[answer])
        curve = {"type": "scatter", "mode": "lines", "x": land["x"], "y": land["y"], "name": land["label"],
                 "line": {"color": "black", "width": 1.5}, "hoverinfo": "skip"}
        if len(land["label"]) > 60:  # a ravine's long label takes the legend's line: room for the rest below
            layout["margin"] = {**_MARGIN, "b": _MARGIN["b"] + 40}
        cells.append({"data": [curve], "layout": layout})
    return {**cells[0], "cells": cells}


def _compare(data: dict[str, Any]) -> dict[str, Any]:
    """Final loss (top) and the attempt each run converged, diverged or stopped (bottom) against lr, each
    run's point in its status's colour. `cells`: each cell's theory lines, the page shows the selected
    cell's."""
    runs = data["runs"]
    lr = np.array([r["lr"] for r in runs])
    x = _spread(lr, np.array([r["game"] for r in runs])) if data["games"] > 1 else lr
    grid = len(data["cells"]) > 1
    if grid:
        x = _apart(lr, x, np.array([r["cell"] for r in runs]), len(data["cells"]))
    traces = _by_cell(data, x) if grid else _by_status(data, x)
    final_axis = {**_plain(data["axes"]["final"]), "domain": [0.42, 1.0]}
    layout = _base("learning rates compared: click a point to select its run",
                   xaxis={"type": "log", "title": {"text": ""}, "anchor": "y", "gridcolor": "#eeeeee",
                          "fixedrange": True, "showticklabels": False, **_lr_axis(lr)},
                   xaxis2={"type": "log", "title": {"text": "learning rate (log scale)"}, "matches": "x",
                           "anchor": "y2", "gridcolor": "#eeeeee", "fixedrange": True},
                   yaxis=final_axis,
                   yaxis2={"domain": [0.0, 0.34], "range": [0, data["attempts"] * 1.08 + 1], "anchor": "x2",
                           "title": {"text": _verdicts(data)},
                           "gridcolor": "#eeeeee", "fixedrange": True},
                   shapes=_floor(data["floor"]["final"]))
    layout["legend"] = {"orientation": "h", "y": -0.12, "yanchor": "top", "x": 0, "font": {"size": 11}}
    cells = [_theory_lines(cell, lr, grid) for cell in data["cells"]]
    return {"data": traces, "layout": layout, "cells": cells}


def _by_status(data: dict[str, Any], x: np.ndarray) -> list[dict[str, Any]]:
    """One pair of traces (top, bottom) per status: one cell's runs."""
    traces = []
    for status in data["colors"]:
        members = [k for k, r in enumerate(data["runs"]) if r["status"] == status]
        if members:
            traces += _points(data, members, x, f"{status} ({len(members)})", status)
    return traces


def _by_cell(data: dict[str, Any], x: np.ndarray) -> list[dict[str, Any]]:
    """One pair of traces per cell: its points in its own symbol, joined by a line of its own colour
    (along its lrs, one game each); then each cell's look and each status's colour, for the legend."""
    runs, traces, legend = data["runs"], [], []
    for c, cell in enumerate(data["cells"]):
        members = sorted((k for k, r in enumerate(runs) if r["cell"] == c), key=lambda k: (x[k], k))
        if not members:
            continue
        look = (cell["color"], _CELL_SYMBOLS[c % len(_CELL_SYMBOLS)])
        traces += _points(data, members, x, cell["label"], f"cell {c}", look, data["games"] == 1)
        legend.append({"type": "scatter", "mode": "lines+markers", "x": [None], "y": [None], "customdata": [],
                       "name": cell["label"], "legendgroup": f"cell {c}", "hoverinfo": "skip",
                       "line": {"color": look[0], "width": 3}, "marker": {"symbol": look[1], "size": 9,
                                                                       "color": "white", "line": _EDGE}})
    traces += legend
    for status, color in data["colors"].items():
        count = sum(r["status"] == status for r in runs)
        if count:
            traces.append({"type": "scatter", "mode": "markers", "x": [None], "y": [None], "customdata": [],
                           "name": f"{status} ({count})", "legendgroup": "statuses", "hoverinfo": "skip",
                           "marker": {"color": color, "size": 9}})
    return traces


def _points(data: dict[str, Any], members: list[int], x: np.ndarray, name: str, group: str,
            look: tuple[str, str] | None = None, line: bool = False) -> list[dict[str, Any]]:
    """These runs' final losses (top: ▲ ▼ past the view) and the attempt of their verdict or last attempt
    (bottom: ● converged, ✕ diverged, ○ neither), each point in its status's colour; a cell's `look`
    (colour, symbol): its symbol on top, its colour joining the points (with `line`)."""
    runs = data["runs"]
    statuses = [runs[k]["status"] for k in members]
    colors = [data["colors"][s] for s in statuses]
    shape = look[1] if look else "circle"
    tops = [{1: "triangle-up", -1: "triangle-down"}.get(runs[k]["final"][1], shape) for k in members]
    bottoms = [_BOTTOM.get(runs[k]["status"]) or ("square" if runs[k]["verdict_at"] else "circle-open")
               for k in members]
    common = {"type": "scatter", "mode": "lines+markers" if line else "markers", "x": [float(x[k]) for k in members],
              "customdata": members, "legendgroup": group, "hovertemplate": "%{text}<extra></extra>"}
    if line:
        common["line"] = {"color": look[0], "width": 1.5}
    edge = (_EDGE if look else
            {"color": "black", "width": [1 if s != "circle" else 0 for s in tops]})
    top = {**common, "y": [runs[k]["final"][0] for k in members], "name": name, "showlegend": not look,
           "marker": {"color": colors, "symbol": tops, "size": 9, "line": edge},
           "text": [f"{runs[k]['name']}: {s}, final loss {runs[k]['final'][2]}" for k, s in zip(members, statuses)]}
    bottom = {**common, "y": [runs[k]["at"] for k in members], "yaxis": "y2", "xaxis": "x2", "showlegend": False,
              "marker": {"color": colors, "symbol": bottoms, "size": 8, "line": {"color": colors, "width": 1.5}},
              "text": [f"{runs[k]['name']}: {s}, attempt {runs[k]['at']}" for k, s in zip(members, statuses)]}
    return [top, bottom]


def _verdicts(data: dict[str, Any]) -> str:
    """The bottom panel's title: the symbol of each verdict, and of a run that ran out of attempts."""
    others = sorted({r["status"] for r in data["runs"] if r["verdict_at"] and r["status"] not in _BOTTOM})
    return "attempt: ● converged<br>✕ diverged" + "".join(f", ■ {s}" for s in others) + ("<br>" if others else ", ") \
        + "○ ran out"


def _spread(lr: np.ndarray, game: np.ndarray) -> np.ndarray:
    """Random games of one lr a little apart around it, so each point can be clicked."""
    width = max(float(np.log10(lr.max() / lr.min())), 1.0) * 0.012
    offset = np.random.default_rng(0).uniform(-width, width, len(lr))
    return lr * 10.0 ** offset


def _apart(lr: np.ndarray, x: np.ndarray, cell: np.ndarray, count: int) -> np.ndarray:
    """A grid's cells a few pixels apart at each lr, in their order, as random games are (`_spread`):
    every cell's point can be seen and clicked."""
    width = max(float(np.log10(lr.max() / lr.min())), 1.0) * 0.012
    return x * 10.0 ** (2 * width * ((cell + 0.5) / count - 0.5))


def _lr_axis(lr: np.ndarray) -> dict[str, Any]:
    """A single lr: a decade either side of it on the log axis (log10), not a zoom into the few pixels its
    games or cells are spread over; several: plotly's own range around them."""
    if lr.min() < lr.max():
        return {}
    return {"range": [float(np.log10(lr.min())) - 1, float(np.log10(lr.max())) + 1]}


def _theory_lines(cell: dict[str, Any], lr: np.ndarray, named: bool) -> dict[str, list]:
    """A cell's critical and best lr by theory, where it names them within the lrs played: lines down both
    panels and their labels (`named`: with the cell's label)."""
    shapes, notes = [], []
    whose = f" for {cell['label']}" if named else ""
    for key, dash, color in (("critical", "dash", "#d62728"), ("best", "dot", "#2a9d3f")):
        value = cell[key]
        if not value or not lr.min() <= value <= lr.max():
            continue
        for xref in ("x", "x2"):
            shapes.append({"type": "line", "xref": xref, "yref": "paper", "x0": value, "x1": value, "y0": 0, "y1": 1,
                           "line": {"dash": dash, "color": color, "width": 1.5}})
        notes.append({"x": float(np.log10(value)), "xref": "x", "yref": "paper", "y": 1.0, "yanchor": "bottom",
                      "text": f"theory{whose}: {key} lr {value:.4g}", "showarrow": False,
                      "font": {"color": color, "size": 11}, "xanchor": "left" if key == "critical" else "right"})
    return {"shapes": shapes, "annotations": notes}
