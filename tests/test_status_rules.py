"""Each verdict rule is written once (`guessgame.status.rules`); every reading of losses -- the judge's
quick paths, the attempt-by-attempt tracker, theory's reading of a monotone closed form -- must reach
the verdicts of the plain one, every rule at every attempt (`plain.judge`), on trajectories made of
the pieces that exercise each rule."""

import math
from unittest.mock import patch

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guessgame.status import Status, monotone, plain, rules, verdicts
from guessgame.status.rules import Rules
from guessgame.status.tracker import Tracker

from helpers.search import examples
from helpers.trajectories import CASES

INF, NAN = math.inf, math.nan
sizes = st.sampled_from([1e-14, 1e-3, 0.3, 1.0, 7.0, 1571.0])
PIECES = {
    "decay": st.tuples(sizes, st.sampled_from([0.01, 0.1, 1 / 9, 0.5, 0.9]), st.integers(1, 60)),  # converges, stays
    "land": st.tuples(st.integers(1, 30), st.integers(1, 60)),  # steps of one onto 0, then 0
    "grow": st.tuples(sizes, st.sampled_from([1.005, 1.01, 1.02, 16 / 9, 3.0]), st.integers(1, 40)),  # steady growth
    "wobble": st.tuples(sizes, st.integers(1, 40)),  # growth by unsteady factors: past diverge_factor in time
    "cycle": st.tuples(sizes | st.just(0.0), sizes, st.integers(1, 40)),  # period 2; touching tolerance and back
    "plateau": st.tuples(st.sampled_from([0.0, 1e-13, 1.0, 7.0, -2.0, INF, -INF, NAN]), st.integers(1, 30)),
    "jump": st.sampled_from([1e5, 1e7, 1e13, 1e300]),  # one loss past diverge_factor, then back
    "fall": st.tuples(sizes, sizes, st.integers(1, 40)),  # falling through 0 and below: the bad loss
    "creep": st.tuples(st.sampled_from([0.0, 1e-15]), st.integers(1, 30)),  # within tolerance, rising
    "noise": st.tuples(sizes, st.integers(1, 10**6), st.integers(1, 120)),  # wandering about a floor, at random
}


def _piece(kind: str, values) -> list[float]:
    if kind == "decay" or kind == "grow":
        start, factor, count = values
        return [start * factor**k for k in range(count)]
    if kind == "land":
        at, count = values
        return [float(max(at - 1 - k, 0)) for k in range(count)]
    if kind == "wobble":
        start, count = values
        return [start * (1.5 if k % 2 else 1.6) ** k for k in range(count)]
    if kind == "cycle":
        a, b, count = values
        return [a, b] * count
    if kind == "plateau":
        value, count = values
        return [value] * count
    if kind == "jump":
        return [values]
    if kind == "creep":
        start, count = values
        return [start + k * 1e-15 for k in range(count)]
    if kind == "noise":
        floor, seed, count = values
        draws = torch.rand(count, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
        return (floor * (0.2 + 1.6 * draws)).tolist()
    start, step, count = values
    return [start - k * step for k in range(count)]


pieces = [st.tuples(st.just(k), s) for k, s in PIECES.items()]
trajectories = st.lists(st.one_of(*pieces, pieces[-1]), min_size=1, max_size=5)  # noise twice as often


@st.composite
def games(draw, stopped=True):
    """Losses (attempts, runs), attempts_run, lost_at, the rules and stood_at: some runs' guesses overflow,
    some runs stopped before the end (NaN after, as `stop_early` leaves them, or losses that say nothing),
    some guesses stand still for good from an attempt on (the loss the same from there: a step that
    rounds away), and some runs have a schedule that bounds how far their loss can still move (`reach`)."""
    count = draw(st.integers(1, 6))
    runs, stood = [], []
    for _ in range(count):
        run = sum((_piece(kind, values) for kind, values in draw(trajectories)), [])
        stands = draw(st.sampled_from([None, None, draw(st.integers(0, len(run)))]))
        stood.append(stands)
        if stands is not None:  # the loss stays where the guess stood still
            run = run[:max(stands, 1)] + [run[max(stands, 1) - 1]] * draw(st.integers(0, 30))
        runs.append(run)
    steps = max(map(len, runs))
    loss = torch.tensor([run + [run[-1]] * (steps - len(run)) for run in runs], dtype=torch.float64).T
    stood_at = torch.tensor([steps if at is None else max(at - 1, 0) for at in stood])
    lost_at = torch.tensor([draw(st.sampled_from([steps, steps, draw(st.integers(0, steps))])) for _ in runs])
    played = [draw(st.sampled_from([steps, steps, draw(st.integers(1, steps))])) if stopped else steps for _ in runs]
    if draw(st.booleans()):
        for r, ran in enumerate(played):
            loss[ran:, r] = NAN
    dtype = draw(st.sampled_from([torch.float64, torch.float32]))
    judged_by = Rules(draw(st.sampled_from([1e-12, 1e-6, 0.5])), draw(st.sampled_from([10.0, 1e6])),
                      draw(st.booleans()), rules.slack(dtype), draw(reaches(steps, count)), draw(st.booleans()))
    return loss.to(dtype), torch.tensor(played), lost_at, judged_by, draw(st.sampled_from([None, stood_at]))


def reaches(steps: int, runs: int):
    """None, or what a geometrically decaying lr leaves to move, (attempts, runs): start x decay^t."""
    start = st.sampled_from([1e-14, 1e-9, 1e-3, 1.0, 1e3])
    decay = st.sampled_from([0.0, 0.1, 0.5, 0.9])
    tables = st.tuples(st.lists(start, min_size=runs, max_size=runs), st.lists(decay, min_size=runs, max_size=runs))
    return st.none() | tables.map(lambda t: torch.tensor(t[0], dtype=torch.float64)
                                  * torch.tensor(t[1], dtype=torch.float64) ** torch.arange(steps).unsqueeze(1))


def _reference(loss, attempts_run, lost_at, judged_by, stood_at=None) -> verdicts.Outcome:
    return verdicts.outcome(plain.judge(loss, attempts_run, lost_at, judged_by, stood_at=stood_at))


def _tiled(outcome: verdicts.Outcome, times: int) -> verdicts.Outcome:
    return verdicts.Outcome(*(column * times for column in outcome))


def quick_paths_agree(game) -> None:
    """`judge` without its quick paths (few losses) and with them (the same runs tiled into a sweep, whole
    or a block at a time) reaches the plain verdicts."""
    loss, attempts_run, lost_at, judged_by, stood_at = game
    reference = _reference(*game)
    assert loss.numel() < verdicts.QUICK_FROM
    assert verdicts.classify(*game) == reference  # every rule: too few losses for the quick paths
    # the same runs, as many times as makes a sweep of more losses than a block of QUICK_FROM holds
    times = -(-(verdicts.QUICK_FROM + 2 * loss.shape[0]) // loss.numel())
    tiled = judged_by if judged_by.reach is None else judged_by._replace(reach=judged_by.reach.repeat(1, times))
    stood = None if stood_at is None else stood_at.repeat(times)
    sweep = (loss.repeat(1, times), attempts_run.repeat(times), lost_at.repeat(times), tiled)
    assert verdicts.classify(*sweep, stood) == _tiled(reference, times)
    halves = verdicts.Halves.of(sweep[0])  # as the engine hands them over
    assert verdicts.outcome(verdicts.judge(*sweep, halves, stood)) == _tiled(reference, times)
    # a block of runs at a time, as a long sweep is judged: each block takes the quick paths, the last may not
    with patch.object(verdicts, "BLOCK", verdicts.QUICK_FROM + loss.shape[0]):
        assert verdicts.outcome(verdicts.judge(*sweep, halves, stood)) == _tiled(reference, times)


def tracker_agrees(game) -> None:
    """Attempt by attempt, as `stop_early` runs it: the same attempt for each verdict; and a run stopped
    there (NaN after, as `stop_early` leaves it) is judged as the run played to the end."""
    loss, attempts_run, lost_at, judged_by, stood_at = game
    reference = _reference(*game)
    tracker = Tracker(loss, judged_by)
    reached = [None] * loss.shape[1]
    for t in range(loss.shape[0]):
        stood = None if stood_at is None else stood_at <= t  # this attempt's step left the guess standing
        for r in tracker.update(loss[t], lost_at > t, stood).nonzero().flatten().tolist():
            reached[r] = t + 1
    assert reached == reference.decided_at
    stopped, ran = loss.clone(), torch.tensor([at or loss.shape[0] for at in reached])
    for r, count in enumerate(ran.tolist()):
        stopped[count:, r] = NAN
    again = _reference(stopped, ran, lost_at.clamp(max=ran), judged_by, stood_at)
    assert again[:4] == reference[:4] and again.stalled_at == reference.stalled_at  # left_at: nothing is left
    assert again.settled_at == reference.settled_at


@settings(max_examples=examples(50), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(games())
def test_the_judge_with_and_without_its_quick_paths_reaches_the_plain_verdicts(game):
    quick_paths_agree(game)


@settings(max_examples=examples(60), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(games(stopped=False))
def test_the_tracker_reaches_the_same_verdicts_at_the_same_attempts(game):
    tracker_agrees(game)


@pytest.mark.parametrize(("losses", "options"), [c[1:3] for c in CASES], ids=[c[0] for c in CASES])
def test_each_sequence_of_the_table_reads_alike_on_every_path(losses, options):
    lost_at = options.get("lost_at", len(losses) + 1) - 1
    judged_by = Rules(options.get("tolerance", 1e-12), options.get("factor", 1e6), options.get("has_minimum", True),
                      options.get("slack", 1e-9))
    game = (torch.tensor(losses, dtype=torch.float64).unsqueeze(1), torch.tensor([len(losses)]),
            torch.tensor([lost_at]), judged_by, None)
    quick_paths_agree(game)
    tracker_agrees(game)


@settings(max_examples=examples(100), deadline=None)
@given(st.lists(st.tuples(st.sampled_from([0.0, 1e-13, 3e-3, 1.0, 5e3, 1e300]),
                          st.sampled_from([0.0, 0.1, -0.5, 1 / 3, -0.9, 0.99, 0.999, -1.0, 1.0])),
                min_size=1, max_size=8),
       st.integers(3, 400), st.sampled_from([1e-12, 1e-6, 0.5]), st.integers(0, 400))
def test_theorys_reading_of_a_falling_closed_form_is_the_plain_reading(runs, steps, tolerance, guess):
    """loss(1) factor^(2t), |factor| <= 1, read at the few attempts the rules look at, wherever the
    bisection is told to start, is the verdict of every attempt written down."""
    start = torch.tensor([s for s, _ in runs], dtype=torch.float64)
    factor = torch.tensor([f for _, f in runs], dtype=torch.float64)

    def loss_at(t):
        return torch.where(start == 0, 0.0, start * torch.pow(factor, t.double()) ** 2)

    judged_by = Rules(tolerance, 1e6)
    written = loss_at(torch.arange(steps, dtype=torch.float64).unsqueeze(1))
    reference = _reference(written, torch.full((len(runs),), steps), torch.full((len(runs),), steps), judged_by)
    found = verdicts.Found.none(len(runs), steps)
    monotone.falling(found, torch.arange(len(runs)), loss_at, torch.full((len(runs),), guess), judged_by)
    assert verdicts.outcome(found) == reference


# The rules read the same on numpy (the tracker) and torch (the judge, theory).
arrays = st.lists(st.sampled_from([0.0, -0.0, 1e-13, 0.5, 1.0, 1.01, 1.0201, 2.0, -3.0, 1e300, INF, -INF, NAN]),
                  min_size=0, max_size=12)


@settings(max_examples=examples(100), deadline=None)
@given(st.lists(arrays, min_size=1, max_size=3).map(lambda cols: [c + [0.0] * (12 - len(c)) for c in cols]),
       st.integers(0, 12))
def test_each_rule_reads_the_same_on_numpy_and_on_torch(columns, steps):
    values = np.array(columns, dtype=np.float64).T[:steps]
    with np.errstate(all="ignore"):
        for apply in (rules.size, rules.growing, rules.repeating, lambda x: rules.reference_candidate(x, 0.5),
                      lambda x: rules.falling(x[1:], x[:-1]), lambda x: rules.within(rules.size(x), 1e-12),
                      lambda x: rules.still_moving(x[0], x[-1], x[-2], x[1], 1e-9) if len(x) >= 2 else x,
                      lambda x: rules.blown_up(rules.size(x), x[:1], rules.size(x) > 1, 1e6)):
            numpy_says = apply(values)
            torch_says = apply(torch.from_numpy(values.copy())).numpy()
            np.testing.assert_array_equal(numpy_says, torch_says)


def test_the_settle_window_reads_the_same_for_an_int_and_an_array():
    attempts = list(range(1, 2001))
    expected = [rules.settle(t) for t in attempts]
    assert rules.settle(np.array(attempts)).tolist() == expected
    assert rules.settle(torch.tensor(attempts)).tolist() == expected
    assert [rules.window_end(t - 1) for t in attempts] == [t - 1 + s - 1 for t, s in zip(attempts, expected)]


def test_every_status_has_a_colour_a_style_and_a_layer():
    """What the figures, the page and the terminal draw each status with, keyed by the enum: a status
    added to `Status` without them would break a display; no two statuses share a colour."""
    from matplotlib.colors import to_rgb

    from guessgame.cli.console import STATUS_STYLE
    from guessgame.viz import style

    assert set(style.STATUS_COLORS) == set(Status) and set(STATUS_STYLE) == set(Status)
    colours = [to_rgb(style.STATUS_COLORS[status]) for status in Status]
    assert len(set(colours)) == len(Status)
    assert len({STATUS_STYLE[status] for status in Status}) == len(Status)
    assert all(isinstance(status.layer, int) for status in Status)
    assert Status.DIVERGED.layer < Status.UNFINISHED.layer == Status.OSCILLATING.layer < Status.CONVERGED.layer
    assert Status.STALLED.layer == Status.OSCILLATING.layer


@pytest.mark.parametrize("steps", [1, 2, 5, 70])
def test_a_run_of_few_attempts_is_judged_alike_everywhere(steps):
    loss = torch.tensor([[0.0, 5.0, INF, 1e-20]] * steps, dtype=torch.float64).reshape(steps, 4)
    game = (loss, torch.full((4,), steps), torch.full((4,), steps), Rules(1e-12, 1e6))
    times = -(-verdicts.QUICK_FROM // max(1, loss.numel()))
    sweep = (loss.repeat(1, times), game[1].repeat(times), game[2].repeat(times), game[3])
    assert verdicts.classify(*sweep) == _tiled(_reference(*game), times)
