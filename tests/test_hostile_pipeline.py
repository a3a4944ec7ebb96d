"""Generated hostile configs through everything a user runs -- `run`, `plot --animate`, `report` -- end
with exit 0 or 2: never a traceback, never "unexpected", never a warning, nothing written outside --out."""

import math
import os

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from guessgame.cli import app

from helpers.search import examples

runner = CliRunner()
VALID = {"answer": [2, 77, 91], "guess": 50, "loss": "mse", "lr": [0.5, 2.9], "attempts": 6}

# Numbers at the edges of float64 and of the dtypes, and past them.
EDGES = [0, -0.0, 1, -1, 0.5, 2.9, 3, 1e-300, 5e-324, 1.7976931348623157e308, -1.7976931348623157e308,
         65504.0, 65520.0, -65504.0, 6e-8, 3.4028234663852886e38, 3.5e38, 1e-45, 2**53 + 1, 10**400, -10**400,
         math.inf, -math.inf, math.nan]
number = st.sampled_from(EDGES) | st.floats(allow_nan=True, allow_infinity=True) | st.integers(-10**20, 10**20)
wrong = st.sampled_from([None, True, "x", "", [], {}, [[1, 2], [3]], {"name": None}, "1e-3", [None]])
value = number | wrong


def nested(depth: int):
    inner = 1.0
    for _ in range(depth):
        inner = [inner]
    return inner


structure = st.one_of(
    st.lists(number, min_size=1, max_size=4),
    st.lists(st.lists(number, min_size=2, max_size=2), min_size=2, max_size=2),
    st.integers(1, 80).map(nested),  # deeper than a config may nest, too
    st.integers(1, 300).map(lambda n: [float(i) for i in range(n)]),  # wide
    st.fixed_dictionaries({"random": st.fixed_dictionaries(
        {"low": number, "high": number, "shape": st.sampled_from([[2], [], [0], [-1], [2, 2], "3", [10**400]])})}),
)
named = lambda names, option: st.sampled_from(names) | st.fixed_dictionaries(  # noqa: E731
    {"name": st.sampled_from(names)}, optional={key: value for key in option})
KEYS = {
    "answer": value | structure,
    "guess": value | structure,
    "loss": named(["l1", "mse", "huber", "smooth_l1", "bad", "msee"], ["delta", "beta", "gamma"]) | st.lists(
        named(["l1", "mse", "huber"], ["delta"]), min_size=1, max_size=2),
    "optimizer": named(["sgd", "adam", "adamw", "rmsprop", "adagrad", "lbfgs"],
                       ["momentum", "nesterov", "betas", "eps", "weight_decay", "alpha", "lr_decay"]) | st.lists(
        named(["sgd", "adam"], ["momentum", "betas"]), min_size=1, max_size=2),
    "lr": value | st.lists(number, min_size=1, max_size=3) | st.fixed_dictionaries(
        {"logspace": st.tuples(number, number, st.sampled_from([1, 2, 3, 0, -1, 2.5, 10**400])).map(list)}),
    "attempts": st.sampled_from([1, 2, 5, 0, -1, 1.5, 10**400, "5", None, True]),
    "dtype": st.sampled_from(["float16", "bfloat16", "float32", "float64", "float8", 16]),
    "reduction": st.sampled_from(["mean", "sum", "max"]),
    "tolerance": value,
    "diverge_factor": value,
    "stop_early": value,
    "log_every": st.sampled_from([1, 2, 7, 0, 10**400]),
    "games": st.sampled_from([1, 2, 0]),
    "seed": value,
    "schedule": named(["none", "step", "cosine", "exponential", "onecycle", "linear"],
                      ["step_size", "gamma", "T_max", "eta_min", "base_momentum", "max_momentum",
                       "div_factor", "total_iters"]),
    "name": st.sampled_from(["ok", "café", "<!--x", "-x", "a" * 120, "Δ"]),
    "weights": value | structure,
    "rotation": value | st.fixed_dictionaries({"seed": value}) | st.sampled_from([45, -1e300, {"seed": 1, "x": 2}]),
    "noise": value | st.fixed_dictionaries({"std": value, "batch": value}) | st.lists(
        st.fixed_dictionaries({"std": value}), max_size=2) | st.sampled_from(["none", {"std": 1, "x": 2}, []]),
}
hostile = st.dictionaries(st.sampled_from(sorted(KEYS)), st.none(), min_size=1, max_size=3).flatmap(
    lambda keys: st.fixed_dictionaries({key: KEYS[key] for key in keys}))


@settings(max_examples=examples(10), deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(changes=hostile)
def test_a_hostile_config_ends_in_exit_0_or_2_through_the_whole_pipeline(tmp_path_factory, changes):
    here = tmp_path_factory.mktemp("hostile")
    config = here / "game.yaml"
    config.write_text(yaml.safe_dump({**VALID, **changes}))
    out = here / "runs"
    before = os.getcwd()
    os.chdir(here)  # anything written by mistake to the working folder is found below
    try:
        made = _clean(runner.invoke(app, ["run", str(config), "--out", str(out)]))
        if made.exit_code == 0:
            (run_dir,) = out.iterdir()
            _clean(runner.invoke(app, ["plot", str(run_dir), "--animate"]), ok=(0,))
            _clean(runner.invoke(app, ["report", str(run_dir)]), ok=(0,))
    finally:
        os.chdir(before)
    assert sorted(p.name for p in here.iterdir()) in (["game.yaml"], ["game.yaml", "runs"])


def _clean(result, ok=(0, 2)):
    assert result.exit_code in ok, result.output
    assert "Traceback" not in result.output and "unexpected" not in result.output, result.output
    assert "Warning" not in result.stderr, result.stderr
    if result.exit_code == 2:
        assert len([line for line in result.stderr.splitlines() if line.strip()]) == 1, result.stderr
    return result
