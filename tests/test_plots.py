"""The figures at the extremes: each hard case is drawn and read back as a person would read it.

Facts come from the data (the losses, the summary) and from closed-form theory, never from the
figure code's own mapping: an axis is read from its tick labels (tests/reading.py).
"""

import io
import time
import tracemalloc
import warnings

import numpy as np
import pytest
import torch
from PIL import Image

from guessgame import plots, simulate
from guessgame.config import load_config

from helpers.files import CONFIGS
from helpers.reading import EXACT_ZERO, Axis, draw, first_finite, markers_at
from helpers.reference import loss_fn, notebook_loop

MSE = CONFIGS / "mse.yaml"
CASES = {
    "critical-lrs-2000": (MSE, ["lr=[0.5, 2.9, 3.1, 6]", "attempts=2000"]),
    "lr6-650": (MSE, ["lr=6", "attempts=650"]),
    "mse-200": (MSE, ["attempts=200"]),
    "sum-across-critical-2000": (MSE, ["reduction=sum", "lr=[0.3, 0.9, 1.1]", "attempts=2000"]),
    "float16": (CONFIGS / "float16.yaml", []),
    "one-random-game-lr1": (CONFIGS / "random_games.yaml", ["lr=1", "games=1"]),
    "sweep-190": (CONFIGS / "lr_sweep.yaml", ["attempts=190"]),
    "lr3.1-5000": (MSE, ["lr=3.1", "attempts=5000"]),
    "nesterov": (MSE, ["optimizer={name: sgd, momentum: 0.9, nesterov: true}", "lr=[0.5, 2.9, 3, 3.1, 6]",
                       "attempts=1000"]),
    "every-loss-zero": ({"answer": 5, "guess": 5, "lr": [0.1, 1]}, []),
    "lr1.5-10": (MSE, ["lr=[1.5, 10]"]),
    "lr0.5-10-190": (MSE, ["lr=[0.5, 10]", "attempts=190"]),
    "bad-loss": (CONFIGS / "bad_loss.yaml", []),
    "scales": ({"answer": [[1, -3000, 2], [0.5, 7, 1e4]], "guess": 0, "lr": [0.5, 3], "attempts": 60}, []),
    "l1-sweep": (CONFIGS / "l1.yaml", ["lr={logspace: [0.1, 3, 8]}"]),
    "stop-early-log-every": (MSE, ["lr={linspace: [0.2, 4, 12]}", "attempts=300", "stop_early=true", "log_every=7"]),
    "random-games": (CONFIGS / "random_games.yaml", ["games=20"]),
}


@pytest.fixture(scope="module", params=sorted(CASES))
def case(request):
    source, overrides = CASES[request.param]
    return request.param, plots.as_run(simulate(load_config(source, overrides)))


def drawn(make, run):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return draw(make(run))


def test_every_figure_draws_without_warnings_at_projector_size(case):
    name, run = case
    for figure_name, make in plots.FIGURES.items():
        if figure_name == "score" and run.games == 1 or figure_name == "contour" and run.guess.shape[2] < 2:
            continue
        figure = drawn(make, run)
        assert figure.get_size_inches()[0] * plots.DPI >= 1200, figure_name
        _legends_outside_the_data(figure)
        _nothing_clipped(figure, figure_name)


def _drawn_tick_labels(ax):
    for axis in (ax.xaxis, ax.yaxis):
        low, high = sorted(axis.get_view_interval())
        yield from (t.label1 for t in axis.get_major_ticks() if low - 1e-9 <= t.get_loc() <= high + 1e-9)


def _nothing_clipped(figure, name):
    renderer = figure.canvas.get_renderer()
    inside = figure.bbox.padded(2)
    texts = [t for ax in figure.axes if ax.get_visible() for t in
             [ax.title, ax.xaxis.label, ax.yaxis.label, *ax.texts, *_drawn_tick_labels(ax)]]
    texts += [t for ax in figure.axes if ax.get_legend() for t in ax.get_legend().get_texts()]
    texts += [figure._suptitle] if figure._suptitle else []
    for text in texts:
        if text.get_visible() and text.get_text():
            box = text.get_window_extent(renderer)
            assert inside.x0 <= box.x0 and box.x1 <= inside.x1 and inside.y0 <= box.y0 and box.y1 <= inside.y1, \
                (name, text.get_text())


def _legends_outside_the_data(figure):
    renderer = figure.canvas.get_renderer()
    for ax in figure.axes:
        legend = ax.get_legend()
        if legend is not None and ax.get_visible():
            for other in figure.axes:
                if other.get_visible():
                    assert not legend.get_window_extent(renderer).overlaps(other.get_window_extent(renderer))


def test_the_loss_figure_shows_every_runs_first_loss_and_marks_divergence(case):
    name, run = case
    ax = drawn(plots.loss_figure, run).axes[0]
    y = Axis(ax)
    alive = run.attempt[:, None] <= np.array([s.attempts_run for s in run.summary])[None, :]
    for r, first in enumerate(first_finite(run.loss, alive)):
        assert first is not None and y.shows(first), (name, r, first)
        info = run.summary[r]
        if info.status == "diverged":
            assert markers_at(ax, info.diverged_at), (name, r)
    positive = run.loss[np.isfinite(run.loss) & (run.loss > 0)]
    if (run.loss == 0).any() and y.kind == "log":
        assert y.floor is not None, "exact zeros need the labelled floor"
        assert y.floor < y.limits[0] + 0.1 * np.ptp(y.limits) or y.floor < min(y.positions)
        assert all(y.floor < y.position(v) for v in positive[positive >= min(y.values)][:1000])


def test_a_run_that_stops_between_kept_rows_is_drawn_to_the_loss_it_stopped_at():
    run = plots.as_run(simulate(load_config(MSE, ["lr=[0.2, 1.582, 3.655]", "attempts=300", "stop_early=true",
                                                  "log_every=7"])))
    ax = drawn(plots.loss_figure, run).axes[0]
    y = Axis(ax)
    ends = [(float(line.get_xdata()[-1]), float(line.get_ydata()[-1])) for line in ax.lines]
    bottom, top = y.limits
    for r, lr in enumerate([0.2, 1.582, 3.655]):
        stopped = run.summary[r].attempts_run
        assert stopped % 7 != 1  # stopped between kept rows: 1, 8, 15, ...
        loss = float(notebook_loop([2, 77, 91], 50, loss_fn("mse"), lr, stopped)[1][-1])
        at = y.position(loss)  # there, or on the edge for a loss past the figure's range
        margin = 0.05 * (top - bottom)
        edge = top - margin if at >= top - margin else bottom + margin if at <= bottom + margin else None
        assert any(x == stopped and (abs(end - at) < 1e-6 or (edge is not None and abs(end - edge) <= margin))
                   for x, end in ends), \
            (lr, stopped, loss, ends)
        if run.summary[r].status == "diverged" or at <= bottom + margin:
            assert markers_at(ax, stopped), (lr, stopped)  # ✕ where it diverged; ▼ for an end below the view


def test_float16_overflow_is_marked_at_its_attempt_and_zero_sits_below_the_data():
    run = plots.as_run(simulate(load_config(CONFIGS / "float16.yaml")))
    assert run.summary[1].diverged_at == 2  # 323.3**2 is past 65504: inf at attempt 2
    figure = drawn(plots.loss_figure, run)
    ax = figure.axes[0]
    y = Axis(ax)
    assert markers_at(ax, 2)
    texts = " ".join(t.get_text() for t in ax.get_legend().get_texts()) + " ".join(t.get_text() for t in ax.texts)
    assert "overflow at 2" in texts and "65504" in texts
    from matplotlib.collections import PathCollection

    at_2 = [c for c in ax.collections if isinstance(c, PathCollection) and len(c.get_offsets())
            and np.isclose(np.asarray(c.get_offsets())[:, 0], 2).any()]
    triangle = [c for c in at_2 if len(c.get_paths()[0].vertices) == 4]  # the legend's ▲: past the top
    assert triangle and all(triangle[0].get_zorder() > c.get_zorder() for c in at_2 if c is not triangle[0])
    assert y.floor is not None and y.floor < y.position(1571.33) and y.shows(1571.33) and y.shows(65504)


def test_theory_does_not_stretch_the_axis_of_a_random_game():
    run = plots.as_run(simulate(load_config(CONFIGS / "random_games.yaml", ["lr=1", "games=1"])))
    y = Axis(drawn(plots.loss_figure, run).axes[0])
    smallest = run.loss[run.loss > 0].min()
    assert min(y.values) >= smallest / 1e8  # the axis ends near the data, not at theory's 1e-296


def test_an_exact_zero_final_loss_sits_on_the_floor_in_the_lr_figure():
    run = plots.as_run(simulate(load_config(MSE, ["lr=[1.5, 10]"])))
    assert run.summary[0].final_loss == 0
    top = drawn(plots.lr_figure, run).axes[0]
    y = Axis(top)
    assert y.floor is not None
    points = np.concatenate([np.asarray(c.get_offsets()) for c in top.collections if len(c.get_offsets())])
    assert np.isclose(points[:, 1], y.floor).any()
    assert not np.isclose(points[:, 1], y.position(6e30)).any()


def test_the_bad_loss_is_said_to_fall_and_its_ticks_do_not_collide():
    run = plots.as_run(simulate(load_config(CONFIGS / "bad_loss.yaml")))
    figure = drawn(plots.loss_figure, run)
    ax = figure.axes[0]
    legend = " ".join(t.get_text() for t in ax.get_legend().get_texts())
    assert "falls" in legend and "grows" not in legend
    renderer = figure.canvas.get_renderer()
    boxes = [t.label1.get_window_extent(renderer) for t in ax.yaxis.get_major_ticks() if t.label1.get_text()]
    assert all(not a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
    assert all(Axis(ax).shows(v) for v in run.loss[:5].ravel())  # the first attempts of both runs


def test_runs_either_side_of_the_critical_lr_differ_in_colour():
    run = plots.as_run(simulate(load_config(MSE, ["reduction=sum", "lr=[0.99, 1.01]", "attempts=400"])))
    assert run.status[0] != "diverged" and run.status[1] == "diverged"  # theory: critical lr 1 with sum
    handles = drawn(plots.loss_figure, run).axes[0].get_legend().legend_handles
    first, second = (np.array(h.get_color()[:3] if not isinstance(h.get_color(), str) else
                              __import__("matplotlib").colors.to_rgb(h.get_color())) for h in handles[:2])
    assert np.abs(first - second).max() > 0.3


def test_elements_of_very_different_scale_each_fill_their_panel():
    run = plots.as_run(simulate({"answer": [[1, -3000, 2], [0.5, 7, 1e4]], "guess": 0, "lr": 0.5, "attempts": 40}))
    ax = drawn(plots.trajectory_figure, run).axes[0]
    span = np.ptp(ax.get_ylim())
    lines = [seg for c in ax.collections if hasattr(c, "get_segments") for seg in c.get_segments()]
    assert lines and all(np.ptp(seg[:, 1][np.isfinite(seg[:, 1])]) > 0.2 * span for seg in lines)


def test_coinciding_elements_are_named():
    run = plots.as_run(simulate({"answer": [1, 5, 5], "guess": 0, "lr": 0.5, "attempts": 10}))
    figure = drawn(plots.trajectory_figure, run)
    assert "guess[1] = guess[2]" in figure.axes[0].get_title()


def test_elements_that_leave_the_view_together_are_not_called_one_line():
    result = simulate(CONFIGS / "float16.yaml")
    guess = result.guess[:, 1].double()  # lr 10: guess[1] and guess[2] both leave the top at attempt 2
    assert not torch.equal(guess[:, 1], guess[:, 2])
    figure = drawn(plots.trajectory_figure, plots.as_run(result))
    assert "one line" not in figure.axes[1].get_title()


def test_a_run_leaving_at_an_infinite_loss_leaves_toward_its_error():
    """float16, lr 10: at attempt 2 the loss overflows while the error is finite, on the far side."""
    guesses = notebook_loop([2, 77, 91], 50, loss_fn("mse"), 10.0, 2, dtype=torch.float16)[0].double()
    error, start = guesses[1] - torch.tensor([2.0, 77, 91]), guesses[0] - torch.tensor([2.0, 77, 91])
    assert float(error @ start) < 0  # the other side of the answer from the start
    ax = drawn(plots.path_figure, plots.as_run(simulate(CONFIGS / "float16.yaml"))).axes[0]
    exits = [xy for c in ax.collections if hasattr(c, "get_offsets") and c.get_offsets().size
             for xy in np.asarray(c.get_offsets()) if xy[1] >= ax.get_ylim()[1] - 1e-9]
    assert exits and all(x < 0 for x, _ in exits), exits


def test_the_many_converged_paths_are_drawn_over_the_runs_that_leave():
    from matplotlib.collections import LineCollection

    run = plots.as_run(simulate(CONFIGS / "random_games.yaml"))
    counts = {status: run.status.count(status) for status in set(run.status)}
    ax = drawn(plots.path_figure, run).axes[0]
    from matplotlib.colors import to_rgb

    from guessgame.viz.style import STATUS_COLORS

    assert counts["converged"] > counts["diverged"]
    last = [c for c in ax.collections if isinstance(c, LineCollection)][-1]
    mean = np.asarray(last.get_colors())[:, :3].mean(axis=0)
    nearest = min(STATUS_COLORS, key=lambda s: np.abs(np.array(to_rgb(STATUS_COLORS[s])) - mean).sum())
    assert nearest == "converged", mean


def test_ticks_close_together_far_from_zero_are_labelled_apart():
    """The bad loss drifting near -1e8 in steps of 4e5: labels need more than three digits."""
    config = {"answer": [[-50000.0, 1.0, -50000.0, -50000.0, 1.0], [-7.0, 1e8, 0.0, 1.0, -50000.0]], "guess": 1.0,
              "loss": "bad", "reduction": "sum", "optimizer": "adamw", "lr": [10 ** -1.5, 10 ** -4.2, 10 ** 5.4],
              "attempts": 2000, "dtype": "float32", "stop_early": True}
    run = plots.as_run(simulate(config))
    for make in (plots.loss_figure, plots.path_figure):
        ax = drawn(make, run).axes[0]
        labels = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
        assert len(labels) == len(set(labels)), labels
        Axis(ax)  # the labels read back as the values at their positions


def test_the_bad_losss_modest_fall_is_shown_in_the_lr_figure_not_sent_to_the_edge():
    config, overrides = CASES["bad-loss"]
    result = simulate(load_config(config, overrides))
    ax = drawn(plots.lr_figure, plots.as_run(result)).axes[0]
    y = Axis(ax)
    for r, lr in enumerate(load_config(config, overrides).lr):  # the notebook loop, played alone
        final = float(notebook_loop([2, 5, 9], [-2, 5, 13], loss_fn("bad"), lr, result.attempts_run[r])[1][-1])
        assert final < 0 and y.shows(final), (lr, final, y.limits)
    legend = " ".join(t.get_text() for t in ax.get_legend().get_texts())
    assert "past the top" not in legend and "past the bottom" not in legend


def test_each_runs_colour_is_nearer_its_own_status_colour_than_any_other():
    from matplotlib.colors import to_rgb

    from guessgame.viz.style import STATUS_COLORS, run_colors

    config, overrides = CASES["l1-sweep"]
    run = plots.as_run(simulate(load_config(config, overrides + ["lr={logspace: [0.1, 30, 16]}"])))
    assert {"oscillating", "unfinished"} <= set(run.status)
    palette = {status: np.array(to_rgb(color)) for status, color in STATUS_COLORS.items()}
    for status, color in zip(run.status, run_colors(run)):
        distance = {other: np.abs(np.array(color[:3]) - rgb).sum() for other, rgb in palette.items()}
        assert min(distance, key=distance.get) == status, (status, color)


def overlapping(texts) -> list[tuple[str, str]]:
    """Pairs of drawn texts whose boxes overlap."""
    boxes = [(t.get_text(), t.get_window_extent()) for t in texts if t.get_visible() and t.get_text()]
    return [(a, b) for i, (a, p) in enumerate(boxes) for b, q in boxes[i + 1:] if p.overlaps(q)]


@pytest.mark.parametrize("case", ["lr6-650", "nesterov", "sweep-190"])
def test_path_tick_labels_and_exit_labels_never_overprint(case):
    config, overrides = CASES[case]
    ax = drawn(plots.path_figure, plots.as_run(simulate(load_config(config, overrides)))).axes[0]
    assert not overlapping(ax.get_xticklabels()), case
    assert not overlapping(ax.texts), case


def test_the_path_frames_the_answer_and_marks_the_escaping_run():
    run = plots.as_run(simulate(load_config(MSE, ["lr=[0.5, 2.9, 6]", "attempts=50"])))
    ax = drawn(plots.path_figure, run).axes[0]
    x, y = Axis(ax, "x"), Axis(ax, "y")
    assert x.shows(0) and y.shows(run.loss[0, 0])
    converging = run.loss[:, :2]
    assert all(y.shows(v) for v in converging.ravel())  # every guess of the converging runs is in the frame
    assert any("lr 6 leaves" in t.get_text() for t in ax.texts)


def test_the_gif_is_projector_sized_and_small(tmp_path):
    run = plots.as_run(simulate(load_config(MSE, ["lr=[0.5, 2.9, 3.1, 6]", "attempts=2000"])))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        frames = plots.animate(run, tmp_path / "g.gif")
    assert frames == 80 and (tmp_path / "g.gif").stat().st_size < 5 * 2**20
    with Image.open(tmp_path / "g.gif") as image:
        assert image.size[0] >= 800 and image.n_frames == frames


def test_the_gif_keeps_every_status_colour_however_few_its_pixels(tmp_path):
    from matplotlib.colors import to_rgb

    from guessgame.viz.style import STATUS_COLORS

    run = plots.as_run(simulate(load_config(CONFIGS / "random_games.yaml", ["attempts=40"])))
    plots.animate(run, tmp_path / "g.gif", max_frames=2)
    with Image.open(tmp_path / "g.gif") as image:
        palette = np.array(image.convert("RGB").getcolors(1 << 16), dtype=object)
    colours = np.array([rgb for _, rgb in palette], dtype=float)
    for status in set(run.status):
        want = 255 * np.array(to_rgb(STATUS_COLORS[status]))
        assert np.abs(colours - want).max(axis=1).min() <= 24, status  # grey would be ~80 off


def test_twenty_thousand_lrs_draw_in_seconds():
    run = plots.as_run(simulate(load_config(MSE, ["lr={logspace: [0.001, 10, 20000]}", "attempts=100"])))
    start = time.perf_counter()
    plots.loss_figure(run).savefig(io.BytesIO(), format="png", dpi=plots.DPI)
    assert time.perf_counter() - start < 20


def test_a_256_by_256_answer_draws_in_bounded_memory():
    answer = np.arange(256 * 256, dtype=float).reshape(256, 256).tolist()
    run = plots.as_run(simulate({"answer": answer, "lr": 0.5, "attempts": 20}))
    tracemalloc.start()
    for make in (plots.loss_figure, plots.trajectory_figure, plots.lr_figure, plots.path_figure):
        make(run).savefig(io.BytesIO(), format="png", dpi=60)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 400 * 2**20


def test_the_landscape_samples_a_fixed_number_of_points_over_any_range():
    start = time.perf_counter()
    figure = drawn(lambda _: plots.landscape_figure(["l1", "mse"], 2.0, 0.0, 1e7), None)
    assert time.perf_counter() - start < 5
    assert all(len(line.get_xdata()) <= 1000 for ax in figure.axes for line in ax.lines)
    drawn(lambda _: plots.landscape_figure(["l1", "mse", "huber"], 2.0, -1e300, 1e300), None)


def test_the_landscape_says_where_l1_and_the_bad_loss_coincide():
    """|e| = e for e >= 0; their gradients sign(e) and 1 agree only for e > 0 (torch's sign(0) is 0)."""
    figure = drawn(lambda _: plots.landscape_figure(["l1", "bad"], 2.0, -8.0, 12.0), None)
    labels = " ".join(" ".join(t.get_text().split()) for ax in figure.axes if ax.get_legend()
                      for t in ax.get_legend().get_texts())
    assert "loss = l1's for guess in [2, 12]; gradient for guess in (2, 12]" in labels


def test_every_loss_exactly_zero_still_has_axes():
    run = plots.as_run(simulate({"answer": 5, "guess": 5, "lr": [0.1, 1]}))
    ax = drawn(plots.loss_figure, run).axes[0]
    assert Axis(ax).shows(0.0)
    assert any(t.get_text() for t in ax.yaxis.get_major_ticks() for t in [t.label1])


def test_attempt_ticks_are_whole_numbers():
    run = plots.as_run(simulate(load_config(MSE, ["lr=[1, 2]", "attempts=3"])))
    for make in (plots.loss_figure, plots.lr_figure):
        figure = drawn(make, run)
        ticks = figure.axes[0].get_xticks() if make is plots.loss_figure else figure.axes[1].get_yticks()
        assert np.allclose(ticks, np.round(ticks))


def test_exact_zero_tick_is_labelled():
    run = plots.as_run(simulate(load_config(CONFIGS / "l1.yaml", ["lr=[0.1, 3]"])))
    ax = drawn(plots.loss_figure, run).axes[0]
    assert EXACT_ZERO in [t.label1.get_text() for t in ax.yaxis.get_major_ticks()]


@pytest.mark.parametrize("fmt", ["png", "svg", "pdf"])
def test_every_format_saves_an_overflowing_run(fmt):
    run = plots.as_run(simulate(load_config(MSE, ["lr=[0.5, 6]", "attempts=400"])))
    for make in (plots.loss_figure, plots.trajectory_figure, plots.lr_figure, plots.path_figure):
        buffer = io.BytesIO()
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            make(run).savefig(buffer, format=fmt, dpi=plots.DPI)
        assert buffer.tell() > 1000


def _line_vertices(ax):
    from matplotlib.collections import LineCollection

    return [seg for c in ax.collections if isinstance(c, LineCollection) for seg in c.get_segments()]


@pytest.mark.parametrize("overrides, rate", [(["lr=6", "attempts=650"], 1 - 2 * 6 / 3),
                                             (["reduction=sum", "lr=[0.99, 1.01]", "attempts=400"], 1 - 2 * 1.01)],
                         ids=["lr6-650", "sum-1.01"])
def test_a_line_leaving_the_top_runs_straight_to_the_edge(overrides, rate):
    """Plain SGD on mse: loss(t) = loss(1)·rate^(2(t−1)), a straight line on a log axis; it must meet
    the top edge where that line does, not bend up at the last attempt inside."""
    run = plots.as_run(simulate(load_config(MSE, overrides)))
    ax = drawn(plots.loss_figure, run).axes[0]
    y = Axis(ax)
    top = y.limits[1]
    loss1 = np.mean((50 - np.array([2, 77, 91])) ** 2) * (3 if "reduction=sum" in overrides else 1)
    p1, p2 = y.position(loss1), y.position(loss1 * rate ** 2)
    crossing = 1 + (top - p1) / (p2 - p1)  # the attempt at which the closed form reaches the top edge
    ends = [seg[np.isfinite(seg[:, 1])][-1] for seg in _line_vertices(ax) if np.isfinite(seg[:, 1]).any()]
    at_top = [x for x, end in ends if abs(end - top) < 1e-9]
    assert at_top and min(abs(x - crossing) for x in at_top) < 0.02, (at_top, crossing)
    assert markers_at(ax, crossing, tol=0.02)


def _marker_boxes(figure, ax):
    """Display boxes of every scatter marker on `ax` (its size is an area in points²)."""
    from matplotlib.collections import PathCollection
    from matplotlib.transforms import Bbox

    boxes = []
    for c in ax.collections:
        if isinstance(c, PathCollection) and len(c.get_offsets()):
            sizes = np.broadcast_to(c.get_sizes() if len(c.get_sizes()) else [36.0], (len(c.get_offsets()),))
            for (x, y), s in zip(c.get_offset_transform().transform(np.asarray(c.get_offsets())), sizes):
                half = (np.sqrt(s) / 2 + 1) * figure.dpi / 72
                boxes.append(Bbox([[x - half, y - half], [x + half, y + half]]))
    return boxes


@pytest.mark.parametrize("make", [plots.loss_figure, plots.lr_figure], ids=["loss", "lr"])
def test_edge_marks_keep_off_the_title(make):
    run = plots.as_run(simulate(load_config(MSE, ["lr=[0.5, 1.5, 2.9, 3.1, 10]", "attempts=150"])))
    figure = drawn(make, run)
    ax = figure.axes[0]
    title = ax.title.get_window_extent(figure.canvas.get_renderer())
    boxes = _marker_boxes(figure, ax)
    top = ax.get_window_extent().y1
    assert any(b.y1 > top for b in boxes)  # lr 10 leaves through the top: its ▲ sits on the edge
    assert not [b for b in boxes if b.overlaps(title)]


def test_the_note_on_cut_attempts_stays_off_the_lines():
    run = plots.as_run(simulate(load_config(MSE, ["lr=6", "attempts=650"])))
    figure = drawn(plots.loss_figure, run)
    ax = figure.axes[0]
    notes = [t for t in ax.texts if "650" in t.get_text()]
    assert notes and "all past the view" in notes[0].get_text()
    assert not notes[0].get_window_extent(figure.canvas.get_renderer()).overlaps(ax.get_window_extent())


@pytest.mark.parametrize("make", [plots.loss_figure, plots.lr_figure], ids=["loss", "lr"])
def test_every_loss_exactly_zero_gets_an_axis_from_zero_that_says_so(make):
    run = plots.as_run(simulate({"answer": 5, "guess": 5, "lr": [0.1, 1]}))
    assert all(s.final_loss == 0 for s in run.summary) and not run.loss.any()
    ax = drawn(make, run).axes[0]
    labels = [t.label1.get_text() for t in ax.yaxis.get_major_ticks() if t.label1.get_text()
              and ax.get_ylim()[0] <= t.get_loc() <= ax.get_ylim()[1]]
    assert EXACT_ZERO in labels
    assert not [text for text in labels if text.startswith("−") or text.startswith("-")], labels  # a loss ≥ 0
    floor = Axis(ax).floor
    low, high = ax.get_ylim()
    assert floor - low < 0.1 * (high - low)  # the zeros at the bottom, not in the middle of a ±1 axis
    if make is plots.loss_figure:
        assert "exactly 0" in ax.get_ylabel()


def _panel_of(figure, lr):
    return next(ax for ax in figure.axes if ax.get_visible() and ax.get_title().startswith(f"lr {lr:.4g} "))


def test_a_run_stopped_before_its_next_kept_row_shows_where_it_ended():
    """stop_early, log_every 7: lr 4 stops at 5, so the log keeps only its first row; its final guess
    (after step 5, the notebook's guess at attempt 6) is far out, and the panel must lead there. Six lrs:
    the figure has a panel for each, lr 4's among them."""
    run = plots.as_run(simulate(load_config(MSE, ["lr={linspace: [0.2, 4, 6]}", "attempts=300",
                                                  "stop_early=true", "log_every=7"])))
    r = int(np.argmax(run.lr))
    assert run.summary[r].attempts_run == 5 and run.status[r] == "diverged"
    final = notebook_loop([2, 77, 91], 50, loss_fn("mse"), 4.0, 6)[0][-1].numpy()
    ax = _panel_of(drawn(plots.trajectory_figure, run), 4.0)
    y = Axis(ax)
    start = (1.0, y.position(50.0))
    vertices = np.concatenate([seg for seg in _line_vertices(ax)])
    for value in final:  # each element: a vertex on the straight way from the start toward (6, final)
        aim = np.array([6.0, y.position(value)]) - start
        along = (vertices - start) @ aim / (aim @ aim)
        rel = vertices - start
        off = np.abs(rel[:, 0] * aim[1] - rel[:, 1] * aim[0]) / np.hypot(*aim)
        assert ((along > 0.01) & (off < 1e-6 * np.hypot(*aim))).any(), value


def test_runs_stopped_before_their_first_escape_leave_the_path_figure_marked():
    run = plots.as_run(simulate(load_config(MSE, ["lr={linspace: [0.2, 4, 12]}", "attempts=300",
                                                  "stop_early=true", "log_every=7"])))
    diverged = [r for r in range(run.runs) if run.status[r] == "diverged"]
    assert len(diverged) == 3 and all(run.summary[r].attempts_run < 8 for r in diverged)  # never a second row
    figure = drawn(plots.path_figure, run)
    ax = figure.axes[0]
    top = ax.get_ylim()[1]
    from matplotlib.collections import PathCollection

    on_top = [xy for c in ax.collections if isinstance(c, PathCollection)
              for xy in np.asarray(c.get_offsets()) if abs(xy[1] - top) < 1e-9]
    assert len(on_top) >= len(diverged)
    text = " ".join(t.get_text() for t in ax.texts)
    assert all(f"{run.lr[r]:.4g}" in text for r in diverged), text


def _boxes(figure, texts):
    renderer = figure.canvas.get_renderer()
    return [(t.get_text(), t.get_window_extent(renderer)) for t in texts if t.get_visible() and t.get_text()]


@pytest.mark.parametrize("case", ["stop-early-log-every", "across-critical"])
def test_lr_figure_labels_never_overprint_nor_cross_an_edge(case):
    config, overrides = CASES.get(case) or (MSE, ["lr=[0.5, 1.5, 2.9, 3.1, 10]", "attempts=150"])
    run = plots.as_run(simulate(load_config(config, overrides)))
    figure = drawn(plots.lr_figure, run)
    top, bottom = figure.axes[:2]
    ticks = _boxes(figure, bottom.get_xticklabels())
    assert len(ticks) == len(np.unique(run.lr))
    assert not [(a, b) for i, (a, p) in enumerate(ticks) for b, q in ticks[i + 1:] if p.overlaps(q)]
    for ax in (top, bottom):
        labels = _boxes(figure, ax.texts)
        assert len(labels) == run.runs or ax is bottom  # every final loss has its number
        assert not [(a, b) for i, (a, p) in enumerate(labels) for b, q in labels[i + 1:] if p.overlaps(q)]
        frame = ax.get_window_extent()
        crossing = [a for a, p in labels if not (frame.x0 <= p.x0 and p.x1 <= frame.x1 and frame.y0 <= p.y0
                                                 and p.y1 <= frame.y1)]
        assert not crossing, crossing  # a spine through a label, or a label out in the legend


def test_many_runs_marks_do_not_fuse_into_black_bars():
    from matplotlib.collections import PathCollection
    from matplotlib.colors import to_rgba_array

    config, overrides = CASES["random-games"]
    run = plots.as_run(simulate(load_config(config, overrides)))
    assert run.runs > 100 and "diverged" in run.status
    for make in (plots.lr_figure, plots.loss_figure):
        for ax in drawn(make, run).axes:
            for c in ax.collections:
                if isinstance(c, PathCollection) and len(c.get_offsets()) > 12:
                    edges = to_rgba_array(c.get_edgecolors()) if len(c.get_edgecolors()) else np.zeros((0, 4))
                    dark = edges[(edges[:, 3] > 0) & (edges[:, :3].max(axis=1) < 0.2)] if len(edges) else edges
                    assert not len(dark) or not c.get_linewidths().any(), make.__name__


def test_no_status_of_many_runs_is_buried_in_the_path_figure():
    """random_games.yaml: 700 converged, 100 unfinished (lr 2.95), 100 diverged. Each status's paths
    must keep at least three quarters of the pixels they would cover alone."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.collections import LineCollection

    run = plots.as_run(simulate(load_config(CONFIGS / "random_games.yaml")))
    assert {"converged", "unfinished", "diverged"} <= set(run.status)
    figure = drawn(plots.path_figure, run)
    canvas = FigureCanvasAgg(figure)

    def image():
        canvas.draw()
        return np.asarray(canvas.buffer_rgba())[..., :3].astype(int)

    layers = [c for c in figure.axes[0].collections if isinstance(c, LineCollection) and len(c.get_segments()) > 1]
    assert len(layers) == 3
    full = image()
    for c in layers:
        c.set_visible(False)
    bare = image()
    for layer in layers:
        for c in layers:
            c.set_visible(c is layer)
        own = np.abs(image() - bare).sum(-1) > 30
        for c in layers:
            c.set_visible(c is not layer)
        shows = np.abs(full - image()).sum(-1) > 30
        assert shows.sum() >= 0.75 * own.sum(), (len(layer.get_segments()), shows.sum(), own.sum())
    legend = " ".join(t.get_text() for t in figure.axes[0].get_legend().get_texts())
    assert "700 runs" in legend and "paths drawn" in legend  # a sample, and said so


def test_the_gif_keeps_runs_that_left_apart_on_the_edge(tmp_path, monkeypatch):
    """Each run that left waits where its path crossed the edge, not in one shared corner."""
    import importlib

    module = importlib.import_module("guessgame.viz.animate")
    scenes = []
    blitted = module._blitted
    monkeypatch.setattr(module, "_blitted", lambda scene, *a: scenes.append(scene) or blitted(scene, *a))
    run = plots.as_run(simulate(load_config(CONFIGS / "random_games.yaml", ["attempts=100", "games=40"])))
    diverged = run.status.count("diverged")
    assert diverged >= 20
    plots.animate(run, tmp_path / "g.gif", max_frames=4)
    edge = np.asarray(scenes[0].artists[1].get_offsets())  # the last frame's dots past the frame
    assert len(edge) >= diverged
    assert len(np.unique(edge.round(6), axis=0)) >= len(edge) // 2, edge


def test_l1_stays_readable_next_to_mse_over_a_wide_range():
    """Over guesses 0 .. 1e6 (answer 2), l1 reaches 1e6 while mse reaches 1e12: l1 must still rise
    visibly, not lie flat along zero."""
    figure = drawn(lambda _: plots.landscape_figure(["l1", "mse"], 2.0, 0.0, 1e6), None)
    ax = figure.axes[0]
    y = Axis(ax)
    l1 = next(line for line in ax.lines if line.get_label() == "l1")
    assert y.shows(1e6 - 2) and y.shows(1e12 - 4e6 + 4)  # both curves' largest values, as themselves
    rise = y.position(1e6 - 2) - y.position(0.0)
    assert rise > 0.1 * np.ptp(y.limits)
    assert np.ptp(l1.get_ydata()) > 0.1 * np.ptp(y.limits)


@pytest.mark.parametrize("low, high", [(-1e300, 1e300), (0.0, 1e6)])
def test_landscape_tick_labels_never_touch(low, high):
    figure = drawn(lambda _: plots.landscape_figure(["l1", "mse", "huber"], 2.0, low, high), None)
    for ax in figure.axes:
        for axis in (ax.xaxis, ax.yaxis):
            lo, hi = sorted(axis.get_view_interval())
            labels = _boxes(figure, [t.label1 for t in axis.get_major_ticks() if lo <= t.get_loc() <= hi])
            assert len(labels) >= 2
            assert not [(a, b) for i, (a, p) in enumerate(labels) for b, q in labels[i + 1:] if p.overlaps(q)]
        Axis(ax, "x")  # the x labels read back as the guesses at their places


def test_a_run_that_leaves_early_in_a_long_run_gets_room_to_be_seen():
    """lr 6 (mse, N=3: the error ×(−3) per attempt) leaves any view within a dozen attempts of 2000;
    some panel must give its climb at least a fifth of its width."""
    run = plots.as_run(simulate(load_config(MSE, ["lr=[0.5, 2.9, 3.1, 6]", "attempts=2000"])))
    figure = drawn(plots.loss_figure, run)
    r = list(run.lr).index(6.0)
    from matplotlib.collections import LineCollection

    widest = 0.0
    for ax in figure.axes:
        for c in ax.collections:
            if isinstance(c, LineCollection) and len(c.get_segments()) == run.runs:
                seg = c.get_segments()[r]
                x = seg[np.isfinite(seg[:, 1]), 0]
                widest = max(widest, np.ptp(x) / np.ptp(ax.get_xlim()))
    assert widest >= 0.2, widest
    Axis(figure.axes[0])  # the main panel still reads as before
    assert figure.axes[0].get_xlim()[1] >= 2000  # and still shows every attempt


@pytest.mark.parametrize("changes", [{}, {"weights": [2, 2]}, {"weights": [1, 100]},
                                     {"weights": [1, 100], "rotation": 30}, {"rotation": 30}],
                         ids=["plain", "even weights", "ravine", "turned ravine", "turned"])
def test_theorys_pale_line_is_drawn_only_where_it_is_the_games_loss(changes):
    """The line loss(1) rate^(2(t-1)) behind a run, and the page's, is drawn only where it is the loss the
    notebook's loop plays: in a ravine of uneven weights the loss is a sum of such sequences, one per weight."""
    from test_theory_curves import turned

    from guessgame.report.payload import page_data
    from guessgame.rundata import RunData
    from guessgame.viz.loss import theory_curve

    from helpers.reference import weighted_loss_fn

    config = {"answer": [3.0, 2.0], "guess": 0.0, "lr": [0.0198, 0.015], "attempts": 200, **changes}
    run = RunData.from_result(simulate(config))
    rotation = turned(changes["rotation"]) if "rotation" in changes else None
    uneven = len(set(changes.get("weights", [1]))) > 1
    for r, lr in enumerate(config["lr"]):
        played = notebook_loop(config["answer"], 0.0, weighted_loss_fn("mse", None, "mean", changes.get("weights", 1.0),
                                                                       rotation), lr, 200)[1].numpy()
        curve = theory_curve(run, r)
        assert (curve is None) == uneven
        if curve is not None:
            np.testing.assert_allclose(curve[played > 1e-250], played[played > 1e-250], rtol=1e-9)
    assert all(cell["closed_loss"] != uneven for cell in page_data(run, "")["cells"])
