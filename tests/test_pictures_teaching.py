"""The teaching pictures say only what holds: the landscape's curves and legend, the edge marks, the
panels a sweep's trajectory shows, and the GIF's first frame and legend.

References are torch.nn.functional (values, and gradients by autograd), closed-form arithmetic worked
out here, the run's own summary, and matplotlib's transforms -- never the figure code's own mapping.
"""

import re

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.text import Text
from typer.testing import CliRunner

from guessgame import plots, simulate
from guessgame.cli import app
from guessgame.config import load_config
from guessgame.viz import gif_legend

from helpers.files import CONFIGS
from helpers.reading import Axis, draw

runner = CliRunner()
REFERENCE = {"l1": F.l1_loss, "mse": F.mse_loss, "huber": F.huber_loss, "smooth_l1": F.smooth_l1_loss,
             "bad": lambda guess, answer: (guess - answer).mean()}


def torch_curve(name: str, guesses, target: float, **options) -> tuple[np.ndarray, np.ndarray]:
    """Each guess's loss against `target` and its gradient, one element at a time, by torch."""
    values, grads = [], []
    for g in np.asarray(guesses, dtype=float):
        guess = torch.tensor([g], dtype=torch.float64, requires_grad=True)
        loss = REFERENCE[name](guess, torch.tensor([target], dtype=torch.float64), **options)
        loss.backward()
        values.append(loss.item())
        grads.append(guess.grad.item())
    return np.array(values), np.array(grads)


def landscape_via_cli(monkeypatch, tmp_path, *args):
    """Run `guessgame landscape ARGS`, keeping the figure it saves."""
    import guessgame.rundir.save

    kept = []
    real = guessgame.rundir.save.save_figure
    monkeypatch.setattr(guessgame.rundir.save, "save_figure", lambda fig, out: (kept.append(fig), real(fig, out))[1])
    result = runner.invoke(app, ["landscape", *args, "--out", str(tmp_path / "land.png")])
    return result, (kept[0] if kept else None)


# -- the landscape ----------------------------------------------------------------------------------------

def test_huber_inside_its_band_is_drawn_as_torch_computes_it(monkeypatch, tmp_path):
    """delta 0.5 over guesses -1000 .. 1000: the quadratic band (2 ± 0.5) is a thousandth of the range,
    and must still be drawn from many guesses, each equal to F.huber_loss and its gradient there."""
    result, fig = landscape_via_cli(monkeypatch, tmp_path, "--loss", "l1", "--loss", "{name: huber, delta: 0.5}",
                                    "--target", "2", "--range", "-1000", "1000")
    assert result.exit_code == 0, result.output
    draw(fig)
    loss_ax, grad_ax = fig.axes[:2]
    labels = [t.get_text() for t in grad_ax.get_legend().get_texts()]
    at = next(i for i, text in enumerate(labels) if text.startswith("huber"))
    for ax, k in ((loss_ax, 0), (grad_ax, 1)):
        x, y = (np.asarray(v, dtype=float) for v in ax.get_lines()[at].get_data())
        band = np.abs(x - 2) < 0.5
        assert band.sum() >= 20, f"only {band.sum()} guesses drawn inside huber's band"
        wanted = torch_curve("huber", x[band], 2.0, delta=0.5)[k]
        axis = Axis(ax)
        np.testing.assert_allclose(y[band], [axis.position(v) for v in wanted], rtol=0, atol=1e-9 * np.ptp(axis.limits))


CLAIM = re.compile(r"\((?:(loss and gradient|loss|gradient) )?= (\w+?)(?:'s)? (for guess in [^;)]*\]|over the whole "
                   r"range)(?:; gradient (for guess in [^)]*\]|over the whole range))?\)")
INTERVAL = re.compile(r"([\[(])(-?[\d.e+]+), (-?[\d.e+]+)([\])])")


def claims(label: str) -> list[tuple[str, str, list]]:
    """(what, other loss, intervals) for each equality a legend entry states; no qualifier claims both."""
    text = " ".join(label.split())
    out = []
    for what, other, where, gradient_where in CLAIM.findall(text):
        pairs = [(what or "loss and gradient", where)] + ([("gradient", gradient_where)] if gradient_where else [])
        for kind, span in pairs:
            out.append((kind, other, INTERVAL.findall(span) if span.startswith("for") else "all"))
    return out


@pytest.mark.parametrize("losses", [["l1", "mse", "huber"], ["l1", "bad"], ["huber", "smooth_l1"],
                                    ["l1", "smooth_l1", "huber", "bad"]], ids="+".join)
def test_the_legend_claims_no_equality_the_numbers_deny(losses):
    fig = draw(plots.landscape_figure(losses, 2.0, -8.0, 12.0))
    labels = [t.get_text() for t in fig.axes[1].get_legend().get_texts()]
    checked = 0
    for label in labels:
        name = label.split()[0]
        for what, other, intervals in claims(label):
            spans = [("[", -8.0, 12.0, "]")] if intervals == "all" else [
                (a, float(lo), float(hi), b) for a, lo, hi, b in intervals]
            for a, lo, hi, b in spans:
                x = np.linspace(lo, hi, 101)[(0 if a == "[" else 1):(101 if b == "]" else 100)]
                mine, theirs = torch_curve(name, x, 2.0), torch_curve(other, x, 2.0)
                for k in [0, 1] if what == "loss and gradient" else [("loss", "gradient").index(what)]:
                    np.testing.assert_allclose(mine[k], theirs[k], rtol=1e-12, atol=0,
                                               err_msg=f"{label!r} claims {what} = {other} on {a}{lo}, {hi}{b}")
            checked += 1
    assert checked or not any(" = " in label for label in labels if not label.startswith("answer"))


def test_the_legend_says_where_curves_do_coincide():
    """Closed form: huber's (delta 1) gradient clamp(e, -1, 1) equals l1's sign(e) where |e| >= 1; the bad
    loss e equals l1's |e| where e >= 0, its gradient 1 equals sign(e) only where e > 0."""
    labels = [" ".join(t.get_text().split()) for t in
              draw(plots.landscape_figure(["l1", "huber", "bad"], 2.0, -8.0, 12.0)).axes[1].get_legend().get_texts()]
    huber = next(label for label in labels if label.startswith("huber"))
    bad = next(label for label in labels if label.startswith("bad"))
    assert claims(huber) == [("gradient", "l1", [("[", "-8", "1", "]"), ("[", "3", "12", "]")])], huber
    assert claims(bad) == [("loss", "l1", [("[", "2", "12", "]")]), ("gradient", "l1", [("(", "2", "12", "]")])], bad


def test_landscape_takes_compares_loss_mappings_with_compares_messages(monkeypatch, tmp_path):
    result, fig = landscape_via_cli(monkeypatch, tmp_path, "--loss", "{name: huber, delta: 1}", "--loss", "mse")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "land.png").stat().st_size > 0
    for bad in ("{name: huber, delta: -1}", "{name: huber, deltaa: 1}", "{delta: 1}", "{name: hubr}", "msee"):
        landscape = runner.invoke(app, ["landscape", "--loss", "mse", "--loss", bad, "--out", str(tmp_path / "x.png")])
        compare = runner.invoke(app, ["compare", str(CONFIGS / "mse.yaml"), "--loss", "mse", "--loss", bad,
                                      "--out", str(tmp_path / "runs")])
        assert landscape.exit_code == compare.exit_code == 2, (landscape.output, compare.output)
        assert landscape.output == compare.output and f"--loss {bad}" in landscape.output
        assert "Traceback" not in landscape.output
    assert not (tmp_path / "x.png").exists() and not (tmp_path / "runs").exists()


# -- edge marks ------------------------------------------------------------------------------------------

HARD = {
    "lr_sweep": (CONFIGS / "lr_sweep.yaml", []),
    "float16-overflow": (CONFIGS / "mse.yaml", ["dtype=float16", "lr={logspace: [0.1, 30, 12]}", "attempts=40"]),
    "one-lr": (CONFIGS / "mse.yaml", ["lr=6", "attempts=200"]),
    "nan": (CONFIGS / "mse.yaml", ["lr=[1e150, 0.5]", "attempts=30"]),
    "thousand-lrs": (CONFIGS / "mse.yaml", ["lr={logspace: [0.01, 100, 1000]}", "attempts=60"]),
}


@pytest.fixture(scope="module", params=sorted(HARD))
def hard(request):
    source, overrides = HARD[request.param]
    return plots.as_run(simulate(load_config(source, overrides)))


def unclipped_points_outside_their_axes(fig) -> list:
    """Every point of an unclipped scatter (the edge marks among them) outside its own axes' box, in pixels."""
    outside = []
    for ax in fig.axes:
        box = ax.bbox
        for collection in ax.collections:
            if collection.get_clip_on() or not len(collection.get_offsets()):
                continue
            px = collection.get_offset_transform().transform(np.asarray(collection.get_offsets(), dtype=float))
            bad = ((px[:, 0] < box.x0 - 0.5) | (px[:, 0] > box.x1 + 0.5) | (px[:, 1] < box.y0 - 0.5)
                   | (px[:, 1] > box.y1 + 0.5))
            outside += [(ax.get_title()[:30], tuple(p)) for p in px[bad]]
    return outside


@pytest.mark.parametrize("make", [plots.trajectory_figure, plots.loss_figure], ids=["trajectory", "loss"])
def test_every_edge_mark_lies_inside_its_own_panel(hard, make):
    fig = make(hard)
    FigureCanvasAgg(fig).draw()
    assert not unclipped_points_outside_their_axes(fig)


def test_the_landscapes_marks_lie_inside_their_panels():
    fig = draw(plots.landscape_figure(["l1", "mse", "bad"], 2.0, -1e200, 1e200))
    assert not unclipped_points_outside_their_axes(fig)


def drawn_texts(fig) -> list[Text]:
    """Every text a reader sees: titles, axis labels, the tick labels in view, notes, legends."""
    texts = [t for t in (fig._suptitle,) if t is not None]
    for ax in (ax for ax in fig.axes if ax.get_visible()):
        texts += [ax.title, ax.xaxis.label, ax.yaxis.label, *ax.texts]
        for axis in (ax.xaxis, ax.yaxis):
            low, high = sorted(axis.get_view_interval())
            texts += [t.label1 for t in axis.get_major_ticks() if low - 1e-9 <= t.get_loc() <= high + 1e-9]
    legends = [*fig.legends, *(ax.get_legend() for ax in fig.axes if ax.get_legend())]
    texts += [t for legend in legends for t in [*legend.get_texts(), legend.get_title()]]
    return [t for t in texts if t.get_visible() and t.get_text().strip()]


CUT = {"trajectory": (plots.trajectory_figure, CONFIGS / "lr_sweep.yaml", []),
       "loss": (plots.loss_figure, CONFIGS / "mse.yaml", ["lr=[6, 10]", "attempts=60"])}


@pytest.mark.parametrize("style", ["default", "talk"])
@pytest.mark.parametrize("name", sorted(CUT))
def test_the_note_on_a_cut_attempt_axis_meets_no_other_text(name, style):
    """Runs that leave the view within the first attempts cut the attempt axis short; the note that says
    so (`attempts 13–60: all past the view`) lies in the figure, clear of the axis label, the tick
    labels, the titles and the legend -- boxes as the renderer lays them out."""
    make, source, overrides = CUT[name]
    with plots.using(style):
        fig = make(plots.as_run(simulate(load_config(source, overrides))))
        FigureCanvasAgg(fig).draw()
        renderer = fig.canvas.get_renderer()
        texts = drawn_texts(fig)
        notes = [t for t in texts if t.get_text().startswith("attempts ")]
        assert notes
        for note in notes:
            box = note.get_window_extent(renderer)
            assert fig.bbox.contains(*box.p0) and fig.bbox.contains(*box.p1), (note.get_text(), box.bounds)
            met = [t.get_text() for t in texts if t is not note and t.get_window_extent(renderer).overlaps(box)]
            assert not met, (note.get_text(), met)


def test_an_exit_label_names_its_lrs_in_order_each_with_its_attempt():
    """Four lrs past MSE's critical lr N = 3: the error grows by |1 - 2·lr/3| an attempt, faster for a
    larger lr, so a larger lr leaves the frame no later. A label naming several lists them by lr, each
    with its own attempt."""
    fig = draw(plots.path_figure(simulate(load_config(CONFIGS / "mse.yaml", ["lr=[6.332, 10.63, 17.86, 30]"]))))
    named = 0
    for text in (" ".join(t.get_text().split()) for t in fig.axes[0].texts):
        found = re.fullmatch(r"lr ([\d., ]+) leave at attempts? ([\d, ]+)", text)
        if found:
            lrs, when = [float(v) for v in found[1].split(", ")], [int(v) for v in found[2].split(", ")]
            assert lrs == sorted(lrs), text
            assert len(when) == 1 or when == sorted(when, reverse=True), text
            named += len(lrs)
    assert named >= 2


# -- the panels of a sweep's trajectory -----------------------------------------------------------------------

def panels(fig) -> list[tuple[float, str]]:
    """(lr, status) of each panel, read from its title: `lr 2.894 (< critical): unfinished`."""
    titles = [ax.get_title().split("\n")[0] for ax in fig.axes if ax.get_visible()]
    found = [re.match(r"lr ([\d.e+-]+).*: (\w+)$", title) for title in titles]
    return [(float(m.group(1)), m.group(2)) for m in found if m]


@pytest.mark.parametrize("overrides", [[], ["lr={logspace: [0.01, 10, 1000]}"]], ids=["40 lrs", "1000 lrs"])
def test_a_sweeps_trajectory_shows_each_regime(overrides):
    result = simulate(load_config(CONFIGS / "lr_sweep.yaml", overrides))
    shown = panels(plots.trajectory_figure(result))
    lrs = sorted(shown)
    critical = result.theory[0].critical_lr  # N = 3 for mse over 3 elements
    assert critical == 3
    below = max(lr for lr in result.lr.tolist() if lr < critical)
    above = min(lr for lr in result.lr.tolist() if lr > critical)
    assert any(1.5 < lr < 3 for lr, _ in shown), shown  # overshoots, still converges
    assert {f"{below:.4g}", f"{above:.4g}"} <= {f"{lr:.4g}" for lr, _ in shown}, shown
    assert {status for _, status in shown} == set(map(str, result.status)), shown
    assert all(c[0] / a[0] > 1.1 for a, c in zip(lrs, lrs[2:])), f"three near-identical lrs shown: {shown}"


def test_a_grid_at_one_lr_shows_its_cells_and_names_no_regime_it_lacks():
    """Twelve cells, each playing lr 10 alone: above every critical lr, none below it, none between. The
    figure shows as many panels as a 40-lr sweep, each of a different cell, and its title claims no run
    either side of a critical lr, nor mid-way between two."""
    lists = {"loss": ["mse", "l1"], "optimizer": ["sgd", "adam"],
             "schedule": ["none", {"name": "exponential", "gamma": 0.95}, {"name": "cosine", "T_max": 60}]}
    cells = len(lists["loss"]) * len(lists["optimizer"]) * len(lists["schedule"])
    fig = plots.trajectory_figure(simulate(load_config({"answer": [2, 77, 91], "guess": 50, "lr": 10,
                                                         "attempts": 60, **lists})))
    sweep = panels(plots.trajectory_figure(simulate(load_config(CONFIGS / "lr_sweep.yaml", []))))
    titles = [" ".join(ax.get_title().split()) for ax in fig.axes if ax.get_visible()]
    shown = [re.match(r"lr 10 \((.+?)\)", title)[1] for title in titles]
    assert len(shown) == len(sweep) and len(set(shown)) == len(shown), titles
    heading = " ".join(fig._suptitle.get_text().split())
    assert f"shown: {len(shown)} of {cells} runs" in heading, heading
    assert "either side" not in heading and "mid-way" not in heading, heading


# -- the GIF ---------------------------------------------------------------------------------------------

def test_the_gifs_first_frame_shows_the_shared_start_and_its_legend_no_future(tmp_path, monkeypatch):
    """Four runs from the same guess: the first frame says they share one dot; a run's status enters the
    legend only from the attempt it is decided (diverged at its diverged_at; a status read at the end,
    at the last frame); the last frame names every run's status."""
    result = simulate(load_config(CONFIGS / "mse.yaml", ["lr=[0.5, 1.5, 2.9, 10]"]))  # 20 attempts: a frame each
    frames: list[list[str]] = []

    def label(ax, artist):  # each frame's label, then its legend's words (drawn, or put back as drawn before)
        if isinstance(artist, Text):
            frames.append([artist.get_text()])
        return real(ax, artist)

    def legend(canvas, drawn_legend, words, drawn):
        frames[-1].extend(words)
        return real_legend(canvas, drawn_legend, words, drawn)

    real, real_legend = Axes.draw_artist, gif_legend.draw
    monkeypatch.setattr(Axes, "draw_artist", label)
    monkeypatch.setattr(gif_legend, "draw", legend)
    assert plots.animate(result, tmp_path / "g.gif") == 20
    statuses = set(map(str, result.status))
    first = " ".join(frames[0])
    assert "all 4 runs start at 50" in first
    assert not [word for word in statuses if word in first], first
    diverged = result.status.index("diverged")
    at = result.diverged_at[diverged]
    for attempt, texts in enumerate(frames, start=1):
        entry = next(t for t in texts if t.startswith("lr 10"))
        assert ("diverged" in entry) == (attempt >= at), (attempt, entry)
        assert ("unfinished" in " ".join(texts)) == (attempt == 20), (attempt, texts)
    last = " ".join(frames[-1])
    assert all(f"{lr:g}: {status}" in last for lr, status in zip(result.lr.tolist(), map(str, result.status))), last


def test_the_gif_of_many_runs_counts_statuses_as_they_are_decided(tmp_path, monkeypatch):
    result = simulate(load_config(CONFIGS / "lr_sweep.yaml", ["attempts=30"]))
    legends = []
    real = gif_legend.draw
    monkeypatch.setattr(gif_legend, "draw", lambda canvas, legend, words, drawn: (
        legends.append(list(words)), real(canvas, legend, words, drawn))[1])
    plots.animate(result, tmp_path / "g.gif")
    counts = [{m.group(1): int(m.group(2)) for t in texts if (m := re.match(r"(\w+): (\d+)", t))} for texts in legends]
    assert counts[0].get("undecided") == 40 and sum(counts[0].values()) == 40, legends[0]
    final = {status: list(map(str, result.status)).count(status) for status in set(map(str, result.status))}
    assert {k: v for k, v in counts[-1].items() if v} == final, legends[-1]


@pytest.mark.parametrize("config", ["mse.yaml", "lr_sweep.yaml"])
def test_a_legend_put_back_from_an_earlier_frame_is_the_legend_drawn_anew(tmp_path, monkeypatch, config):
    """Each frame's pixels are those of the frame with its legend drawn afresh: the legend's words (a few runs,
    or the counts of many) changing between frames, and coming back."""
    from PIL import Image, ImageSequence

    result = simulate(load_config(CONFIGS / config, ["attempts=40"]))
    plots.animate(result, tmp_path / "kept.gif")
    real = gif_legend.draw
    monkeypatch.setattr(gif_legend, "draw", lambda canvas, legend, words, drawn: real(canvas, legend, words, {}))
    plots.animate(result, tmp_path / "anew.gif")
    frames = [[np.asarray(f.convert("RGB")) for f in ImageSequence.Iterator(Image.open(tmp_path / name))]
              for name in ("kept.gif", "anew.gif")]
    assert len(frames[0]) == len(frames[1]) > 10
    assert all(np.array_equal(a, b) for a, b in zip(*frames))
