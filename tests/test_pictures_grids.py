"""A grid's figures say what they compare and name each cell, in colours no status uses; the best lr of a
cell is never a run that left the tolerance; `--style talk` is readable from the back of a classroom.

Facts come from the config file, the summary and the drawn figure read back (its texts and their boxes
as the renderer lays them out), never from the figure code's own tables.
"""

import io
import os
import re
import subprocess
import sys
import warnings

import numpy as np
import pytest
import torch
import yaml
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgb
from matplotlib.text import Text
from matplotlib.transforms import Bbox
from PIL import Image
from typer.testing import CliRunner

from guessgame import plots, simulate
from guessgame.cli import app
from guessgame.config import load_config
from guessgame.status import Status

from helpers.files import CONFIGS
from helpers.reading import Axis

runner = CliRunner()
BIG_GRID = {"answer": [2, 77, 91], "guess": 50, "loss": ["mse", "l1"], "optimizer": ["sgd", "adam"],
            "schedule": ["none", {"name": "exponential", "gamma": 0.95}, {"name": "cosine", "T_max": 60}],
            "attempts": 60, "tolerance": 1e-6}
GRIDS = {  # a config, overrides, and what the grid compares (its lists, read from the file or the dict)
    "schedules": (CONFIGS / "l1_schedule.yaml", ["name=game"]),
    "optimizers": (CONFIGS / "optimizers.yaml", ["name=game", "lr={logspace: [0.1, 10, 5]}", "attempts=150"]),
    "losses-optimizers-schedules": ({**BIG_GRID, "name": "game", "lr": 1}, []),
    "three-lrs": ({**BIG_GRID, "name": "game", "lr": [0.5, 2.9, 6]}, []),
}


@pytest.fixture(scope="module", params=sorted(GRIDS))
def grid(request):
    source, overrides = GRIDS[request.param]
    return request.param, plots.as_run(simulate(load_config(source, overrides)))


def lists_of(name: str) -> dict[str, int]:
    """How many of each thing the grid's config lists: {'schedule': 3}, from the YAML itself."""
    source = GRIDS[name][0]
    values = yaml.safe_load(source.read_text()) if not isinstance(source, dict) else source
    return {key: len(value) for key, value in values.items()
            if key not in ("answer", "guess", "lr") and isinstance(value, list)}  # a list of those is one value


def drawn(figure):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        FigureCanvasAgg(figure).draw()
    return figure


def words(text: str) -> str:
    return " ".join(text.split())


def all_texts(figure):
    """Every drawn text of a figure: titles, labels, tick labels inside the view, notes, legends."""
    texts = [t for t in figure.findobj(lambda a: hasattr(a, "get_text") and hasattr(a, "get_fontsize"))
             if t.get_visible() and t.get_text().strip()]
    hidden = set()
    for ax in figure.axes:
        for axis, limits in ((ax.xaxis, ax.get_xlim()), (ax.yaxis, ax.get_ylim())):
            low, high = sorted(limits)
            span = abs(low) + abs(high)
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                if not low - 1e-9 * span <= tick.get_loc() <= high + 1e-9 * span:
                    hidden |= {id(tick.label1), id(tick.label2)}
    return [t for t in texts if id(t) not in hidden]


def overlapping(boxes):
    return [(a, b) for i, (a, p) in enumerate(boxes) for b, q in boxes[i + 1:] if p.overlaps(q)]


@pytest.mark.parametrize("style", ["default", "talk"])
def test_a_grids_cells_figure_is_titled_for_what_it_compares(grid, style):
    name, run = grid
    with plots.using(style):
        figure = drawn(plots.cells_figure(run))
    main = figure._suptitle if figure._suptitle is not None else figure.axes[0].title
    headline = words(main.get_text().split("\n")[0])  # the figure's title, before the game's details
    for key, count in lists_of(name).items():
        plural = key + ("es" if key.endswith("s") else "s")
        assert f"{count} {plural}" in headline, (key, headline)
    for other in {"loss", "optimizer", "schedule", "dtype"} - set(lists_of(name)):
        assert other not in headline, (other, headline)  # it compares no such thing
    assert "tolerates" not in headline  # the question of optimizers, not of schedules or losses


def entry_name(text: str) -> str:
    """What a legend entry names: its first line, or what comes before its first ': '."""
    return text.split("\n")[0].strip() if "\n" in text else text.split(": ")[0].strip()


def cell_colours(figure, run) -> dict[str, tuple]:
    """Each cell's colour as its legend entry shows it."""
    legends = [*figure.legends, *(ax.get_legend() for ax in figure.axes if ax.get_legend())]
    labels = set(run.config.cell_labels())
    return {entry_name(text.get_text()): to_rgb(handle.get_color()) for legend in legends
            for handle, text in zip(legend.legend_handles, legend.get_texts()) if entry_name(text.get_text()) in labels}


def test_no_cell_colour_is_a_status_colour(grid):
    _, run = grid
    statuses = [np.array(to_rgb(color)) for color in plots.STATUS_COLORS.values()]
    assert set(plots.STATUS_COLORS) == set(Status)  # every status has its colour
    for make in (plots.cells_figure, plots.lr_figure):
        figure = drawn(make(run))
        colours = cell_colours(figure, run)
        if make is plots.lr_figure and len(colours) == 0:
            continue  # a column per cell, named under it: no colour says the cell
        assert set(colours) == set(run.config.cell_labels()), sorted(colours)
        for label, colour in colours.items():
            nearest = min(np.abs(np.array(colour) - rgb).sum() for rgb in statuses)
            assert nearest > 0.35, (label, colour)  # not a status colour, nor one read as it
        for line in figure.axes[0].get_lines() if make is plots.cells_figure else []:
            assert not any(np.allclose(to_rgb(line.get_color()), rgb) for rgb in statuses)


@pytest.mark.parametrize("style", ["default", "talk"])
def test_the_lr_figure_names_every_cell_and_no_labels_overlap(grid, style):
    _, run = grid
    with plots.using(style):
        figure = drawn(plots.lr_figure(run))
    renderer = figure.canvas.get_renderer()
    texts = all_texts(figure)
    named = {label: [t for t in texts if words(t.get_text()) == label] for label in run.config.cell_labels()}
    assert all(len(found) == 1 for found in named.values()), {k: len(v) for k, v in named.items()}
    cells = [t for found in named.values() for t in found]
    values = [t for ax in figure.axes[:2] for t in ax.texts if t not in cells]
    ticks = [t for t in texts if t in {tick.label1 for ax in figure.axes for tick in ax.xaxis.get_major_ticks()}]
    boxes = [(t.get_text(), Text.get_window_extent(t, renderer)) for t in [*cells, *values, *ticks]]  # the words,
    assert not overlapping(boxes)  # not a value's leader line


def test_a_run_that_converged_and_left_the_tolerance_is_never_a_cells_best_lr():
    config = load_config(CONFIGS / "optimizers.yaml", ["optimizer=[rmsprop, sgd]", "lr=[0.5, 1, 4.6416, 10]"])
    run = plots.as_run(simulate(config))
    cell = [r for r in range(run.runs) if run.cells[r] == 0]  # rmsprop
    left = [r for r in cell if run.summary[r].left_at is not None]
    converged = [r for r in cell if run.summary[r].converged_at is not None]
    first = min(converged, key=lambda r: run.summary[r].converged_at)
    assert first in left  # the earliest to converge is one that then left: the hard case
    stayed = min((r for r in converged if r not in left), key=lambda r: run.summary[r].converged_at)
    figure = drawn(plots.cells_figure(run))
    legend = figure.axes[1].get_legend() or figure.legends[0]
    entry = next(words(t.get_text()) for t in legend.get_texts() if entry_name(t.get_text()) == "rmsprop")
    best = float(re.search(r"best lr ([\d.e+-]+)", entry).group(1))
    assert best == pytest.approx(run.lr[stayed], rel=1e-3), entry
    assert all(best != pytest.approx(run.lr[r], rel=1e-3) for r in left)
    curve = figure.axes[1].get_lines()[0].get_ydata()  # the first cell's best run, attempt by attempt
    expected = np.where(np.isfinite(run.loss[:, stayed]) & (run.loss[:, stayed] > 0), run.loss[:, stayed], np.nan)
    np.testing.assert_array_equal(curve, expected)


def test_a_cells_best_lr_follows_the_one_rule_of_what_converged_and_stayed(monkeypatch):
    """The rule lives in `score`: were a run that left the tolerance counted as staying, the figure follows."""
    from guessgame import score

    monkeypatch.setattr(score, "converged_and_stayed", lambda summary: summary.status is Status.CONVERGED)
    config = load_config(CONFIGS / "optimizers.yaml", ["optimizer=[rmsprop, sgd]", "lr=[0.5, 1, 4.6416, 10]"])
    run = plots.as_run(simulate(config))
    converged = [r for r in range(run.runs) if run.cells[r] == 0 and run.summary[r].converged_at is not None]
    first = min(converged, key=lambda r: (run.summary[r].converged_at, run.summary[r].final_loss))
    assert run.summary[first].left_at is not None  # the hard case: the earliest converged, then left
    legend = drawn(plots.cells_figure(run)).axes[1].get_legend()
    entry = next(words(t.get_text()) for t in legend.get_texts() if entry_name(t.get_text()) == "rmsprop")
    assert float(re.search(r"best lr ([\d.e+-]+)", entry).group(1)) == pytest.approx(run.lr[first], rel=1e-3)
    assert f"converged at {run.summary[first].converged_at}, left at {run.summary[first].left_at}" in entry


@pytest.fixture(scope="module")
def schedules():
    """L1 with three schedules: the steps of lr 0.9 x 0.9^t add up to 9 < 12 (4 away, N = 3): it stalls."""
    run = plots.as_run(simulate(load_config(CONFIGS / "l1_schedule.yaml")))
    stalled = [r for r in range(run.runs) if run.summary[r].status == Status.STALLED]
    assert len(stalled) == 1 and run.summary[stalled[0]].stalled_at < run.config.attempts
    return run, stalled[0]


def test_the_lr_figure_marks_a_stalled_run_where_it_stalled_in_its_colour(schedules):
    run, r = schedules
    figure = drawn(plots.lr_figure(run))
    purple = to_rgb(plots.STATUS_COLORS[Status.STALLED])
    drawn_at = [tuple(point) for c in figure.axes[1].collections for point, face in
                zip(c.get_offsets(), c.get_facecolors()) if np.allclose(face[:3], purple)]
    assert [y for _, y in drawn_at] == [run.summary[r].stalled_at], drawn_at  # filled, at the attempt it stalled
    legend = figure.axes[0].get_legend() or figure.legends[0]
    counts = {f"{s.value} ({run.status.count(s)})" for s in Status}
    said = [(words(t.get_text()), h) for t, h in zip(legend.get_texts(), legend.legend_handles)
            if "stalled" in t.get_text() and words(t.get_text()) not in counts]
    assert len(said) == 1 and np.allclose(to_rgb(said[0][1].get_color()), purple), said


def test_a_stalled_cell_is_named_with_the_attempt_it_stalled(schedules):
    run, r = schedules
    legend = drawn(plots.cells_figure(run)).axes[1].get_legend()
    label = run.config.cell_labels()[run.cells[r]]
    entry = next(words(t.get_text()) for t in legend.get_texts() if entry_name(t.get_text()) == label)
    assert entry.endswith(f"stalled at {run.summary[r].stalled_at}") and "attempts" not in entry, entry


TALK_RUNS = {
    "sweep": (CONFIGS / "lr_sweep.yaml", []),
    "schedules": (CONFIGS / "l1_schedule.yaml", []),
    "grid": ({**BIG_GRID, "lr": [0.5, 2.9]}, []),
    "random-games": (CONFIGS / "random_games.yaml", ["games=20", "lr=[0.5, 1, 2]"]),
}


def data_boxes(figure, renderer):
    """The extent of every data artist drawn in an axes: what a reader looks at (clipped to its axes)."""
    for ax in figure.axes:
        if not ax.get_visible():
            continue
        for artist in [*ax.lines, *ax.collections, *ax.patches]:
            if not artist.get_visible():
                continue
            box = artist.get_window_extent(renderer)
            if not np.isfinite(box.get_points()).all():  # nothing drawn (an empty scatter)
                continue
            if artist.get_clip_on():
                box = Bbox.intersection(box, ax.bbox)
            if box is not None and box.width * box.height > 0:
                yield box


@pytest.mark.parametrize("name", sorted(TALK_RUNS))
def test_talk_figures_are_1920_px_wide_with_no_text_under_14_pt_and_legends_off_the_data(name):
    source, overrides = TALK_RUNS[name]
    run = plots.as_run(simulate(load_config(source, overrides)))
    for figure_name, entry in plots.FIGURES.items():
        if not entry.when.holds(run, True):
            continue
        with plots.using("talk"):
            figure = entry(run)
            png = io.BytesIO()
            figure.savefig(png, format="png", dpi=plots.DPI)
            width = Image.open(png).size[0]
            assert width == 1920, figure_name
            renderer = drawn(figure).canvas.get_renderer()
        # A text's points on a figure 1920 px wide at DPI: its size times DPI (the pixels of a point) over
        # the figure's own pixels per point when saved at that width.
        per_point = width / figure.get_figwidth() / 72
        for text in all_texts(figure):
            size = text.get_fontsize() * per_point / (plots.DPI / 72)
            assert size >= 14, (figure_name, text.get_text(), text.get_fontsize())
        legends = [*figure.legends, *(ax.get_legend() for ax in figure.axes if ax.get_legend())]
        assert legends, figure_name
        for legend in legends:
            box = legend.get_window_extent(renderer)
            assert not [b for b in data_boxes(figure, renderer) if box.overlaps(b)], figure_name
            assert figure.bbox.padded(2).contains(box.x0, box.y0) and figure.bbox.padded(2).contains(box.x1, box.y1)


@pytest.mark.parametrize("command", ["run", "compare", "plot"])
def test_a_bad_style_is_exit_2_naming_the_option_and_the_styles(tmp_path, command):
    target = tmp_path if command == "plot" else CONFIGS / "l1.yaml"
    extra = ["--lr", "1"] if command == "compare" else []
    result = runner.invoke(app, [command, str(target), *extra, "--style", "nonsense", "--out", str(tmp_path)]
                           if command != "plot" else [command, str(target), "--style", "nonsense"])
    assert result.exit_code == 2
    said = " ".join(result.output.replace("│", " ").split())
    assert "--style" in said and "nonsense" in said
    assert all(f"'{name}'" in said for name in plots.STYLES), said
    assert not list(tmp_path.iterdir())  # nothing simulated, nothing written


def test_the_drawing_process_draws_in_the_style_asked_for(tmp_path):
    """`guessgame run --style talk` on the command line: the second process that draws gets the style."""
    script = ("import sys\n"
              f"sys.argv = ['guessgame', 'run', {str(CONFIGS / 'l1_schedule.yaml')!r}, '--out', {str(tmp_path)!r}, "
              "'-q', '--style', 'talk']\nfrom guessgame.launch import main\nmain()\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "GUESSGAME_DRAW_APART": "1"})
    assert done.returncode == 0, done.stderr
    plots_dir = next(tmp_path.iterdir()) / "plots"
    widths = {p.name: Image.open(p).size[0] for p in plots_dir.glob("*.png")}
    assert widths and set(widths.values()) == {1920}, widths


# -- long words in a grid's figures: titles and labels fitted to their room ---------------------------------

INSIDE = {"grid": ({**BIG_GRID, "lr": [1, 6]}, []), "sweep": (CONFIGS / "lr_sweep.yaml", [])}


@pytest.mark.parametrize("style", ["default", "talk"])
@pytest.mark.parametrize("name", sorted(INSIDE))
def test_every_text_of_the_trajectory_lies_inside_the_figure_and_no_titles_meet(name, style):
    """The cell names of a 2 losses x 2 optimizers x 3 schedules grid make long panel titles: each is
    wrapped to its panel, the figure's title to the figure."""
    run = plots.as_run(simulate(load_config(*INSIDE[name])))
    with plots.using(style):
        figure = drawn(plots.trajectory_figure(run))
        renderer = figure.canvas.get_renderer()
        outside = [t.get_text() for t in all_texts(figure)
                   if not figure.bbox.padded(1).contains(*t.get_window_extent(renderer).p0)
                   or not figure.bbox.padded(1).contains(*t.get_window_extent(renderer).p1)]
        titles = [(ax.get_title(), ax.title.get_window_extent(renderer)) for ax in figure.axes if ax.get_visible()]
    assert not outside, outside
    assert not overlapping(titles), overlapping(titles)
    assert sum(bool(words(t).startswith("lr ")) for t, _ in titles) == len(titles) > 1


@pytest.mark.parametrize("style", ["default", "talk"])
def test_a_grids_exit_labels_lie_inside_the_path_figures_axes(style):
    """lr 6 diverges in the cells of plain SGD on mse: its label names each one, and must stay inside."""
    run = plots.as_run(simulate(load_config({**BIG_GRID, "lr": [1, 6]})))
    with plots.using(style):
        figure = drawn(plots.path_figure(run))
        renderer = figure.canvas.get_renderer()
        ax = figure.axes[0]
        labels = [(t.get_text(), t.get_window_extent(renderer)) for t in ax.texts]
    assert any("lr 6" in words(text) and "leave" in text for text, _ in labels), labels
    box = ax.bbox.padded(1)
    assert all(box.contains(*b.p0) and box.contains(*b.p1) for _, b in labels), [(t, b.bounds) for t, b in labels]


def test_a_dtype_grids_overflow_line_names_the_narrowest_dtype_and_only_its_cells():
    """float64 listed first: the line is still float16's largest number, torch.finfo's, and the label
    says it bounds only the float16 cells -- one per optimizer, counted from the config."""
    config = {"answer": [2, 77, 91], "guess": 50, "loss": "mse", "lr": [0.3, 1, 10], "attempts": 60,
              "dtype": ["float64", "float16"], "optimizer": ["sgd", "adam"]}
    largest = torch.finfo(torch.float16).max
    figure = drawn(plots.loss_figure(simulate(load_config(config))))
    ax = figure.axes[0]
    said = [words(t.get_text()) for t in ax.texts if t.get_text().startswith("largest")]
    assert said == [f"largest float16: {largest:g} (float16 cells only)"], said
    assert len(config["optimizer"]) == 2  # two float16 cells
    line = [ln for ln in ax.get_lines() if ln.get_linestyle() == "-." and np.ptp(ln.get_ydata()) == 0]
    assert len(line) == 1 and Axis(ax).position(largest) == pytest.approx(line[0].get_ydata()[0], abs=1e-9)
    assert not [t for a in figure.axes[1:] for t in a.texts if t.get_text().startswith("largest")]  # said once
