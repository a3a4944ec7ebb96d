"""Every figure of a run folder, one entry each: the name of its file in `plots/`, the function that
draws it and when it is drawn. Adding a figure is adding its entry to `FIGURES`: a run's folder (in
the run's own process or the drawing process), `guessgame plot` and `guessgame.plots` all read it.

    Entry("loss", loss_figure, When.EVERY_RUN)   # plots/loss.png after every run

The GIF of the guesses is not here: it is written only when asked for (`guessgame plot --animate`).
Every figure is drawn in the look `style.using` sets (`--style`): none chooses its own.
"""

from __future__ import annotations

from enum import Enum
from typing import Callable, NamedTuple

from matplotlib.figure import Figure

from guessgame.rundata import RunData
from guessgame.viz.cells import cells_figure
from guessgame.viz.contour import contour_figure
from guessgame.viz.loss import loss_figure
from guessgame.viz.lrs import lr_figure
from guessgame.viz.path import path_figure
from guessgame.viz.score import score_figure
from guessgame.viz.trajectory import trajectory_figure


class When(Enum):
    """When a figure is drawn into a run folder."""

    EVERY_RUN = "every run"
    TWO_OR_MORE = "with an answer of 2 or more elements"  # a plane of guesses to draw contours on
    RANDOM_GAMES = "with random games"  # games > 1: the score
    GRID = "with a grid"  # a grid's cells side by side
    REPLOT = "on re-plot"  # only by `guessgame plot`: too slow to draw after every run

    def holds(self, run: RunData | None, replot: bool) -> bool:
        """Whether a figure drawn `self` belongs in the folder of `run` (None: a run not yet read,
        of which only the figures that do not depend on it are known)."""
        if self is When.REPLOT:
            return replot
        if self is When.EVERY_RUN:
            return True
        if run is None:
            return False
        if self is When.TWO_OR_MORE:
            return run.config.numel >= 2
        return run.games > 1 if self is When.RANDOM_GAMES else bool(run.config.grid)


class Entry(NamedTuple):
    """A figure: calling its entry draws it (`FIGURES["loss"](result)`), as calling its function does."""

    name: str  # its file: plots/<name>.<format>
    draw: Callable[..., Figure]  # a `Result` or a `RunData` -> a matplotlib Figure
    when: When

    def __call__(self, source, *args, **kwargs) -> Figure:
        return self.draw(source, *args, **kwargs)


# In the order they are drawn (and named when they fail).
FIGURES: dict[str, Entry] = {entry.name: entry for entry in (
    Entry("loss", loss_figure, When.EVERY_RUN),
    Entry("trajectory", trajectory_figure, When.EVERY_RUN),
    Entry("lr", lr_figure, When.EVERY_RUN),
    Entry("contour", contour_figure, When.TWO_OR_MORE),
    Entry("path", path_figure, When.REPLOT),
    Entry("score", score_figure, When.RANDOM_GAMES),
    Entry("cells", cells_figure, When.GRID),
)}


def figures_for(run: RunData | None, *, replot: bool = False) -> list[Entry]:
    """The figures a folder of `run` holds, in order: after the run, or (`replot`) from `guessgame plot`."""
    return [entry for entry in FIGURES.values() if entry.when.holds(run, replot)]
