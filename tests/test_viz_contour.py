"""The contour figure: the real loss over a plane through the answer, each run's path on it.

The loss over the plane is checked against torch's own `F.<loss>` with the weights and the rotation
written out here; the projection against numpy; the figure is read back from its tick labels
(tests/reading.py), never through the figure code's own mapping.
"""

import io
import time
import tracemalloc
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from matplotlib.collections import PathCollection
from PIL import Image
from typer.testing import CliRunner

from guessgame import plots, ravine, simulate
from guessgame.cli import app
from guessgame.config import load_config
from guessgame.viz import When, animate, contour_figure, figures_for, path_figure
from guessgame.viz.plane import loss_on, plane, project

from helpers.files import CONFIGS
from helpers.reading import Axis, draw

GAMES = {
    "two-weighted": {"answer": [3, 4], "weights": [1, 100]},
    "two-turned-30": {"answer": [3, -4], "weights": [1, 100], "rotation": 30},
    "five-random-basis": {"answer": [1, 2, 3, 4, 5], "weights": [1, 3, 10, 30, 100], "rotation": {"seed": 0}},
    "three-weighted": {"answer": [2, 5, 9], "weights": [3, 10, 1]},
    "matrix-weighted": {"answer": [[1, 2], [3, 4]], "weights": [[1, 5], [2, 7]]},
    "three-plain": {"answer": [2, 5, 9]},
}
LOSSES = [("mse", {}), ("l1", {}), ("huber", {"delta": 0.7}), ("smooth_l1", {"beta": 2.0}), ("bad", {})]
TORCH = {"mse": F.mse_loss, "l1": F.l1_loss, "huber": F.huber_loss, "smooth_l1": F.smooth_l1_loss}


def torch_loss(name, options, guess, answer, weights, turn, reduction):
    """The game's loss as a PyTorch user writes it: reduction(weights * F.<loss>(R (guess - answer), 0))."""
    error = torch.as_tensor(guess - answer, dtype=torch.float64).reshape(-1)
    if turn is not None:
        error = error @ turn.T
    each = error if name == "bad" else TORCH[name](error, torch.zeros_like(error), reduction="none", **options)
    total = torch.as_tensor(weights, dtype=torch.float64).reshape(-1) * each
    return float(total.mean() if reduction == "mean" else total.sum())


def on_plane(config, answer, x, y):
    """The guess at plane coordinates (x, y), from the weights and rotation alone: two elements are the plane
    itself; unrotated, the stiffest element (the first of the largest weight) and the flattest (the last of
    the smallest) carry x and y, the rest at the answer; rotated, R's rows of those weights, from the answer."""
    w = np.ravel(np.broadcast_to(config.weights, config.shape)).astype(float)
    stiff, flat = int(np.argmax(w)), len(w) - 1 - int(np.argmin(w[::-1]))
    if answer.size == 2:
        return np.array([x, y]), None
    if config.rotation is None:
        guess = answer.copy()
        guess[stiff], guess[flat] = x, y
        return guess, (stiff, flat)
    rows = ravine.rotation(config).numpy()
    return answer + x * rows[stiff] + y * rows[flat], None


@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize(("loss", "options"), LOSSES, ids=[name for name, _ in LOSSES])
@pytest.mark.parametrize("game", sorted(GAMES))
def test_the_plane_holds_the_loss_torch_computes_there(game, loss, options, reduction):
    config = load_config({**GAMES[game], "guess": 0, "loss": {"name": loss, **options}, "reduction": reduction})
    answer = np.ravel(np.asarray(GAMES[game]["answer"], dtype=float))
    p = plane(config, answer[None])
    rng = np.random.default_rng(7)
    xs, ys = rng.uniform(-20, 20, 9), rng.uniform(-20, 20, 7)
    if config.rotation is None or answer.size == 2:  # coordinates of the guess itself
        index = on_plane(config, answer, 0.0, 0.0)[1] or (0, 1)
        xs, ys = xs + answer[index[0]], ys + answer[index[1]]
    got = loss_on(p, config, xs, ys)
    turn = ravine.rotation(config)
    for j, y in enumerate(ys):
        for i, x in enumerate(xs):
            guess, _ = on_plane(config, answer, x, y)
            want = torch_loss(loss, options, guess, answer, config.weights, turn, reduction)
            assert got[j, i] == pytest.approx(want, rel=1e-12, abs=1e-12), (x, y)


def test_the_axes_name_the_stiffest_and_the_flattest_element():
    config = load_config({"answer": [[1, 2, 3], [4, 5, 6]], "weights": [[3, 1, 9], [9, 2, 1]], "guess": 0})
    p = plane(config, np.arange(1.0, 7.0)[None])
    assert p.labels == ("guess[0,2]  (weight 9)", "guess[1,2]  (weight 1)")
    assert p.rest == "the other 4 elements at the answer"
    assert list(p.origin) == [3.0, 6.0]


@pytest.mark.parametrize("game", ["two-turned-30", "five-random-basis", "three-weighted"])
def test_the_projection_is_numpys_and_random_answers_share_the_plane_in_errors(game):
    config = load_config({**GAMES[game], "guess": 0})
    n = config.numel
    rng = np.random.default_rng(3)
    answers = rng.uniform(-5, 5, (4, n))
    guess = rng.normal(0, 30, (6, 4, n))
    guess[2, 1, 0], guess[3, 2, -1], guess[4, 3, :] = np.inf, np.nan, -np.inf
    p = plane(config, answers)
    x, y = project(p, guess, answers)
    error = guess - answers[None]
    w = np.ravel(np.broadcast_to(config.weights, config.shape)).astype(float)
    stiff, flat = int(np.argmax(w)), n - 1 - int(np.argmin(w[::-1]))
    if n == 2:
        want = error[..., 0], error[..., 1]
    elif config.rotation is None:
        want = error[..., stiff], error[..., flat]
    else:
        rows = ravine.rotation(config).numpy()
        with np.errstate(invalid="ignore"):
            want = error @ rows[stiff], error @ rows[flat]
    rounding = 0 if config.rotation is None else 1e-13  # a sum of products: BLAS may add it in another order
    np.testing.assert_allclose(x, want[0], rtol=rounding, atol=rounding)
    np.testing.assert_allclose(y, want[1], rtol=rounding, atol=rounding)
    assert list(p.origin) == [0.0, 0.0]


R2 = {"answer": [3, 4], "guess": 0, "weights": [1, 100]}
HARD = {  # critical lr of the weighted mse: 1 / weight_max = 0.01 ... 0.02 (mean over 2 elements: lr < 2/100)
    "weights-1-100": (R2, ["lr=[0.001, 0.01, 0.0199, 0.0201, 0.05]", "attempts=150"]),
    "turned-45": ({**R2, "rotation": 45}, ["lr=[0.001, 0.01, 0.0199, 0.0201, 0.05]", "attempts=150"]),
    "five-random-basis": ({**GAMES["five-random-basis"], "guess": 0}, ["lr=[0.001, 0.049, 0.051, 0.2]",
                                                                        "attempts=300"]),
    "float16": (CONFIGS / "float16.yaml", []),
    "lands-exactly": (CONFIGS / "mse.yaml", ["lr=[1.5, 10]"]),
    "overflow-to-inf-and-nan": (CONFIGS / "mse.yaml", ["lr=[1e150, 1.5]", "attempts=8"]),
    "l1": (CONFIGS / "l1.yaml", []),
    "huber-turned": ({**R2, "rotation": 30, "loss": {"name": "huber", "delta": 1}}, ["lr=[0.005, 0.05]"]),
    "bad": ({**R2, "loss": "bad"}, ["lr=[0.5, 2]"]),
    "random-games": (CONFIGS / "random_games.yaml", ["games=20"]),
    "grid-of-losses": ({**R2, "loss": ["mse", "l1"]}, ["lr=[0.005, 0.03]"]),
    "stop-early-log-every": (CONFIGS / "mse.yaml", ["lr={linspace: [0.2, 4, 12]}", "attempts=300",
                                                    "stop_early=true", "log_every=7"]),
}


@pytest.fixture(scope="module", params=sorted(HARD))
def hard(request):
    source, overrides = HARD[request.param]
    return request.param, plots.as_run(simulate(load_config(source, overrides)))


def drawn(run):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return draw(contour_figure(run))


def coordinates(run):
    """Each logged guess's (x, y) on the plane, from the data: as `on_plane` chooses the two elements."""
    n = run.guess.shape[2]
    w = np.ravel(np.broadcast_to(run.config.weights, run.config.shape)).astype(float)
    stiff, flat = (0, 1) if n == 2 else (int(np.argmax(w)), n - 1 - int(np.argmin(w[::-1])))
    shared = (run.answer == run.answer[:1]).all()
    if run.config.rotation is not None and n > 2:
        rows = ravine.rotation(run.config).numpy()
        with np.errstate(invalid="ignore", over="ignore"):
            error = run.guess - run.answer[None]
            return error @ rows[stiff], error @ rows[flat], (0.0, 0.0)
    origin = (run.answer[0, stiff], run.answer[0, flat]) if shared else (0.0, 0.0)
    with np.errstate(invalid="ignore"):
        offset = 0 if shared else run.answer[None]
        return (run.guess - offset)[..., stiff], (run.guess - offset)[..., flat], origin


def edge_points(ax) -> int:
    """How many scatter points sit in the band along the axes' border where a run that leaves is marked (the
    view's values end 3% of the axis inside it)."""
    def on_edge(v, limits):
        a, b = limits
        return (v <= a + 0.027 * (b - a)) | (v >= b - 0.027 * (b - a))

    count = 0
    for collection in ax.collections:
        if isinstance(collection, PathCollection) and len(collection.get_offsets()):
            o = np.asarray(collection.get_offsets())
            count += int((on_edge(o[:, 0], ax.get_xlim()) | on_edge(o[:, 1], ax.get_ylim())).sum())
    return count


def test_the_answer_every_bounded_run_and_each_start_are_in_view_and_runs_that_leave_are_marked(hard):
    name, run = hard
    fig = drawn(run)
    x, y, origin = coordinates(run)
    for ax in [a for a in fig.axes if a.get_visible()]:
        ax_x, ax_y = Axis(ax, "x"), Axis(ax, "y")
        stars = [c for c in ax.collections if isinstance(c, PathCollection) and len(c.get_offsets()) == 1
                 and c.get_sizes()[0] > 200]
        assert stars, name
        star = stars[0].get_offsets()[0]
        span = np.ptp(ax_x.limits)
        assert abs(star[0] - ax_x.position(origin[0])) < 1e-6 * span and \
            abs(star[1] - ax_y.position(origin[1])) < 1e-6 * np.ptp(ax_y.limits), name
        members = run.cells == (fig.axes.index(ax) if run.config.grid else 0)
        leaving = 0
        for r in np.flatnonzero(members):
            played = run.attempt <= run.summary[r].attempts_run
            shown = [ax_x.shows(a) and ax_y.shows(b) for a, b in zip(x[played, r], y[played, r])]
            assert shown[0] or not np.isfinite([x[0, r], y[0, r]]).all(), (name, r)  # the start
            if run.summary[r].status != "diverged":
                assert all(shown), (name, r)
            leaving += not all(shown)
        assert edge_points(ax) >= min(leaving, 1), name


def test_a_run_that_lands_exactly_on_the_answer_ends_on_the_star():
    run = plots.as_run(simulate(load_config(CONFIGS / "mse.yaml", ["lr=1.5", "attempts=5"])))
    assert (run.guess[-1, 0] == run.answer[0]).all()  # 1.5 = N/2 lands in one step, exactly
    ax = drawn(run).axes[0]
    ax_x, ax_y = Axis(ax, "x"), Axis(ax, "y")
    dots = np.vstack([c.get_offsets() for c in ax.collections if isinstance(c, PathCollection)
                      and len(c.get_offsets()) > 1])
    at = np.array([ax_x.position(2.0), ax_y.position(91.0)])  # guess[0] and guess[2] of the answer
    assert (np.abs(dots - at).max(axis=1) < 1e-9 * np.ptp(ax_x.limits)).any()


def test_a_one_element_answer_has_no_contour_figure():
    run = plots.as_run(simulate({"answer": 3, "lr": [0.1, 1]}))
    with pytest.raises(ValueError, match="2 or more elements"):
        contour_figure(run)
    assert "contour" not in [entry.name for entry in figures_for(run, replot=True)]


@pytest.mark.parametrize(("answer", "holds"), [(3, False), ([3], False), ([3, 4], True), ([[1, 2], [3, 4]], True)],
                         ids=["scalar", "one-element", "two", "matrix"])
def test_the_registry_draws_the_contour_for_answers_of_two_or_more_elements(answer, holds):
    run = plots.as_run(simulate({"answer": answer, "lr": 0.1, "attempts": 3}))
    for replot in (False, True):
        assert ("contour" in [entry.name for entry in figures_for(run, replot=replot)]) is holds
    assert When.TWO_OR_MORE.holds(run, False) is holds
    assert not When.TWO_OR_MORE.holds(None, False)  # a run not yet read: not known


def test_guessgame_run_writes_the_contour_only_for_two_or_more_elements(tmp_path):
    runner = CliRunner()
    folders = {}
    for name, answer in (("one", "3"), ("three", "[2, 77, 91]")):
        done = runner.invoke(app, ["run", str(CONFIGS / "mse.yaml"), "--set", f"answer={answer}", "--set",
                                   "attempts=5", "--out", str(tmp_path / name), "-q"])
        assert done.exit_code == 0, done.output
        folders[name] = tmp_path / name / done.stdout.strip().split("/")[-1]
    assert (folders["three"] / "plots" / "contour.png").stat().st_size > 1000
    assert not (folders["one"] / "plots" / "contour.png").exists()
    assert (folders["one"] / "plots" / "loss.png").is_file()


def test_the_gif_moves_over_the_contours_for_two_or_more_elements(tmp_path):
    for name, config in (("ravine", {**R2, "rotation": 45, "lr": [0.005, 0.03], "attempts": 40}),
                         ("losses", {**R2, "loss": ["mse", "l1"], "lr": 0.005, "attempts": 30})):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            frames = animate(simulate(config), tmp_path / f"{name}.gif")
        image = Image.open(tmp_path / f"{name}.gif")
        assert frames == image.n_frames == {"ravine": 40, "losses": 30}[name]
        assert image.width >= 900


def test_a_ravines_path_figure_draws_only_curves_that_bound_its_loss():
    """mse at a size of error x lies between w_min x²/N and w_max x²/N whatever the rotation; huber has no
    such pair: no curve at all, the dots are the runs' measured losses."""
    run = plots.as_run(simulate({**R2, "rotation": 45, "lr": [0.005, 0.015], "attempts": 60}))
    ax = draw(path_figure(run)).axes[0]
    ax_x, ax_y = Axis(ax, "x"), Axis(ax, "y")
    curves = [line for line in ax.lines if len(line.get_xdata()) > 2]
    assert len(curves) == 2
    for line, weight in zip(curves, (1, 100)):
        xs = np.asarray(line.get_xdata())
        inside = (xs > ax_x.limits[0] + 0.1 * np.ptp(ax_x.limits)) & (xs < ax_x.limits[1] - 0.1 * np.ptp(ax_x.limits))
        size = (xs[inside] - ax_x.position(0.0)) / (ax_x.position(1.0) - ax_x.position(0.0))
        want = [ax_y.position(weight * s * s / 2) for s in size]
        ys = np.asarray(line.get_ydata())[inside]
        keep = [ax_y.shows(weight * s * s / 2) for s in size]
        np.testing.assert_allclose(ys[keep], np.array(want)[keep], rtol=1e-6, atol=1e-6 * np.ptp(ax_y.limits))
    huber = plots.as_run(simulate({**R2, "rotation": 45, "loss": "huber", "lr": 0.01, "attempts": 20}))
    ax = draw(path_figure(huber)).axes[0]
    assert [line for line in ax.lines if len(line.get_xdata()) > 2] == []
    assert "no one curve" in ax.get_legend().get_texts()[0].get_text()


def test_a_thousand_lrs_by_a_thousand_attempts_draw_in_seconds():
    run = plots.as_run(simulate({**R2, "lr": {"logspace": [0.001, 0.1, 1000]}, "attempts": 1000}))
    start = time.perf_counter()
    contour_figure(run).savefig(io.BytesIO(), format="png", dpi=plots.DPI)
    assert time.perf_counter() - start < 20


def test_a_256_by_256_answer_draws_its_contour_in_bounded_memory():
    answer = np.arange(256 * 256, dtype=float).reshape(256, 256).tolist()
    run = plots.as_run(simulate({"answer": answer, "lr": [0.5, 3e5], "attempts": 20}))
    tracemalloc.start()
    contour_figure(run).savefig(io.BytesIO(), format="png", dpi=60)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 400 * 2**20


def test_a_grid_of_a_few_cells_has_a_panel_per_cell_each_with_only_its_own_paths():
    result = simulate({"answer": [3.0, 2.0], "weights": [1, 100], "optimizer": ["sgd", "adam"],
                       "lr": [0.0198, 0.01], "attempts": 40})
    fig = contour_figure(result)
    panels = [ax for ax in fig.axes if ax.get_title()]
    assert [ax.get_title() for ax in panels] == result.config.cell_labels()
    second = {k: {tuple(np.round(result.guess[1, r].double().numpy(), 9)) for r in range(result.runs)
                  if int(result.cell[r]) == k} for k in range(2)}
    assert not second[0] & second[1]  # SGD's and Adam's first steps differ
    for k, ax in enumerate(panels):
        drawn = {tuple(np.round(v, 9)) for c in ax.collections if hasattr(c, "get_segments")
                 for segment in c.get_segments() for v in segment}
        assert second[k] <= drawn and not second[1 - k] & drawn
