"""Figures that explain a run. Each takes a `Result`, a `RunData` or a run folder and returns a
matplotlib `Figure`; nothing here saves or shows (the CLI saves, a notebook shows), except
`animate`, which writes the GIF it is asked for.

Save them at `DPI` (figures are sized so that a PNG is at least 1200 px wide there).
"""

from __future__ import annotations

from guessgame.viz.animate import animate
from guessgame.viz.landscape import landscape_figure
from guessgame.viz.loss import loss_figure
from guessgame.viz.lrs import lr_figure
from guessgame.viz.path import path_figure
from guessgame.viz.score import score_figure
from guessgame.viz.style import DPI, STATUS_COLORS, as_run
from guessgame.viz.trajectory import trajectory_figure

__all__ = ["DPI", "FIGURES", "STATUS_COLORS", "animate", "as_run", "landscape_figure", "loss_figure", "lr_figure",
           "path_figure", "score_figure", "trajectory_figure"]

FIGURES = {"loss": loss_figure, "trajectory": trajectory_figure, "lr": lr_figure, "path": path_figure,
           "score": score_figure}
