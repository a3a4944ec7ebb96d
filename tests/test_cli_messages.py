"""What the terminal shows: errors name the option the user typed, with the value and what is allowed;
inf, -inf and nan print as such; help texts keep their brackets; --quiet prints the path alone."""

import math
import re
import subprocess
import sys

import pytest
import torch
import typer.main
from typer.testing import CliRunner

from guessgame.cli import app

from helpers.files import CONFIGS
from helpers.reference import notebook_loop

runner = CliRunner()
MSE = str(CONFIGS / "mse.yaml")

# (id, arguments, fragments the one message must hold, fragments it must not)
BAD_OPTIONS = [
    ("compare --lr 0", ["compare", MSE, "--lr", "0"], ["--lr: got 0;", "positive finite"], ["--set", "lr.0"]),
    ("compare --lr inf", ["compare", MSE, "--lr", "inf"], ["--lr: got inf;", "positive finite"], ["'inf'", "--set"]),
    ("compare --lr nan", ["compare", MSE, "--lr", "nan"], ["--lr: got nan;"], ["'nan'", "--set"]),
    ("compare --lr -1", ["compare", MSE, "--lr", "0.5", "--lr", "-1"], ["--lr: got -1;"], ["--set"]),
    ("compare --lr abc", ["compare", MSE, "--lr", "abc"], ["--lr: got 'abc';"], ["--set"]),
    ("compare --lrs ::", ["compare", MSE, "--lrs", "::"], ["--lrs: got '::'", "LOW:HIGH:COUNT"], ["YAML", "--set"]),
    ("compare --lrs 1:2", ["compare", MSE, "--lrs", "1:2"], ["--lrs: got '1:2'", "LOW:HIGH:COUNT"], ["--set"]),
    ("compare --lrs 0:1:3", ["compare", MSE, "--lrs", "0:1:3"], ["--lrs: got '0:1:3'", "LOW is 0", "positive"],
     ["--set", "logspace"]),
    ("compare --lrs 1:inf:3", ["compare", MSE, "--lrs", "1:inf:3"], ["HIGH is inf", "positive finite"], ["'inf'"]),
    ("compare --lrs 10:0.1:5", ["compare", MSE, "--lrs", "10:0.1:5"],
     ["--lrs: got '10:0.1:5'", "LOW must not be above HIGH"], ["--set"]),
    ("compare --lrs 0.1:1:2.5", ["compare", MSE, "--lrs", "0.1:1:2.5"], ["COUNT is 2.5", "whole number"], ["--set"]),
    ("compare --lrs 0.1:1:1e9", ["compare", MSE, "--lrs", "0.1:1:1e9"], ["COUNT is 1e9", "10,000,000"], []),
    ("compare --lrs 0.1:1:0", ["compare", MSE, "--lrs", "0.1:1:0"], ["COUNT is 0", "whole number from 1"], ["--set"]),
    ("compare --lrs a:b:c", ["compare", MSE, "--lrs", "a:b:c"], ["--lrs: got 'a:b:c'", "LOW is 'a'"], []),
    ("compare without lrs", ["compare", MSE], ["give either --lr", "--lrs LOW:HIGH:COUNT"], []),
    ("compare with both", ["compare", MSE, "--lr", "1", "--lrs", "1:2:3"], ["give either --lr"], []),
    ("play --seed -5", ["play", "--seed", "-5"], ["--seed: got -5;", "whole number from 0"], ["--set"]),
    ("--set loss.name.x=1", ["run", MSE, "--set", "loss.name.x=1"],
     ["--set loss.name.x=1:", "loss.name is the text 'mse', not a mapping"], ["mse.yaml"]),
    ("--set optimizer.betas.0=2", ["run", MSE, "--set", "optimizer.betas.0=2"],
     ["--set optimizer.betas.0=2:", "sgd has no option `betas`"], ["mse.yaml"]),
    ("--set answer.random.low=abc", ["run", MSE, "--set", "answer.random.low=abc"], ["--set answer.random.low=abc"],
     ["mse.yaml"]),
    ("--set games=2 with a fixed answer", ["run", MSE, "--set", "games=2"], ["--set games=2: games: got 2"], []),
    ("landscape --target inf", ["landscape", "--loss", "mse", "--target", "inf"], ["--target: got inf;", "finite"],
     []),
    ("landscape --target nan", ["landscape", "--loss", "mse", "--target", "nan"], ["--target: got nan;"], []),
    ("landscape --range -inf 1", ["landscape", "--loss", "mse", "--range", "-inf", "1"], ["--range: got -inf 1;",
                                                                                        "finite"], []),
    ("landscape --range 0 nan", ["landscape", "--loss", "mse", "--range", "0", "nan"], ["--range: got 0 nan;"], []),
    ("landscape --range 2 1", ["landscape", "--loss", "mse", "--range", "2", "1"], ["--range: got 2 1;", "below"], []),
    ("landscape --range -1e308 1e308", ["landscape", "--loss", "mse", "--range", "-1e308", "1e308"],
     ["--range: got -1e+308 1e+308;", "overflows"], []),
    ("landscape --loss msee", ["landscape", "--loss", "msee"],
     ["--loss msee: loss.0: got 'msee'", "did you mean `mse`"], []),
    ("landscape --out x.jpg", ["landscape", "--loss", "mse", "--out", "x.jpg"], ["--out: got 'x.jpg'", ".png"], []),
]


@pytest.mark.parametrize(("args", "wanted", "unwanted"), [case[1:] for case in BAD_OPTIONS],
                         ids=[case[0] for case in BAD_OPTIONS])
def test_a_bad_option_gets_one_message_that_names_it(tmp_path, monkeypatch, args, wanted, unwanted):
    monkeypatch.chdir(tmp_path)
    out = ["--out", str(tmp_path / "runs")] if args[0] in ("run", "compare") else []
    result = runner.invoke(app, [*args, *out], env={"COLUMNS": "300"})
    assert result.exit_code == 2, result.output
    (message,) = [line for line in result.output.splitlines() if line.strip()]  # one line, no traceback
    assert message.startswith("error: ")
    for fragment in wanted:
        assert fragment in message
    for fragment in unwanted:
        assert fragment not in message
    assert list(tmp_path.iterdir()) == []  # nothing written: no run folder, no image


def test_landscape_refuses_a_missing_output_folder_and_makes_none(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["landscape", "--loss", "mse", "--out", "missing_dir/x.png"])
    assert result.exit_code == 2
    assert "--out: got 'missing_dir/x.png', but the folder 'missing_dir' does not exist" in result.output
    assert list(tmp_path.iterdir()) == []
    result = runner.invoke(app, ["landscape", "--loss", "mse", "--out", str(tmp_path)])
    assert result.exit_code == 2 and "--out" in result.output


def test_landscape_passes_any_finite_range_to_the_figure(tmp_path, monkeypatch):
    """The command accepts [-1e300, 1e300]: its width is finite. (Drawing it is the figure's business.)"""
    from matplotlib.figure import Figure

    import guessgame.viz

    seen = []

    def figure(losses, target, low, high):
        seen.append((losses, target, low, high))
        return Figure()

    monkeypatch.setattr(guessgame.viz, "landscape_figure", figure)
    out = tmp_path / "wide.png"
    result = runner.invoke(app, ["landscape", "--loss", "l1", "--target", "1e299", "--range", "-1e300", "1e300",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert seen == [(["l1"], 1e299, -1e300, 1e300)] and out.stat().st_size > 0


def test_a_failing_landscape_names_the_image_and_writes_nothing(tmp_path, monkeypatch):
    import guessgame.viz

    def figure(*args):
        raise MemoryError()

    monkeypatch.setattr(guessgame.viz, "landscape_figure", figure)
    result = runner.invoke(app, ["landscape", "--loss", "l1", "--out", str(tmp_path / "x.png")])
    assert result.exit_code == 1
    assert f"error: {tmp_path / 'x.png'} could not be drawn: MemoryError; nothing was written" in result.output
    assert list(tmp_path.iterdir()) == []


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("│").split("│")]


def _numbers(cell: str) -> list[float]:
    return [float(token) for token in re.findall(r"-?inf|nan|[-+0-9.e]+", cell)]


def test_inf_and_nan_print_as_such_in_the_attempt_table(tmp_path):
    """float16: lr 10 overflows at 65504; its guesses become inf, then nan. Every cell shows them."""
    result = runner.invoke(app, ["run", str(CONFIGS / "float16.yaml"), "--out", str(tmp_path), "--no-plots"],
                           env={"COLUMNS": "250"})
    assert result.exit_code == 0
    guess, loss, grad, step = notebook_loop([2, 77, 91], 50, torch.nn.functional.mse_loss, 10, 20, torch.float16)
    table = result.stdout[result.stdout.index("run 1: lr = 10"):result.stdout.index("summary")]
    rows = {int(_cells(line)[0]): _cells(line) for line in table.splitlines()
            if line.startswith("│") and _cells(line)[0].isdigit()}
    assert set(rows) == {*range(1, 11), *range(16, 21)}
    non_finite = 0
    for attempt, cells in rows.items():
        t = attempt - 1
        for got, want in zip(cells[1:], (guess[t], loss[t].reshape(1), grad[t], step[t])):
            values = _numbers(got)
            assert len(values) == want.numel(), (attempt, got)  # no blank cell, no lost element
            for value, expected in zip(values, want.double().tolist()):
                if math.isfinite(expected):
                    assert value == pytest.approx(expected, rel=1e-3)
                else:
                    assert str(value) == str(expected)
                    non_finite += 1
    assert non_finite > 40  # attempts 5 to 20 are mostly inf and nan
    summary = result.stdout[result.stdout.index("summary"):]
    assert re.search(r"│\s+1 │\s+10 │ diverged .*│\s+(nan|inf) │", summary)


COMMANDS = sorted(typer.main.get_command(app).commands)


@pytest.mark.parametrize("command", COMMANDS)
def test_help_texts_keep_their_brackets(command):
    """Help is rich markup: `guessgame[tensorboard]` or `lr=[0.1,1]` must not be eaten as a tag."""
    click_command = typer.main.get_command(app).commands[command]
    result = runner.invoke(app, [command, "--help"], env={"COLUMNS": "400"})
    assert result.exit_code == 0
    shown = " ".join(result.output.split())
    for param in click_command.params:
        if getattr(param, "help", None):
            assert " ".join(param.help.replace("\\[", "[").split()) in shown, param.name
    example = click_command.help.split("Example:")[1].replace("[bold]", "").replace("[/]", "").replace("\\[", "[")
    assert " ".join(example.split()) in shown


def test_run_help_names_the_tensorboard_extra():
    result = runner.invoke(app, ["run", "--help"], env={"COLUMNS": "400"})
    assert 'needs "guessgame[tensorboard]"' in result.output


def test_help_imports_neither_torch_nor_matplotlib():
    heavy = ('torch', 'matplotlib', 'numpy', 'polars', 'ipywidgets', 'plotly', 'anywidget')
    code = ("import sys\nfrom typer.testing import CliRunner\nimport guessgame, guessgame.notebook\n"
            "from guessgame.cli import app\n"
            "for args in (['--help'], ['run', '--help'], ['plot', '--help'], ['landscape', '--help']):\n"
            "    assert CliRunner().invoke(app, args).exit_code == 0\n"
            f"print(sorted(m for m in {heavy} if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"

