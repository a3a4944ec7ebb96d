"""The progress bar: on a terminal for a long run, never on a pipe, not for a quick run; Ctrl-C while
the command starts."""

import os
import re
import signal
import subprocess
import sys
import time

import pytest

from helpers.files import CONFIGS
from helpers.terminal import read_to_end


def _run_with_stderr(tmp_path, config_text, *, terminal):
    """Run `guessgame run` with stderr on a pseudo-terminal or a pipe; returns (returncode, stderr)."""
    import pty

    config = tmp_path / "long.yaml"
    config.write_text(config_text)
    args = [sys.executable, "-m", "guessgame", "run", str(config), "--out", str(tmp_path / "runs"), "--no-plots"]
    env = {**os.environ, "TERM": "xterm", "COLUMNS": "100"}
    if not terminal:
        done = subprocess.run(args, capture_output=True, text=True, env=env, timeout=300)
        return done.returncode, done.stderr
    leader, follower = pty.openpty()
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=follower, env=env)
    os.close(follower)
    stderr = read_to_end(leader)
    return process.wait(timeout=300), stderr


LONG_RUN = "answer: [2, 77, 91]\nguess: 50\nloss: mse\nlr: [0.001, 0.01]\nattempts: 30000\nlog_every: 1000\n"


def test_a_long_run_shows_a_progress_bar_on_a_terminal(tmp_path):
    code, stderr = _run_with_stderr(tmp_path, LONG_RUN, terminal=True)
    assert code == 0, stderr
    assert "attempts" in stderr and "%" in stderr  # rich's bar: description, bar, percentage


def test_a_grid_of_many_cells_shows_which_cell_it_plays(tmp_path):
    momenta = ", ".join(f"{{name: sgd, momentum: {k / 1000:.4f}}}" for k in range(1000))
    grid = f"answer: [2, 77, 91]\nguess: 50\nlr: 0.1\nattempts: 10\noptimizer: [{momenta}]\n"
    code, stderr = _run_with_stderr(tmp_path, grid, terminal=True)
    assert code == 0, stderr
    assert re.search(r"cell [\d,]+ of 1,000", stderr), stderr[-500:]


def test_no_progress_bar_when_stderr_is_not_a_terminal(tmp_path):
    code, stderr = _run_with_stderr(tmp_path, LONG_RUN, terminal=False)
    assert code == 0, stderr
    assert stderr == ""


def test_no_progress_bar_for_a_quick_run_on_a_terminal(tmp_path):
    code, stderr = _run_with_stderr(tmp_path, LONG_RUN.replace("30000", "100"), terminal=True)
    assert code == 0, stderr
    assert "%" not in stderr


@pytest.fixture(scope="module")
def python_start():
    """How long the interpreter itself takes to start here: before that no program can catch a signal."""
    times = []
    for _ in range(3):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        times.append(time.perf_counter() - start)
    return sorted(times)[1]


@pytest.mark.parametrize("after", [0.0, 0.05, 0.12, 0.25, 0.5, 1.0])
def test_ctrl_c_at_any_moment_of_start_up_exits_130_without_a_traceback(tmp_path, python_start, after):
    """From the command line still loading, through torch's import, to the run."""
    delay = 1.5 * python_start + after
    for _ in range(3):
        process = subprocess.Popen([sys.executable, "-m", "guessgame", "run", str(CONFIGS / "l1.yaml"), "--out",
                                    str(tmp_path / "runs"), "--no-plots"], stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)
        time.sleep(delay)
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=120)
        # On a busy machine the signal can come before the first line of guessgame ran, where no
        # program can catch it yet (the interpreter still importing its own site module, or the
        # first line of the command's module): then try again a little later.
        too_early = 'guessgame/__main__.py", line 1,' in stderr or "Failed to import the site module" in stderr
        if process.returncode in (1, -signal.SIGINT) and too_early:
            delay += python_start
            continue
        break
    if process.returncode == 0:  # it finished before the signal came
        return
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr and "interrupted" in stderr, stderr
