"""Figures of a run. Each takes a `Result` or a `RunData` and returns a matplotlib `Figure`; nothing
here saves or shows (the run folder saves, a notebook shows), except `animate`, which writes the GIF
it is asked for. Those with one Axes (loss, lr, path) also draw into a given one: `ax=`.

`FIGURES` (in `registry`) lists every figure of a run folder and when it is drawn. `axis` is the one
way a value is put on an axis; every figure goes through it. Save at `DPI`: the figures are sized so
that a PNG is at least 1200 px wide there. `STYLES` are the looks they are drawn in, `using` draws in
one (`talk`: for a projector).

Each name loads its module on first use, so that the command line reads `STYLES` without loading
matplotlib.
"""

from __future__ import annotations

import importlib
from typing import Any

_HOMES = {"animate": "animate", "cells_figure": "cells", "contour_figure": "contour", "landscape_figure": "landscape",
          "loss_figure": "loss", "lr_figure": "lrs", "path_figure": "path", "score_figure": "score",
          "trajectory_figure": "trajectory",
          **dict.fromkeys(("FIGURES", "Entry", "When", "figures_for"), "registry"),
          **dict.fromkeys(("DPI", "STATUS_COLORS", "STYLES", "run_data", "using"), "style")}
__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'guessgame.viz' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"guessgame.viz.{_HOMES[name]}"), name)
    globals()[name] = value  # `animate` too: the function, not its module of the same name
    return value
