"""The page's four plotly figures as JSON: their layouts and the traces that do not change with the
selected run (the loss landscape, every run on the comparison chart). The page adds each run's
traces itself (`report.js`), from the data `payload` carries."""

from __future__ import annotations

from typing import Any

import numpy as np

from guessgame.report.series import RESOLUTION
from guessgame.status import Status

FONT = {"family": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", "size": 12}
# fixed margins, the legend inside the bottom one: the loss chart's two stacked plots must line up
_MARGIN = {"l": 78, "r": 16, "t": 36, "b": 130, "autoexpand": False}


def figures(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {"loss": _loss(data), "trajectory": _trajectory(data), "path": _path(data), "compare": _compare(data)}


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
    shown = len(data["elements"])
    note = "" if shown == data["numel"] else f" (the first {shown} of {data['numel']} elements)"
    layout = _base(f"its guess per attempt{note}", xaxis=_attempt_axis(data))
    return {"data": [], "layout": layout}


def _path(data: dict[str, Any]) -> dict[str, Any]:
    land = data["landscape"]
    layout = _base("its path over the loss landscape (error space)",
                   xaxis=_plain(data["axes"]["path_x"]), yaxis=_plain(data["axes"]["path_y"]),
                   shapes=[{"type": "line", "xref": "x", "yref": "paper", "x0": land["answer"], "x1": land["answer"],
                            "y0": 0, "y1": 1, "line": {"dash": "dash", "color": "black", "width": 1}}])
    curve = {"type": "scatter", "mode": "lines", "x": land["x"], "y": land["y"], "name": land["label"],
             "line": {"color": "black", "width": 1.5}, "hoverinfo": "skip"}
    return {"data": [curve], "layout": layout}


def _compare(data: dict[str, Any]) -> dict[str, Any]:
    """Final loss (top) and the attempt each run converged, diverged or stopped (bottom) against lr."""
    runs = data["runs"]
    lr = np.array([r["lr"] for r in runs])
    x = _spread(lr, np.array([r["game"] for r in runs])) if data["games"] > 1 else lr
    traces = []
    for status, color in data["colors"].items():
        members = [k for k, r in enumerate(runs) if r["status"] == status]
        if not members:
            continue
        tops = [{1: "triangle-up", -1: "triangle-down"}.get(runs[k]["final"][1], "circle") for k in members]
        bottoms = {Status.CONVERGED: "circle", Status.DIVERGED: "x"}.get(status, "circle-open")
        common = {"type": "scatter", "mode": "markers", "x": [float(x[k]) for k in members],
                  "customdata": members, "legendgroup": status}
        traces.append({**common, "y": [runs[k]["final"][0] for k in members], "name": f"{status} ({len(members)})",
                       "marker": {"color": color, "symbol": tops, "size": 9,
                                  "line": {"color": "black", "width": [1 if s != "circle" else 0 for s in tops]}},
                       "text": [f"{runs[k]['name']}: {status}, final loss {runs[k]['final'][2]}" for k in members],
                       "hovertemplate": "%{text}<extra></extra>"})
        traces.append({**common, "y": [runs[k]["at"] for k in members], "yaxis": "y2", "xaxis": "x2",
                       "showlegend": False, "marker": {"color": color, "symbol": bottoms, "size": 8,
                                                       "line": {"color": color, "width": 1.5}},
                       "text": [f"{runs[k]['name']}: {status}, attempt {runs[k]['at']}" for k in members],
                       "hovertemplate": "%{text}<extra></extra>"})
    shapes, notes = _theory_lines(data, lr)
    final_axis = {**_plain(data["axes"]["final"]), "domain": [0.42, 1.0]}
    layout = _base("learning rates compared: click a point to select its run",
                   xaxis={"type": "log", "title": {"text": ""}, "anchor": "y", "gridcolor": "#eeeeee",
                          "fixedrange": True, "showticklabels": False},
                   xaxis2={"type": "log", "title": {"text": "learning rate (log scale)"}, "matches": "x",
                           "anchor": "y2", "gridcolor": "#eeeeee", "fixedrange": True},
                   yaxis=final_axis,
                   yaxis2={"domain": [0.0, 0.34], "range": [0, data["attempts"] * 1.08 + 1], "anchor": "x2",
                           "title": {"text": "attempt: ● converged<br>✕ diverged, ○ ran out"},
                           "gridcolor": "#eeeeee", "fixedrange": True},
                   shapes=_floor(data["floor"]["final"]) + shapes, annotations=notes)
    layout["legend"] = {"orientation": "h", "y": -0.12, "yanchor": "top", "x": 0, "font": {"size": 11}}
    return {"data": traces, "layout": layout}


def _spread(lr: np.ndarray, game: np.ndarray) -> np.ndarray:
    """Random games of one lr a little apart around it, so each point can be clicked."""
    width = max(float(np.log10(lr.max() / lr.min())), 1.0) * 0.012
    offset = np.random.default_rng(0).uniform(-width, width, len(lr))
    return lr * 10.0 ** offset


def _theory_lines(data: dict[str, Any], lr: np.ndarray) -> tuple[list, list]:
    shapes, notes = [], []
    for key, dash, color, name in (("critical", "dash", "#d62728", "critical"), ("best", "dot", "#2a9d3f", "best")):
        value = data[key]
        if not value or not lr.min() <= value <= lr.max():
            continue
        for xref in ("x", "x2"):
            shapes.append({"type": "line", "xref": xref, "yref": "paper", "x0": value, "x1": value, "y0": 0, "y1": 1,
                           "line": {"dash": dash, "color": color, "width": 1.5}})
        notes.append({"x": float(np.log10(value)), "xref": "x", "yref": "paper", "y": 1.0, "yanchor": "bottom",
                      "text": f"theory: {name} lr {value:.4g}", "showarrow": False,
                      "font": {"color": color, "size": 11}, "xanchor": "left" if key == "critical" else "right"})
    return shapes, notes
