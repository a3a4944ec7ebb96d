"""Config loading: every form a key may take, and a clear error for each mistake."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from guessgame import ConfigError, load_config, simulate
from guessgame.cli import app
from guessgame.config import replaced

from helpers.files import CONFIGS
from helpers.search import examples

runner = CliRunner()


def test_defaults_and_forms(write_config):
    config = load_config(write_config("answer: [2, 77, 91]\nlr: 1e-3\ntolerance: 1E-8\n"))
    assert config.lr == (0.001,)
    assert config.tolerance == 1e-8
    assert config.loss == "mse" and config.reduction == "mean" and config.optimizer == "sgd"
    assert config.dtype == "float64" and config.attempts == 20 and config.guess == 0.0
    assert config.name == "game"
    assert config.optimizer_options == {"momentum": 0.0, "dampening": 0.0, "nesterov": False, "weight_decay": 0.0}


def test_learning_rate_forms():
    assert load_config({"answer": 1, "lr": [0.1, 2]}).lr == (0.1, 2.0)
    log = load_config({"answer": 1, "lr": {"logspace": [1e-3, 10, 5]}}).lr
    assert log == pytest.approx((1e-3, 1e-2, 1e-1, 1, 10))
    assert log[0] == 1e-3 and log[-1] == 10
    assert load_config({"answer": 1, "lr": {"linspace": [0.1, 0.5, 5]}}).lr == pytest.approx((0.1, 0.2, 0.3, 0.4, 0.5))


def test_named_losses_and_optimizers_take_torch_options():
    config = load_config({"answer": 1, "loss": {"name": "huber", "delta": 2},
                          "optimizer": {"name": "adam", "betas": [0.8, 0.9]}})
    assert config.loss_options == {"delta": 2.0}
    assert config.optimizer_options["betas"] == (0.8, 0.9)
    assert config.optimizer_options["eps"] == 1e-8
    assert load_config({"answer": 1, "optimizer": "adamw"}).optimizer_options["weight_decay"] == 1e-2


def test_overrides_use_yaml_values_on_dotted_keys(write_config):
    path = write_config("answer: [2, 77, 91]\nloss: mse\noptimizer: sgd\nlr: 0.1\n")
    config = load_config(path, ["lr=[0.01,0.1,1]", "optimizer.name=adam", "loss.name=huber", "loss.delta=0.5"])
    assert config.lr == (0.01, 0.1, 1.0)
    assert config.optimizer == "adam"
    assert config.loss == "huber" and config.loss_options == {"delta": 0.5}


def test_resolved_config_round_trips():
    config = load_config({"answer": [[1, 2], [3, 4]], "guess": 2, "lr": {"logspace": [0.01, 1, 3]},
                          "optimizer": {"name": "rmsprop", "centered": True}})
    assert load_config(config.to_dict()) == config


ERRORS = [
    ("answer: [1, 2]\nlearning_rate: 0.1\n", "learning_rate", "did you mean `lr`?", 2),
    ("answer: [1, 2]\nlr: -1\n", "lr", "-1", 2),
    ("answer: [1, 2]\nlr: .inf\n", "lr", "inf", 2),
    ("answer: [1, 2]\nlr: 0\n", "lr", "positive", 2),
    ("answer: [1, 2]\nattempts: 0\n", "attempts", "from 1 to", 2),
    ("answer: [1, 2]\nattempts: 1e12\n", "attempts", "10,000,000", 2),
    ("answer: [1, 2]\nattempts: ten\n", "attempts", "'ten'", 2),
    ("answer: [1, 2]\ndtype: float8\n", "dtype", "float16, bfloat16, float32, float64", 2),
    ("answer: []\n", "answer", "non-empty", 1),
    ("answer: [[1, 2], [3]]\n", "answer", "rectangular", 1),
    ("answer: [1, .nan]\n", "answer.1", "finite", 1),
    ("answer: [1, 2]\nguess: [1, 2, 3]\n", "guess", "shape [2]", 2),
    ("answer: {random: {low: 0, high: 9}}\n", "answer.random", "shape", 1),
    ("answer: [1, 2]\nloss: msee\n", "loss", "did you mean `mse`?", 2),
    ("answer: [1, 2]\noptimizer: adamm\n", "optimizer", "did you mean `adam`?", 2),
    ("answer: [1, 2]\noptimizer: {name: adam, momentum: 0.9}\n", "optimizer.momentum", "betas, eps", 2),
    ("answer: [1, 2]\noptimizer: {name: sgd, nesterov: true}\n", "optimizer.nesterov", "momentum > 0", 2),
    ("answer: [1, 2]\nlr: 0.1\nlr: 0.2\n", "lr", "duplicate key", 3),
    ("answer: [1, 2]\ngames: 3\n", "games", "random answer", 2),
    ("answer: !!python/object/apply:os.system ['echo hi']\n", "answer", "not allowed", 1),
    ("- 1\n- 2\n", None, "top level must be a mapping", None),
    ("guess: 3\n", None, "missing the key `answer`", None),
    ("answer: [1, 2\n", None, "invalid YAML", 2),
    ("answer: [1, 2]\nloss: {name: huber, delta: 0}\n", "loss.delta", "a finite number > 0", 2),
    ("answer: [1, 2]\nloss: {name: smooth_l1, beta: -1}\n", "loss.beta", "a finite number >= 0", 2),
    ("answer: [1, 2]\noptimizer: {name: adam, eps: 0}\n", "optimizer.eps", "a finite number > 0", 2),
    ("answer: [1, 2]\noptimizer: {name: adagrad, eps: 0}\n", "optimizer.eps", "a finite number > 0", 2),
    ("answer: {random: {low: -1e308, high: 1e308, shape: [3]}}\n", "answer.random.high", "high - low", 1),
    ("answer: {random: {low: -1e30, high: 1e30, shape: [3], integer: true}}\n", "answer.random.low", "2^53", 1),
    ("answer: 70000\ndtype: float16\n", "answer", "float16 can hold: at most 65504", 1),
    ("answer: 1\nguess: -70000\ndtype: float16\n", "guess", "float16 can hold", 2),
    ("answer: {random: {low: 0, high: 1e39, shape: [2]}}\ndtype: float32\n", "answer.random.high", "float32", 1),
]


@pytest.mark.parametrize(("text", "key", "fragment", "line"), ERRORS, ids=[e[2][:30] for e in ERRORS])
def test_errors_name_the_file_line_key_and_what_is_allowed(write_config, text, key, fragment, line):
    path = write_config(text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    error = info.value
    message = str(error)
    assert fragment in message
    assert message.startswith(str(path))
    if key:
        assert error.key == key and f"{key}:" in message
    if line:
        assert error.line == line and f":{line}:" in message


def test_empty_file_and_missing_file(write_config, tmp_path):
    with pytest.raises(ConfigError, match="empty"):
        load_config(write_config(""))
    with pytest.raises(ConfigError, match="no such file"):
        load_config(tmp_path / "missing.yaml")


def test_override_errors_name_the_override(write_config):
    path = write_config("answer: [1, 2]\n")
    with pytest.raises(ConfigError, match=r"--set lr=-3.*lr: got -3"):
        load_config(path, ["lr=-3"])
    with pytest.raises(ConfigError, match="did you mean `lr`"):
        load_config(path, ["learning_rate=0.1"])
    with pytest.raises(ConfigError, match="KEY=VALUE"):
        load_config(path, ["lr"])


def test_replace_changes_keys_and_validates_them():
    config = load_config({"answer": [2, 77, 91], "guess": 50, "lr": [0.1, 1]})
    changed = replaced(config, attempts=5, optimizer={"name": "adam", "amsgrad": True})
    assert (changed.attempts, changed.optimizer, changed.optimizer_options["amsgrad"]) == (5, "adam", True)
    assert changed.answer == config.answer and changed.lr == config.lr and config.attempts == 20
    with pytest.raises(ConfigError, match="lr: got -1"):
        replaced(config, lr=-1)


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
    result = runner.invoke(app, ["run", str(CONFIGS / "mse.yaml"), "--set", override, "--out",
                                 str(tmp_path / "runs")])
    assert result.exit_code == 2 and fragment in result.output and f"--set {override}" in result.output
    assert not (tmp_path / "runs").exists()


OPTION_ERRORS = [  # each optimizer's options, checked against the ranges and rules of its record
    ({"name": "nadam", "eps": 0}, "optimizer.eps: got 0; a finite number > 0"),
    ({"name": "nadam", "momentum_decay": -1}, "optimizer.momentum_decay: got -1; a finite number >= 0"),
    ({"name": "nadam", "decoupled_weight_decay": 1}, "optimizer.decoupled_weight_decay: got 1; true or false"),
    ({"name": "adamax", "betas": [0.9, 1]}, "optimizer.betas.1: got 1; a number in [0, 1)"),
    ({"name": "adamax", "betas": [0.9]}, "optimizer.betas: got [0.9]; two numbers in [0, 1), e.g. [0.9, 0.999]"),
    ({"name": "adamax", "momentum": 0.9}, "adamax has no option `momentum`; its options: betas, eps, weight_decay"),
    ({"name": "sgd", "momentum": 0.9, "dampening": 0.5, "nesterov": True},
     "optimizer.nesterov: got True; nesterov needs momentum > 0 and dampening 0"),
    ({"name": "sgd", "dampening": 1.5}, "optimizer.dampening: got 1.5; a finite number >= 0 and <= 1"),
]


@pytest.mark.parametrize(("optimizer", "message"), OPTION_ERRORS, ids=[m.split(";")[0] for _, m in OPTION_ERRORS])
def test_optimizer_options_are_checked_as_their_record_declares(optimizer, message):
    with pytest.raises(ConfigError) as info:
        load_config({"answer": 1, "optimizer": optimizer})
    assert message in str(info.value)


@pytest.mark.parametrize("optimizer", ["adam", "adamw", "nadam", "adamax"])
def test_onecycle_cycles_beta1_of_the_optimizers_with_betas_and_keeps_it_below_1(optimizer):
    config = load_config({"answer": 1, "optimizer": optimizer, "schedule": "onecycle"})
    assert config.schedule == "onecycle"
    with pytest.raises(ConfigError, match=f"schedule.max_momentum: got 1.0; a number in \\[0, 1\\): onecycle "
                                          f"cycles {optimizer}'s beta1"):
        load_config({"answer": 1, "optimizer": optimizer, "schedule": {"name": "onecycle", "max_momentum": 1.0}})


def test_a_directory_is_not_a_config(tmp_path):
    result = runner.invoke(app, ["run", str(tmp_path), "--out", str(tmp_path / "runs")])
    assert result.exit_code == 2 and "directory" in result.output


def mangle(config, key, value):
    return {**config, key: value}


bad_values = st.one_of(st.none(), st.text(max_size=5), st.floats(), st.integers(-5, 0),
                       st.lists(st.integers(), max_size=2), st.booleans(),
                       st.dictionaries(st.text(max_size=3), st.integers(), max_size=2))


@settings(max_examples=examples(1500), deadline=None)
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
