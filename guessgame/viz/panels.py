"""The panels of a figure over a plane: a grid of a few cells gets one per cell, so each cell's paths are seen
apart; more cells, one per loss (each loss has its own contours)."""

from __future__ import annotations

import numpy as np

from guessgame.config.schema import item_label
from guessgame.rundata import RunData

MOST_PANELS = 6  # a grid of at most this many cells gets a panel per cell


def panels(run: RunData) -> list[tuple[tuple[str, dict], np.ndarray, str]]:
    """The figure's panels, each (its loss, which runs, its title): a grid of a few cells one per cell, so each
    optimizer's path is seen apart; else one per loss."""
    if run.config.grid and run.config.cell_count <= MOST_PANELS:
        labels = run.config.cell_labels()
        return [((cell.loss, cell.loss_options), run.cells == k, labels[k]) for k, cell in enumerate(run.config.cells)]
    groups = losses(run)
    return [(loss, members, item_label("loss", *loss)) for loss, members in groups]


def losses(run: RunData) -> list[tuple[tuple[str, dict], np.ndarray]]:
    """Each loss the runs play, (name, options), and which runs play it: one, or a grid's several."""
    groups: dict[tuple, list[int]] = {}
    for k, cell in enumerate(run.config.cells if run.config.grid else [run.config]):
        groups.setdefault((cell.loss, tuple(sorted(cell.loss_options.items()))), []).append(k)
    return [((name, dict(options)), np.isin(run.cells, cells)) for (name, options), cells in groups.items()]
