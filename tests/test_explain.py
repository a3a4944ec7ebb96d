"""`guessgame explain`: the first attempt narrated with the configured optimizer's real step, checked
against torch.optim driving autograd; and explain never fails on a valid config."""

import tempfile
from pathlib import Path

import pytest
import torch
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from guessgame import ConfigError, load_config
from guessgame.cli import app

from helpers.reference import OPTIMIZERS as OPTIM
from helpers.search import examples

runner = CliRunner()

# (id, answer, guess, loss, reduction, optimizer and its options, lr, dtype)
CASES = [
    ("sgd-weight-decay", [2, 77, 91], 50, "mse", "mean", {"name": "sgd", "weight_decay": 0.5}, 1.0, "float64"),
    ("plain-sgd-l1", [2, 5, 9], [-2, 5, 13], "l1", "mean", {"name": "sgd"}, 0.9, "float64"),
    ("sgd-momentum", [2, 77, 91], 50, "mse", "sum", {"name": "sgd", "momentum": 0.9}, 0.1, "float64"),
    ("sgd-nesterov-decay", [[1, 2], [3, 4]], 0, "huber", "mean",
     {"name": "sgd", "momentum": 0.5, "nesterov": True, "weight_decay": 0.1}, 0.3, "float64"),
    ("adam", [2, 77, 91], 50, "mse", "mean", {"name": "adam"}, 1.0, "float64"),
    ("adam-amsgrad-decay", 3, 10, "smooth_l1", "sum", {"name": "adam", "amsgrad": True, "weight_decay": 0.2,
                                                       "betas": [0.5, 0.9]}, 0.5, "float64"),
    ("adamw", [2, 77, 91], 50, "l1", "mean", {"name": "adamw", "weight_decay": 0.1}, 2.0, "float64"),
    ("rmsprop-centered-momentum", [2, 77, 91], 50, "mse", "mean",
     {"name": "rmsprop", "centered": True, "momentum": 0.9, "alpha": 0.9}, 0.01, "float64"),
    ("rmsprop-decay", [1, -1], [0.5, 4], "huber", "sum", {"name": "rmsprop", "weight_decay": 0.3}, 0.1, "float64"),
    ("adagrad", [2, 77, 91], 50, "mse", "mean", {"name": "adagrad", "lr_decay": 0.5,
                                                 "initial_accumulator_value": 3.0}, 1.0, "float64"),
    ("bad-loss-adam", [2, 5, 9], 0, "bad", "mean", {"name": "adam"}, 0.5, "float64"),
    ("nadam", [2, 77, 91], 50, "mse", "mean", {"name": "nadam"}, 1.0, "float64"),
    ("nadam-decoupled-decay", [1, -1], [0.5, 4], "l1", "sum", {"name": "nadam", "weight_decay": 0.2,
                                                              "decoupled_weight_decay": True}, 0.3, "float64"),
    ("adamax-decay", [2, 77, 91], 50, "huber", "mean", {"name": "adamax", "weight_decay": 0.1, "betas": [0.5, 0.9]},
     2.0, "float64"),
    ("float32-nadam-decay", [2, 77, 91], 50, "mse", "mean", {"name": "nadam", "weight_decay": 0.5}, 1.0, "float32"),
    ("float32-sgd-decay", [2, 77, 91], 50, "mse", "mean", {"name": "sgd", "weight_decay": 0.5}, 1.0, "float32"),
]


def torch_optim_first_attempt(answer, guess, loss, reduction, optimizer, lr, dtype):
    """The notebook's first attempt, with torch.optim taking the step."""
    dtype = getattr(torch, dtype)
    answer = torch.tensor(answer, dtype=dtype)
    param = torch.tensor(guess, dtype=dtype).expand(answer.shape).clone().requires_grad_()
    before = param.detach().clone()
    if loss == "bad":
        value = (param - answer).mean() if reduction == "mean" else (param - answer).sum()
    else:
        value = getattr(torch.nn.functional, f"{loss}_loss")(param, answer, reduction=reduction)
    value.backward()
    options = {k: tuple(v) if isinstance(v, list) else v for k, v in optimizer.items() if k != "name"}
    OPTIM[optimizer["name"]]([param], lr=lr, **options).step()
    after = param.detach()
    return value.detach(), param.grad, before - after, after


@pytest.mark.parametrize(("answer", "guess", "loss", "reduction", "optimizer", "lr", "dtype"),
                         [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_explain_prints_torch_optims_first_step(write_config, answer, guess, loss, reduction, optimizer, lr, dtype):
    path = write_config(yaml.safe_dump({"answer": answer, "guess": guess, "loss": loss, "reduction": reduction,
                                        "optimizer": optimizer, "lr": [lr, 99.0], "dtype": dtype}))
    result = runner.invoke(app, ["explain", str(path)], env={"COLUMNS": "300"})
    assert result.exit_code == 0, result.output
    value, grad, step, after = torch_optim_first_attempt(answer, guess, loss, reduction, optimizer, lr, dtype)
    lines = result.output.splitlines()
    shape = f"torch.Size({list(step.shape)})"
    assert "loss Dimensions: 0" in lines and "loss Shape: torch.Size([])" in lines and str(value) in lines
    assert f"Gradient Dimensions: {grad.ndim}" in lines and f"Gradient Shape: {shape}" in lines
    assert str(grad) in result.output
    assert f"Step Dimensions: {step.ndim}" in lines and f"Step Shape: {shape}" in lines
    step_at = lines.index(f"Step Shape: {shape}") + 1
    assert "\n".join(lines[step_at:]).startswith(str(step))  # torch.optim's change, not plain SGD's
    assert f"next guess = guess - step = {after!s}" in result.output
    assert f"step = {optimizer['name']}(lr={lr:g}" in result.output


def test_the_issues_example_step_is_the_one_in_attempts_csv(write_config, tmp_path):
    """sgd with weight_decay 0.5, lr 1: the printed step is [57, 7, -2.33], as run writes it."""
    path = write_config("answer: [2, 77, 91]\nguess: 50\nloss: mse\noptimizer: {name: sgd, weight_decay: 0.5}\nlr: 1\n")
    result = runner.invoke(app, ["explain", str(path)])
    assert "tensor([57.0000,  7.0000, -2.3333], dtype=torch.float64)" in result.output
    assert "[32, -18, -27.33]" not in result.output


def test_a_step_torch_optim_refuses_in_float16_is_the_runs_step_and_said_so(write_config):
    """lr 1e6 does not fit a float16 guess: torch.optim raises; the run keeps lr in float32 and overflows."""
    param = torch.zeros((), dtype=torch.float16, requires_grad=True)
    torch.nn.functional.l1_loss(param, torch.tensor(1.0, dtype=torch.float16)).backward()
    with pytest.raises(RuntimeError):
        torch.optim.SGD([param], lr=1e6).step()
    step = (torch.tensor(1e6, dtype=torch.float32) * param.grad).to(torch.float16)  # -1e6 -> -inf in float16
    path = write_config("answer: 1\nguess: 0\ndtype: float16\nloss: l1\nlr: 1e6\n")
    result = runner.invoke(app, ["explain", str(path)], env={"COLUMNS": "300"})
    assert result.exit_code == 0, result.output
    assert "torch.optim cannot take this step in float16" in result.output
    assert f"Step Shape: torch.Size([])\n{step!s}\n" in result.output
    assert f"next guess = guess - step = {(torch.tensor(0.0, dtype=torch.float16) - step)!s}" in result.output


def test_an_answer_float16_cannot_hold_is_refused_not_explained_as_inf(write_config):
    assert torch.tensor(70000.0, dtype=torch.float16).isinf()
    path = write_config("answer: 70000\nguess: 0\ndtype: float16\nloss: mse\n")
    result = runner.invoke(app, ["explain", str(path)])
    assert result.exit_code == 2, result.output
    assert "answer: got 70000" in result.output and "65504" in result.output


def test_explain_says_what_float16_holds_and_that_its_step_rounds_away(write_config):
    """1000.3 is 1000.5 in float16, whose floats beside 998 are half apart: torch.optim.SGD's step of
    lr 0.1 x sign leaves the guess where it was."""
    held = torch.tensor(1000.3, dtype=torch.float16)
    param = torch.tensor(998.0, dtype=torch.float16, requires_grad=True)
    torch.nn.functional.l1_loss(param, held).backward()
    torch.optim.SGD([param], lr=0.1).step()
    assert param.item() == 998.0 and held.item() != 1000.3
    path = write_config("answer: 1000.3\nguess: 998\ndtype: float16\nloss: l1\nlr: 0.1\n")
    result = runner.invoke(app, ["explain", str(path)], env={"COLUMNS": "300"})
    assert result.exit_code == 0, result.output
    assert f"(answer 1000.3 is {held.item():g} in float16)" in result.output
    assert "rounds back to the guess: it stands still, for good (stalled)" in result.output
    moving = runner.invoke(app, ["explain", str(write_config("answer: 1000.3\nguess: 998\nloss: l1\nlr: 0.1\n",
                                                              "moving.yaml"))], env={"COLUMNS": "300"})
    assert "stands still" not in moving.output and "(answer" not in moving.output  # float64 holds 1000.3


optimizers = st.one_of(
    st.builds(lambda m, n, d, w: {"name": "sgd", "momentum": m, "nesterov": n and m > 0, "dampening": 0 if n else d,
                                  "weight_decay": w},
              st.sampled_from([0, 0.5, 0.9]), st.booleans(), st.sampled_from([0, 0.3]), st.sampled_from([0, 0.1])),
    st.builds(lambda a, w: {"name": "adam", "amsgrad": a, "weight_decay": w}, st.booleans(), st.sampled_from([0, 1])),
    st.builds(lambda w: {"name": "adamw", "weight_decay": w}, st.sampled_from([0, 0.01, 2])),
    st.builds(lambda c, m: {"name": "rmsprop", "centered": c, "momentum": m}, st.booleans(), st.sampled_from([0, 0.9])),
    st.builds(lambda d, i: {"name": "adagrad", "lr_decay": d, "initial_accumulator_value": i},
              st.sampled_from([0, 0.5]), st.sampled_from([0, 2])),
    st.builds(lambda w, c: {"name": "nadam", "weight_decay": w, "decoupled_weight_decay": c},
              st.sampled_from([0, 0.1]), st.booleans()),
    st.builds(lambda w: {"name": "adamax", "weight_decay": w}, st.sampled_from([0, 0.1])),
)
answers = st.one_of(
    st.floats(-1e6, 1e6, allow_nan=False),  # past float16's 65504 too
    st.just(70000.0),
    st.lists(st.floats(-100, 100, allow_nan=False), min_size=1, max_size=5),
    st.just([[1.5, -3000, 2], [0.5, 7, 1e4]]),
    st.builds(lambda s, i: {"random": {"low": -10, "high": 10, "shape": s, "integer": i}},
              st.sampled_from([[], [3], [2, 2]]), st.booleans()),
)


@settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(answer=answers, guess=st.floats(-1e4, 1e4, allow_nan=False), optimizer=optimizers,
       loss=st.sampled_from(["l1", "mse", {"name": "huber", "delta": 0.5}, {"name": "smooth_l1", "beta": 0}, "bad"]),
       reduction=st.sampled_from(["mean", "sum"]), dtype=st.sampled_from(["float16", "bfloat16", "float32", "float64"]),
       lr=st.sampled_from([1e-6, 0.1, 3, 1e6]), games=st.sampled_from([1, 5]))
def test_explain_never_fails_on_a_valid_config(answer, guess, optimizer, loss, reduction, dtype, lr, games):
    config = {"answer": answer, "guess": guess, "optimizer": optimizer, "loss": loss, "reduction": reduction,
              "dtype": dtype, "lr": [lr, 2 * lr], "games": games if isinstance(answer, dict) else 1,
              "attempts": 3, "stop_early": True, "log_every": 2}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "game.yaml"
        path.write_text(yaml.safe_dump(config))
        result = runner.invoke(app, ["explain", str(path)])
        try:
            load_config(path)
        except ConfigError as error:  # e.g. an answer past what float16 holds: refused, not explained
            assert result.exit_code == 2 and str(error) in result.output
            return
    assert result.exit_code == 0, result.output
    assert "next guess = guess - step = tensor(" in result.output


@pytest.mark.parametrize("name", sorted(OPTIM))
def test_every_optimizer_is_narrated_with_its_records_formula(write_config, name):
    from guessgame.optimizers import OPTIMIZERS

    path = write_config(f"answer: [2, 77, 91]\nguess: 50\noptimizer: {name}\nlr: 0.5\n")
    result = runner.invoke(app, ["explain", str(path)], env={"COLUMNS": "300"})
    assert result.exit_code == 0, result.output
    record = OPTIMIZERS[name]
    assert f"on its first attempt = {record.formula(record.defaults)}" in " ".join(result.output.split("\n"))


@pytest.mark.parametrize(("loss", "rotation"), [("mse", None), ("huber", None), ("mse", 30), ("l1", {"seed": 2})])
def test_a_ravine_is_explained_with_each_weighted_element_before_it_is_reduced(write_config, loss, rotation):
    # the weighted loss written out as a PyTorch user writes it, for the notebook's first attempt
    answer, weights = [2.0, -3.0], [1.0, 50.0]
    game = {"answer": answer, "guess": 0.5, "loss": loss, "weights": weights, "lr": 0.01, "rotation": rotation}
    result = runner.invoke(app, ["explain", str(write_config(yaml.safe_dump(game)))], env={"COLUMNS": "300"})
    assert result.exit_code == 0, result.output
    param = torch.tensor([0.5, 0.5], dtype=torch.float64, requires_grad=True)
    error = param - torch.tensor(answer, dtype=torch.float64)
    if rotation is not None:
        from guessgame import ravine

        error = error @ ravine.rotation(load_config(game)).T
    each = torch.tensor(weights, dtype=torch.float64) * getattr(torch.nn.functional, f"{loss}_loss")(
        error, torch.zeros_like(error), reduction="none")
    each.mean().backward()
    output = result.output
    assert f"each = weights * {loss}(error, 0" in output and str(each.detach()) in output
    assert str(each.mean().detach()) in output and str(param.grad) in output
    assert f"next guess = guess - step = {(param - 0.01 * param.grad).detach()!s}" in output
