"""Theory for ravines (weights, rotations) against the Hessian autograd gives, a plain numpy loop of
gradient descent, and the runs the engine plays."""

import math
from unittest.mock import patch

import numpy as np
import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from guessgame import load_config, ravine, simulate
from guessgame.formatting import ravine_notes, theory_text
from guessgame.records import Theory, where
from guessgame.status import verdicts
from guessgame.theory import predict, predict_runs, ravine_verdicts
from guessgame.theory import ravine as ravine_theory
from guessgame.theory.frozen import Frozen

from helpers.reference import notebook_loop, weighted_loss_fn
from helpers.search import examples

TWO = {"answer": [2.0, -3.0], "guess": [7.0, 4.0], "loss": "mse"}
FIVE = {"answer": [1.0, 2.0, 3.0, 4.0, 5.0], "guess": 0.0, "loss": "mse", "weights": [1, 3, 10, 30, 100],
        "rotation": {"seed": 3}}


def turn(degrees):
    """R = [[cos, -sin], [sin, cos]]: the error in the ravine's axes is R e."""
    a = math.radians(degrees)
    return np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])


def hessian(config):
    """The Hessian of the ravine's loss at its answer, by autograd of the loss as the README writes it."""
    rotation = ravine.rotation(config)
    fn = weighted_loss_fn(config.loss, reduction=config.reduction, weights=config.weights, rotation=rotation)
    answer = torch.tensor(config.answer, dtype=torch.float64)
    h = torch.autograd.functional.hessian(lambda g: fn(g, answer), answer.clone())
    n = answer.numel()
    return h.reshape(n, n).numpy()


CASES = {
    "weights-mean": {**TWO, "weights": [1, 100]},
    "weights-sum": {**TWO, "weights": [1, 100], "reduction": "sum"},
    "turned-30": {**TWO, "weights": [1, 100], "rotation": 30},
    "turned-only": {**TWO, "weights": [3, 3], "rotation": -70},
    "random-5": FIVE,
    "matrix": {"answer": [[1.0, 2.0], [3.0, 4.0]], "guess": 0.0, "loss": "mse", "weights": [[1, 2], [5, 40]],
               "rotation": {"seed": 0}, "reduction": "sum"},
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_the_numbers_are_the_hessians_eigenvalues(case):
    config = load_config({**case, "lr": 0.01})
    lam = np.linalg.eigvalsh(hessian(config))
    low, high = lam.min(), lam.max()
    kappa = high / low
    root = math.sqrt(kappa)
    t = predict(config)
    assert t.condition_number == pytest.approx(kappa, rel=1e-12)
    assert t.critical_lr == pytest.approx(2 / high, rel=1e-12)
    assert t.best_lr == pytest.approx(2 / (low + high), rel=1e-12)
    assert t.best_rate == pytest.approx((kappa - 1) / (kappa + 1), rel=1e-12, abs=1e-15)
    assert t.heavy_ball_lr == pytest.approx(4 / (math.sqrt(low) + math.sqrt(high)) ** 2, rel=1e-12)
    assert t.heavy_ball_momentum == pytest.approx(((root - 1) / (root + 1)) ** 2, rel=1e-12, abs=1e-15)
    assert t.heavy_ball_rate == pytest.approx((root - 1) / (root + 1), rel=1e-12, abs=1e-15)


def test_heavy_ball_moves_the_critical_lr_to_two_one_plus_mu_over_lambda_max():
    config = load_config({**TWO, "weights": [1, 100], "rotation": 30, "lr": 0.01,
                          "optimizer": {"name": "sgd", "momentum": 0.5}})
    high = np.linalg.eigvalsh(hessian(config)).max()
    t = predict(config)
    assert t.critical_lr == pytest.approx(2 * 1.5 / high, rel=1e-12)
    assert t.best_lr is None and t.best_rate is None  # plain SGD's fastest lr is not this optimizer's


def test_the_note_says_the_numbers():
    said = ("kappa = 100: converges for lr < 0.02, fastest at lr = 0.0198 (rate 0.980); heavy ball's optimum lr "
            "0.03306, momentum 0.6694 (rate 0.818)")
    assert predict(load_config({**TWO, "weights": [1, 100], "lr": 0.01})).note == said
    assert predict(load_config({**TWO, "weights": [1, 100], "rotation": 30, "lr": 0.01})).note == said
    momentum = predict(load_config({**TWO, "weights": [1, 100], "lr": 0.01,
                                    "optimizer": {"name": "sgd", "momentum": 0.9}})).note
    assert momentum.startswith("kappa = 100: with momentum 0.9 converges for lr < 0.038; plain SGD converges")


def test_along_turned_axes_in_low_precision_the_note_says_what_theory_leaves_out():
    turned = predict(load_config({**TWO, "weights": [1, 100], "rotation": 30, "lr": 0.01, "dtype": "float16"}))
    assert turned.note.endswith("; in float16, along turned axes, theory does not say where a step rounds away")
    weighted = predict(load_config({**TWO, "weights": [1, 100], "lr": 0.01, "dtype": "float16"}))
    assert "rounds away" not in weighted.note  # each element's own step: theory says where it rounds away


def written_out(config, lr, attempts):
    """Theory's losses (attempts,) and its block, for one lr of `config` from its own first guess."""
    config = load_config({**config, "lr": lr, "attempts": attempts})
    error = (torch.tensor(config.guess, dtype=torch.float64).expand(config.shape)
             - torch.tensor(config.answer, dtype=torch.float64)).reshape(1, -1)
    games = ravine_theory.RavineGames(ravine_theory.Ravine.of(config), config, [lr], error, attempts)
    shared, each, (loss, _) = ravine_theory.quadratic(games)
    return loss[:, 0].numpy(), each


def numpy_loop(config, lr, mu, attempts):
    """Gradient descent on 1/2 e^T H e, H the autograd Hessian, in numpy: e -= lr v, v = mu v + H e; the loss
    at every attempt."""
    config = load_config({**config, "lr": lr})
    h = hessian(config)
    e = (np.broadcast_to(np.asarray(config.guess, dtype=float), config.shape)
         - np.asarray(config.answer, dtype=float)).reshape(-1)
    v = np.zeros_like(e)
    out = []
    for _ in range(attempts):
        out.append(0.5 * e @ h @ e)
        v = mu * v + h @ e
        e = e - lr * v
    return np.array(out), np.linalg.eigvalsh(h)


LOOPS = [(name, lr, mu) for name in ("weights-mean", "turned-30", "random-5")
         for lr, mu in ((0.005, 0.0), (0.015, 0.0), (0.0199, 0.0), (0.0205, 0.0), (0.01, 0.5), (0.03, 0.7),
                        (0.036, 0.8))]


@pytest.mark.parametrize(("name", "lr", "mu"), LOOPS, ids=[f"{n}-lr{lr}-mu{mu}" for n, lr, mu in LOOPS])
def test_written_out_losses_and_rate_follow_the_plain_loop(name, lr, mu):
    config = {**CASES[name], "optimizer": {"name": "sgd", "momentum": mu}}
    lr = lr * (2.5 if name == "random-5" else 1)
    theory_loss, each = written_out(config, lr, 300)
    loop_loss, lam = numpy_loop(config, lr, mu, 300)
    np.testing.assert_allclose(theory_loss, loop_loss, rtol=1e-8, atol=1e-300)
    if mu == 0:
        factors = 1 - lr * lam
        slowest = factors[np.argmax(np.abs(factors))]
        assert each["rate"][0] == pytest.approx(abs(slowest), rel=1e-12)
        assert each["factor"][0] == pytest.approx(slowest, rel=1e-12)
    else:  # the spectral radius: the largest root of z^2 - (1 + mu - lr lambda) z + mu over all lambda
        radius = max(abs(r) for x in lam for r in np.roots([1, -(1 + mu - lr * x), mu]))
        assert each["rate"][0] == pytest.approx(radius, rel=1e-6)


def lrs_around(critical, low, count):
    """`count` lrs from `low` to past `critical`, and the lrs at and right around it."""
    return [*np.geomspace(low, critical * 1.5, count).tolist(), critical, critical * (1 - 1e-3),
            critical * (1 + 1e-3), math.nextafter(critical, 0), math.nextafter(critical, math.inf)]


def measured_and_predicted(config):
    result = simulate(config)
    measured = list(zip(map(str, result.status), result.converged_at, result.diverged_at, result.stalled_at))
    predicted = [(str(t.predicted), t.predicted_converged_at, t.predicted_diverged_at, t.predicted_stalled_at)
                 for t in result.theory]
    return measured, predicted


SWEEPS = {
    "weights-mean": {**TWO, "weights": [1, 100], "lr": lrs_around(0.02, 1e-3, 30)},
    "weights-sum": {**TWO, "weights": [1, 100], "reduction": "sum", "lr": lrs_around(0.01, 5e-4, 30)},
    "turned-30": {**TWO, "weights": [1, 100], "rotation": 30, "lr": lrs_around(0.02, 1e-3, 30)},
    "turned-30-sum": {**TWO, "weights": [1, 100], "rotation": 30, "reduction": "sum",
                      "lr": lrs_around(0.01, 5e-4, 30)},
    "random-5": {**FIVE, "lr": lrs_around(0.05, 2e-3, 30)},
    "random-5-heavy-ball": {**FIVE, "optimizer": {"name": "sgd", "momentum": 0.9},
                            "lr": lrs_around(0.095, 2e-3, 30)},
}


@pytest.mark.parametrize("case", SWEEPS.values(), ids=SWEEPS.keys())
def test_predicted_verdicts_are_the_measured_ones_in_float64(case):
    measured, predicted = measured_and_predicted({**case, "attempts": 1500, "tolerance": 1e-10})
    assert predicted == measured
    assert {status for status, *_ in measured} >= {"converged", "diverged"}


@pytest.mark.parametrize("rotation", [None, 30, {"seed": 3}], ids=["weights", "turned-30", "random"])
def test_heavy_ball_at_theorys_optimum_converges_where_and_when_predicted(rotation):
    game = {**TWO, "weights": [1, 100]} if rotation != {"seed": 3} else FIVE
    t = predict(load_config({**game, "rotation": rotation, "lr": 0.01}))
    lrs = [t.heavy_ball_lr * f for f in (0.5, 0.9, 1.0, 1.1)]
    config = {**game, "rotation": rotation, "optimizer": {"name": "sgd", "momentum": t.heavy_ball_momentum},
              "lr": lrs, "attempts": 400, "tolerance": 1e-10}
    measured, predicted = measured_and_predicted(config)
    assert predicted == measured
    assert measured[2][0] == "converged"
    plain = simulate({**config, "optimizer": "sgd", "lr": t.best_lr})
    assert plain.converged_at[0] is None or plain.converged_at[0] > measured[2][1]  # heavy ball is faster


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_l1_with_weights_steps_each_element_by_its_own_weight(reduction):
    lrs = [*np.geomspace(0.01, 3, 25).tolist(), 0.125, 0.25, 0.5, 1.0]
    config = {"answer": [2.0, -3.0, 5.0], "guess": [7.0, 4.0, 5.5], "loss": "l1", "weights": [1, 4, 0.5],
              "reduction": reduction, "lr": lrs, "attempts": 300}
    measured, predicted = measured_and_predicted(config)
    assert predicted == measured
    if reduction == "sum":  # steps of lr w_i, exact in binary, land on the answer
        assert "converged" in {status for status, *_ in measured}
    result = simulate(config)
    scale = 1 / 3 if reduction == "mean" else 1
    for r, lr in enumerate(lrs):
        steps = [lr * scale * w for w in (1, 4, 0.5)]
        t = result.theory[r]
        assert t.band == pytest.approx(max(steps))
        if t.band_reached_at is not None:  # each element within its own step of its answer from then on
            distance = (result.guess[t.band_reached_at - 1:, r] - result.answer[r]).abs()
            assert (distance <= torch.tensor(steps, dtype=torch.float64) * (1 + 1e-12)).all()


def test_l1_with_weights_lands_where_the_notebook_loop_lands():
    """Steps of lr w_i/N, exact in binary, reach each answer exactly: theory says when, the loop agrees."""
    config = {"answer": [2.0, -3.0], "guess": [6.0, 5.0], "loss": "l1", "weights": [1, 4], "lr": 0.5,
              "attempts": 40}
    _, loss, _, _ = notebook_loop(config["answer"], config["guess"], weighted_loss_fn("l1", weights=[1, 4]), 0.5, 40)
    t = predict(load_config(config))
    assert t.predicted == "converged"
    assert bool(loss[t.predicted_converged_at - 1] == 0) and bool(loss[t.predicted_converged_at - 2] > 0)


PIECEWISE = [({"name": "huber", "delta": 1.0}, "mean"), ({"name": "huber", "delta": 0.5}, "sum"),
             ({"name": "smooth_l1", "beta": 2.0}, "mean"), ({"name": "smooth_l1", "beta": 0.5}, "sum")]


@pytest.mark.parametrize(("loss", "reduction"), PIECEWISE, ids=[f"{loss['name']}-{r}" for loss, r in PIECEWISE])
def test_huber_and_smooth_l1_with_weights_are_mse_ravines_inside_their_core(loss, reduction):
    width = loss.get("delta", loss.get("beta"))
    curvature = 1 if loss["name"] == "huber" else 1 / width
    scale = 1 / 3 if reduction == "mean" else 1
    lam = [curvature * scale * w for w in (1, 4, 0.5)]  # the core's Hessian: diagonal
    critical = 2 / max(lam)
    lrs = [*np.geomspace(critical / 100, critical * 3, 30).tolist(), critical, 0.25, 0.5, 1.0]
    config = {"answer": [2.0, -3.0, 5.0], "guess": [7.0, 4.0, 5.5], "loss": loss, "weights": [1, 4, 0.5],
              "reduction": reduction, "lr": lrs, "attempts": 1500, "tolerance": 1e-10}
    measured, predicted = measured_and_predicted(config)
    assert predicted == measured
    assert {"converged", "oscillating"} <= {status for status, *_ in measured}
    t = predict(load_config({**config, "lr": lrs[0]}))
    assert t.critical_lr == pytest.approx(critical, rel=1e-12)
    assert t.best_lr == pytest.approx(2 / (min(lam) + max(lam)), rel=1e-12)
    assert t.condition_number == pytest.approx(max(lam) / min(lam), rel=1e-12)


@pytest.mark.parametrize("game", [{"weights": [1, 4, 0.5]}, {"weights": [1, 4, 0.5], "rotation": {"seed": 1}},
                                  {"weights": [1, 4, 0.5], "optimizer": {"name": "sgd", "momentum": 0.5}}],
                         ids=["weights", "turned", "momentum"])
def test_the_bad_loss_with_weights_diverges_when_predicted(game):
    config = {"answer": [2.0, -3.0, 5.0], "guess": [7.0, 4.0, 5.5], "loss": "bad", **game,
              "lr": np.geomspace(0.01, 3, 20).tolist(), "attempts": 200}
    measured, predicted = measured_and_predicted(config)
    assert predicted == measured
    assert "diverged" in {status for status, *_ in measured}
    assert all(status in ("diverged", "unfinished") for status, *_ in measured)  # small lrs: not below 0 yet


@pytest.mark.parametrize(("game", "note"), [
    ({"loss": "huber", "weights": [1, 4], "optimizer": {"name": "sgd", "momentum": 0.5}},
     "no closed form for huber with weights and momentum"),
    ({"loss": {"name": "smooth_l1", "beta": 2.0}, "rotation": 20}, "no closed form for smooth_l1 with a rotation"),
    ({"loss": "l1", "rotation": 20}, "no closed form for l1 with a rotation"),
    ({"loss": "l1", "weights": [1, 4], "optimizer": {"name": "sgd", "momentum": 0.5}},
     "no closed form for l1 with weights and momentum"),
    ({"weights": [1, 4], "schedule": {"name": "exponential", "gamma": 0.9}},
     "no closed form for a schedule with weights"),
    ({"weights": [1, 4], "optimizer": "adam"}, "no closed form for adam with these options"),
], ids=["huber-momentum", "smooth-l1-turned", "l1-turned", "l1-momentum", "schedule", "adam"])
def test_without_an_honest_closed_form_theory_says_so_and_predicts_nothing(game, note):
    result = simulate({**TWO, **game, "lr": [0.01, 0.1], "attempts": 30})
    for t in result.theory:
        assert t.note.startswith(note)
        assert t.predicted is None and t.critical_lr is None and t.rate is None


@pytest.mark.parametrize("dtype", ["float32", "float16", "bfloat16"])
def test_in_low_precision_each_weighted_element_stops_where_its_own_step_rounds_away(dtype):
    """Element i's step is lr w_i x 2 e_i / N: the element with the smallest weight stops first."""
    config = {"answer": [2.1, -3.3, 5.7], "guess": [7.0, 4.0, 5.5], "loss": "mse", "weights": [1, 4, 0.5],
              "lr": np.geomspace(0.01, 0.25, 12).tolist(), "attempts": 3000, "tolerance": 1e-12, "dtype": dtype}
    result = simulate(config)
    assert [t.predicted for t in result.theory] == result.status
    assert set(result.status) == {"stalled"}
    for measured, t in zip(result.stalled_at, result.theory):
        assert t.predicted_stalled_at == pytest.approx(measured, rel=0.25)


def test_a_sweep_in_blocks_is_predicted_as_all_at_once_and_as_each_run_alone():
    lrs = lrs_around(0.02, 1e-3, 12)
    config = load_config({**TWO, "weights": [1, 100], "rotation": 30, "lr": lrs, "attempts": 200})
    errors = [[5.0, 7.0]] * len(lrs)
    together = predict_runs(config, errors, lr=lrs)
    with patch.object(verdicts, "BLOCK", 500):  # two runs of 200 attempts x 2 elements at a time
        assert predict_runs(config, errors, lr=lrs) == together
    assert together == [predict(config, lr=lr) for lr in lrs]


def test_the_ravine_numbers_reach_summary_json_and_the_terminal():
    result = simulate({**TWO, "weights": [1, 100], "lr": [0.0198, 0.03], "attempts": 1000})
    summary = result.summary()
    block = summary[0].theory.to_json()
    assert block["condition_number"] == 100 and block["best_rate"] == pytest.approx(99 / 101)
    assert block["heavy_ball_lr"] == pytest.approx(4 / 121) and block["heavy_ball_momentum"] == pytest.approx(81 / 121)
    assert Theory.from_json(block, where("summary.json", "runs.0.theory")) == summary[0].theory
    assert theory_text(summary[0].theory).endswith("critical lr 0.02, rate 0.98, kappa 100")
    assert ravine_notes(summary, result.config) == f"theory: {summary[0].theory.note}"


def test_guessgame_run_prints_what_theory_says_of_the_ravine(tmp_path):
    from typer.testing import CliRunner

    from guessgame.cli import app

    config = tmp_path / "ravine.yaml"
    config.write_text("answer: [2, -3]\nguess: [7, 4]\nloss: mse\nweights: [1, 100]\nrotation: 30\n"
                      "lr: [0.0198, 0.021]\nattempts: 800\n")
    out = CliRunner().invoke(app, ["run", str(config), "--out", str(tmp_path / "runs"), "--no-plots"])
    assert out.exit_code == 0, out.output
    text = " ".join(out.output.split())
    assert "kappa = 100: converges for lr < 0.02, fastest at lr = 0.0198 (rate 0.980)" in text
    assert "kappa 100" in text


def ravine_sweep(data, dtype):
    """A drawn ravine's config and its sweep: weights, a rotation or none, a reduction, and lrs from far below
    its critical lr to past it, right around it included; the starting errors and answers as `dtype` holds them."""
    n = data.draw(st.integers(1, 4), label="elements")
    weights = data.draw(st.lists(st.sampled_from([0.5, 1.0, 3.0, 10.0, 100.0]), min_size=n, max_size=n), label="w")
    turns = [None] if n == 1 else [None, {"seed": data.draw(st.integers(0, 9), label="seed")}]
    rotation = data.draw(st.sampled_from(turns + ([-70.0, 30.0] if n == 2 else [])), label="rotation")
    reduction = data.draw(st.sampled_from(["mean", "sum"]), label="reduction")
    values = st.floats(-100, 100).map(lambda x: round(x, 2))
    answer = data.draw(st.lists(values, min_size=n, max_size=n), label="answer")
    guess = data.draw(st.lists(values, min_size=n, max_size=n), label="guess")
    critical = 2 / (2 * max(weights) * (1 / n if reduction == "mean" else 1))  # lr h_max = 2
    lrs = [critical * x for x in data.draw(st.lists(st.floats(1e-4, 3.0), min_size=1, max_size=25), label="lrs")]
    lrs += [critical * (1 + d) for d in data.draw(st.lists(st.sampled_from([0.0, 1e-9, -1e-9, 1e-3, -1e-3]),
                                                           max_size=4), label="near")]
    config = load_config({"answer": answer, "guess": guess, "loss": "mse", "weights": weights, "rotation": rotation,
                          "reduction": reduction, "lr": lrs, "dtype": dtype,
                          "attempts": data.draw(st.integers(1, 400), label="attempts"),
                          "tolerance": data.draw(st.sampled_from([0.0, 1e-12, 1e-6, 0.5]), label="tolerance"),
                          "diverge_factor": data.draw(st.sampled_from([1.5, 10.0, 1e6]), label="factor")})
    held = getattr(torch, dtype)
    answers = torch.tensor(answer, dtype=held).double().expand(len(lrs), -1)
    errors = torch.tensor(guess, dtype=held).double() - answers
    return config, lrs, errors, answers


@settings(max_examples=examples(50), deadline=None)
@given(st.sampled_from(["float64", "float32"]), st.data())
def test_a_ravine_sweep_is_read_at_few_attempts_as_written_out(dtype, data):
    """Plain SGD in an mse ravine: the shortcut for a sweep of thousands of runs (losses read at the attempts
    the rules look at), every loss written down and read, and each run alone give the same blocks."""
    config, lrs, errors, answers = ravine_sweep(data, dtype)
    with patch.object(verdicts, "QUICK_FROM", 0):
        together = predict_runs(config, errors, lr=lrs, answers=answers)
    assert together == predict_runs(config, errors, lr=lrs, written_out=True, answers=answers)
    alone = [predict_runs(config, errors[r:r + 1], lr=[lr], written_out=True, answers=answers[r:r + 1])[0]
             for r, lr in enumerate(lrs)]
    assert together == alone


def test_in_float64_a_ravine_sweep_is_read_without_writing_its_falling_runs_down():
    """The stiff directions of a float64 sweep reach their answers to the last bit long before the loss is within
    tolerance: their steps round away, and the losses written down stop those elements there -- yet what that
    moves the loss by is far below what the rules compare, so no run whose loss never rises is written down."""
    config = load_config({"answer": [2.0, 77.0, 91.0], "guess": 50.0, "loss": "mse", "weights": [1, 10, 100],
                          "lr": np.geomspace(1e-5, 0.029, 300).tolist(), "attempts": 1000})
    answers = torch.tensor(config.answer, dtype=torch.float64).expand(config.runs, -1)
    errors = 50.0 - answers
    played, stopped = Frozen.played, []

    def playing(frozen, *args):
        errors, stood, changed = played(frozen, *args)
        stopped.append(int(changed.sum()))
        return errors, stood, changed

    with patch.object(Frozen, "played", playing):
        reference = predict_runs(config, errors, lr=config.lr, written_out=True, answers=answers)
    assert sum(stopped) > 100  # runs whose elements stop where the losses are written down
    written = []
    with patch.object(Frozen, "played", side_effect=AssertionError("an element stopped")), \
            patch.object(ravine_verdicts, "_written", lambda games, rows, *args: written.append(len(rows))):
        assert predict_runs(config, errors, lr=config.lr, answers=answers) == reference
    assert written == [0]  # the shortcut was taken, and wrote no run down
    assert {t.predicted for t in reference} == {"converged", "unfinished"}


@settings(max_examples=examples(30), deadline=None)
@given(st.sampled_from(["float16", "float32", "float64"]), st.data())
def test_where_elements_stop_the_loss_moves_by_no_more_than_theory_allows(dtype, data):
    """Each element whose step may round away stops within gap / (2 lr h_i) of its answer and is put on the float
    grid there: however each one stops (`Frozen.played`, every run's losses as its dtype plays them), the loss
    moves by at most `ravine.stopping`'s bound, to rounding."""
    config, lrs, errors, answers = ravine_sweep(data, dtype)
    frozen = Frozen.of(config, answers)
    assume(frozen is not None)  # along turned axes theory does not say where a step rounds away
    shape = ravine_theory.Ravine.of(config)
    games = ravine_theory.RavineGames(shape, config, lrs, errors, config.attempts, frozen)
    with patch.object(ravine_theory, "may_stand", lambda games, *args: torch.ones(games.runs, dtype=torch.bool)):
        _, _, (played, _) = ravine_theory.quadratic(games)
    _, _, (real, _) = ravine_theory.quadratic(ravine_theory.RavineGames(shape, config, lrs, errors, config.attempts))
    curvature = games.loss.curvature(games.options)
    factors = torch.tensor([[1 - lr * float(curvature * level) for level in shape.levels] for lr in lrs],
                           dtype=torch.float64)
    moved, _ = ravine_theory.stopping(games, factors, curvature)
    falls = (factors.abs() <= 1 - 1e-9).all(1)
    rounding = 64 * config.numel * 2.0 ** -52 * torch.maximum(played, real) + 1e-300
    assert bool(((played - real).abs() <= moved + rounding)[:, falls].all())
