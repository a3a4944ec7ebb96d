"""The explorer's three live figures (plotly `FigureWidget`s): the loss per attempt with theory's curve,
the guesses per attempt with the answer, and the path over the loss's contours. Each redraw replaces the
traces' data in one batch, so the page redraws once per change."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from guessgame.notebook.frame import Frame
from guessgame.status import Status

SIZE = {"width": 430, "height": 330, "margin": {"l": 55, "r": 10, "t": 40, "b": 45}}
COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f")
THEORY = "#444"


def _figure(title: str, x: str, y: str) -> go.FigureWidget:
    return go.FigureWidget(layout={"title": {"text": title, "font": {"size": 14}}, **SIZE, "template": "plotly_white",
                                   "xaxis": {"title": x}, "yaxis": {"title": y, "exponentformat": "power"},
                                   "legend": {"font": {"size": 10}, "bgcolor": "rgba(255,255,255,0.7)"}})


class Figures:
    """The figures of a game whose answer has `elements` elements: `loss`, `guess` and (2 or more) `plane`."""

    def __init__(self, elements: int, shown: int) -> None:
        self._sent: dict[tuple[int, str], object] = {}  # what each trace was last given, by id and property
        self.loss = _figure("loss per attempt", "attempt", "loss")
        self.loss.add_scatter(name="loss", mode="lines")
        self.loss.add_scatter(name="theory", mode="lines", line={"dash": "dash", "color": THEORY, "width": 1.5})
        self.loss.add_scatter(name="loss seen (noisy)", mode="lines", line={"width": 0.8}, opacity=0.35)
        self.loss.add_scatter(name="exactly 0 (drawn at the bottom)", mode="markers",
                              marker={"symbol": "triangle-down", "size": 6, "color": THEORY})
        self.guess = _figure("guesses per attempt", "attempt", "guess")
        for i in range(shown):
            color = COLORS[i % len(COLORS)]
            self.guess.add_scatter(mode="lines", line={"color": color})
            self.guess.add_scatter(mode="lines", line={"color": color, "dash": "dash", "width": 1}, showlegend=False)
            self.guess.add_scatter(mode="markers", marker={"color": color, "size": 3, "symbol": "x"}, opacity=0.4,
                                   showlegend=False)
        self.plane = None
        if elements >= 2:
            self.plane = _figure("path over the loss's contours", "", "")
            self.plane.add_contour(colorscale="Viridis", reversescale=True, ncontours=18, opacity=0.75,
                                   contours={"coloring": "heatmap"}, colorbar={"thickness": 10})
            self.plane.add_scatter(name="path", mode="lines+markers", line={"color": "white", "width": 1.2},
                                   marker={"size": 3, "color": "white"})
            self.plane.add_scatter(name="first guess", mode="markers", marker={"size": 9, "color": "white",
                                                                                "line": {"width": 1}})
            self.plane.add_scatter(name="answer", mode="markers", marker={"symbol": "star", "size": 13,
                                                                          "color": "#d62728"})
            self.plane.update_layout(showlegend=False)

    def _put(self, trace, **values) -> None:
        """Give a trace these values, leaving alone those it has already: plotly checks every value it is
        given, which costs more than the comparison (the attempts, the answer rarely change)."""
        for key, value in values.items():
            before = self._sent.get((id(trace), key), _NOTHING)
            if before is not _NOTHING and _same(before, value):
                continue
            trace[key] = value
            self._sent[(id(trace), key)] = value

    @property
    def all(self) -> list[go.FigureWidget]:
        return [self.loss, self.guess] + ([self.plane] if self.plane is not None else [])

    def draw(self, frame: Frame) -> None:
        """Every figure redrawn for `frame`."""
        self._loss(frame)
        self._guesses(frame)
        if self.plane is not None and frame.contour is not None:
            self._plane(frame)

    def _loss(self, frame: Frame) -> None:
        loss, seen, zero = self.loss.data[0], self.loss.data[2], self.loss.data[3]
        exact = frame.loss == 0
        positive = frame.loss[np.isfinite(frame.loss) & (frame.loss > 0)]
        bottom = positive.min() / 10 if frame.log and exact.any() and positive.size else 1e-300
        shown = frame.log and bool(exact.any())
        with self.loss.batch_update():
            self._put(loss, x=frame.attempt, y=np.where(exact & frame.log, np.nan, frame.loss),
                      name=f"loss: {frame.status}")
            loss.line.color = Status(frame.status).color
            self._theory(frame)
            self._put(seen, visible=frame.seen is not None,
                      **({"x": frame.attempt, "y": frame.seen} if frame.seen is not None else {}))
            self._put(zero, visible=shown, **({"x": frame.attempt[exact], "y": np.full(int(exact.sum()), bottom)}
                                              if shown else {}))
            self.loss.layout.yaxis.type = "log" if frame.log else "linear"
            self.loss.layout.yaxis.title.text = "true loss" if frame.seen is not None else "loss"

    def _theory(self, frame: Frame) -> None:
        curve = self.loss.data[1]
        self._put(curve, visible=frame.theory is not None)
        if frame.theory is not None:
            finite = np.where(np.isfinite(frame.theory), frame.theory, np.nan)
            self._put(curve, x=frame.attempt, y=np.where(frame.log & (finite <= 0), np.nan, finite),
                      name="theory: expected true loss" if frame.seen is not None else "theory")

    def _guesses(self, frame: Frame) -> None:
        with self.guess.batch_update():
            for i, name in enumerate(frame.names):
                line, answer, hint = self.guess.data[3 * i: 3 * i + 3]
                self._put(line, x=frame.attempt, y=frame.guess[:, i], name=name)
                self._put(answer, x=frame.attempt[[0, -1]], y=np.array([frame.answer[i]] * 2))
                self._put(hint, visible=frame.hint is not None,
                          **({"x": frame.attempt, "y": frame.hint[:, i]} if frame.hint is not None else {}))

    def _plane(self, frame: Frame) -> None:
        c = frame.contour
        contour, path, start, answer = self.plane.data
        with self.plane.batch_update():
            self._put(contour, x=c.xs, y=c.ys, z=c.z)
            contour.colorbar.title.text = "log10 loss" if c.log else "loss"
            self._put(path, x=c.x, y=c.y)
            self._put(start, x=c.x[:1], y=c.y[:1])
            self._put(answer, x=np.array(c.answer[:1]), y=np.array(c.answer[1:]))
            self.plane.layout.xaxis.title.text = c.labels[0].replace("\n", "<br>")
            self.plane.layout.yaxis.title.text = c.labels[1].replace("\n", "<br>")
            self.plane.layout.xaxis.range = [c.xs[0], c.xs[-1]]
            self.plane.layout.yaxis.range = [c.ys[0], c.ys[-1]]


_NOTHING = object()


def _same(a, b) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.shape == b.shape and \
            a.dtype == b.dtype and np.array_equal(a, b, equal_nan=a.dtype.kind == "f")
    return a == b
