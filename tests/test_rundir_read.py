"""Re-plotting reads a run folder and checks it: a damaged or inconsistent folder gets exit 2 and one
message naming the file and what is wrong, never exit 1 and never a plausible but wrong picture;
an intact folder reads back what was simulated; reading a big answer takes bounded memory."""

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from guessgame import Interrupted, simulate
from guessgame.cli import app
from guessgame.rundata import RunData
from guessgame.rundir import create_run_dir, read_run, write_run

from helpers.files import CONFIGS

runner = CliRunner()
RUNS, ATTEMPTS = 3, 12  # the run folder every damage starts from: lr 0.5, 2.9 and 10 on mse.yaml
WIDE = {"answer": {"random": {"low": 0, "high": 9, "shape": [40, 30]}}, "lr": [0.5, 1], "attempts": 6}


def lines_of(path: Path) -> list[str]:
    return path.read_text().splitlines(keepends=True)


def edit_lines(name, change):
    def damage(run_dir):
        path = run_dir / name
        path.write_text("".join(change(lines_of(path))))
    return damage


def edit_summary(change):
    def damage(run_dir):
        summary = json.loads((run_dir / "summary.json").read_text())
        change(summary)
        (run_dir / "summary.json").write_text(json.dumps(summary))
    return damage


def write(name, content):
    def damage(run_dir):
        path = run_dir / name
        path.write_bytes(content) if isinstance(content, bytes) else path.write_text(content)
    return damage


def cut_bytes(name, count):
    def damage(run_dir):
        data = (run_dir / name).read_bytes()
        (run_dir / name).write_bytes(data[:-count])
    return damage


def drop_column(name):
    def change(lines):
        header = lines[0].rstrip("\n").split(",")
        k = header.index(name)
        return [",".join(f for i, f in enumerate(line.rstrip("\n").split(",")) if i != k) + "\n" for line in lines]
    return change


def set_field(line, column, value):
    def change(lines):
        k = lines[0].rstrip("\n").split(",").index(column)
        fields = lines[line - 1].rstrip("\n").split(",")
        fields[k] = value
        lines[line - 1] = ",".join(fields) + "\n"
        return lines
    return change


def swap(a, b):
    def change(lines):
        lines[a - 1], lines[b - 1] = lines[b - 1], lines[a - 1]
        return lines
    return change


def by_attempt(lines):
    header = lines[0].split(",")
    k = header.index("attempt")
    return [lines[0], *sorted(lines[1:], key=lambda line: int(line.split(",")[k]))]


def replace_in(name, old, new):
    def damage(run_dir):
        path = run_dir / name
        path.write_text(path.read_text().replace(old, new))
    return damage


def plots_as_a_file(run_dir):
    (run_dir / "plots").write_text("not a folder")


# (id, damage, file the message names, what it says); the folder is 3 runs x 12 attempts of mse.yaml
DAMAGES = [
    ("csv-cut-mid-line", cut_bytes("attempts.csv", 7), "attempts.csv", "is cut short"),
    ("csv-header-only", edit_lines("attempts.csv", lambda lines: lines[:1]), "attempts.csv", "a header but no rows"),
    ("csv-empty", write("attempts.csv", ""), "attempts.csv", "is empty"),
    ("csv-binary", write("attempts.csv", bytes(range(256)) * 40 + b"\n"), "attempts.csv", "binary"),
    ("csv-not-utf8", write("attempts.csv", b"\xff\xfe\xfdrun,lr\n1,2\n"), "attempts.csv", "not UTF-8"),
    ("csv-cut-to-a-multiple-of-the-runs", edit_lines("attempts.csv", lambda lines: lines[:-RUNS]), "attempts.csv",
     "line 13: run is 0 where 1 was expected"),
    ("csv-one-row-short", edit_lines("attempts.csv", lambda lines: lines[:-1]), "attempts.csv",
     "not the same number for each of the 3 runs"),
    ("csv-rows-sorted-by-attempt", edit_lines("attempts.csv", by_attempt), "attempts.csv",
     "line 3: run is 1 where 0 was expected"),
    ("csv-attempts-swapped", edit_lines("attempts.csv", swap(3, 4)), "attempts.csv",
     "line 3: attempt is 3 where 2 was expected"),
    ("csv-runs-swapped", edit_lines("attempts.csv", swap(2, 14)), "attempts.csv", "line 2: run is 1 where 0"),
    ("csv-missing-column", edit_lines("attempts.csv", drop_column("grad_1")), "attempts.csv", "missing grad_1"),
    ("csv-missing-guess", edit_lines("attempts.csv", drop_column("guess_2")), "attempts.csv", "missing guess_2"),
    ("csv-not-a-number", edit_lines("attempts.csv", set_field(5, "loss", "abc")), "attempts.csv", "`abc`"),
    ("csv-empty-value", edit_lines("attempts.csv", set_field(5, "guess_1", "")), "attempts.csv",
     "line 5: guess_1 has no value"),
    ("csv-fractional-attempt", edit_lines("attempts.csv", set_field(3, "attempt", "2.5")), "attempts.csv",
     "line 3: attempt is 2.5, not a whole number"),
    ("csv-lr-of-another-run", edit_lines("attempts.csv", set_field(14, "lr", "2.8")), "attempts.csv",
     "line 14: lr is 2.8 where 2.9 was expected"),
    ("summary-fewer-runs", edit_summary(lambda s: s["runs"].pop()), "attempts.csv",
     "holds 3 run(s) (run 0 to 2) but summary.json has 2"),
    ("summary-more-runs", edit_summary(lambda s: s["runs"].append({**s["runs"][-1], "run": 3})), "attempts.csv",
     "holds 3 run(s) (run 0 to 2) but summary.json has 4"),
    ("summary-runs-reordered", edit_summary(lambda s: s["runs"].reverse()), "summary.json", "runs.0.run: got 2"),
    ("summary-cut-short", cut_bytes("summary.json", 40), "summary.json", "is not valid JSON"),
    ("summary-a-list", write("summary.json", "[]"), "summary.json", "must hold a JSON object"),
    ("summary-no-runs", write("summary.json", '{"runs": []}'), "summary.json", "runs: got a list"),
    ("summary-missing", lambda d: (d / "summary.json").unlink(), "summary.json", "missing"),
    ("summary-unknown-status", edit_summary(lambda s: s["runs"][1].update(status="exploded")), "summary.json",
     "runs.1.status: got 'exploded'"),
    ("summary-lr-text", edit_summary(lambda s: s["runs"][0].update(lr="fast")), "summary.json",
     "runs.0.lr: got 'fast'"),
    ("summary-answer-of-another-size", edit_summary(lambda s: [r.update(answer=[2, 77]) for r in s["runs"]]),
     "attempts.csv", "unexpected guess_2"),
    ("summary-ragged-answer", edit_summary(lambda s: s["runs"][2].update(answer=[[1, 2], [3]])), "summary.json",
     "runs.2.answer"),
    ("summary-attempts-run-beyond-the-csv", edit_summary(lambda s: s["runs"][0].update(attempts_run=20)),
     "summary.json", "runs.0.attempts_run: got 20; an attempt from 1 to config.yaml's attempts, 12"),
    ("config-missing", lambda d: (d / "config.yaml").unlink(), "config.yaml", "missing"),
    ("config-not-a-mapping", write("config.yaml", "- 1\n- 2\n"), "config.yaml", "must be a mapping"),
    ("config-invalid-yaml", write("config.yaml", "loss: [mse\n"), "config.yaml", "invalid YAML"),
    ("config-unknown-loss", replace_in("config.yaml", "name: mse", "name: msee"), "config.yaml", "loss: got 'msee'"),
    ("config-log-every-disagrees", replace_in("config.yaml", "log_every: 1", "log_every: 5"), "attempts.csv",
     "has 12 rows per run where 4 were expected"),
    ("plots-is-a-file", plots_as_a_file, "plots", "is a file, not a folder"),
    # the files agree with each other, not only each with itself
    ("config-more-attempts-than-played", replace_in("config.yaml", "attempts: 12", "attempts: 13"), "summary.json",
     "runs.0.attempts_run: got 12; config.yaml's attempts, 13: the run was not interrupted"),
    ("summary-no-attempt-played", edit_summary(lambda s: s["runs"][0].update(attempts_run=0)), "summary.json",
     "runs.0.attempts_run: got 0; an attempt from 1"),
    ("summary-diverged-past-its-attempts", edit_summary(lambda s: s["runs"][2].update(diverged_at=13)),
     "summary.json", "runs.2.diverged_at: got 13; an attempt the run played, at most attempts_run (12)"),
    ("summary-converged-without-an-attempt", edit_summary(lambda s: s["runs"][0].update(status="converged")),
     "summary.json", "runs.0.converged_at: got None; an attempt, as the run is converged"),
    ("summary-converged-at-1e20", edit_summary(lambda s: s["runs"][0].update(status="converged",
                                                                              converged_at=10**20)),
     "summary.json", "runs.0.converged_at: got 100000000000000000000; an attempt the run played"),
    ("summary-converged-at-a-float", edit_summary(lambda s: s["runs"][0].update(status="converged",
                                                                                 converged_at=1e20)),
     "summary.json", "runs.0.converged_at: got 1e+20; null or an attempt number >= 1"),
    ("summary-final-loss-edited", edit_summary(lambda s: s["runs"][2].update(final_loss=12345)), "summary.json",
     "runs.2.final_loss: got 12345.0; the loss of its last attempt in attempts.csv"),
    ("summary-theory-null", edit_summary(lambda s: s["runs"][1].update(theory=None)), "summary.json",
     "runs.1.theory: got None; an object of theory's fields"),
    ("summary-nested-deep", write("summary.json", "[" * 100_000 + "]" * 100_000), "summary.json",
     "nests its JSON too deep"),
    ("summary-interrupted-text", edit_summary(lambda s: s.update(interrupted="no")), "summary.json",
     "interrupted: got 'no'; true or false"),
    ("csv-text-in-a-step-column", edit_lines("attempts.csv", set_field(5, "step_1", "hello")), "attempts.csv",
     "line 5: step_1 is 'hello', not a number"),
    ("csv-text-in-a-gradient-column", edit_lines("attempts.csv", set_field(30, "grad_0", "")), "attempts.csv",
     "line 30: grad_0 has no value"),
]


@pytest.fixture
def run_dir(tmp_path):
    result = runner.invoke(app, ["run", str(CONFIGS / "mse.yaml"), "--set", "lr=[0.5, 2.9, 10]", "--set",
                                 f"attempts={ATTEMPTS}", "--out", str(tmp_path / "runs"), "--no-plots", "-q"])
    assert result.exit_code == 0, result.output
    return Path(result.stdout.strip())


def assert_refused(run_dir, name, fragment):
    result = runner.invoke(app, ["plot", str(run_dir)], env={"COLUMNS": "400"})
    assert result.exit_code == 2, result.output
    (message,) = [line for line in result.output.splitlines() if line.strip()]
    assert re.match(re.escape(f"error: {run_dir / name}") + r"(:\d+)?: ", message), message
    assert fragment in message
    if name != "plots":
        assert not (run_dir / "plots").exists()  # no picture drawn from a damaged folder


@pytest.mark.parametrize(("damage", "name", "fragment"), [case[1:] for case in DAMAGES],
                         ids=[case[0] for case in DAMAGES])
def test_a_damaged_run_folder_is_refused_with_one_message(run_dir, damage, name, fragment):
    damage(run_dir)
    assert_refused(run_dir, name, fragment)


@pytest.mark.parametrize("command", ["plot", "report"])
def test_a_damaged_folder_is_refused_by_report_as_by_plot(run_dir, command):
    replace_in("config.yaml", "attempts: 12", "attempts: 13")(run_dir)
    result = runner.invoke(app, [command, str(run_dir)], env={"COLUMNS": "400"})
    assert result.exit_code == 2 and "runs.0.attempts_run: got 12" in result.output
    assert not (run_dir / "report.html").exists() and not (run_dir / "plots").exists()


@pytest.mark.parametrize("command", [["plot"], ["plot", "--animate"]])
def test_plot_never_writes_through_a_link_out_of_the_run_folder(run_dir, tmp_path, command):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (run_dir / "plots").symlink_to(elsewhere)
    result = runner.invoke(app, [*command, str(run_dir)], env={"COLUMNS": "400"})
    assert result.exit_code == 2, result.output
    assert "plots: is a link" in result.output
    assert list(elsewhere.iterdir()) == []


WIDE_DAMAGES = [
    ("wide-cut-mid-line", cut_bytes("attempts.csv", 5), "is cut short"),
    ("wide-not-a-number", edit_lines("attempts.csv", set_field(4, "guess_700", "x1")),
     "line 4: guess_700 is 'x1', not a number"),
    ("wide-short-line", edit_lines("attempts.csv", lambda lines: lines[:3] + [lines[3][:500] + "\n"] + lines[4:]),
     "line 4 has"),
    ("wide-sorted-by-attempt", edit_lines("attempts.csv", by_attempt), "line 3: run is 1 where 0 was expected"),
    ("wide-missing-column", edit_lines("attempts.csv", drop_column("step_1199")), "missing step_1199"),
]


@pytest.mark.parametrize(("damage", "fragment"), [case[1:] for case in WIDE_DAMAGES],
                         ids=[case[0] for case in WIDE_DAMAGES])
def test_a_damaged_wide_attempts_file_is_refused_too(tmp_path, damage, fragment):
    """A 40 x 30 answer: 3,605 columns, read a line at a time."""
    folder = create_run_dir(tmp_path, "wide")
    write_run(folder, simulate(WIDE))
    damage(folder)
    assert_refused(folder, "attempts.csv", fragment)


@pytest.mark.parametrize("where", ["missing", "a-file"])
def test_plot_refuses_what_is_not_a_folder(tmp_path, where):
    path = tmp_path / "runs"
    if where == "a-file":
        path.write_text("")
    result = runner.invoke(app, ["plot", str(path)])
    assert result.exit_code == 2 and result.output.startswith(f"error: {path}: ")


def interrupted_at_five(config):
    def progress(done, total):
        if done == 5:
            os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C

    with pytest.raises(Interrupted) as stop:
        simulate(config, progress=progress)
    return stop.value.result


INTACT = [
    ("log-every", {"answer": [2, 77, 91], "guess": 50, "lr": [0.5, 10], "attempts": 14, "log_every": 4}),
    ("stop-early", {"answer": [2, 77, 91], "guess": 50, "lr": [1.5, 0.1, 20], "attempts": 30, "stop_early": True}),
    ("random-games", {"answer": {"random": {"low": 0, "high": 10, "shape": [2]}}, "games": 3, "lr": [0.1, 1],
                      "attempts": 7}),
    ("float16-overflow", {"answer": [2, 77, 91], "guess": 50, "lr": [1.5, 10], "dtype": "float16"}),
    ("scalar", {"answer": 3, "guess": 0, "loss": "l1", "lr": 0.25}),
    ("wide", WIDE),
    ("interrupted", "interrupted"),
]


@pytest.mark.parametrize("config", [case[1] for case in INTACT], ids=[case[0] for case in INTACT])
def test_an_intact_folder_reads_back_what_was_simulated(tmp_path, config):
    if config == "interrupted":
        result = interrupted_at_five({"answer": [2, 77, 91], "lr": [0.5, 3.5], "attempts": 100, "log_every": 2})
        assert result.interrupted
    else:
        result = simulate(config)
    folder = create_run_dir(tmp_path, "intact")
    write_run(folder, result)
    back, kept = read_run(folder), RunData.from_result(result)
    for field in ("attempt", "lr", "game", "loss", "guess", "answer"):
        np.testing.assert_array_equal(getattr(back, field), getattr(kept, field), err_msg=field)
    assert back.shape == kept.shape and back.status == kept.status
    assert runner.invoke(app, ["plot", str(folder)]).exit_code != 2


def test_reading_a_256_by_256_answer_takes_bounded_memory(tmp_path):
    """One run of 20 attempts, 196,613 columns: the reader keeps the numbers, not a buffer per column."""
    folder = create_run_dir(tmp_path, "big")
    write_run(folder, simulate({"answer": {"random": {"low": 0, "high": 100, "shape": [256, 256]}}, "guess": 50,
                                "lr": 1}))
    code = ("import resource, sys\nfrom guessgame.rundir import read_run\n"
            "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
            "data = read_run(sys.argv[1])\nassert data.guess.shape == (20, 1, 65536)\n"
            "print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024)")
    done = subprocess.run([sys.executable, "-c", code, str(folder)], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "POLARS_MAX_THREADS": "2"})
    assert done.returncode == 0, done.stderr
    grown_mb = int(done.stdout)
    assert grown_mb < 300, f"reading took {grown_mb} MB more"  # 8.6 GB with a buffer per column


@pytest.mark.parametrize("shape", [[3], [40, 30]], ids=["narrow", "wide"])
def test_attempts_csv_holds_every_number_exactly_however_wide(tmp_path, shape):
    """Narrow files go through polars, wide ones a line at a time: the same columns, spellings and numbers."""
    import csv

    import torch

    result = simulate({"answer": {"random": {"low": 0, "high": 9, "shape": shape}}, "guess": 50, "lr": [0.1, 10],
                       "reduction": "sum", "attempts": 9, "dtype": "float16"})  # lr 10 overflows: inf, then nan
    folder = create_run_dir(tmp_path, "exact")
    write_run(folder, result)
    rows = list(csv.reader((folder / "attempts.csv").open()))
    n = int(np.prod(shape))
    elements = [f"{q}_{i}" for q in ("guess", "grad", "step") for i in range(n)]
    assert rows[0] == ["run", "lr", "attempt", "loss", *elements]
    values = np.array([[float(v) for v in row] for row in rows[1:]])
    assert values.shape == (2 * 9, 4 + 3 * n)
    for r in range(2):
        block = values[r * 9:(r + 1) * 9]
        np.testing.assert_array_equal(block[:, 0], r)
        np.testing.assert_array_equal(block[:, 2], np.arange(1, 10))
        np.testing.assert_array_equal(block[:, 3], result.loss[:, r].double().numpy())
        for q, tensor in enumerate((result.guess, result.grad, result.step)):
            want = tensor[:, r].reshape(9, n).to(torch.float64).numpy()
            np.testing.assert_array_equal(block[:, 4 + q * n:4 + (q + 1) * n], want)
    spellings = {v for row in rows[1:] for v in row if not v.replace(".", "").replace("-", "").isdigit()}
    assert {"NaN", "inf"} <= spellings and "nan" not in spellings  # as polars spells them, in both
