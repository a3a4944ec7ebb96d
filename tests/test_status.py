"""The verdict rules, as a table of loss sequences, and the attempt-by-attempt tracker against them."""

from unittest.mock import patch

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from guessgame.status import plain, verdicts
from guessgame.status.rules import SETTLE, settle
from guessgame.status.tracker import Tracker
from guessgame.status.verdicts import Rules, classify

from helpers.search import examples
from helpers.trajectories import CASES, INF, NAN, geometric, landing, verdict  # noqa: F401


@pytest.mark.parametrize(("losses", "options", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_the_verdict_of_a_loss_sequence(losses, options, expected):
    assert verdict(losses, **options) == expected


def test_the_settle_window_is_a_tenth_of_the_run_and_at_least_settle():
    assert [settle(t) for t in (1, 2, 30, 31, 100, 101, 1000)] == [SETTLE, SETTLE, SETTLE, 4, 10, 11, 100]


def test_a_verdict_does_not_move_when_more_attempts_follow():
    for losses in (geometric(1571.0, 16 / 9, 30), landing(17, 40), [2.0, 64.0, INF, INF, 1.0]):
        full = verdict(losses)
        for cut in range(1, len(losses) + 1):
            short = verdict(losses[:cut])
            if short[0] in ("converged", "diverged"):
                assert short == full


# The tracker reaches the same verdicts attempt by attempt: random sequences made of the pieces that
# real runs are made of.
pieces = st.one_of(
    st.tuples(st.just("geometric"), st.floats(1e-3, 1e3), st.sampled_from([0.1, 0.5, 0.99, 1.0, 1.005, 1.02, 3.0]),
              st.integers(1, 40)),
    st.tuples(st.just("constant"), st.sampled_from([0.0, 1e-13, 1.0, 7.0, INF, NAN, -2.0]), st.just(1.0),
              st.integers(1, 20)),
    st.tuples(st.just("cycle"), st.floats(1e-14, 10), st.floats(1e-14, 10), st.integers(1, 20)),
)


def _sequence(parts):
    out = []
    for kind, a, b, count in parts:
        if kind == "geometric":
            out += geometric(a, b, count)
        elif kind == "constant":
            out += [a] * count
        else:
            out += [a, b] * count
    return out


@settings(max_examples=examples(120), deadline=None)
@given(st.lists(st.lists(pieces, min_size=1, max_size=4), min_size=1, max_size=5), st.booleans(),
       st.lists(st.integers(1, 120), min_size=5, max_size=5))
def test_the_tracker_reaches_each_verdict_at_the_attempt_classify_declares(runs, has_minimum, lost):
    sequences = [_sequence(parts) for parts in runs]
    steps = max(len(s) for s in sequences)
    loss = torch.tensor([s + [s[-1]] * (steps - len(s)) for s in sequences], dtype=torch.float64).T
    lost_at = torch.tensor([min(lost[r] - 1, steps) for r in range(len(runs))])
    rules = Rules(tolerance=1e-12, diverge_factor=1e6, has_minimum=has_minimum, slack=1e-9)
    expected = classify(loss, torch.full((len(runs),), steps), lost_at, rules)
    tracker = Tracker(loss, rules)
    reached = [None] * len(runs)
    for t in range(steps):
        finite = lost_at > t
        for r in tracker.update(loss[t], finite).nonzero().flatten().tolist():
            reached[r] = t + 1
    assert reached == expected.decided_at


@settings(max_examples=examples(100), deadline=None)
@given(st.lists(st.lists(pieces, min_size=1, max_size=6), min_size=1, max_size=8), st.booleans(),
       st.lists(st.integers(1, 300), min_size=8, max_size=8), st.lists(st.integers(1, 300), min_size=8, max_size=8))
def test_the_quick_paths_of_classify_agree_with_every_rule_applied_to_every_run(runs, has_minimum, lost, played):
    """classify settles simple runs in a few passes and looks at the first attempts of the rest
    first; every run's verdict must be the one that every rule over all its attempts gives."""
    sequences = [_sequence(parts) for parts in runs]
    steps = max(len(s) for s in sequences)
    loss = torch.tensor([s + [s[-1]] * (steps - len(s)) for s in sequences], dtype=torch.float64).T
    lost_at = torch.tensor([min(lost[r] - 1, steps) for r in range(len(runs))])
    attempts_run = torch.tensor([steps if played[r] % 3 else min(played[r], steps) for r in range(len(runs))])
    rules = Rules(tolerance=1e-12, diverge_factor=1e6, has_minimum=has_minimum, slack=1e-9)
    reference = verdicts.outcome(plain.judge(loss, attempts_run, lost_at, rules))
    with patch.object(verdicts, "QUICK_FROM", 0):  # the quick paths, as for a sweep of thousands of runs
        assert classify(loss, attempts_run, lost_at, rules) == reference
        with patch.object(verdicts, "BLOCK", steps * 3):  # a few runs at a time, as a long sweep is judged
            assert classify(loss, attempts_run, lost_at, rules) == reference
