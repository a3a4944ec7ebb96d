"""Hostile input, as a user types it: every value at the edges ends with exit 2 and one message naming
the key, the option or the file -- never "unexpected", never a traceback, never a warning."""

import errno
import json

import numpy as np
import pytest
from typer.testing import CliRunner

from guessgame import ConfigError, load_config, simulate
from guessgame.cli import app

from helpers.files import CONFIGS

runner = CliRunner()
HUGE = "1" + "0" * 400  # a whole number past the largest float: YAML reads it as an int, not inf
GAME = "answer: [2, 77, 91]\nguess: 50\nloss: mse\nlr: 0.5\nattempts: 10\n"


def refused(result, *fragments):
    assert result.exit_code == 2, result.output
    assert "unexpected" not in result.output and "Traceback" not in result.output
    (message,) = [line for line in result.output.splitlines() if line.strip()]
    for fragment in fragments:
        assert fragment in message, message
    return message


@pytest.mark.parametrize(("yaml_", "key"), [
    (f"answer: {HUGE}\n", "answer"),
    (f"answer: [1, {HUGE}]\n", "answer.1"),
    (f"answer: 1\nguess: {HUGE}\n", "guess"),
    (f"answer: {{random: {{low: 0, high: {HUGE}, shape: [2]}}}}\n", "answer.random.high"),
    (f"answer: 1\ntolerance: {HUGE}\n", "tolerance"),
    (f"answer: 1\nlr: {HUGE}\n", "lr"),
    (f"answer: 1\nlr: {{logspace: [0.1, {HUGE}, 3]}}\n", "lr.logspace.1"),
    (f"answer: 1\nschedule: {{name: cosine, T_max: 5, eta_min: {HUGE}}}\n", "schedule.eta_min"),
    (f"answer: 1\nschedule: {{name: exponential, gamma: {HUGE}}}\n", "schedule.gamma"),
    (f"answer: 1\noptimizer: {{name: sgd, momentum: {HUGE}}}\n", "optimizer.momentum"),
    (f"answer: 1\noptimizer: adam\nschedule: {{name: onecycle, div_factor: {HUGE}}}\n", "schedule.div_factor"),
    (f"answer: 1\nloss: {{name: huber, delta: {HUGE}}}\n", "loss.delta"),
    (f"answer: 1\ndiverge_factor: {HUGE}\n", "diverge_factor"),
], ids=lambda v: v if isinstance(v, str) and len(v) < 30 else None)
def test_a_whole_number_past_every_float_is_refused_naming_its_key(write_config, yaml_, key):
    message = refused(runner.invoke(app, ["validate", str(write_config(yaml_))]), f"{key}: got 1000")
    assert "401 digits is beyond the largest float" in message


def test_a_huge_whole_number_is_refused_from_set_and_from_python(write_config):
    refused(runner.invoke(app, ["validate", str(write_config(GAME)), "--set", f"answer={HUGE}"]),
            f"--set answer={HUGE[:10]}", "answer: got 1000")
    with pytest.raises(ConfigError, match="answer: got 1000"):
        simulate({"answer": 10**400, "lr": 0.1})


@pytest.mark.parametrize("where", ["answer", "optimizer", "schedule"])
@pytest.mark.parametrize("depth", [70, 600, 5000])
def test_yaml_nested_past_any_config_is_refused(write_config, where, depth):
    deep = "[" * depth + "1" + "]" * depth
    text = {"answer": f"answer: {deep}\n", "optimizer": f"answer: 1\noptimizer: {deep}\n",
            "schedule": f"answer: 1\nschedule: {deep}\n"}[where]
    path = write_config(text)
    for command in ("validate", "run"):
        refused(runner.invoke(app, [command, str(path)]), "nests deeper than 64 levels")


def test_python_structures_nested_past_any_config_are_refused():
    deep = 1
    for _ in range(5000):
        deep = [deep]
    with pytest.raises(ConfigError, match="nests deeper than 64 levels"):
        simulate({"answer": deep})


@pytest.mark.parametrize("source", [None, 5, [1, 2], b"answer: 1", 2.5])
def test_simulate_says_what_a_config_is_when_given_something_else(source):
    with pytest.raises(ConfigError, match="a config is a dict of its keys"):
        simulate(source)


def test_numpy_and_torch_values_are_taken_as_python_ones():
    import torch

    config = load_config({"answer": np.array([2, 77, 91]), "guess": torch.tensor(50.0), "attempts": np.int64(5),
                          "lr": [np.float32(0.5), np.float64(1.0)], "seed": np.uint8(3), "stop_early": np.bool_(True)})
    plain = load_config({"answer": [2, 77, 91], "guess": 50.0, "attempts": 5, "lr": [0.5, 1.0], "seed": 3,
                         "stop_early": True})
    assert config == plain
    assert type(config.attempts) is int and all(type(lr) is float for lr in config.lr)


@pytest.mark.parametrize("optimizer", ["adam", "adamw"])
@pytest.mark.parametrize(("key", "value"), [("base_momentum", "1.0"), ("max_momentum", "1.0"), ("max_momentum", "5"),
                                            ("base_momentum", "1e308")])
def test_onecycle_cannot_cycle_adam_s_beta1_to_1_or_past_it(write_config, optimizer, key, value):
    path = write_config(f"answer: 1\noptimizer: {optimizer}\nschedule: {{name: onecycle, {key}: {value}}}\n")
    refused(runner.invoke(app, ["validate", str(path)]), f"schedule.{key}: got", "beta1")


def test_onecycle_still_cycles_sgd_momentum_above_1(write_config):
    path = write_config("answer: 1\noptimizer: {name: sgd, momentum: 0.5}\n"
                        "schedule: {name: onecycle, base_momentum: 1.0, max_momentum: 1.5}\n")
    assert runner.invoke(app, ["validate", str(path)]).exit_code == 0


def test_yaml_1_2_is_read_as_yaml_1_2(write_config):
    text = "%YAML 1.2\n---\nanswer: 010\nattempts: 010\nschedule: {name: step, step_size: 010}\n"
    config = load_config(write_config(text))
    assert config.answer == 10.0 and config.attempts == 10 and config.schedule_options["step_size"] == 10
    assert load_config(write_config("answer: 010\n")).answer == 8.0  # YAML 1.1, PyYAML's own reading
    refused(runner.invoke(app, ["validate", str(write_config("%YAML 1.2\n---\nanswer: 1\nstop_early: yes\n"))]),
            "stop_early: got 'yes'; true or false")
    refused(runner.invoke(app, ["validate", str(write_config("%YAML 1.3\n---\nanswer: 1\n"))]),
            "%YAML 1.3; guessgame reads YAML 1.1 and 1.2")


@pytest.mark.parametrize(("options", "sets", "option"), [
    (["--optimizer", "sgd", "--optimizer", "sgd"], "optimizer.1.momentum=0.9", "--optimizer"),
    (["--optimizer", "rmsprop"], "optimizer=[sgd, adam]", "--optimizer"),
    (["--schedule", "{name: cosine, T_max: 3}"], "schedule.0.T_max=5", "--schedule"),
    (["--loss", "l1"], "loss.delta=2", "--loss"),
    (["--lr", "0.1"], "lr=[1, 2]", "--lr"),
    (["--lrs", "0.1:1:3"], "lr=5", "--lrs"),
])
def test_compare_refuses_a_set_that_its_own_options_replace(tmp_path, options, sets, option):
    result = runner.invoke(app, ["compare", str(CONFIGS / "mse.yaml"), *options, "--set", sets,
                                 "--out", str(tmp_path)])
    refused(result, f"--set {sets}", f"compare's {option} replaces")
    assert not any(tmp_path.iterdir())


def test_a_set_that_compare_does_not_replace_is_applied(tmp_path):
    result = runner.invoke(app, ["compare", str(CONFIGS / "mse.yaml"), "--lr", "0.5", "--set", "attempts=7",
                                 "--out", str(tmp_path), "--no-plots", "-q"])
    assert result.exit_code == 0, result.output
    (run_dir,) = tmp_path.iterdir()
    assert json.loads((run_dir / "summary.json").read_text())["runs"][0]["attempts_run"] == 7


def test_an_lr_schedule_that_overflows_warns_nothing(tmp_path, write_config):
    path = write_config(GAME + "schedule: {name: exponential, gamma: 1e308}\n")
    result = runner.invoke(app, ["run", str(path), "--out", str(tmp_path / "runs"), "-q"])
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    (run_dir,) = (tmp_path / "runs").iterdir()
    again = runner.invoke(app, ["report", str(run_dir)])
    assert again.exit_code == 0 and again.stderr == ""


def test_a_small_run_on_a_full_disk_is_told_about_the_disk_not_log_every(tmp_path, monkeypatch):
    import shutil

    monkeypatch.setattr(shutil, "disk_usage", lambda path: shutil._ntuple_diskusage(10**9, 10**9 - 900, 900))
    message = refused(runner.invoke(app, ["run", str(CONFIGS / "mse.yaml"), "--out", str(tmp_path / "runs")]),
                      "--out: ", "attempts.csv would be about 4.0 KiB (1 run x 20 logged attempts)",
                      "has 900 bytes free", "free some space there or choose another --out")
    assert "log_every" not in message and "0.0 GiB" not in message


def test_a_disk_that_fills_while_writing_is_named_with_the_folder(tmp_path, monkeypatch):
    import guessgame.rundir.write

    def full(path, result):
        path.write_bytes(b"run,lr,attempt\n")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(guessgame.rundir.write, "write_attempts", full)
    result = runner.invoke(app, ["run", str(CONFIGS / "mse.yaml"), "--out", str(tmp_path / "runs")])
    assert result.exit_code == 1, result.output
    message = " ".join(result.stderr.split())
    assert "unexpected" not in message and "Traceback" not in message
    assert "the disk mounted at " in message and "is full" in message
    assert "could not be written and was removed" in message and str(tmp_path / "runs") in message
    assert list((tmp_path / "runs").iterdir()) == []


@pytest.mark.parametrize(("stem", "name"), [("café", "café"), ("x" * 150, "x" * 100),
                                            ("ζ-game 2", "ζ-game-2"), ("日本語" * 26, "日本語" * 22)])
def test_a_config_s_stem_names_the_run_keeping_its_letters(tmp_path, stem, name):
    path = tmp_path / f"{stem}.yaml"
    path.write_text(GAME)
    assert load_config(path).name == name
    result = runner.invoke(app, ["run", str(path), "--out", str(tmp_path / "runs"), "--no-plots", "-q"])
    assert result.exit_code == 0, result.output
    (run_dir,) = (tmp_path / "runs").iterdir()
    assert run_dir.name.startswith(f"{name}-")


@pytest.mark.parametrize("name", ["café", "Δt_0.5", "ゲーム"])
def test_a_name_may_use_the_letters_of_any_alphabet(write_config, name):
    assert load_config(write_config(GAME + f"name: {name}\n")).name == name


@pytest.mark.parametrize("name", ["-x", ".hidden", "a/b", "a b", "x" * 101, "<script>"])
def test_a_name_that_is_not_one_says_what_a_name_is(write_config, name):
    refused(runner.invoke(app, ["validate", str(write_config(GAME + f"name: {json.dumps(name)}\n"))]),
            "name: got", "letters (of any alphabet), digits")


def test_explain_names_the_cell_of_a_grid_it_narrates():
    result = runner.invoke(app, ["explain", str(CONFIGS / "optimizers.yaml")])
    assert result.exit_code == 0, result.output
    first = result.output.splitlines()[0]
    assert first.startswith("cell 1 of 5 of the grid (sgd): the first is narrated")
    assert "--set \"optimizer={name: sgd, momentum: 0.9}\"" in first
    other = runner.invoke(app, ["explain", str(CONFIGS / "optimizers.yaml"), "--set",
                                "optimizer={name: sgd, momentum: 0.9}"])
    assert other.exit_code == 0 and not other.output.startswith("cell") and "momentum=0.9" in other.output


def test_a_float16_grid_whose_losses_all_overflow_draws_every_figure(tmp_path, write_config):
    path = write_config("answer: {random: {low: 60, high: 10000.0, shape: [2, 2]}}\nguess: -10000.0\n"
                        "optimizer: [adam, {name: sgd, momentum: 0.9, nesterov: true}]\nattempts: 1\n"
                        "dtype: float16\n")
    result = runner.invoke(app, ["run", str(path), "--out", str(tmp_path / "runs"), "-q"])
    assert result.exit_code == 0, result.output
    (run_dir,) = (tmp_path / "runs").iterdir()
    assert sorted(p.name for p in (run_dir / "plots").iterdir()) == ["cells.png", "contour.png", "loss.png", "lr.png",
                                                                      "trajectory.png"]


@pytest.mark.parametrize(("answer", "loss"), [(0, "mse"), (0, "l1"), (0, "huber"), (9.514930500376536e-145, "mse")],
                         ids=["zero-mse", "zero-l1", "zero-huber", "a-loss-of-1e-289-then-0"])
def test_every_loss_exactly_zero_draws_and_writes_its_page(tmp_path, write_config, answer, loss):
    path = write_config(f"answer: {answer}\nguess: {answer and 50}\nloss: {loss}\nlr: [0.5, 2.9]\nattempts: 6\n")
    result = runner.invoke(app, ["run", str(path), "--out", str(tmp_path / "runs"), "-q"])
    assert result.exit_code == 0, result.output
    (run_dir,) = (tmp_path / "runs").iterdir()
    assert (run_dir / "report.html").is_file()
    assert runner.invoke(app, ["plot", str(run_dir), "--animate"]).exit_code == 0
