"""Ctrl-C while a run folder is saved: one press lets the folder be finished, a second stops at once and
keeps the data files once they are whole (never a half-written folder)."""

import json
import os
import signal
import subprocess
import sys
import threading
import time

from typer.testing import CliRunner

from guessgame.cli import app

from helpers.files import CONFIGS
from helpers.runfolder import DATA, assert_data_complete, run_dir_of
from helpers.terminal import read_to_end

runner = CliRunner()


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
    assert sorted(p.name for p in (run_dir / "plots").iterdir()) == ["contour.png", "loss.png", "lr.png",
                                                                      "trajectory.png"]
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
