"""Noisy hints: every attempt's loss is torch's minibatch loss against observations drawn from the seed,
bit for bit the README's expression with the draws a reader makes with torch.Generator, played alone by
the notebook's loop or torch.optim; lrs, games and grid cells see the hints the README says."""

import itertools

import numpy as np
import pytest
import torch

from guessgame import load_config, simulate
from guessgame.config import ConfigError
from guessgame.engine.storage import Storage
from guessgame.status import Status, verdicts
from guessgame.status.rules import Rules
from guessgame.status.tracker import Tracker

from helpers.exact import assert_run_equals
from helpers.reference import noisy_loss_fn, notebook_loop, torch_optim_loop

LOSSES = {"l1": {}, "mse": {}, "huber": {"delta": 0.7}, "smooth_l1": {"beta": 2.0}, "bad": {}}
DTYPES = ["float16", "bfloat16", "float32", "float64"]
OPTIMIZERS = {"sgd": {}, "sgd_momentum": {"momentum": 0.9}, "adam": {}}
LRS = [0.01, 0.3, 2.0]


def _game(loss, dtype, optimizer, batch, **extra):
    return {"answer": [2.0, -7.5, 4.0], "guess": 1.5, "loss": {"name": loss, **LOSSES[loss]},
            "optimizer": {"name": optimizer.split("_")[0], **OPTIMIZERS[optimizer]}, "lr": LRS, "attempts": 20,
            "dtype": dtype, "noise": {"std": 1.5, "batch": batch}, "seed": 7, **extra}


def _alone(game, lr, game_index=0, weights=None):
    noise = game["noise"]
    fn = noisy_loss_fn(game["loss"]["name"], LOSSES[game["loss"]["name"]], game.get("reduction", "mean"),
                       game["answer"], noise["std"], noise["batch"], game["seed"], game.get("games", 1), game_index,
                       weights)
    dtype = getattr(torch, game["dtype"])
    name, options = game["optimizer"]["name"], {k: v for k, v in game["optimizer"].items() if k != "name"}
    if name == "sgd" and not options:
        return notebook_loop(game["answer"], game["guess"], fn, lr, game["attempts"], dtype=dtype)
    return torch_optim_loop(game["answer"], game["guess"], fn, name, options, lr, game["attempts"], dtype=dtype)


CASES = list(itertools.product(LOSSES, DTYPES, OPTIMIZERS, [1, 5]))


@pytest.mark.parametrize(("loss", "dtype", "optimizer", "batch"), CASES,
                         ids=[f"{loss}-{dtype}-{opt}-B{batch}" for loss, dtype, opt, batch in CASES])
def test_a_noisy_game_is_bit_for_bit_the_minibatch_loss_with_the_readers_draws(loss, dtype, optimizer, batch):
    game = _game(loss, dtype, optimizer, batch)
    result = simulate(game)
    for run, lr in enumerate(LRS):
        assert_run_equals(result, run, _alone(game, lr), name=f"lr {lr}: ")


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_weights_weigh_every_observation(reduction):
    weights = [1.0, 30.0, 0.5]
    game = {**_game("mse", "float32", "sgd", 4), "weights": weights, "reduction": reduction}
    result = simulate(game)
    for run, lr in enumerate(LRS):
        assert_run_equals(result, run, _alone(game, lr, weights=weights), name=f"lr {lr}: ")


def test_games_are_independent_streams_and_every_lr_of_a_game_sees_its_hints():
    game = {**_game("mse", "float64", "sgd", 3), "games": 4, "attempts": 12}
    result = simulate(game)
    assert result.runs == len(LRS) * 4
    for run in range(result.runs):
        lr, k = LRS[run // 4], run % 4
        assert_run_equals(result, run, _alone(game, lr, game_index=k), name=f"lr {lr}, game {k}: ")
    hint = result.hint  # (attempts, runs, N): the mean of each attempt's observations
    for k in range(4):
        same = hint[:, k::4]
        assert torch.equal(same, same[:, :1].expand_as(same))  # every lr, the same hints
    assert not torch.equal(hint[:, 0], hint[:, 1])  # two games, two streams


def test_the_hint_is_the_batch_mean_and_the_true_loss_is_to_the_hidden_answer():
    game = {**_game("mse", "float64", "sgd", 6), "attempts": 10}
    result = simulate(game)
    eps = torch.randn((65536 // 18, 1, 6, 3), generator=torch.Generator().manual_seed(7), dtype=torch.float64)
    answer = torch.tensor(game["answer"], dtype=torch.float64)
    for t in range(10):
        assert torch.equal(result.hint[t, 0], (answer + 1.5 * eps[t, 0]).mean(0))
    expected = torch.nn.functional.mse_loss(result.guess, answer.expand_as(result.guess), reduction="none").mean(-1)
    assert torch.equal(result.true_loss, expected)


def test_every_cell_of_a_grid_sees_the_same_hints():
    game = {**_game("mse", "float64", "sgd", 2), "optimizer": ["sgd", "adam"], "dtype": ["float32", "float64"]}
    result = simulate(game)
    cells = result.cell.tolist()
    for k in range(1, 4):
        theirs = result.hint[:, [i for i, c in enumerate(cells) if c == k]]
        ours = result.hint[:, [i for i, c in enumerate(cells) if c == 0]]
        if result.config.cells[k].dtype == result.config.cells[0].dtype:
            assert torch.equal(theirs, ours)
        else:  # the same draws, each held by its cell's dtype
            torch.testing.assert_close(theirs, ours, rtol=1e-6, atol=1e-6)


def test_the_same_seed_gives_the_same_bits_and_another_seed_other_draws():
    game = _game("l1", "float64", "adam", 2)
    assert torch.equal(simulate(game).guess, simulate(game).guess)
    assert not torch.equal(simulate(game).guess, simulate({**game, "seed": 8}).guess)


def test_no_noise_is_the_plain_game():
    game = _game("huber", "float32", "sgd", 3)
    plain = {k: v for k, v in game.items() if k != "noise"}
    ours = simulate({**game, "noise": {"std": 0.0, "batch": 1}})
    assert torch.equal(ours.guess, simulate(plain).guess) and torch.equal(ours.true_loss, ours.loss)


@pytest.mark.parametrize(("noise", "key", "says"), [
    ({"std": -1}, "noise.std", ">= 0"),
    ({"std": float("nan")}, "noise.std", ">= 0"),
    ({"std": 1, "batch": 0}, "noise.batch", "from 1"),
    ({"std": 1, "batch": 1.5}, "noise.batch", "whole number"),
    ({"batch": 2}, "noise", "{std: s, batch: B}"),
    ({"std": 1, "size": 2}, "noise.size", "{std: s, batch: B}"),
    ("loud", "noise", "{std: s, batch: B}"),
])
def test_bad_noise_is_refused_naming_the_key(noise, key, says):
    with pytest.raises(ConfigError) as error:
        load_config({"answer": [1, 2, 3], "noise": noise})
    assert error.value.key == key and says in str(error.value)


def test_games_of_a_fixed_answer_need_noise():
    with pytest.raises(ConfigError) as error:
        load_config({"answer": [1, 2, 3], "games": 3})
    assert error.value.key == "games"
    assert load_config({"answer": [1, 2, 3], "games": 3, "noise": {"std": 1}}).runs == 3


def _settled_by_hand(losses, window=20):
    """The first attempt (1-based) whose `window` true losses lie within the range of the `window` before."""
    for t in range(2 * window - 1, len(losses)):
        later, earlier = losses[t - window + 1:t + 1], losses[t - 2 * window + 1:t - window + 1]
        if min(later) >= min(earlier) and max(later) <= max(earlier):
            return t + 1
    return None


@pytest.mark.parametrize("decay", [0.0, 0.03, 0.1, 0.3])
@pytest.mark.parametrize("steps", [39, 40, 161])
def test_a_noisy_run_settles_where_its_window_first_lies_within_the_one_before(decay, steps):
    # falling geometrically, then wandering about a floor: judged after the fact, on every path, and
    # attempt by attempt (as stop_early does), at the attempt counted by hand
    rows, seeds = [], range(12)
    for seed in seeds:
        draws = torch.rand(steps, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
        rows.append(((1 - decay) ** torch.arange(steps) * 50 + 0.5 + draws).tolist())
    loss = torch.tensor(rows, dtype=torch.float64).T
    rules = Rules(tolerance=1e-12, diverge_factor=1e6, noisy=True)
    full = torch.full((len(seeds),), steps)
    outcome = verdicts.classify(loss, full, full, rules)
    expected = [_settled_by_hand(row) for row in rows]
    assert outcome.settled_at == expected
    assert outcome.status == [Status.SETTLED if at else outcome.status[k] for k, at in enumerate(expected)]
    tiled = loss.repeat(1, verdicts.QUICK_FROM // loss.numel() + 1)  # enough runs for the quick paths
    runs = tiled.shape[1]
    quick = verdicts.classify(tiled, torch.full((runs,), steps), torch.full((runs,), steps), rules)
    assert quick.settled_at == expected * (runs // len(seeds))
    tracker, reached = Tracker(loss, rules), [None] * len(seeds)
    for t in range(steps):
        for r in tracker.update(loss[t], torch.ones(len(seeds), dtype=torch.bool)).nonzero().flatten().tolist():
            reached[r] = t + 1
    assert reached == expected
    assert not any(verdicts.classify(loss, full, full, rules._replace(noisy=False)).settled_at)  # noiseless: never


def _floor_by_hand(lr, std, batch, n, weights=None, momentum=0.0, reduction="mean"):
    """The stationary expected true loss, per element c^2 s / (1 - a^2 - b^2 - 2 a^2 b / (1 - b)), summed
    with the loss's weights; c = lr h, h = 2 w / N (mean) or 2 w B (sum), s = std^2 / B, a = 1 + mu - c,
    b = -mu -- written out here from the recursions, apart from guessgame's theory."""
    total = 0.0
    for w in (weights or [1.0] * n):
        h = 2 * w / n if reduction == "mean" else 2 * w * batch
        c, s, a, b = lr * h, std ** 2 / batch, 1 + momentum - lr * h, -momentum
        total += (w / n if reduction == "mean" else w) * c * c * s / (1 - a * a - b * b - 2 * a * a * b / (1 - b))
    return total


def _mean_and_error(values):
    values = values.double()
    return float(values.mean()), float(values.std() / len(values) ** 0.5)


@pytest.mark.parametrize("batch", [1, 4, 16])
@pytest.mark.parametrize("lr", [0.6, 2.4])  # c = 0.4 and 1.6: either side of the fastest lr, 1.5
def test_the_mean_true_loss_of_many_games_settles_at_theorys_floor(lr, batch):
    game = {"answer": [2.0, 77.0, 91.0], "guess": 50.0, "loss": "mse", "lr": lr, "attempts": 120, "games": 3000,
            "noise": {"std": 2.0, "batch": batch}, "seed": batch}
    result = simulate(game)
    floor = _floor_by_hand(lr, 2.0, batch, 3)
    assert result.theory[0].noise_floor == pytest.approx(floor, rel=1e-12)
    mean, error = _mean_and_error(result.true_loss[-1])
    assert abs(mean - floor) < 4 * error, (mean, floor, error)
    later, _ = _mean_and_error(result.true_loss[-40:].mean(0))
    assert later == pytest.approx(floor, rel=0.05)  # the floor falls as 1 / B: 4x lower at B = 4
    assert sum(s == Status.SETTLED for s in result.status) > 0.9 * result.runs
    assert {t.predicted for t in result.theory} == {Status.SETTLED}


@pytest.mark.parametrize(("extra", "weights", "momentum", "reduction"), [
    ({"weights": [1.0, 10.0, 0.5], "lr": 0.2}, [1.0, 10.0, 0.5], 0.0, "mean"),
    ({"optimizer": {"name": "sgd", "momentum": 0.6}}, None, 0.6, "mean"),
    ({"reduction": "sum", "lr": 0.1}, None, 0.0, "sum"),
])
def test_theorys_expected_true_loss_is_the_mean_of_many_games_at_every_attempt(extra, weights, momentum, reduction):
    from guessgame.theory.noisy import Noisy

    game = {"answer": [2.0, 77.0, 91.0], "guess": 50.0, "loss": "mse", "lr": 0.5, "attempts": 60, "games": 3000,
            "noise": {"std": 3.0, "batch": 2}, **extra}
    result = simulate(game)
    config = result.config
    expected = Noisy(config, result.lr[:1], (result.guess[0, :1] - result.answer[:1]).double()).expected(60)[:, 0]
    for t in (0, 1, 2, 5, 10, 30, 59):
        mean, error = _mean_and_error(result.true_loss[t])
        assert abs(mean - float(expected[t])) <= 4 * error + 1e-9 * float(expected[t]), (t, mean, float(expected[t]))
    floor = _floor_by_hand(config.lr[0], 3.0, 2, 3, weights, momentum, reduction)
    assert result.theory[0].noise_floor == pytest.approx(floor, rel=1e-12)


def test_a_decaying_lr_ends_far_below_the_constant_lrs_floor():
    game = {"answer": [2.0, 77.0, 91.0], "guess": 50.0, "loss": "mse", "lr": 1.5, "attempts": 300, "games": 2000,
            "noise": {"std": 2.0, "batch": 1}, "schedule": ["none", {"name": "cosine", "T_max": 300}]}
    result = simulate(game)
    constant, decayed = (result.true_loss[-1][result.cell == k] for k in (0, 1))
    floor = _floor_by_hand(1.5, 2.0, 1, 3)
    assert _mean_and_error(constant)[0] == pytest.approx(floor, rel=0.1)
    assert _mean_and_error(decayed)[0] < floor / 10


def test_above_the_critical_lr_a_noisy_run_still_diverges():
    result = simulate({"answer": [2.0, 77.0, 91.0], "guess": 50.0, "loss": "mse", "lr": 3.2, "attempts": 300,
                       "games": 50, "noise": {"std": 2.0, "batch": 4}})
    assert set(result.status) == {Status.DIVERGED} and {t.predicted for t in result.theory} == {Status.DIVERGED}


def test_a_noisy_run_folder_reads_back_as_it_was_played(tmp_path):
    from guessgame.rundata import RunData
    from guessgame.rundir import read_run, write_run

    result = simulate({**_game("mse", "float32", "sgd", 3), "games": 2, "attempts": 45})
    write_run(tmp_path, result)
    header = (tmp_path / "attempts.csv").read_text().splitlines()[0].split(",")
    assert header[header.index("loss"):header.index("guess_0")] == ["loss", "true_loss", "hint_0", "hint_1", "hint_2"]
    back, played = read_run(tmp_path), RunData.from_result(result)
    for name in ("loss", "seen", "hint", "guess"):
        np.testing.assert_array_equal(getattr(back, name), getattr(played, name), err_msg=name)
    np.testing.assert_array_equal(back.loss, result.true_loss.double().numpy())  # the figures draw the true loss
    assert [run.settled_at for run in back.summary] == result.settled_at


SWEEPS = list(itertools.product(LOSSES, DTYPES, [1, 4], [3, 5]))


@pytest.mark.parametrize(("loss", "dtype", "batch", "n"), SWEEPS,
                         ids=[f"{loss}-{dtype}-B{batch}-N{n}" for loss, dtype, batch, n in SWEEPS])
def test_a_noisy_sweep_kept_whole_is_the_readers_loop_for_every_lr(loss, dtype, batch, n):
    # plain SGD keeping every attempt writes only the guesses and keeps the observations: the loss each
    # attempt saw, its gradient and step are worked out from them afterwards, all attempts at once
    answer = [2.0, -7.5, 4.0, 0.25, 11.0][:n]
    lrs = [0.02 * 1.3 ** k for k in range(24)]
    game = {**_game(loss, dtype, "sgd", batch), "answer": answer, "lr": lrs, "attempts": 15}
    config = load_config(game)
    assert Storage.of(config, config.runs, config.numel) in (Storage.GUESSES, Storage.GUESSES_BY_COLUMN)
    result = simulate(game)
    for run, lr in enumerate(config.lr):
        assert_run_equals(result, run, _alone(game, lr), name=f"lr {lr:g}: ")
    eps = torch.randn((65536 // (batch * n), 1, batch, n), generator=torch.Generator().manual_seed(7),
                      dtype=torch.float64)  # one block of attempts, drawn whole
    for t in range(15):
        held = (torch.tensor(answer, dtype=torch.float64) + 1.5 * eps[t, 0]).to(getattr(torch, dtype)).double()
        assert torch.equal(result.hint[t], held.mean(0).expand(len(lrs), n))


@pytest.mark.parametrize("optimizer", ["sgd", "sgd_momentum"])  # the loop that keeps only guesses, and the other
def test_draws_come_in_blocks_of_attempts_as_the_readme_says(optimizer):
    # 100 games x batch 7 x 3 elements: 65536 // 2100 = 31 attempts a block; 70 attempts take three draws (torch
    # draws normals 16 at a time: a block of 65,100 values is not the same numbers as 31 draws of 2,100)
    game = {**_game("mse", "float32", optimizer, 7), "lr": [0.3], "games": 100, "attempts": 70}
    result = simulate(game)
    for k in (0, 26, 57, 99):
        assert_run_equals(result, k, _alone(game, 0.3, game_index=k), name=f"game {k}: ")


@pytest.mark.parametrize("extra", [{}, {"weights": [1.0, 10.0, 0.5]}, {"reduction": "sum"}])
def test_explain_narrates_the_first_attempt_the_run_plays(extra):
    # its observations, its minibatch loss and the step from it: the run's own first attempt
    from guessgame.explain import explain, first_attempt

    config = load_config({**_game("mse", "float64", "sgd", 3), "games": 5, **extra})
    attempt, result = first_attempt(config), simulate(config)
    assert torch.equal(attempt.loss, result.loss[0, 0]) and torch.equal(attempt.grad, result.grad[0, 0])
    torch.testing.assert_close(attempt.step, result.step[0, 0])  # torch.optim.SGD's step: the loop's, but for rounding
    lines = explain(config)
    assert "loss = mse(guess.expand(3, 3), observations, reduction='mean')" in lines or "weights" in extra \
        or "sum" in str(extra)
    assert any(line.startswith("observations = answer + 1.5 * N(0, 1)") for line in lines)


def test_playing_by_hand_is_told_what_the_run_is_told():
    # the first guess, typed as the config's, gets the run's first attempt's noisy loss and gradient
    from guessgame.formatting import number, vector
    from guessgame.play import play

    config = load_config({**_game("mse", "float64", "sgd", 2), "lr": [0.3], "attempts": 5})
    said, lines = [], iter(["1.5", "q"])
    play(config, read=lambda prompt: next(lines), say=said.append)
    result = simulate(config)
    assert f"  loss {number(float(result.loss[0, 0]))}   gradient {vector(result.grad[0, 0].tolist())}" in said
    assert f"  hint {vector(result.hint[0, 0].tolist())}" in said
    assert "2 noisy observations of the answer" in said[0]


@pytest.mark.parametrize("noise", [None, {"std": 2.0, "batch": 3}])
def test_the_size_check_before_a_run_counts_the_hints_columns(tmp_path, noise):
    # attempts.csv's size as the check before a run expects it, against the file written
    from guessgame.rundir import write_run
    from guessgame.rundir.layout import csv_bytes

    game = {"answer": [2.0, 77.0, 91.0], "guess": 50.0, "lr": [0.05, 0.5, 2.0], "attempts": 300, "games": 4,
            **({"noise": noise} if noise else {"answer": {"random": {"low": 0, "high": 90, "shape": [3]}}})}
    write_run(tmp_path, simulate(game))
    written = (tmp_path / "attempts.csv").stat().st_size
    assert 0.7 < written / csv_bytes(load_config(game)) < 1.3


def test_a_schedule_that_reaches_lr_0_is_not_called_unstable():
    # its last lr holds the guess where it is: no floor there, no growth, and the runs do not diverge
    result = simulate({"answer": [2.0, 77.0, 91.0], "guess": 50.0, "lr": 1.0, "attempts": 50, "games": 20,
                       "noise": {"std": 2.0}, "schedule": {"name": "linear", "end_factor": 0.0, "total_iters": 30}})
    theory = result.theory[0]
    assert theory.predicted is None and "unstable" not in theory.note
    assert Status.DIVERGED not in result.status
