"""The whole pipeline on random valid configs: simulate -> run folder -> read back -> every figure -> GIF.

Budgets up to a few thousand attempts, lrs from 1e-6 to 1e6, every dtype, loss and optimizer,
shapes from a scalar to 10x10, random games, stop_early and log_every. With warnings as errors,
each figure that shows loss must show each run's first finite loss, and no run folder is lost.
"""

import os
import shutil
import tempfile
import warnings
import zlib
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from guessgame import plots, simulate
from guessgame.rundir import ATTEMPTS, CONFIG, SUMMARY, create_run_dir, read_run, write_run

from helpers.reading import Axis, draw, first_finite, markers_at
from helpers.search import examples

SHAPES = [(), (1,), (3,), (2, 2), (2, 5), (10,), (10, 10)]
OPTIMIZERS = [
    "sgd", "adam", "adamw", "rmsprop", "adagrad",
    {"name": "sgd", "momentum": 0.9}, {"name": "sgd", "momentum": 0.9, "nesterov": True},
    {"name": "sgd", "weight_decay": 0.5}, {"name": "rmsprop", "momentum": 0.5, "centered": True},
]
LOSSES = ["l1", "mse", "huber", "smooth_l1", "bad", {"name": "huber", "delta": 0.1}, {"name": "smooth_l1", "beta": 0}]
CI = settings(  # reproducible: the same examples on every machine; a failure is shown as found
    derandomize=True, phases=[Phase.explicit, Phase.generate], database=None, deadline=None, print_blob=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def nested(flat: list[float], shape: tuple[int, ...]):
    return np.array(flat, dtype=float).reshape(shape).tolist() if shape else flat[0]


def elements(kind: str, seed: int, far: list[float]):
    """n values of one kind, from a seed (drawing each one through hypothesis costs more than the run)."""
    rng = np.random.default_rng(seed)
    if kind == "whole":
        return lambda n: rng.integers(-100, 101, n).astype(float).tolist()
    if kind == "real":
        return lambda n: rng.uniform(-1e3, 1e3, n).astype(np.float32).astype(float).tolist()
    return lambda n: rng.choice(np.array(far + [1.0, -7.0]), n).tolist()


@st.composite
def configs(draw, most_attempts: int = 3000):
    shape = draw(st.sampled_from(SHAPES))
    size = int(np.prod(shape)) if shape else 1
    dtype = draw(st.sampled_from(["float16", "bfloat16", "float32", "float64"]))
    # float16 holds at most 65504: a starting error past it is not a game float16 can play
    far = [0.0, 1e-8] if dtype == "float16" else [0.0, 1e-8, 1e8, -5e4]
    values = elements(draw(st.sampled_from(["whole", "real", "far"])), draw(st.integers(0, 2**32 - 1)), far)
    random = draw(st.booleans())
    config = {
        "answer": ({"random": {"low": -50, "high": 50, "shape": list(shape) or [1]}} if random
                   else nested(values(size), shape)),
        "guess": values(1)[0],
        "loss": draw(st.sampled_from(LOSSES)),
        "reduction": draw(st.sampled_from(["mean", "sum"])),
        "optimizer": draw(st.sampled_from(OPTIMIZERS)),
        "lr": draw(st.lists(st.integers(-60, 60).map(lambda k: 10.0 ** (k / 10)), min_size=1, max_size=5,
                            unique=True)),
        # mostly short games, one in forty a long budget (a long stop_early run steps attempt by attempt)
        "attempts": draw(st.one_of(*[st.integers(1, 60)] * 39, st.sampled_from([190, 650, 2000, most_attempts]))),
        "dtype": dtype,
        "stop_early": draw(st.sampled_from([False, False, False, True])),
        "log_every": draw(st.sampled_from([1, 1, 1, 1, 1, 3, 50])),
        "seed": draw(st.integers(0, 3)),
    }
    if random:
        config["games"] = draw(st.integers(1, 4))
    # one in four a ravine: each element weighed, and (2 elements or more) one in two of those turned
    if draw(st.integers(0, 3)) == 0:
        weights = np.random.default_rng(draw(st.integers(0, 2**32 - 1))).choice([0.01, 1.0, 7.0, 1e4], size)
        config["weights"] = float(weights[0]) if draw(st.booleans()) else nested(weights.tolist(), shape)
        if size >= 2 and draw(st.booleans()):
            config["rotation"] = draw(st.sampled_from([{"seed": 5}, 30.0] if size == 2 else [{"seed": 5}]))
    # one in four noisy hints (a noisy game's error is not turned), now and then a list of them: a grid
    if "rotation" not in config and draw(st.integers(0, 3)) == 0:
        noise = st.fixed_dictionaries({"std": st.sampled_from([0.0, 0.1, 3.0, 1e4]),
                                       "batch": st.sampled_from([1, 2, 9])})
        config["noise"] = draw(noise | st.lists(noise, min_size=2, max_size=2))
    return config


def scratch(tmp_path_factory):
    """A folder for run folders: in memory where the machine has one (the files are fsync'ed)."""
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK):
        return Path(tempfile.mkdtemp(dir=shm, prefix="guessgame-test-"))
    return tmp_path_factory.mktemp("runs")


def through_the_run_folder(config, tmp_path):
    result = simulate(config)
    run_dir = create_run_dir(tmp_path, "prop")
    write_run(run_dir, result)
    return result, run_dir, read_run(run_dir)


def folder_is_whole(run_dir):
    return all((run_dir / name).is_file() and (run_dir / name).stat().st_size for name in (CONFIG, ATTEMPTS, SUMMARY))


# Each property runs as several tests of a share of the examples each (different ones: hypothesis derives
# them from the test's name), so the suite's workers share them evenly.
RUNS, FIGURES = examples(120), examples(24)
SHARES = 8


def shared_out(check, name: str, examples: int) -> None:
    """Test `check(tmp_path_factory, config)` on `examples` random configs, as SHARES tests named
    `test_<name>_<k>` in this module."""
    for k in range(SHARES):
        def test(tmp_path_factory, config):
            check(tmp_path_factory, config)
        test.__name__ = test.__qualname__ = f"test_{name}_{k + 1}_of_{SHARES}"
        count = examples // SHARES + (k < examples % SHARES)
        if count:
            # the same examples on every machine, another share for each test
            share = seed(zlib.crc32(test.__name__.encode()))
            globals()[test.__name__] = share(settings(CI, max_examples=count)(given(configs())(test)))


def survives_the_run_folder(tmp_path_factory, config):
    folder = scratch(tmp_path_factory)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            result, run_dir, run = through_the_run_folder(config, folder)
        assert folder_is_whole(run_dir)
        assert run.runs == result.runs and run.loss.shape == tuple(result.loss.shape)
        if result.true_loss is None:
            np.testing.assert_array_equal(run.loss, result.loss.double().numpy())
        else:  # noisy hints: the figures draw the true loss; the loss each attempt saw is read back too
            np.testing.assert_array_equal(run.loss, result.true_loss.double().numpy())
            np.testing.assert_array_equal(run.seen, result.loss.double().numpy())
            np.testing.assert_array_equal(run.hint, result.hint.double().reshape(run.hint.shape).numpy())
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def every_figure_shows_every_run(tmp_path_factory, config):
    folder = scratch(tmp_path_factory)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            _, run_dir, run = through_the_run_folder(config, folder)
            figures = {entry.name: draw(entry(run), dpi=20, pixels=False) for entry in plots.FIGURES.values()
                       if entry.when.holds(run, replot=True) or entry.name == "cells"}
            plots.animate(run, run_dir / "guesses.gif", max_frames=3, dpi=20)
        assert folder_is_whole(run_dir) and (run_dir / "guesses.gif").stat().st_size > 0
        shows_every_run(run, figures)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


shared_out(survives_the_run_folder, "random_configs_survive_the_run_folder", RUNS)
shared_out(every_figure_shows_every_run, "every_figure_shows_every_run_for_random_configs", FIGURES)


def shows_every_run(run, figures):
    """The loss and path figures show each run's first finite loss; each diverged run is marked."""
    alive = run.attempt[:, None] <= np.array([s.attempts_run for s in run.summary])[None, :]
    firsts = first_finite(run.loss, alive)
    loss_axis = figures["loss"].axes[0]
    y = Axis(loss_axis)
    for r, first in enumerate(firsts):
        if first is not None:
            assert y.shows(first), (r, first, y.limits)
        info = run.summary[r]
        if info.status == "diverged" and info.diverged_at:
            assert markers_at(loss_axis, info.diverged_at), r
    path_y = Axis(figures["path"].axes[0])
    for first, start in zip(firsts, run.loss[0]):
        if first is not None and first == start:
            assert path_y.shows(first), (first, path_y.limits)
