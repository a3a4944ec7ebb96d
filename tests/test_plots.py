"""Every figure renders, without warnings, for the awkward cases, in every format."""

import io
import warnings

import matplotlib
import numpy as np
import pytest

from guessgame import plots, simulate

CASES = {
    "float16-divergence": {"answer": [2, 77, 91], "guess": 50, "loss": "mse", "lr": [1.5, 10], "dtype": "float16"},
    "nan-losses": {"answer": [2, 77, 91], "guess": 50, "loss": "mse", "lr": [1, 1e200], "attempts": 12},
    "l1-exact-zero": {"answer": 2, "guess": 6, "loss": "l1", "lr": [0.25, 0.5, 0.3], "attempts": 30},
    "one-element": {"answer": [3], "guess": 0, "lr": 0.2},
    "matrix-3x5": {"answer": [[i * 5 + j for j in range(5)] for i in range(3)], "loss": "huber", "lr": [0.5, 40]},
    "bad-loss": {"answer": [2, 5, 9], "loss": "bad", "lr": [0.3, 3]},
    "random-games": {"answer": {"random": {"low": -5, "high": 5, "shape": [2]}}, "games": 25, "loss": "l1",
                     "lr": [0.01, 0.5, 3], "attempts": 60},
    "1000-runs": {"answer": [2, 77, 91], "guess": 50, "loss": "mse", "lr": {"logspace": [1e-3, 10, 1000]}, "attempts": 40},
}


@pytest.fixture(scope="module", params=sorted(CASES))
def run(request):
    return plots.as_run(simulate(CASES[request.param]))


@pytest.mark.parametrize("fmt", ["png", "svg", "pdf"])
def test_every_figure_renders_without_warnings(run, fmt):
    for name, make in plots.FIGURES.items():
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            figure = make(run)
            assert isinstance(figure, matplotlib.figure.Figure)
            buffer = io.BytesIO()
            figure.savefig(buffer, format=fmt, dpi=60)
        assert buffer.tell() > 1000, name


def test_diverged_runs_are_marked_not_dropped():
    run = plots.as_run(simulate(CASES["float16-divergence"]))
    ax = plots.loss_figure(run).axes[0]
    labels = [line.get_label() for line in ax.lines]
    assert "diverged here" in labels
    assert any("diverged at" in text.get_text() for text in ax.texts)


def test_many_runs_get_a_colourbar_not_a_legend():
    figure = plots.loss_figure(simulate(CASES["1000-runs"]))
    assert len(figure.axes) == 2  # the plot and its colourbar
    legend = figure.axes[0].get_legend()
    assert legend is None or len(legend.get_texts()) < 5


def test_theory_curve_is_drawn_over_mse_runs():
    run = plots.as_run(simulate({"answer": [2, 77, 91], "guess": 50, "loss": "mse", "lr": [0.5, 2.9]}))
    ax = plots.loss_figure(run).axes[0]
    dashed = [line for line in ax.lines if line.get_linestyle() == "--"]
    assert len(dashed) == 2
    measured = run.loss[:, 1]
    np.testing.assert_allclose(dashed[1].get_ydata(), measured, rtol=1e-9)


def test_lr_plot_marks_theorys_lrs():
    ax = plots.lr_figure(simulate(CASES["1000-runs"])).axes[0]
    labels = " ".join(line.get_label() for line in ax.lines)
    assert "critical lr = 3" in labels and "best lr = 1.5" in labels
