"""Bit-for-bit comparison of a run's log with a reference loop's."""

import pytest
import torch


def assert_bitwise_equal(ours, theirs, what):
    """torch.equal, with NaN equal to NaN: both NaN at the same places and equal everywhere else,
    down to the sign of a zero (which torch.equal alone does not see)."""
    assert ours.dtype == theirs.dtype and ours.shape == theirs.shape, what
    nan = ours.isnan()
    assert torch.equal(nan, theirs.isnan()), f"{what}: NaN at different attempts"
    if not torch.equal(ours[~nan], theirs[~nan]):
        differs = (ours != theirs) & ~nan
        first = int(differs.reshape(differs.shape[0], -1).any(1).nonzero()[0])
        pytest.fail(f"{what} differs first at attempt {first + 1}: {ours[first].tolist()} != {theirs[first].tolist()}")
    assert torch.equal(ours[~nan].signbit(), theirs[~nan].signbit()), f"{what}: a zero of the other sign"


def assert_run_equals(result, run, expected, rows=slice(None), name=""):
    """Run `run`'s guesses, losses, gradients and steps are `expected`'s (at `rows`); `name` says whose."""
    got = (result.guess[:, run], result.loss[:, run], result.grad[:, run], result.step[:, run])
    for what, ours, theirs in zip(("guess", "loss", "grad", "step"), got, expected):
        assert_bitwise_equal(ours, theirs[rows], f"{name}{what}")
