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
        with self.loss.batch_update():
            loss.x, loss.y = frame.attempt, np.where(exact & frame.log, np.nan, frame.loss)
            loss.line.color = Status(frame.status).color
            loss.name = f"loss: {frame.status}"
            self._theory(frame)
            seen.x, seen.y, seen.visible = frame.attempt, frame.seen if frame.seen is not None else [], \
                frame.seen is not None
            zero.x = frame.attempt[exact] if frame.log else []
            zero.y = np.full(int(exact.sum()), bottom) if frame.log else []
            zero.visible = bool(frame.log and exact.any())
            self.loss.layout.yaxis.type = "log" if frame.log else "linear"
            self.loss.layout.yaxis.title.text = "true loss" if frame.seen is not None else "loss"

    def _theory(self, frame: Frame) -> None:
        curve = self.loss.data[1]
        curve.visible = frame.theory is not None
        if frame.theory is not None:
            finite = np.where(np.isfinite(frame.theory), frame.theory, np.nan)
            curve.x, curve.y = frame.attempt, np.where(frame.log & (finite <= 0), np.nan, finite)
            curve.name = "theory: expected true loss" if frame.seen is not None else "theory"

    def _guesses(self, frame: Frame) -> None:
        with self.guess.batch_update():
            for i, name in enumerate(frame.names):
                line, answer, hint = self.guess.data[3 * i: 3 * i + 3]
                line.x, line.y, line.name = frame.attempt, frame.guess[:, i], name
                answer.x, answer.y = frame.attempt[[0, -1]], [frame.answer[i]] * 2
                hint.visible = frame.hint is not None
                hint.x, hint.y = (frame.attempt, frame.hint[:, i]) if frame.hint is not None else ([], [])

    def _plane(self, frame: Frame) -> None:
        c = frame.contour
        contour, path, start, answer = self.plane.data
        with self.plane.batch_update():
            contour.x, contour.y, contour.z = c.xs, c.ys, c.z
            contour.colorbar.title.text = "log10 loss" if c.log else "loss"
            path.x, path.y = c.x, c.y
            start.x, start.y = c.x[:1], c.y[:1]
            answer.x, answer.y = [c.answer[0]], [c.answer[1]]
            self.plane.layout.xaxis.title.text = c.labels[0].replace("\n", "<br>")
            self.plane.layout.yaxis.title.text = c.labels[1].replace("\n", "<br>")
            self.plane.layout.xaxis.range = [c.xs[0], c.xs[-1]]
            self.plane.layout.yaxis.range = [c.ys[0], c.ys[-1]]
