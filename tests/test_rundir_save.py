"""Saving a run folder: the data files first and always kept; a plot, the TensorBoard files or Ctrl-C
can cost pictures, never the data."""

import csv
import json
import os
import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pytest
import yaml
from matplotlib.artist import Artist
from matplotlib.figure import Figure
from PIL import Image
from typer.testing import CliRunner

from files import CONFIGS
from terminal import read_to_end
from guessgame import viz
from guessgame.cli import app

runner = CliRunner()
DATA = ["attempts.csv", "config.yaml", "summary.json"]


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


def run_dir_of(out):
    (run_dir,) = list(out.iterdir())
    return run_dir


def assert_data_complete(run_dir, runs, attempts):
    """The data files are on disk in full: every run's every attempt, a summary of every run."""
    rows = list(csv.DictReader((run_dir / "attempts.csv").open()))
    assert len(rows) == runs * attempts
    assert [int(r["run"]) for r in rows] == [r for r in range(runs) for _ in range(attempts)]
    summary = json.loads((run_dir / "summary.json").read_text())
    assert len(summary["runs"]) == runs and summary["interrupted"] is False
    assert yaml.safe_load((run_dir / "config.yaml").read_text())["attempts"] == attempts


def assert_no_half_files(run_dir):
    hidden = [p.name for p in run_dir.rglob(".*")]
    assert hidden == [], hidden


FAILING = [
    # (id, config, overrides, figure that fails, its error, format, plots still written)
    ("trajectory-LinAlgError", "mse.yaml", ["lr=[0.5, 6]"], "trajectory", np.linalg.LinAlgError("Singular matrix"),
     "png", ["loss.png", "lr.png"]),
    ("lr-OverflowError", "mse.yaml", ["lr=[0.5, 10]"], "lr",
     OverflowError("cannot convert float infinity to integer"), "png", ["loss.png", "trajectory.png"]),
    ("loss-fails-inside-savefig-svg", "mse.yaml", [], "loss", None, "svg", ["lr.svg", "trajectory.svg"]),
    ("loss-fails-inside-savefig-pdf", "l1.yaml", [], "loss", None, "pdf", ["lr.pdf", "trajectory.pdf"]),
    ("score-of-random-games", "random_games.yaml", ["lr=[0.3, 3.05]", "games=4", "attempts=30"], "score",
     MemoryError(), "png", ["loss.png", "lr.png", "trajectory.png"]),
]


@pytest.mark.parametrize(("config", "overrides", "figure", "error", "fmt", "kept"),
                         [case[1:] for case in FAILING], ids=[case[0] for case in FAILING])
@pytest.mark.parametrize("command", ["run", "compare"])
def test_a_failing_plot_is_named_and_costs_nothing_else(tmp_path, monkeypatch, command, config, overrides, figure,
                                                        error, fmt, kept):
    monkeypatch.setitem(viz.FIGURES, figure, raising(error) if error is not None else breaks_while_saving)
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
    monkeypatch.setitem(viz.FIGURES, "lr", raising(OverflowError("too big")))
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
    monkeypatch.setitem(viz.FIGURES, "path", raising(np.linalg.LinAlgError("Singular matrix")))
    result = runner.invoke(app, ["plot", str(run_dir), "--animate"])
    assert result.exit_code == 1
    assert sorted(p.name for p in (run_dir / "plots").iterdir()) == \
        ["guesses.gif", "loss.png", "lr.png", "trajectory.png"]
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
    assert sorted(p.name for p in (run_dir / "plots").iterdir()) == ["loss.png", "lr.png", "trajectory.png"]
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


# Ctrl-C while saving. Quick to simulate, several seconds to plot: Ctrl-C lands while plots are drawn.
SLOW_PLOTS = "answer: [2, 77, 91]\nguess: 50\nloss: mse\nlr: {logspace: [0.001, 1, 800]}\nattempts: 200\n"


def _start_slow_save(tmp_path):
    config = tmp_path / "slow.yaml"
    config.write_text(SLOW_PLOTS)
    out = tmp_path / "runs"
    process = subprocess.Popen([sys.executable, "-m", "guessgame", "run", str(config), "--out", str(out), "-q"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "PYTHONUNBUFFERED": "1"})
    deadline = time.monotonic() + 120
    while not list(out.glob("*/plots")):  # the CSV and summary are written, the plots begin
        assert process.poll() is None and time.monotonic() < deadline, process.communicate()
        time.sleep(0.02)
    return process, out


def test_ctrl_c_while_plotting_finishes_the_folder_then_exits_130(tmp_path):
    process, out = _start_slow_save(tmp_path)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    assert "Ctrl-C again to stop at once" in stderr and "Traceback" not in stderr
    run_dir = run_dir_of(out)
    assert sorted(p.name for p in (run_dir / "plots").iterdir()) == ["loss.png", "lr.png", "trajectory.png"]
    assert_data_complete(run_dir, 800, 200)
    assert stdout == f"{run_dir}\n"


def test_a_second_ctrl_c_while_plotting_stops_and_keeps_the_data(tmp_path):
    process, out = _start_slow_save(tmp_path)
    process.send_signal(signal.SIGINT)
    time.sleep(1)  # two signals close together would reach Python as one
    assert process.poll() is None, "the save finished before the second Ctrl-C; make SLOW_PLOTS slower"
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    run_dir = run_dir_of(out)
    assert f"stopped: {run_dir} keeps config.yaml, attempts.csv and summary.json" in stderr
    assert f"guessgame plot {run_dir}" in stderr and "Traceback" not in stderr
    time.sleep(0.5)  # nothing may appear after the command has ended
    assert sorted(p.name for p in run_dir.iterdir()) == DATA
    assert_data_complete(run_dir, 800, 200)


def test_a_second_ctrl_c_before_the_data_is_written_removes_the_unfinished_folder(tmp_path, monkeypatch):
    """In-process: the CSV writer is held half-way, so both Ctrl-Cs land while attempts.csv is written."""
    import guessgame.rundir.write

    started, release = threading.Event(), threading.Event()
    write = guessgame.rundir.write.write_attempts

    def slow_write(path, result, **kwargs):
        path.write_text("run,lr,attempt\n0,")  # half a file
        started.set()
        release.wait(30)
        write(path, result, **kwargs)

    def ctrl_c_twice():
        assert started.wait(30), "the CSV writer was never reached"
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.5)
        os.kill(os.getpid(), signal.SIGINT)

    monkeypatch.setattr(guessgame.rundir.write, "write_attempts", slow_write)
    presser = threading.Thread(target=ctrl_c_twice, daemon=True)
    presser.start()
    try:
        result = runner.invoke(app, ["run", str(CONFIGS / "mse.yaml"), "--out", str(tmp_path / "runs")])
    finally:
        release.set()
        presser.join(35)  # no Ctrl-C of this test may land in another
    assert started.is_set()
    assert result.exit_code == 130, result.output
    assert "the unfinished run folder" in result.stderr and "was removed" in result.stderr
    assert list((tmp_path / "runs").iterdir()) == []


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


def test_sigint_keeps_the_attempts_so_far_and_exits_130(tmp_path):
    import pty

    config = tmp_path / "long.yaml"
    # log_every keeps the log small, so the run is long but Ctrl-C surely lands inside the loop
    config.write_text("answer: [2, 77, 91]\nguess: 50\nloss: mse\nlr: [0.001, 0.01]\nattempts: 10000000\n"
                      "log_every: 1000\n")
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "TERM": "xterm", "COLUMNS": "100"}
    leader, follower = pty.openpty()  # stderr on a terminal: the progress bar shows the loop has begun
    process = subprocess.Popen([sys.executable, "-m", "guessgame", "run", str(config), "--out", str(tmp_path / "runs"),
                                "--no-plots"], stdout=subprocess.PIPE, stderr=follower, env=env, text=True)
    os.close(follower)
    seen = b""
    while b"%" not in seen:  # however slow the start, Ctrl-C lands inside the simulation
        chunk = os.read(leader, 4096)
        assert chunk, seen
        seen += chunk
    process.send_signal(signal.SIGINT)
    stdout, _ = process.communicate(timeout=60)
    stderr = read_to_end(leader, seen)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr and "interrupted" in stderr
    (run_dir,) = list((tmp_path / "runs").iterdir())
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["interrupted"] is True
    ran = summary["runs"][0]["attempts_run"]
    assert 0 < ran < 10_000_000
    lines = (run_dir / "attempts.csv").read_text().count("\n")
    assert lines == 1 + 2 * len(range(1, ran + 1, 1000))
    assert str(run_dir.name) in stdout


@pytest.fixture
def command_line_ctrl_c():
    """Ctrl-C counted as the command line counts it, for a test in this process; Python's own handling after."""
    from guessgame import interrupts

    interrupts.until_work()
    interrupts.work_begins()
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)
        interrupts._presses = 0


def test_after_an_interrupted_simulation_one_ctrl_c_stops_the_save(command_line_ctrl_c):
    from guessgame.rundir.save import _Worker

    started, release, written = threading.Event(), threading.Event(), []

    def slow_write():
        started.set()
        release.wait(30)
        written.append(True)

    def ctrl_c():
        assert started.wait(10)
        os.kill(os.getpid(), signal.SIGINT)

    os.kill(os.getpid(), signal.SIGINT)  # the Ctrl-C that stopped the simulation
    presser = threading.Thread(target=ctrl_c, daemon=True)
    presser.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            _Worker(slow_write, notify=print).wait()
        assert not written  # it stopped waiting instead of letting the write finish
    finally:
        release.set()
        presser.join(15)


def test_one_ctrl_c_while_saving_lets_the_save_finish_and_says_so(command_line_ctrl_c):
    from guessgame.rundir.save import _Worker

    started, told = threading.Event(), []

    def slow_write():
        started.set()
        time.sleep(1)

    def ctrl_c():
        assert started.wait(10)
        os.kill(os.getpid(), signal.SIGINT)

    presser = threading.Thread(target=ctrl_c, daemon=True)
    presser.start()
    assert _Worker(slow_write, notify=told.append).wait() is True
    presser.join(15)
    assert told == ["interrupted while saving; finishing the run folder (Ctrl-C again to stop at once)"]


_DRAWN_APART = """
import json, sys
from pathlib import Path
from guessgame.rundir.drawer import Drawer
from guessgame.rundir.save import save

def report(source, run_dir):
    if sys.argv[3] == "fail":
        raise ValueError("no page today")
    from guessgame.report import write_report
    return write_report(source, run_dir)

drawer = Drawer.start("png", report)  # before torch is loaded, as `guessgame run` does
assert drawer is not None, "no drawing process"
from guessgame import simulate
saved = save(simulate(sys.argv[1]), Path(sys.argv[2]), report=report, drawer=drawer)
print(json.dumps({"dir": str(saved.run_dir), "failures": [str(f) for f in saved.failures]}))
"""


@pytest.mark.skipif(not hasattr(os, "fork") or sys.platform != "linux", reason="drawn apart only where fork is")
def test_a_second_process_draws_the_same_figures_and_page_and_names_what_failed(tmp_path):
    """A small run's figures and page are drawn by a process forked before torch loads, from the
    folder's files: byte for byte what the run's own process draws from the result."""
    from guessgame import simulate
    from guessgame.report import write_report
    from guessgame.rundir.save import save

    config = str(CONFIGS / "l1.yaml")
    done = subprocess.run([sys.executable, "-c", _DRAWN_APART, config, str(tmp_path / "apart"), "ok"],
                          capture_output=True, text=True, timeout=300, check=True)
    apart = json.loads(done.stdout)
    assert apart["failures"] == []
    here = save(simulate(config), tmp_path / "here", report=write_report)
    for name in ("plots/loss.png", "plots/trajectory.png", "plots/lr.png"):
        assert (here.run_dir / name).read_bytes() == (tmp_path / apart["dir"] / name).read_bytes(), name
    page = (here.run_dir / "report.html").read_text(encoding="utf-8").replace(here.run_dir.name, "RUN")
    assert page == (tmp_path / apart["dir"] / "report.html").read_text(encoding="utf-8").replace(
        os.path.basename(apart["dir"]), "RUN")

    done = subprocess.run([sys.executable, "-c", _DRAWN_APART, config, str(tmp_path / "failing"), "fail"],
                          capture_output=True, text=True, timeout=300, check=True)
    failing = json.loads(done.stdout)
    assert failing["failures"] == ["report.html could not be written: ValueError: no page today"]
    run_dir = tmp_path / failing["dir"]
    assert sorted(p.name for p in (run_dir / "plots").iterdir()) == ["loss.png", "lr.png", "trajectory.png"]
    assert not (run_dir / "report.html").exists() and sorted(DATA) == sorted(
        p.name for p in run_dir.iterdir() if p.is_file())


@pytest.mark.skipif(not hasattr(os, "fork") or sys.platform != "linux", reason="drawn apart only where fork is")
def test_the_command_line_draws_a_small_run_in_a_second_process(tmp_path):
    script = ("import sys, atexit\n"
              "atexit.register(lambda: print('matplotlib' in sys.modules, file=sys.stderr))\n"
              f"sys.argv = ['guessgame', 'run', {str(CONFIGS / 'l1.yaml')!r}, '--out', {str(tmp_path)!r}, '-q']\n"
              "from guessgame.launch import main\nmain()\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == "False"  # this process never loaded matplotlib: the other one drew
    run_dir = tmp_path / done.stdout.strip().split("/")[-1]
    assert sorted(p.name for p in (run_dir / "plots").iterdir()) == ["loss.png", "lr.png", "trajectory.png"]
    assert (run_dir / "report.html").is_file()
