"""`device: cuda` is honoured on a machine with a GPU, and refused with a clear message without one."""

import pytest
import torch
from typer.testing import CliRunner

from guessgame import ConfigError, simulate
from guessgame.cli import app

from helpers.files import CONFIGS
from helpers.reference import loss_fn, notebook_loop, torch_optim_loop

HAS_CUDA = torch.cuda.is_available()
needs_cuda = pytest.mark.skipif(not HAS_CUDA, reason="needs a CUDA GPU")
runner = CliRunner()

GAME = {"answer": [2.0, 77.0, 91.0], "guess": 50, "loss": "mse", "lr": [0.1, 1.5, 2.9, 10], "attempts": 40}


@pytest.mark.skipif(HAS_CUDA, reason="this machine has a CUDA GPU")
def test_cuda_without_a_gpu_is_refused_with_a_message(tmp_path):
    with pytest.raises(ConfigError, match="no CUDA GPU is available here; use device: cpu"):
        simulate({**GAME, "device": "cuda"})
    out = tmp_path / "runs"
    result = runner.invoke(app, ["run", str(CONFIGS / "mse.yaml"), "--set", "device=cuda", "--out", str(out)])
    assert result.exit_code == 2
    assert "device" in result.output and "no CUDA GPU" in result.output
    assert not out.exists() or not any(out.iterdir())


@needs_cuda
@pytest.mark.parametrize("loss", ["l1", "mse", "huber", "smooth_l1", "bad"])
def test_plain_sgd_on_the_gpu_follows_the_notebook_loop(loss):
    result = simulate({**GAME, "loss": loss, "device": "cuda"})
    assert result.guess.device.type == "cuda"
    for run, lr in enumerate(GAME["lr"]):
        guess, value, grad, step = notebook_loop(GAME["answer"], 50.0, loss_fn(loss), lr, GAME["attempts"])
        torch.testing.assert_close(result.guess[:, run].cpu(), guess, rtol=1e-12, atol=1e-12, equal_nan=True)
        torch.testing.assert_close(result.loss[:, run].cpu(), value, rtol=1e-12, atol=1e-12, equal_nan=True)
        torch.testing.assert_close(result.step[:, run].cpu(), step, rtol=1e-12, atol=1e-12, equal_nan=True)
    assert result.status == simulate(GAME | {"loss": loss}).status


@needs_cuda
@pytest.mark.parametrize(("optimizer", "options"), [("adam", {}), ("sgd", {"momentum": 0.9, "nesterov": True}),
                                                     ("rmsprop", {"centered": True}), ("adagrad", {})])
def test_optimizers_on_the_gpu_follow_torch_optim(optimizer, options):
    result = simulate({**GAME, "lr": [0.01, 0.5], "optimizer": {"name": optimizer, **options}, "device": "cuda"})
    for run, lr in enumerate([0.01, 0.5]):
        guess, value, grad, step = torch_optim_loop(GAME["answer"], 50.0, loss_fn("mse"), optimizer, options, lr,
                                                    GAME["attempts"])
        torch.testing.assert_close(result.guess[:, run].cpu(), guess, rtol=1e-12, atol=1e-12)
        torch.testing.assert_close(result.step[:, run].cpu(), step, rtol=1e-12, atol=1e-12)


@needs_cuda
def test_a_gpu_run_writes_its_folder(tmp_path):
    result = runner.invoke(app, ["run", str(CONFIGS / "mse.yaml"), "--set", "device=cuda", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    (run_dir,) = tmp_path.iterdir()
    assert "device: cuda" in (run_dir / "config.yaml").read_text()
    assert (run_dir / "plots" / "loss.png").is_file()
