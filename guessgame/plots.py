"""Figures that explain a run, for the Python API and notebooks: each takes a `Result`, a `RunData` or
the path of a saved run folder and returns a matplotlib `Figure`; loss, lr and path also draw into a
given matplotlib Axes (`ax=`) and return its figure.

    >>> from guessgame.plots import loss_figure
    >>> loss_figure("runs/mse-20260101-120000")  # doctest: +SKIP

The figures themselves live in `guessgame.viz`, and `FIGURES` (the same list) says which of them a run
folder holds; this module only reads a run folder for them. `using` draws them in one of `STYLES`:

    >>> with using("talk"):  # doctest: +SKIP
    ...     loss_figure(result).savefig("loss.png", dpi=DPI)  # 1920 px wide, no text under 14 pt
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, Callable

from matplotlib.figure import Figure

from guessgame import viz
from guessgame.viz import DPI, FIGURES, STATUS_COLORS, STYLES, landscape_figure, using

__all__ = ["DPI", "FIGURES", "STATUS_COLORS", "STYLES", "animate", "as_run", "cells_figure", "contour_figure",
           "landscape_figure", "loss_figure", "lr_figure", "path_figure", "score_figure", "trajectory_figure", "using"]


def as_run(source: Any):
    """The `RunData` of a `Result`, a `RunData`, or a saved run folder (its path), which is read."""
    if isinstance(source, (str, Path)):
        from guessgame.rundir import read_run

        return read_run(source)
    return viz.run_data(source)


def _reading(draw: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(draw)
    def figure(source: Any, *args: Any, **kwargs: Any) -> Figure:
        return draw(as_run(source), *args, **kwargs)

    return figure


loss_figure = _reading(viz.loss_figure)
trajectory_figure = _reading(viz.trajectory_figure)
lr_figure = _reading(viz.lr_figure)
path_figure = _reading(viz.path_figure)
score_figure = _reading(viz.score_figure)
animate = _reading(viz.animate)
cells_figure = _reading(viz.cells_figure)
contour_figure = _reading(viz.contour_figure)
