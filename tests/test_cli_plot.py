"""Re-plotting a saved run, the animation, the landscape and `explain`."""

import pytest
import torch
from PIL import Image
from typer.testing import CliRunner

from guessgame.cli import app

from helpers.files import CONFIGS

runner = CliRunner()


def make_run(tmp_path, *extra):
    result = runner.invoke(app, ["run", str(CONFIGS / "mse.yaml"), "--out", str(tmp_path), "--no-plots", *extra])
    assert result.exit_code == 0, result.output
    (run_dir,) = list(tmp_path.iterdir())
    return run_dir


def test_plot_redraws_from_files_without_simulating(tmp_path, monkeypatch):
    run_dir = make_run(tmp_path, "--set", "lr=[0.5, 1.5, 3.2]", "--set", "attempts=1000")
    import guessgame.engine

    monkeypatch.setattr(guessgame.engine, "simulate", lambda *a, **k: pytest.fail("plot must not simulate"))
    result = runner.invoke(app, ["plot", str(run_dir), "--format", "svg", "--animate"])
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in (run_dir / "plots").iterdir())
    assert names == ["contour.svg", "guesses.gif", "loss.svg", "lr.svg", "path.svg", "trajectory.svg"]
    gif = run_dir / "plots" / "guesses.gif"
    assert gif.stat().st_size < 5 * 2**20
    with Image.open(gif) as image:
        assert 2 <= image.n_frames <= 80


def test_plot_refuses_a_folder_that_is_not_a_run(tmp_path):
    result = runner.invoke(app, ["plot", str(tmp_path)])
    assert result.exit_code == 2 and "not a run folder" in result.output


def test_landscape_draws_the_losses_and_refuses_unknown_ones(tmp_path):
    out = tmp_path / "land.png"
    result = runner.invoke(app, ["landscape", "--loss", "l1", "--loss", "mse", "--loss", "bad", "--target", "2",
                                 "--range", "-8", "12", "--out", str(out)])
    assert result.exit_code == 0, result.output
    with Image.open(out) as image:
        assert image.size[0] > 600
    result = runner.invoke(app, ["landscape", "--loss", "msee", "--out", str(tmp_path / "x.png")])
    assert result.exit_code == 2 and "did you mean `mse`" in result.output


@pytest.mark.parametrize(("answer", "guess", "loss", "reduction", "formula", "shape"), [
    ("2", "10", "l1", "mean", "sign(guess - answer) / N", "torch.Size([])"),
    ("[2, 5, 9]", "[-2, 5, 13]", "l1", "mean", "sign(guess - answer) / N", "torch.Size([3])"),
    ("[[1, 2], [3, 4]]", "0", "mse", "sum", "2 (guess - answer)", "torch.Size([2, 2])"),
    ("[2, 5, 9]", "[-2, 5, 13]", "bad", "mean", "1 / N for every element", "torch.Size([3])"),
])
def test_explain_narrates_one_attempt(write_config, answer, guess, loss, reduction, formula, shape):
    path = write_config(f"answer: {answer}\nguess: {guess}\nloss: {loss}\nreduction: {reduction}\nlr: 0.5\n")
    result = runner.invoke(app, ["explain", str(path)])
    assert result.exit_code == 0, result.output
    assert "loss Dimensions: 0" in result.output and "loss Shape: torch.Size([])" in result.output
    assert f"Gradient Shape: {shape}" in result.output
    assert formula in result.output
    # the gradient printed is autograd's
    a = torch.tensor(eval(answer), dtype=torch.float64)
    g = torch.tensor(eval(guess), dtype=torch.float64).expand(a.shape).clone().requires_grad_()
    if loss == "bad":
        (g - a).mean().backward()
    else:
        getattr(torch.nn.functional, f"{loss}_loss")(g, a, reduction=reduction).backward()
    assert str(g.grad) in result.output
