"""The drawing process: a small run's figures and page drawn by a process forked before torch loads,
the same pictures as the run's own process draws, and every figure the registry lists."""

import json
import os
import subprocess
import sys

import pytest
from matplotlib.figure import Figure
from typer.testing import CliRunner

from guessgame import load_config, viz
from guessgame.cli import app
from guessgame.rundir import drawer

from helpers.files import CONFIGS
from helpers.runfolder import DATA

PLOTS = ["contour.png", "loss.png", "lr.png", "trajectory.png"]  # l1.yaml's answer has 3 elements: a contour
FORK = pytest.mark.skipif(not hasattr(os, "fork") or sys.platform != "linux", reason="drawn apart only where fork is")
_DRAWN_APART = """
import json, sys
from pathlib import Path
from guessgame.rundir.drawer import Apart
from guessgame.rundir.save import save

def report(source, run_dir):
    if sys.argv[3] == "fail":
        raise ValueError("no page today")
    from guessgame.report import write_report
    return write_report(source, run_dir)

apart = Apart.start("png", report)  # before torch is loaded, as `guessgame run` does
assert apart is not None, "no drawing process"
from guessgame import simulate
saved = save(simulate(sys.argv[1]), Path(sys.argv[2]), figures=apart)
print(json.dumps({"dir": str(saved.run_dir), "failures": [str(f) for f in saved.failures]}))
"""


@FORK
def test_a_second_process_draws_the_same_figures_and_page_and_names_what_failed(tmp_path):
    """A small run's figures and page are drawn by a process forked before torch loads, from the
    folder's files: byte for byte what the run's own process draws from the result."""
    from guessgame import simulate
    from guessgame.report import write_report
    from guessgame.rundir.save import Here, save

    config = str(CONFIGS / "l1.yaml")
    done = subprocess.run([sys.executable, "-c", _DRAWN_APART, config, str(tmp_path / "apart"), "ok"],
                          capture_output=True, text=True, timeout=300, check=True)
    apart = json.loads(done.stdout)
    assert apart["failures"] == []
    here = save(simulate(config), tmp_path / "here", figures=Here("png", write_report))
    for name in ("plots/loss.png", "plots/trajectory.png", "plots/lr.png", "plots/contour.png"):
        assert (here.run_dir / name).read_bytes() == (tmp_path / apart["dir"] / name).read_bytes(), name
    page = (here.run_dir / "report.html").read_text(encoding="utf-8").replace(here.run_dir.name, "RUN")
    assert page == (tmp_path / apart["dir"] / "report.html").read_text(encoding="utf-8").replace(
        os.path.basename(apart["dir"]), "RUN")

    done = subprocess.run([sys.executable, "-c", _DRAWN_APART, config, str(tmp_path / "failing"), "fail"],
                          capture_output=True, text=True, timeout=300, check=True)
    failing = json.loads(done.stdout)
    assert failing["failures"] == ["report.html could not be written: ValueError: no page today"]
    run_dir = tmp_path / failing["dir"]
    assert sorted(p.name for p in (run_dir / "plots").iterdir()) == PLOTS
    assert not (run_dir / "report.html").exists() and sorted(DATA) == sorted(
        p.name for p in run_dir.iterdir() if p.is_file())


@FORK
def test_the_command_line_draws_a_small_run_in_a_second_process(tmp_path):
    done = _command_line(tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == "False"  # this process never loaded matplotlib: the other one drew
    run_dir = tmp_path / done.stdout.strip().split("/")[-1]
    assert sorted(p.name for p in (run_dir / "plots").iterdir()) == PLOTS
    assert (run_dir / "report.html").is_file()


def _command_line(tmp_path, env=None):
    """`guessgame run configs/l1.yaml -q` in a process of its own, which says at its end whether it had
    loaded matplotlib itself."""
    script = ("import sys, atexit\n"
              "atexit.register(lambda: print('matplotlib' in sys.modules, file=sys.stderr))\n"
              f"sys.argv = ['guessgame', 'run', {str(CONFIGS / 'l1.yaml')!r}, '--out', {str(tmp_path)!r}, '-q']\n"
              "from guessgame.launch import main\nmain()\n")
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300,
                          env={**os.environ, **(env or {})})


def test_drawing_apart_can_be_turned_off(tmp_path):
    done = _command_line(tmp_path, {"GUESSGAME_DRAW_APART": "0"})
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == "True"  # drawn by the run's own process
    run_dir = tmp_path / done.stdout.strip().split("/")[-1]
    assert sorted(p.name for p in (run_dir / "plots").iterdir()) == PLOTS
    assert (run_dir / "report.html").is_file()


@pytest.mark.parametrize(("overrides", "command_line", "switch", "pays"), [
    ([], True, None, True),
    ([], True, "1", True),
    ([], True, "0", False),
    ([], False, None, False),  # a library caller's process is never forked
    (["lr={logspace: [0.01, 10, 2000]}", "attempts=100"], True, None, False),  # too big to read back
], ids=["small", "switched-on", "switched-off", "library", "big"])
def test_drawing_apart_pays_for_a_small_run_on_the_command_line(monkeypatch, overrides, command_line, switch, pays):
    monkeypatch.setattr(drawer.interrupts, "on_the_command_line", lambda: command_line)
    if switch is None:
        monkeypatch.delenv(drawer.SWITCH, raising=False)
    else:
        monkeypatch.setenv(drawer.SWITCH, switch)
    assert drawer.pays(load_config(CONFIGS / "l1.yaml", overrides)) is pays


_REGISTERED = """
import os, sys
from matplotlib.figure import Figure
from guessgame import viz

MARK = sys.argv[3]

def marked(data):
    with open(MARK, "a") as mark:  # which process drew it
        mark.write(f"{os.getpid()}\\n")
    figure = Figure(figsize=(8, 4))
    figure.add_subplot().plot(data.attempt, data.loss)
    return figure

viz.FIGURES["marked"] = viz.Entry("marked", marked, viz.When.EVERY_RUN)
print(os.getpid(), file=sys.stderr)
sys.argv = ["guessgame", "run", sys.argv[1], "--out", sys.argv[2], "-q"]
from guessgame.launch import main
main()
"""


def marked(data):
    figure = Figure(figsize=(8, 4))
    figure.add_subplot().plot(data.attempt, data.loss)
    return figure


@FORK
def test_a_figure_registered_for_every_run_is_drawn_apart_in_the_run_and_by_plot(tmp_path, monkeypatch):
    """One entry in the registry, and the figure is in plots/: drawn by the drawing process after a small
    `guessgame run` on the command line, by the run's own process, and by `guessgame plot`."""
    mark = tmp_path / "drawn-by"
    done = subprocess.run([sys.executable, "-c", _REGISTERED, str(CONFIGS / "l1.yaml"), str(tmp_path / "apart"),
                           str(mark)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    run_dir = tmp_path / "apart" / done.stdout.strip().split("/")[-1]
    assert sorted(p.name for p in (run_dir / "plots").iterdir()) == \
        ["contour.png", "loss.png", "lr.png", "marked.png", "trajectory.png"]
    (drawn_by,) = mark.read_text().split()
    assert drawn_by != done.stderr.split()[0]  # not the run's own process: the drawing process

    monkeypatch.setitem(viz.FIGURES, "marked", viz.Entry("marked", marked, viz.When.EVERY_RUN))
    runner = CliRunner()
    here = runner.invoke(app, ["run", str(CONFIGS / "l1.yaml"), "--out", str(tmp_path / "here"), "-q"])
    assert here.exit_code == 0, here.output
    assert (tmp_path / "here" / here.stdout.strip().split("/")[-1] / "plots" / "marked.png").is_file()
    (run_dir / "plots" / "marked.png").unlink()
    again = runner.invoke(app, ["plot", str(run_dir)])
    assert again.exit_code == 0, again.output
    assert f"wrote {run_dir / 'plots' / 'marked.png'}" in again.stdout
    assert (run_dir / "plots" / "marked.png").stat().st_size > 1000
