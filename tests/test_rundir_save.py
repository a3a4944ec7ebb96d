"""Saving a run folder: the data files first and always kept; a plot or the TensorBoard files can cost
pictures, never the data."""

import os
import subprocess
import sys

import numpy as np
import pytest
import yaml
from matplotlib.artist import Artist
from matplotlib.figure import Figure
from PIL import Image
from typer.testing import CliRunner

from guessgame import viz
from guessgame.cli import app

from helpers.files import CONFIGS
from helpers.runfolder import DATA, assert_data_complete, assert_no_half_files, run_dir_of

runner = CliRunner()


class Broken(Exception):
    """What a figure raises in these tests: no one else raises it."""


class BrokenArtist(Artist):
    def draw(self, renderer):
        raise Broken("the renderer gave up half-way")


def raising(error):
    def make(data):
        raise error

    return make


def breaks_while_saving(data):
    """A figure that fails half-way through savefig, after an SVG or PDF file has been opened."""
    figure = Figure()
    figure.add_subplot().plot([1, 2], [3, 4])
    figure.add_artist(BrokenArtist())
    return figure


def failing(monkeypatch, name, draw):
    """The registry's figure `name`, drawn by `draw` instead, for this test."""
    monkeypatch.setitem(viz.FIGURES, name, viz.FIGURES[name]._replace(draw=draw))


FAILING = [
    # (id, config, overrides, figure that fails, its error, format, plots still written)
    ("trajectory-LinAlgError", "mse.yaml", ["lr=[0.5, 6]"], "trajectory", np.linalg.LinAlgError("Singular matrix"),
     "png", ["contour.png", "loss.png", "lr.png"]),
    ("lr-OverflowError", "mse.yaml", ["lr=[0.5, 10]"], "lr",
     OverflowError("cannot convert float infinity to integer"), "png", ["contour.png", "loss.png", "trajectory.png"]),
    ("loss-fails-inside-savefig-svg", "mse.yaml", [], "loss", None, "svg", ["contour.svg", "lr.svg", "trajectory.svg"]),
    ("loss-fails-inside-savefig-pdf", "l1.yaml", [], "loss", None, "pdf", ["contour.pdf", "lr.pdf", "trajectory.pdf"]),
    ("score-of-random-games", "random_games.yaml", ["lr=[0.3, 3.05]", "games=4", "attempts=30"], "score",
     MemoryError(), "png", ["contour.png", "loss.png", "lr.png", "trajectory.png"]),
]


@pytest.mark.parametrize(("config", "overrides", "figure", "error", "fmt", "kept"),
                         [case[1:] for case in FAILING], ids=[case[0] for case in FAILING])
@pytest.mark.parametrize("command", ["run", "compare"])
def test_a_failing_plot_is_named_and_costs_nothing_else(tmp_path, monkeypatch, command, config, overrides, figure,
                                                        error, fmt, kept):
    failing(monkeypatch, figure, raising(error) if error is not None else breaks_while_saving)
    out = tmp_path / "runs"
    args = [command, str(CONFIGS / config), "--out", str(out), "--format", fmt]
    for override in overrides:
        if command == "compare" and override.startswith("lr="):  # compare takes its lrs as --lr
            args += [part for lr in yaml.safe_load(override[3:]) for part in ("--lr", str(lr))]
        else:
            args += ["--set", override]
    if command == "compare" and not any(o.startswith("lr=") for o in overrides):
        args += ["--lr", "0.5", "--lr", "10"]
    result = runner.invoke(app, args)
    assert result.exit_code == 1, result.output
    run_dir = run_dir_of(out)
    settings = yaml.safe_load((run_dir / "config.yaml").read_text())
    runs = len(settings["lr"]) * settings["games"]
    assert_data_complete(run_dir, runs, settings["attempts"])
    assert sorted(p.name for p in (run_dir / "plots").iterdir()) == sorted(kept)
    for name in kept:
        assert (run_dir / "plots" / name).stat().st_size > 1000
    assert_no_half_files(run_dir)
    reason = f"{type(error).__name__}: {error}" if error is not None and str(error) else \
        (type(error).__name__ if error is not None else "Broken: the renderer gave up half-way")
    (message,) = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert message == (f"error: plots/{figure}.{fmt} could not be drawn: {reason}; the run's data is in {run_dir}; "
                       f"retry with: guessgame plot {run_dir}")
    assert "summary" in result.stdout and f"run folder: {run_dir}" in result.stdout  # the tables still print
    assert "Traceback" not in result.output

    monkeypatch.undo()  # the figure works again: `guessgame plot` draws what was missing
    again = runner.invoke(app, ["plot", str(run_dir), "--format", fmt])
    assert again.exit_code == 0, again.output
    assert f"plots/{figure}.{fmt}" in again.stdout


def test_quiet_prints_the_path_alone_even_when_a_plot_fails(tmp_path, monkeypatch):
    failing(monkeypatch, "lr", raising(OverflowError("too big")))
    result = runner.invoke(app, ["run", str(CONFIGS / "mse.yaml"), "--out", str(tmp_path), "--quiet"])
    assert result.exit_code == 1
    run_dir = run_dir_of(tmp_path)
    assert result.stdout == f"{run_dir}\n"
    assert "plots/lr.png could not be drawn: OverflowError: too big" in result.stderr


def test_quiet_path_works_in_a_shell_substitution(tmp_path):
    script = (f'd=$("{sys.executable}" -m guessgame run "{CONFIGS / "mse.yaml"}" --out "{tmp_path / "my runs"}" '
              '--no-plots -q) && test -f "$d/summary.json" && echo "$d"')
    done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(run_dir_of(tmp_path / "my runs"))


def test_plot_names_the_figure_that_fails_and_writes_the_others(tmp_path, monkeypatch):
    made = runner.invoke(app, ["run", str(CONFIGS / "mse.yaml"), "--out", str(tmp_path), "--no-plots", "-q"])
    run_dir = run_dir_of(tmp_path)
    assert made.exit_code == 0
    failing(monkeypatch, "path", raising(np.linalg.LinAlgError("Singular matrix")))
    result = runner.invoke(app, ["plot", str(run_dir), "--animate"])
    assert result.exit_code == 1
    assert sorted(p.name for p in (run_dir / "plots").iterdir()) == \
        ["contour.png", "guesses.gif", "loss.png", "lr.png", "trajectory.png"]
    assert "error: plots/path.png could not be drawn: LinAlgError: Singular matrix; the other plots were written" \
        in result.stderr
    with Image.open(run_dir / "plots" / "guesses.gif") as gif:
        assert gif.n_frames > 1
    assert_no_half_files(run_dir)


def test_a_failing_animation_is_named_and_leaves_no_half_gif(tmp_path, monkeypatch):
    runner.invoke(app, ["run", str(CONFIGS / "mse.yaml"), "--out", str(tmp_path), "--no-plots", "-q"])
    run_dir = run_dir_of(tmp_path)

    def half_then_fail(data, path):
        with open(path, "wb") as handle:
            handle.write(b"GIF89a")
        raise Broken("out of frames")

    monkeypatch.setattr(viz, "animate", half_then_fail)
    result = runner.invoke(app, ["plot", str(run_dir), "--animate"])
    assert result.exit_code == 1
    assert "plots/guesses.gif could not be drawn: Broken: out of frames" in result.stderr
    assert not (run_dir / "plots" / "guesses.gif").exists()
    assert_no_half_files(run_dir)


def test_failing_tensorboard_files_are_named_and_removed_and_the_rest_is_written(tmp_path, monkeypatch):
    import guessgame.rundir.events

    def half_then_fail(run_dir, result):
        (run_dir / "tensorboard" / "lr=10").mkdir(parents=True)
        (run_dir / "tensorboard" / "lr=10" / "events.out.tfevents.0").write_bytes(b"\x00" * 10)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(guessgame.rundir.events, "write_events", half_then_fail)
    result = runner.invoke(app, ["run", str(CONFIGS / "mse.yaml"), "--out", str(tmp_path), "--tensorboard"])
    assert result.exit_code == 1
    run_dir = run_dir_of(tmp_path)
    assert_data_complete(run_dir, 1, 20)
    assert not (run_dir / "tensorboard").exists()
    assert sorted(p.name for p in (run_dir / "plots").iterdir()) == ["contour.png", "loss.png", "lr.png",
                                                                      "trajectory.png"]
    assert (f"error: tensorboard/ could not be written: OSError: [Errno 28] No space left on device; "
            f"the run's data is in {run_dir}") in result.stderr
    assert "tensorboard --logdir" not in result.stdout


def test_plots_are_written_with_the_permissions_of_any_new_file(tmp_path):
    result = runner.invoke(app, ["run", str(CONFIGS / "mse.yaml"), "--out", str(tmp_path)])
    assert result.exit_code == 0
    run_dir = run_dir_of(tmp_path)
    mask = os.umask(0)
    os.umask(mask)
    for path in [*(run_dir / name for name in DATA), *(run_dir / "plots").iterdir()]:
        assert path.stat().st_mode & 0o777 == 0o666 & ~mask, path.name


def test_a_keyboardinterrupt_raised_by_a_library_while_saving_is_not_a_ctrl_c(tmp_path, monkeypatch):
    """A KeyboardInterrupt that no Ctrl-C sent (polars raises its own) neither stops the save nor loses
    the folder: the data files are written again."""
    import guessgame.rundir.write

    write, raised = guessgame.rundir.write.write_attempts, []

    def interrupted_once(path, result, **kwargs):
        if not raised:
            raised.append(True)
            raise KeyboardInterrupt
        write(path, result, **kwargs)

    monkeypatch.setattr(guessgame.rundir.write, "write_attempts", interrupted_once)
    result = runner.invoke(app, ["run", str(CONFIGS / "mse.yaml"), "--out", str(tmp_path / "runs"), "--no-plots"])
    assert raised and result.exit_code == 0, result.output
    assert_data_complete(run_dir_of(tmp_path / "runs"), 1, 20)
