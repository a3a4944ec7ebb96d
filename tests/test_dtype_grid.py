"""`dtype` as a grid axis: float16, bfloat16, float32 and float64 side by side, each cell played bit for
bit as that dtype alone plays it (read back from the run folders), each cell named by its dtype in the
terminal, the folder, the figures and TensorBoard; compare's --dtype; mistakes named with exit 2."""

import csv
import json
import math

import pytest
import torch
import yaml
from typer.testing import CliRunner

from guessgame import load_config, simulate
from guessgame.cli import app
from guessgame.errors import ConfigError
from guessgame.rundir import read_run
from guessgame.viz import FIGURES

from helpers.files import CONFIGS
from helpers.runfolder import run_dir_of

runner = CliRunner()
DTYPES = ["float16", "bfloat16", "float32", "float64"]
# Random answers that float16 and bfloat16 round differently, two games, and an optimizer axis too.
GAME = ("answer: {random: {low: -30, high: 30, shape: [3]}}\ngames: 2\nguess: 0.3\nloss: mse\n"
        "lr: [0.4, 1.7, 3.3]\nattempts: 30\noptimizer: [sgd, {name: sgd, momentum: 0.9}]\n")


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def rows_of(run_dir):
    """attempts.csv's rows as numbers, without the columns that number runs and cells."""
    with (run_dir / "attempts.csv").open() as handle:
        return [{k: float(v) for k, v in row.items() if k not in ("run", "cell")} for row in csv.DictReader(handle)]


def same(a, b):
    return a == b or (math.isnan(a) and math.isnan(b))


def played(tmp_path, name, *args):
    out = tmp_path / name
    result = invoke(*args, "--out", out, "--no-plots", "--quiet")
    assert result.exit_code == 0, result.output
    return run_dir_of(out)


@pytest.mark.parametrize("config", ["grid", "dtypes"])
def test_each_dtype_cell_equals_that_dtype_played_alone_value_for_value(tmp_path, write_config, config):
    path = write_config(GAME + f"dtype: {DTYPES}\n") if config == "grid" else CONFIGS / "dtypes.yaml"
    grid_dir = played(tmp_path, "grid", "run", path)
    grid_rows, summary = rows_of(grid_dir), json.loads((grid_dir / "summary.json").read_text())
    cells = load_config(path).cells
    per = len(grid_rows) // len(cells)
    assert [cell.dtype for cell in cells] == DTYPES * (2 if config == "grid" else 1)  # dtype varies fastest
    for k, cell in enumerate(cells):
        sets = ["--set", f"dtype={cell.dtype}"]
        if config == "grid":  # the cell's optimizer too
            sets += ["--set", "optimizer=" + yaml.safe_dump(cell.to_dict()["optimizer"], default_flow_style=True)]
        alone = played(tmp_path, f"alone{k}", "run", path, *sets)
        mine, theirs = grid_rows[k * per:(k + 1) * per], rows_of(alone)
        assert len(mine) == len(theirs) > 0
        for row, (a, b) in enumerate(zip(mine, theirs)):
            assert a.keys() == b.keys()
            assert all(same(a[key], b[key]) for key in a), f"cell {k} ({cell.dtype}), row {row}: {a} != {b}"
        runs = [run for run in summary["runs"] if run["cell"] == k]
        alone_runs = json.loads((alone / "summary.json").read_text())["runs"]
        assert [r["status"] for r in runs] == [r["status"] for r in alone_runs]
        assert [r["answer"] for r in runs] == [r["answer"] for r in alone_runs]


def test_a_dtype_cells_answers_are_that_dtypes_rounding_of_the_draws():
    config = load_config({"answer": {"random": {"low": 0, "high": 1, "shape": [4]}}, "games": 3, "lr": 0.1,
                          "attempts": 2, "dtype": ["float16", "float64"]})
    result = simulate(config)
    draws = torch.rand(3, 4, generator=torch.Generator().manual_seed(0), dtype=torch.float64)  # low 0, high 1
    assert torch.equal(result.answer[3:], draws.to(result.answer.dtype))
    assert torch.equal(result.answer[:3], draws.half().to(result.answer.dtype))
    assert not torch.equal(result.answer[:3], result.answer[3:])  # float16 rounded them


def test_cells_are_named_by_their_dtype_in_the_terminal_the_folder_the_figures_and_tensorboard(tmp_path):
    out = invoke("run", "dtypes", "--out", tmp_path, "--tensorboard", "--set", "lr=[1, 10]")
    assert out.exit_code == 0, out.output
    run_dir = run_dir_of(tmp_path)
    summary = json.loads((run_dir / "summary.json").read_text())
    assert [cell["label"] for cell in summary["cells"]] == DTYPES
    table = [line for line in out.output.splitlines() if line.startswith("│")]
    assert [line.split("│")[2].strip() for line in table] == [d for d in DTYPES for _ in range(2)]
    assert sorted(p.name for p in (run_dir / "tensorboard").iterdir()) == sorted(DTYPES)
    assert yaml.safe_load((run_dir / "config.yaml").read_text())["dtype"] == DTYPES
    run = read_run(run_dir)
    legend = [t.get_text() for ax in FIGURES["cells"](run).axes for t in ax.texts + (
        ax.get_legend().get_texts() if ax.get_legend() else [])]
    assert all(any(text.startswith(dtype) for text in legend) for dtype in DTYPES), legend
    titles = [ax.get_title() for ax in FIGURES["trajectory"](run).axes if ax.get_title().startswith("lr ")]
    assert titles and all(any(f"({dtype})" in title for dtype in DTYPES) for title in titles), titles
    assert invoke("plot", run_dir).exit_code == 0


def test_compare_takes_dtypes_as_it_takes_optimizers(tmp_path):
    out = invoke("compare", "mse", "--lr", "1", "--lr", "10", "--dtype", "float16", "--dtype", "float64",
                 "--optimizer", "sgd", "--optimizer", "adam", "--out", tmp_path, "--no-plots")
    assert out.exit_code == 0, out.output
    summary = json.loads((run_dir_of(tmp_path) / "summary.json").read_text())
    assert [cell["label"] for cell in summary["cells"]] == ["sgd · float16", "sgd · float64", "adam · float16",
                                                            "adam · float64"]
    # lr 10 multiplies the error by 1 - 2 * 10/3: the first element's 48 is -272 at attempt 2, whose square
    # 73984 is past float16's largest (65504): inf there. float64 grows steadily: diverged 4 attempts on.
    assert [r["diverged_at"] for r in summary["runs"] if r["lr"] == 10 and r["cell"] in (0, 1)] == [2, 5]


ALLOWED = "allowed: float16, bfloat16, float32, float64"


@pytest.mark.parametrize(("args", "messages"), [
    (["run", "mse", "--set", "dtype=[float16, float8]"], ["dtype.1: got 'float8'", ALLOWED]),
    (["run", "mse", "--set", "dtype=[]"], ["dtype: got []; one dtype, or a non-empty list of them"]),
    (["run", "mse", "--set", "dtype=[float32, {name: float16}]"], ["dtype.1: got {'name': 'float16'}", ALLOWED]),
    (["compare", "mse", "--dtype", "float16", "--dtype", "half"], ["--dtype half: dtype.1: got 'half'", ALLOWED]),
    (["compare", "mse", "--dtype", "float16", "--set", "dtype=float64"], ["compare's --dtype replaces the config's"]),
    (["run", "mse", "--set", "answer=[2, 77, 70000]", "--set", "dtype=[float32, float16]"],
     ["answer: got 70000.0; a number float16 can hold: at most 65504"]),
])
def test_a_bad_dtype_list_is_one_message_naming_the_key_and_exit_2(tmp_path, args, messages):
    out = invoke(*args, "--out", tmp_path)
    assert out.exit_code == 2 and all(message in out.output for message in messages), out.output
    assert "Traceback" not in out.output and not list(tmp_path.iterdir())


def test_validate_lists_the_cells_and_explain_narrates_each_cell_in_its_dtype(write_config):
    path = write_config("answer: [2, 77, 91]\nguess: 50.3\nlr: 1\ndtype: [float16, bfloat16, float64]\n")
    out = invoke("validate", path)
    assert out.exit_code == 0 and "3 cells: float16; bfloat16; float64" in out.output, out.output
    first = invoke("explain", path)
    assert first.exit_code == 0 and "e.g. --set \"dtype=bfloat16\"" in first.output, first.output
    for dtype in ("float16", "bfloat16", "float64"):
        out = invoke("explain", path, "--set", f"dtype={dtype}")
        guess = torch.tensor([50.3] * 3, dtype=getattr(torch, dtype))  # the guess as that dtype holds it
        assert out.exit_code == 0 and f"guess  = {guess!s}" in out.output, out.output
    assert f"guess  = {torch.tensor([50.3] * 3, dtype=torch.float16)!s}" in first.output


def test_a_dtype_grid_reads_back_as_itself_and_counts_its_cells():
    config = load_config({"answer": 1, "dtype": DTYPES, "optimizer": ["sgd", "adam"], "lr": [0.1, 1]})
    assert load_config(config.to_dict()) == config
    assert config.cell_count == 8 and config.runs == 16 and config.dtypes == tuple(DTYPES)
    with pytest.raises(ConfigError, match="dtype: got 'half'"):
        load_config({"answer": 1, "dtype": "half"})
