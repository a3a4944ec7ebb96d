"""The explorer's live figure: one plotly `FigureWidget` of three panels -- the loss per attempt with
theory's curve, the guesses per attempt with the answer, and (for 2 or more elements) the path over the
loss's contours. One figure, so the page loads plotly.js once and redraws every panel from one message."""

from __future__ import annotations

import copy

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from guessgame.notebook.frame import Frame
from guessgame.status import Status

PANEL = 340  # px across each panel
COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22")
THEORY = "#444"
FEW = 200  # attempts up to which each loss is marked too: a finite loss between overflows still shows
FAR = 1e4  # a path's point more than this many views away is not drawn (a browser cannot place it)


class Figures:
    """The figure (`figure`) and its traces by panel: `loss` (the loss, theory, the loss seen with noise, the
    exact zeros), `guess` (per element: its guesses, the answer, the hints) and `plane` (the contours, the path,
    the first guess, the answer; None for one element)."""

    def __init__(self, elements: int, shown: int) -> None:
        self._sent: dict[tuple[int, str], object] = {}  # what each trace was last given, by id and property
        titles = ["loss per attempt", "guesses per attempt"] + ["path over the loss's contours"] * (elements >= 2)
        figure = make_subplots(rows=1, cols=len(titles), subplot_titles=titles, horizontal_spacing=0.09)
        self.figure = go.FigureWidget(figure)
        self.figure.update_layout(width=PANEL * len(titles) + 60, height=390, template="plotly_white",
                                  margin={"l": 50, "r": 20, "t": 40, "b": 45}, font={"size": 11},
                                  modebar={"orientation": "v"},  # beside the panels, off their titles
                                  legend=_legend(self.figure.layout.xaxis.domain),
                                  legend2=_legend(self.figure.layout.xaxis2.domain))
        self.figure.update_xaxes(title_text="attempt", row=1, col=1)
        self.figure.update_xaxes(title_text="attempt", row=1, col=2)
        self.figure.update_yaxes(exponentformat="power", row=1, col=1)
        self.loss = self._panel(_loss_traces())
        self.guess = self._panel([trace for i in range(shown) for trace in _guess_traces(i)], col=2)
        self.plane = self._panel(_plane_traces(), col=3) if elements >= 2 else None

    def _panel(self, traces: list, col: int = 1) -> tuple:
        """Add `traces` to the panel in column `col`; the figure's own trace objects, which it updates."""
        first = len(self.figure.data)
        self.figure.add_traces(traces, rows=1, cols=col)
        return self.figure.data[first:]

    def draw(self, frame: Frame) -> None:
        """Every panel redrawn for `frame`, in one message."""
        with self.figure.batch_update():
            self._loss(frame)
            self._guesses(frame)
            if self.plane is not None and frame.contour is not None:
                self._plane(frame)

    def sync(self) -> None:
        """The whole figure as it is now, sent as the state a new view starts from: plotly's front end keeps
        the updates sent before a view exists with placeholders for what they left alone, and a view drawn
        from those would lose the traces' names and colours."""
        self.figure._widget_data = copy.deepcopy(self.figure._data)
        self.figure._widget_layout = copy.deepcopy(self.figure._layout_obj._props)

    def _put(self, trace, **values) -> None:
        """Give a trace these values, leaving alone those it has already: plotly checks every value it is
        given, which costs more than the comparison (the attempts, the answer rarely change)."""
        for key, value in values.items():
            before = self._sent.get((id(trace), key), _NOTHING)
            if before is not _NOTHING and _same(before, value):
                continue
            trace[key] = value
            self._sent[(id(trace), key)] = value

    def _loss(self, frame: Frame) -> None:
        loss, curve, seen, zero, lost = self.loss
        exact, gone = frame.loss == 0, ~np.isfinite(frame.loss)
        span = _span(frame) if frame.log else None
        finite = frame.loss[~gone]
        low, high = (finite.min(), finite.max()) if finite.size else (0.0, 1.0)
        bottom, top = (10 ** (span[0] + 0.1), 10 ** (span[1] - 0.2)) if span else (low, high + 0.1 * (high - low or 1))
        self._put(loss, x=frame.attempt, y=np.where((exact & frame.log) | gone, np.nan, frame.loss),
                  name=f"loss: {frame.headline}", line={"color": frame.status.color},
                  mode="lines+markers" if len(frame.attempt) <= FEW else "lines")  # a point alone shows
        self._put(curve, visible=frame.theory is not None)
        if frame.theory is not None:
            finite = np.where(np.isfinite(frame.theory), frame.theory, np.nan)
            self._put(curve, x=frame.attempt, y=np.where(frame.log & (finite <= 0), np.nan, finite),
                      name="theory: expected true loss" if frame.seen is not None else "theory")
        self._put(seen, visible=frame.seen is not None,
                  **({"x": frame.attempt, "y": frame.seen} if frame.seen is not None else {}))
        shown = frame.log and bool(exact.any())
        self._put(zero, visible=shown, **({"x": frame.attempt, "y": np.where(exact, bottom, np.nan)} if shown else {}))
        self._put(lost, visible=bool(gone.any()), x=frame.attempt[gone], y=np.full(int(gone.sum()), top))
        self.figure.layout.yaxis.type = "log" if frame.log else "linear"
        self.figure.layout.yaxis.range = span
        ends = [int(frame.attempt[0]), int(frame.attempt[-1])] if frame.attempt.size else None
        self.figure.layout.xaxis.range = self.figure.layout.xaxis2.range = ends  # no room made for the marks
        self.figure.layout.yaxis.title.text = "true loss" if frame.seen is not None else "loss"

    def _guesses(self, frame: Frame) -> None:
        for i, name in enumerate(frame.names):
            line, answer, hint = self.guess[3 * i: 3 * i + 3]
            self._put(line, x=frame.attempt, y=frame.guess[:, i], name=name)
            self._put(answer, x=frame.attempt[[0, -1]], y=np.array([frame.answer[i]] * 2))
            self._put(hint, visible=frame.hint is not None, showlegend=frame.hint is not None and i == 0,
                      **({"x": frame.attempt, "y": frame.hint[:, i]} if frame.hint is not None else {}))

    def _plane(self, frame: Frame) -> None:
        c = frame.contour
        contour, path, start, answer = self.plane
        span = max(c.xs[-1] - c.xs[0], c.ys[-1] - c.ys[0])
        with np.errstate(invalid="ignore"):
            far = ~((abs(c.x - c.answer[0]) <= FAR * span) & (abs(c.y - c.answer[1]) <= FAR * span))
        self._put(contour, x=c.xs, y=c.ys, z=c.z, colorbar={"title": {"text": "log10 loss" if c.log else "loss"}})
        self._put(path, x=np.where(far, np.nan, c.x), y=np.where(far, np.nan, c.y))
        self._put(start, x=c.x[:1], y=c.y[:1])
        self._put(answer, x=np.array(c.answer[:1]), y=np.array(c.answer[1:]))
        self.figure.layout.xaxis3.title.text = c.labels[0].replace("\n", "<br>")
        self.figure.layout.yaxis3.title.text = c.labels[1].replace("\n", "<br>")
        self.figure.layout.xaxis3.range = [c.xs[0], c.xs[-1]]
        self.figure.layout.yaxis3.range = [c.ys[0], c.ys[-1]]


_NOTHING = object()


def _loss_traces() -> list:
    """The loss, theory's, the loss seen (noise), exact zeros at the bottom, inf and nan at the top."""
    return [go.Scatter(name="loss", mode="lines", marker={"size": 3}),
            go.Scatter(name="theory", mode="lines", line={"dash": "dash", "color": THEORY, "width": 1.5}),
            go.Scatter(name="loss seen (noisy)", mode="lines", line={"width": 0.8, "color": "#e377c2"}, opacity=0.5),
            go.Scatter(name="exactly 0 (drawn at the bottom)", mode="lines",
                       line={"dash": "dot", "color": THEORY, "width": 3}),
            go.Scatter(name="inf or nan (drawn at the top)", mode="markers", cliponaxis=False,
                       marker={"symbol": "triangle-up", "size": 7, "color": Status.DIVERGED.color})]


def _guess_traces(i: int) -> list:
    """Element i's guesses, its answer dashed, its hints (noise), in its colour."""
    color = COLORS[i % len(COLORS)]
    return [go.Scatter(mode="lines", line={"color": color}, legend="legend2"),
            go.Scatter(name="answer", mode="lines", line={"color": color, "dash": "dash", "width": 1},
                       legend="legend2", showlegend=i == 0),
            go.Scatter(name="hints (mean of the batch)", mode="markers", opacity=0.4, legend="legend2",
                       marker={"color": color, "size": 3, "symbol": "x"}, showlegend=False)]


def _plane_traces() -> list:
    """The loss's contours, the path, the first guess, the answer."""
    return [go.Contour(colorscale="Viridis", reversescale=True, ncontours=18, opacity=0.8, showlegend=False,
                       contours={"coloring": "heatmap"}, colorbar={"thickness": 10, "len": 0.9}),
            go.Scatter(mode="lines+markers", line={"color": "white", "width": 1.2}, showlegend=False,
                       marker={"size": 3, "color": "white"}),
            go.Scatter(mode="markers", marker={"size": 9, "color": "white", "line": {"width": 1}}, showlegend=False),
            go.Scatter(mode="markers", marker={"symbol": "star", "size": 13, "color": "#d62728"}, showlegend=False)]


def _span(frame: Frame) -> list[float] | None:
    """The log loss axis's range (powers of 10): the losses played, and a decade more each way where the marks
    of exact zeros and of overflow sit; theory's curve past it is cut at the edge."""
    played = np.concatenate([frame.loss, frame.seen if frame.seen is not None else []])
    played = played[np.isfinite(played) & (played > 0)]
    if not played.size:
        played = np.array([1.0])
    return [float(np.log10(played.min())) - 1.3, min(float(np.log10(played.max())) + 1.3, 308.0)]


def _legend(domain) -> dict:
    """A legend in the top right corner of the panel across `domain` (its x extent)."""
    return {"x": domain[1], "xanchor": "right", "y": 1.0, "yanchor": "top", "bgcolor": "rgba(255,255,255,0.55)",
            "font": {"size": 10}}


def _same(a, b) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.shape == b.shape and \
            a.dtype == b.dtype and np.array_equal(a, b, equal_nan=a.dtype.kind == "f")
    return a == b
