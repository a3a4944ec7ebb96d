"""Bad input answered clearly, divergence in every dtype, interrupted runs kept."""

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import warnings

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from conftest import ROOT
from guessgame import ConfigError, load_config, simulate
from guessgame.cli import app
from guessgame.rundir.write import write_atomic
from test_config import ERRORS

runner = CliRunner()

MORE_ERRORS = [
    ("answer: 1\nlearning_rate: 0.1\n", "did you mean `lr`?"),
    ("answer: 1\ndtype: double\n", "dtype: got 'double'"),
    ("answer: 1\noptimizer: {name: sgd, momentom: 0.9}\n", "did you mean `momentum`?"),
    ("answer: 1\nloss: {name: huber, delta: -1}\n", "loss.delta: got -1"),
    ("42\n", "top level must be a mapping"),
    ("answer: 1\nlr: [0.1, -0.2]\n", "lr.1: got -0.2"),
    ("answer: 1\nstop_early: maybe\n", "true or false"),
]


@pytest.mark.parametrize(("text", "fragment"), [(t, f) for t, _, f, _ in ERRORS] + MORE_ERRORS)
def test_every_bad_config_exits_2_with_a_message_and_no_folder(tmp_path, text, fragment):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    out = tmp_path / "runs"
    result = runner.invoke(app, ["run", str(path), "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert fragment in result.output
    assert str(path) in result.output
    assert "Traceback" not in result.output
    assert not out.exists()


@pytest.mark.parametrize(("override", "fragment"), [("lrr=0.1", "did you mean `lr`"),
                                                     ("lr=[0.1, oops]", "lr.1: got 'oops'"),
                                                     ("optimizer.momentum=-1", "optimizer.momentum: got -1"),
                                                     ("answer.random.low=1", "random")])
def test_bad_overrides_exit_2(tmp_path, override, fragment):
    result = runner.invoke(app, ["run", str(ROOT / "configs" / "mse.yaml"), "--set", override, "--out",
                                 str(tmp_path / "runs")])
    assert result.exit_code == 2 and fragment in result.output and f"--set {override}" in result.output
    assert not (tmp_path / "runs").exists()


def test_a_directory_is_not_a_config(tmp_path):
    result = runner.invoke(app, ["run", str(tmp_path), "--out", str(tmp_path / "runs")])
    assert result.exit_code == 2 and "directory" in result.output


# Property-based: valid configs keep the invariants, invalid ones raise ConfigError only.
numbers = st.floats(-100, 100, allow_nan=False).map(lambda x: round(x, 3))
shapes = st.sampled_from([(), (1,), (3,), (2, 3)])


@st.composite
def valid_configs(draw):
    shape = draw(shapes)
    size = 1 if not shape else (shape[0] if len(shape) == 1 else shape[0] * shape[1])
    flat = [draw(numbers) for _ in range(size)]
    answer = flat[0] if not shape else (flat if len(shape) == 1 else [flat[:3], flat[3:]])
    loss = draw(st.sampled_from(["l1", "mse", "huber", "smooth_l1", "bad"]))
    optimizer = draw(st.sampled_from(["sgd", "adam", "adamw", "rmsprop", "adagrad"]))
    return {
        "answer": answer, "guess": draw(numbers), "loss": loss, "optimizer": optimizer,
        "reduction": draw(st.sampled_from(["mean", "sum"])),
        "lr": draw(st.lists(st.floats(1e-4, 50).map(lambda x: round(x, 4) or 1e-4), min_size=1, max_size=4)),
        "attempts": draw(st.integers(1, 25)),
        "dtype": draw(st.sampled_from(["float16", "bfloat16", "float32", "float64"])),
        "stop_early": draw(st.booleans()),
    }


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_configs())
def test_random_valid_configs_keep_the_invariants(config):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = simulate(config)
    runs, attempts = len(config["lr"]), config["attempts"]
    shape = torch.tensor(config["answer"]).shape
    assert result.guess.shape == result.grad.shape == result.step.shape == (len(result.attempt), runs, *shape)
    assert result.loss.shape == (len(result.attempt), runs)
    for r in range(runs):
        status, ran = result.status[r], result.attempts_run[r]
        assert 1 <= ran <= attempts
        losses = result.loss[:ran, r].double()
        finite = torch.isfinite(losses)
        tolerance = load_config(config).tolerance
        # a loss that overflows after a finite one above tolerance is a divergence (a first loss may
        # overflow and the run still come back)
        reference = (finite & (losses.abs() > tolerance)).nonzero()
        if len(reference) and not finite[int(reference[0]):].all():
            assert status == "diverged"
        if status == "converged":
            assert abs(losses[-1].item()) <= tolerance
            assert 1 <= result.converged_at[r] <= ran
        if status == "diverged":
            assert 1 <= result.diverged_at[r] <= ran


def mangle(config, key, value):
    return {**config, key: value}


bad_values = st.one_of(st.none(), st.text(max_size=5), st.floats(), st.integers(-5, 0), st.lists(st.integers(), max_size=2),
                       st.booleans(), st.dictionaries(st.text(max_size=3), st.integers(), max_size=2))


@settings(max_examples=1500, deadline=None)
@given(st.sampled_from(["answer", "guess", "loss", "reduction", "optimizer", "lr", "attempts", "dtype", "games",
                        "seed", "tolerance", "stop_early", "diverge_factor", "log_every", "device", "name",
                        "nonsense"]), bad_values)
def test_random_invalid_configs_raise_config_error_and_nothing_else(key, value):
    base = {"answer": [2, 77, 91], "guess": 50, "lr": 0.1, "attempts": 3}
    try:
        config = load_config(mangle(base, key, value))
    except ConfigError as error:
        assert str(error)
        return
    simulate(config)  # whatever was accepted must run


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32", "float64"])
def test_divergence_in_every_dtype_is_reported_and_written(tmp_path, dtype):
    lr = 10.0 if dtype != "float64" else 1e200
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = runner.invoke(app, ["run", str(ROOT / "configs" / "mse.yaml"), "--set", f"dtype={dtype}",
                                     "--set", f"lr={lr}", "--set", "attempts=200", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    (run_dir,) = list(tmp_path.iterdir())
    summary = json.loads((run_dir / "summary.json").read_text())
    (run,) = summary["runs"]
    assert run["status"] == "diverged" and run["diverged_at"] >= 1
    rows = (run_dir / "attempts.csv").read_text().splitlines()
    assert len(rows) == 201
    assert sorted(p.name for p in (run_dir / "plots").iterdir()) == ["loss.png", "lr.png", "trajectory.png"]


def test_atomic_write_leaves_the_old_file_or_the_new_one(tmp_path):
    target = tmp_path / "summary.json"
    write_atomic(target, "old")

    with pytest.raises(TypeError):
        write_atomic(target, 12345)  # fails mid-write
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["summary.json"]


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
    chunks = [seen]
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the terminal closes when the command ends
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    stderr = b"".join(chunks).decode(errors="replace")
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


def test_after_an_interrupted_simulation_one_ctrl_c_stops_the_save(tmp_path):
    from guessgame.rundir.save import _Worker

    started, written = threading.Event(), []

    def slow_write():
        started.set()
        time.sleep(30)
        written.append(True)

    def ctrl_c():
        started.wait(10)
        os.kill(os.getpid(), signal.SIGINT)

    threading.Thread(target=ctrl_c, daemon=True).start()
    with pytest.raises(KeyboardInterrupt):
        _Worker(slow_write, notify=print).wait(interrupted=True)
    assert not written  # it stopped waiting instead of letting the write finish


def test_a_log_too_big_for_memory_is_refused_before_it_starts(monkeypatch):
    from guessgame.engine import answers

    monkeypatch.setattr(answers, "_available_memory", lambda: 2**30)
    with pytest.raises(ConfigError, match=r"GiB of log.*log_every: \d+"):
        simulate({"answer": [1, 2, 3], "lr": {"logspace": [0.001, 10, 10000]}, "attempts": 2000})
    with pytest.raises(ConfigError, match="use fewer runs or attempts"):
        simulate({"answer": [1, 2, 3], "lr": {"logspace": [0.001, 10, 10000]}, "attempts": 100000})
    simulate({"answer": [1, 2, 3], "lr": {"logspace": [0.001, 10, 100]}, "attempts": 100})


def test_a_csv_too_big_for_disk_is_refused_with_the_way_out(tmp_path):
    result = runner.invoke(app, ["run", str(ROOT / "configs" / "mse.yaml"), "--set", "lr={logspace: [0.001, 10, 100000]}",
                                 "--set", "attempts=1000", "--out", str(tmp_path / "runs")])
    assert result.exit_code == 2
    assert "attempts.csv would be about" in result.output
    every = int(re.search(r"log_every=(\d+)", result.output).group(1))
    assert not (tmp_path / "runs").exists()
    # the advice works when followed: that log_every passes the same check
    from guessgame.rundir.layout import check_disk

    check_disk(load_config(ROOT / "configs" / "mse.yaml", ["lr={logspace: [0.001, 10, 100000]}", "attempts=1000",
                                                          f"log_every={every}"]), tmp_path / "runs")


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
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the terminal closes when the command ends
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    return process.wait(timeout=300), b"".join(chunks).decode(errors="replace")


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
