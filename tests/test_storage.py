"""Every way a batch keeps its attempts gives the same run, bit for bit: the readable loop (EVERY_KTH,
which computes each loss as the notebook does) against each fast path that writes straight into the
log (rows, guesses only, one column per element, through a ring)."""

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guessgame import load_config, simulate
from guessgame.engine import log as log_module
from guessgame.engine.storage import Storage

from helpers.search import examples

PLAIN_ONLY = (Storage.GUESSES, Storage.GUESSES_BY_COLUMN, Storage.GUESSES_RING)


def played_with(storage, config):
    """`simulate(config)` with its batch kept in `storage`, whatever would have been chosen."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(log_module.Storage, "of", classmethod(lambda cls, *args: storage))
        return simulate(config)


def assert_same_run(ours, reference):
    for name in ("guess", "loss", "grad", "step", "final_guess"):  # the same values, NaN where NaN
        a, b = getattr(ours, name), getattr(reference, name)
        assert a.dtype == b.dtype and torch.equal(a.isnan(), b.isnan()), name
        assert torch.equal(a.nan_to_num(0.0, torch.inf, -torch.inf), b.nan_to_num(0.0, torch.inf, -torch.inf)), name
    assert list(ours.status) == list(reference.status)
    assert list(ours.converged_at) == list(reference.converged_at)
    assert list(ours.diverged_at) == list(reference.diverged_at)


def test_the_storage_is_chosen_once_from_the_config_and_the_batch():
    game = {"answer": [2, 77, 91], "guess": 50, "lr": [0.5] * 30}
    assert Storage.of(load_config(game), 30, 3) is Storage.GUESSES_BY_COLUMN
    assert Storage.of(load_config({**game, "loss": "huber"}), 30, 3) is Storage.GUESSES
    assert Storage.of(load_config({**game, "optimizer": "adam"}), 30, 3) is Storage.ROWS
    assert Storage.of(load_config(game), 1, 3) is Storage.GUESSES_RING
    assert Storage.of(load_config({**game, "optimizer": "adam"}), 1, 3) is Storage.ROWS_RING
    assert Storage.of(load_config({**game, "stop_early": True}), 30, 3) is Storage.EVERY_KTH
    assert Storage.of(load_config({**game, "log_every": 2}), 30, 3) is Storage.EVERY_KTH


games = st.fixed_dictionaries({
    "loss": st.sampled_from(["l1", "mse", "huber", "smooth_l1", "bad"]),
    "optimizer": st.sampled_from(["sgd", "adam", {"name": "sgd", "momentum": 0.9}]),
    "dtype": st.sampled_from(["float64", "float32", "float16", "bfloat16"]),
    "lr": st.lists(st.sampled_from([0.01, 0.5, 1.5, 2.9, 3.5, 10.0]), min_size=1, max_size=40),
    "answer": st.sampled_from([[2, 77, 91], [[1, 2], [3, 4]], 7, [1, 2, 3, 4, 5, 6]]),
    "attempts": st.integers(1, 300),  # past the ring's 256 slots too
})


@settings(max_examples=examples(40), deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(game=games)
def test_every_fast_path_equals_the_readable_loop(game):
    config = {"guess": 50, **game}
    reference = played_with(Storage.EVERY_KTH, config)
    plain = load_config(config).plain_sgd
    for storage in Storage:
        if storage is Storage.EVERY_KTH or (storage in PLAIN_ONLY and not plain):
            continue
        if storage is Storage.GUESSES_BY_COLUMN and game["loss"] not in ("l1", "mse", "bad"):
            continue  # their kernels round by memory layout: kept by rows
        assert_same_run(played_with(storage, config), reference)
