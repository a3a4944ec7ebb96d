"""Figures of a run. Each takes a `Result` or a `RunData` and returns a matplotlib `Figure`; nothing
here saves or shows (the run folder saves, a notebook shows), except `animate`, which writes the GIF
it is asked for. Those with one Axes (loss, lr, path) also draw into a given one: `ax=`.

`FIGURES` (in `registry`) lists every figure of a run folder and when it is drawn. `axis` is the one
way a value is put on an axis; every figure goes through it. Save at `DPI`: the figures are sized so
that a PNG is at least 1200 px wide there.
"""

from guessgame.viz.animate import animate
from guessgame.viz.cells import cells_figure
from guessgame.viz.landscape import landscape_figure
from guessgame.viz.loss import loss_figure
from guessgame.viz.lrs import lr_figure
from guessgame.viz.path import path_figure
from guessgame.viz.registry import FIGURES, Entry, When, figures_for
from guessgame.viz.score import score_figure
from guessgame.viz.style import DPI, STATUS_COLORS, run_data
from guessgame.viz.trajectory import trajectory_figure

__all__ = ["DPI", "FIGURES", "STATUS_COLORS", "Entry", "When", "animate", "cells_figure", "figures_for",
           "landscape_figure", "loss_figure", "lr_figure", "path_figure", "run_data", "score_figure",
           "trajectory_figure"]
