"""Figures drawn into a given matplotlib Axes (`ax=`, matplotlib's convention): that Axes' figure comes
back with its size and layout untouched and its other Axes left alone, and the Axes shows what the
figure of its own shows there."""

import numpy as np
import pytest
from matplotlib.figure import Figure

from guessgame import plots, simulate
from guessgame.config import load_config

from helpers.files import CONFIGS
from helpers.reading import Axis, draw

SINGLE = ["loss", "lr", "path"]  # the figures with one Axes of data (lr: its final losses)


@pytest.fixture(scope="module")
def run():
    return plots.as_run(simulate(load_config(CONFIGS / "mse.yaml", ["lr=[0.5, 2.9, 10]", "attempts=60"])))


def ticks(axis):
    """Each tick's place and the label it is given there."""
    return [(t.get_loc(), t.label1.get_text()) for t in axis.get_major_ticks()]


def artists(ax):
    return [*ax.lines, *ax.collections, *ax.patches, *ax.texts]


@pytest.mark.parametrize("name", SINGLE)
def test_a_figure_draws_into_the_axes_it_is_given_and_returns_its_figure(run, name):
    figure = Figure(figsize=(12, 4), dpi=50)
    left, right = figure.subplots(1, 2)
    left.plot([0, 1], [0, 1])
    size, place = figure.get_size_inches().copy(), right.get_position().bounds
    drawn = getattr(plots, f"{name}_figure")(run, ax=right)
    assert drawn is figure
    assert figure.axes == [left, right]  # no Axes added, none taken away
    assert len(artists(left)) == 1  # the neighbour keeps what it had, and only that
    assert artists(right)
    assert np.array_equal(figure.get_size_inches(), size) and right.get_position().bounds == place


@pytest.mark.parametrize("name", SINGLE)
def test_the_axes_given_shows_what_the_figure_of_its_own_shows(run, name):
    make = getattr(plots, f"{name}_figure")
    own = draw(make(run)).axes[0]
    given = draw(make(run, ax=Figure(figsize=(9, 5)).add_subplot())).axes[0]
    assert given.get_title() == own.get_title()
    assert given.get_xlim() == pytest.approx(own.get_xlim()) and given.get_ylim() == pytest.approx(own.get_ylim())
    assert ticks(given.xaxis) == ticks(own.xaxis) and ticks(given.yaxis) == ticks(own.yaxis)
    assert list(Axis(given).values) == list(Axis(own).values)  # the losses read off the same y axis


def test_the_lr_figure_in_one_axes_names_the_lrs_under_it(run):
    ax = draw(plots.lr_figure(run, ax=Figure().add_subplot())).axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0.5", "2.9", "10"]
    assert "attempts run (bottom)" not in [t.get_text() for t in ax.get_legend().get_texts()]


def test_a_figure_with_several_panels_takes_no_axes(run):
    with pytest.raises(TypeError):
        plots.trajectory_figure(run, ax=Figure().add_subplot())
