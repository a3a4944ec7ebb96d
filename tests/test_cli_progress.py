"""The progress bar: on a terminal for a long run, never on a pipe, not for a quick run."""

import os
import subprocess
import sys

from terminal import read_to_end


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


LONG_RUN = "answer: [2, 77, 91]\nguess: 50\nloss: mse\nlr: [0.001, 0.01]\nattempts: 100000\nlog_every: 1000\n"


def test_a_long_run_shows_a_progress_bar_on_a_terminal(tmp_path):
    code, stderr = _run_with_stderr(tmp_path, LONG_RUN, terminal=True)
    assert code == 0, stderr
    assert "attempts" in stderr and "%" in stderr  # rich's bar: description, bar, percentage


def test_no_progress_bar_when_stderr_is_not_a_terminal(tmp_path):
    code, stderr = _run_with_stderr(tmp_path, LONG_RUN, terminal=False)
    assert code == 0, stderr
    assert stderr == ""


def test_no_progress_bar_for_a_quick_run_on_a_terminal(tmp_path):
    code, stderr = _run_with_stderr(tmp_path, LONG_RUN.replace("100000", "100"), terminal=True)
    assert code == 0, stderr
    assert "%" not in stderr
