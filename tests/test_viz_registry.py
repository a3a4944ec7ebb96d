"""The registry of figures: which a run folder holds, and when, read by every place that draws them."""

import pytest

from guessgame import plots, simulate, viz
from guessgame.config import load_config
from guessgame.viz import FIGURES, When, figures_for

from helpers.files import CONFIGS

MSE = CONFIGS / "mse.yaml"
RUNS = {
    "one-lr": (MSE, []),
    "random-games": (CONFIGS / "random_games.yaml", ["games=3", "attempts=20", "lr=[0.5, 1]"]),
    "grid": (MSE, ["lr=[0.5, 2.9]", "attempts=20", "optimizer=[sgd, adam]"]),
    "grid-of-random-games": (CONFIGS / "random_games.yaml", ["games=2", "attempts=20", "lr=1", "loss=[mse, l1]"]),
    "one-element": (MSE, ["answer=3", "lr=[0.5, 1]"]),
}
# (run, re-plotted, the figures its folder holds, in the order they are drawn)
HOLDS = [
    ("one-lr", False, ["loss", "trajectory", "lr", "contour"]),
    ("one-lr", True, ["loss", "trajectory", "lr", "contour", "path"]),
    ("random-games", False, ["loss", "trajectory", "lr", "contour", "score"]),
    ("random-games", True, ["loss", "trajectory", "lr", "contour", "path", "score"]),
    ("grid", False, ["loss", "trajectory", "lr", "contour", "cells"]),
    ("grid-of-random-games", True, ["loss", "trajectory", "lr", "contour", "path", "score", "cells"]),
    ("one-element", False, ["loss", "trajectory", "lr"]),
    ("one-element", True, ["loss", "trajectory", "lr", "path"]),
]


@pytest.mark.parametrize(("run", "replot", "names"), HOLDS, ids=[f"{r}{'-replot' * p}" for r, p, _ in HOLDS])
def test_each_run_holds_the_figures_registered_for_it(run, replot, names):
    source, overrides = RUNS[run]
    data = plots.as_run(simulate(load_config(source, overrides)))
    assert [entry.name for entry in figures_for(data, replot=replot)] == names


def test_a_run_not_yet_read_knows_only_the_figures_every_folder_holds():
    assert [entry.name for entry in figures_for(None)] == ["loss", "trajectory", "lr"]
    assert [entry.name for entry in figures_for(None, replot=True)] == ["loss", "trajectory", "lr", "path"]


def test_one_registry_each_entry_named_as_its_file_and_drawing_its_figure():
    assert plots.FIGURES is viz.FIGURES
    assert all(name == entry.name for name, entry in FIGURES.items())
    assert {entry.draw for entry in FIGURES.values()} == {viz.loss_figure, viz.trajectory_figure, viz.lr_figure,
                                                          viz.contour_figure, viz.path_figure, viz.score_figure,
                                                          viz.cells_figure}
    assert {entry.when for entry in FIGURES.values()} == set(When)


def test_calling_an_entry_draws_its_figure():
    result = simulate(load_config(MSE, ["lr=[0.5, 10]", "attempts=15"]))
    figure = FIGURES["loss"](result)
    assert figure.axes[0].get_title() == viz.loss_figure(result).axes[0].get_title()
