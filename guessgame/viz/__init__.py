"""Figures of a run. Each takes a `Result` or a `RunData` and returns a matplotlib `Figure`; nothing
here saves or shows (the run folder saves, a notebook shows), except `animate`, which writes the GIF
it is asked for.

`axis` is the one way a value is put on an axis; every figure goes through it. Save at `DPI`: the
figures are sized so that a PNG is at least 1200 px wide there.
"""

from guessgame.viz.animate import animate
from guessgame.viz.cells import cells_figure
from guessgame.viz.landscape import landscape_figure
from guessgame.viz.loss import loss_figure
from guessgame.viz.lrs import lr_figure
from guessgame.viz.path import path_figure
from guessgame.viz.score import score_figure
from guessgame.viz.style import DPI, STATUS_COLORS, as_run
from guessgame.viz.trajectory import trajectory_figure

FIGURES = {"loss": loss_figure, "trajectory": trajectory_figure, "lr": lr_figure, "path": path_figure,
           "score": score_figure, "cells": cells_figure}

__all__ = ["DPI", "FIGURES", "STATUS_COLORS", "animate", "as_run", "cells_figure", "landscape_figure", "loss_figure", "lr_figure",
           "path_figure", "score_figure", "trajectory_figure"]
