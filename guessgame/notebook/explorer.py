"""The explorer: controls for every knob of a game, re-simulating and redrawing at each change.

The sliders update as they are dragged (`continuous_update`): the front end keeps at most one change in
flight to the kernel and merges the ones that come meanwhile into the latest, so a drag never queues
stale work behind it; a typed budget redraws once it is entered.
"""

from __future__ import annotations

import html
import time
from typing import Any

import ipywidgets as widgets

from guessgame.config import Config, load_config
from guessgame.config.schema import GRID_KEYS
from guessgame.engine import simulate
from guessgame.errors import ConfigError
from guessgame.notebook.figures import Figures
from guessgame.notebook.frame import MOST_ELEMENTS, Frame, frame_of
from guessgame.notebook.knobs import Knobs
from guessgame.rundata import RunData


def one_run(config: Config) -> dict[str, Any]:
    """The config's first run as a dict: its first lr, the first item of each list that makes a grid, one
    game, every attempt kept."""
    d = config.to_dict()
    for key in GRID_KEYS:
        if isinstance(d[key], list):
            d[key] = d[key][0]
    d.update(lr=d["lr"][:1], games=1, log_every=1)
    return d


class Explorer(widgets.VBox):
    """The widget `explore` returns: `knobs.controls` by name, the verdict in `words`, a refused game's
    message in `message`, the figures in `figures`; `result` and `frame` are the game last drawn."""

    def __init__(self, source: Any) -> None:
        config = load_config(source)
        self.knobs = Knobs(one_run(config), config.shape)
        self.figures = Figures(config.numel, min(MOST_ELEMENTS, config.numel))
        self.words, self.message, self.timing = widgets.HTML(), widgets.HTML(), widgets.HTML()
        self.result, self.frame, self.took = None, None, None
        self.columns = [widgets.VBox(layout=widgets.Layout(width="340px", flex="0 0 auto")) for _ in range(3)]
        for control in self.knobs.controls.values():
            control.observe(self._changed, names="value")
        super().__init__([widgets.HBox(self.columns), self.words, self.message, self.figures.figure, self.timing])
        self._arrange()
        self.update()
        self.figures.sync()

    @property
    def shown(self) -> list[widgets.Widget]:
        """The controls on show, column after column."""
        return [control for column in self.columns for control in column.children]

    def _repr_mimebundle_(self, **kwargs):
        self.figures.sync()  # a new view starts from the figure as it is
        return super()._repr_mimebundle_(**kwargs)

    def _changed(self, change: dict) -> None:
        if change["owner"] in (self.knobs.controls["optimizer"], self.knobs.controls["loss"]):
            self._arrange()
        self.update()

    def _arrange(self) -> None:
        for column, controls in zip(self.columns, self.knobs.shown()):
            column.children = controls

    def update(self) -> None:
        """Simulate the game the controls set and redraw; a game that cannot be played is said in
        `message`, the figures keeping the last one that could."""
        start = time.perf_counter()
        try:
            result = simulate(load_config(self.knobs.game()))
            frame = frame_of(RunData.from_result(result))
        except ConfigError as error:
            return self._refused(str(error))
        except Exception as error:  # noqa: BLE001 -- whatever a game of these controls meets is said in the widget
            return self._refused(f"{type(error).__name__}: {error}")
        self.result, self.frame = result, frame
        self.message.value = ""
        self.words.value = _words(frame)  # before the figure: the words are the quicker to arrive
        self.figures.draw(frame)
        self.took = time.perf_counter() - start
        self.timing.value = f"<small>simulated and drawn in {self.took * 1000:.0f} ms</small>"

    def _refused(self, text: str) -> None:
        self.message.value = (f'<div style="color:#b00020"><b>Cannot play this game:</b> {html.escape(text)}<br>'
                              "<small>The figures still show the last game that could be played.</small></div>")


def _words(frame: Frame) -> str:
    color = frame.status.color
    return (f'<div style="font-size:14px"><b style="color:{color}">{html.escape(frame.headline)}</b> — '
            f"{html.escape(frame.verdict)}</div>"
            f'<div style="font-size:12px;color:#555">{html.escape(frame.game)}</div>')
