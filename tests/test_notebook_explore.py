"""guessgame.notebook.explore driven as a user drives it, control by control: after each change the
verdict it says and the data its figures draw are those of `simulate` of the changed config, played here
from a dict written out by hand, and of theory's closed form worked out here."""

import math

import numpy as np
import pytest

from guessgame import load_config, simulate
from guessgame.errors import MissingExtra
from guessgame.notebook import explore

from helpers.files import ROOT

GAME = {"answer": [2, 77, 91], "guess": 50, "loss": "mse", "lr": 1, "attempts": 60}


def expected(changes, base=GAME):
    """simulate of the game with `changes`: one run, every attempt kept."""
    return simulate({**base, **changes})


def drawn(widget, trace=0, panel="loss"):
    return np.asarray(getattr(widget.figures, panel)[trace].y, dtype=float)


def assert_shows(widget, result):
    """The widget's verdict, loss line and guess lines are `result`'s run 0."""
    loss = (result.loss if result.true_loss is None else result.true_loss)[:, 0].double().numpy()
    shown = drawn(widget)
    exact = loss == 0
    np.testing.assert_array_equal(shown[~exact], loss[~exact])
    assert np.isnan(shown[exact]).all()  # a loss of exactly 0 is drawn apart, at the bottom
    np.testing.assert_array_equal(np.asarray(widget.figures.loss[0].x), np.arange(1, len(loss) + 1))
    guesses = result.guess[:, 0].double().reshape(len(loss), -1).numpy()
    for i in range(min(8, guesses.shape[1])):
        np.testing.assert_array_equal(drawn(widget, 3 * i, "guess"), guesses[:, i])
    status = str(result.status[0])
    assert f">{status}</b>" in widget.words.value
    assert widget.message.value == ""


def test_it_shows_the_game_as_simulate_plays_it_with_theorys_curve():
    widget = explore(GAME)
    result = expected({})
    assert_shows(widget, result)
    loss0, factor = float(result.loss[0, 0]), 1 - 2 * 1 / 3  # mse, plain SGD: loss(1) (1 - 2 lr / N)^(2(t - 1))
    theory = drawn(widget, 1)
    t = np.arange(1, 61)
    hand = loss0 * factor ** (2 * (t - 1))
    real = hand > 1e-24 * loss0  # far above float64's rounding, where theory stops the elements that stand
    np.testing.assert_allclose(theory[real], hand[real], rtol=1e-12)
    assert real.sum() == 26
    assert "Theory predicts converged at 17, critical lr 3" in widget.words.value
    for i, a in enumerate(GAME["answer"]):  # the answer, dashed, across every attempt
        assert list(widget.figures.guess[3 * i + 1].y) == [a, a]
    zeros = ~np.isnan(drawn(widget, 3))  # lr 1 lands exactly on the answer: drawn at the bottom
    np.testing.assert_array_equal(zeros, result.loss[:, 0].numpy() == 0)
    assert zeros.sum() == 23 and (drawn(widget, 3)[zeros] < result.loss[result.loss > 0].min().item()).all()


def test_at_lr_10_it_says_diverged():
    widget = explore(GAME)
    widget.knobs.controls["lr"].value = 10
    assert_shows(widget, expected({"lr": 10}))
    assert "diverged" in widget.words.value and "Theory predicts diverged at 5" in widget.words.value


CONTROLS = {
    "lr": ("lr", 0.3, {"lr": 0.3}),
    "optimizer": ("optimizer", "adam", {"optimizer": "adam"}),
    "momentum": (("sgd", "momentum"), 0.5, {"optimizer": {"name": "sgd", "momentum": 0.5}}),
    "dampening": (("sgd", "dampening"), 0.2, {"optimizer": {"name": "sgd", "dampening": 0.2}}),
    "loss": ("loss", "l1", {"loss": "l1"}),
    "reduction": ("reduction", "sum", {"reduction": "sum"}),
    "attempts": ("attempts", 1000, {"attempts": 1000}),
    "dtype": ("dtype", "float16", {"dtype": "float16"}),
    "condition": ("condition", 100.0, {"weights": [1, 10, 100]}),
    "noise": ("noise", 2.0, {"noise": {"std": 2.0}}),
    "batch": ("batch", 4, {"noise": {"std": 0, "batch": 4}}),
    "schedule": ("schedule", "cosine", {"schedule": {"name": "cosine", "T_max": 60}}),
}


@pytest.mark.parametrize("key, value, changes", CONTROLS.values(), ids=CONTROLS.keys())
def test_each_control_replays_the_changed_game(key, value, changes):
    widget = explore(GAME)
    widget.knobs.controls[key].value = value
    result = expected(changes)
    assert_shows(widget, result)
    assert widget.result.config == result.config


def test_an_optimizers_and_a_losss_own_options():
    widget = explore(GAME)
    c = widget.knobs.controls
    c["optimizer"].value = "adam"
    shown = {w.description for w in widget.shown}
    assert {"betas[0]", "betas[1]", "amsgrad"} <= shown and "momentum" not in shown and "eps" not in shown
    c[("adam", "betas", "0")].value = 0.5
    c[("adam", "amsgrad")].value = True
    assert_shows(widget, expected({"optimizer": {"name": "adam", "betas": [0.5, 0.999], "amsgrad": True}}))
    c["loss"].value = "huber"
    c[("huber", "delta")].value = 10.0
    assert "delta" in {w.description for w in widget.shown}
    assert_shows(widget, expected({"optimizer": {"name": "adam", "betas": [0.5, 0.999], "amsgrad": True},
                                   "loss": {"name": "huber", "delta": 10.0}}))


def test_a_two_element_ravine_turns_and_draws_its_path_over_the_contours():
    game = {"answer": [3, 2], "guess": 0, "loss": "mse", "lr": 0.0198, "weights": [1, 100], "attempts": 300}
    widget = explore(game)
    widget.knobs.controls["rotation"].value = 30
    result = expected({"rotation": 30}, game)
    assert_shows(widget, result)
    path = widget.figures.plane[1]
    guesses = result.guess[:, 0].double().numpy()
    np.testing.assert_array_equal(np.asarray(path.x), guesses[:, 0])
    np.testing.assert_array_equal(np.asarray(path.y), guesses[:, 1])
    contour = widget.figures.plane[0]
    xs, ys, z = np.asarray(contour.x), np.asarray(contour.y), np.asarray(contour.z)
    i, j = 17, 40  # a point of the view: log10 of the ravine's loss there, written out by hand
    a = math.radians(30)
    e = np.array([xs[j] - 3, ys[i] - 2])
    turned = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]]) @ e
    assert z[i, j] == pytest.approx(math.log10((turned[0] ** 2 + 100 * turned[1] ** 2) / 2), rel=1e-12)
    assert "turned 30°" in widget.words.value
    assert "rotation (°)" in {w.description for w in widget.shown}


def test_controls_that_do_not_apply_are_hidden():
    scalar = explore({"answer": 3, "guess": 0, "lr": 0.5})
    shown = {w.description for w in scalar.shown}
    assert "condition κ" not in shown and "rotation (°)" not in shown and scalar.figures.plane is None
    three = {w.description for w in explore(GAME).shown}
    assert "condition κ" in three and "rotation (°)" not in three and "momentum" in three


@pytest.mark.parametrize("set_to, named", [
    ({("sgd", "nesterov"): True}, "optimizer.nesterov"),
    ({"noise": 1.0, "rotation": 20.0}, "noise"),
])
def test_a_bad_combination_shows_a_message_and_keeps_the_last_game(set_to, named):
    game = {"answer": [3, 2], "guess": 0, "lr": 0.1, "attempts": 50}
    widget = explore(game)
    *first, (last, value) = set_to.items()
    for key, value_first in first:  # a game that plays
        widget.knobs.controls[key].value = value_first
    before = drawn(widget).copy()
    widget.knobs.controls[last].value = value  # and one that does not
    assert "Cannot play this game" in widget.message.value and named in widget.message.value
    np.testing.assert_array_equal(drawn(widget), before)
    widget.knobs.controls["noise"].value = 0.0  # back to a game that plays: the message goes
    widget.knobs.controls[("sgd", "nesterov")].value = False
    widget.knobs.controls["rotation"].value = 0.0
    assert widget.message.value == ""


def test_whatever_the_simulation_meets_is_said_in_the_widget(monkeypatch):
    widget = explore(GAME)

    def fails(config):
        raise RuntimeError("out of memory")
    monkeypatch.setattr("guessgame.notebook.explorer.simulate", fails)
    widget.knobs.controls["lr"].value = 2
    assert "RuntimeError: out of memory" in widget.message.value


def test_a_path_a_config_and_a_grid_each_show_their_first_run():
    path = ROOT / "configs" / "ravine.yaml"
    config = load_config(path)
    widget = explore(path)
    first = {**config.to_dict(), "lr": [config.lr[0]], "optimizer": config.to_dict()["optimizer"][0]}
    assert_shows(widget, simulate(first))
    assert_shows(explore(config), simulate(first))


def test_a_noisy_game_draws_its_true_loss_the_loss_it_saw_and_its_hints():
    game = {**GAME, "lr": 1.5, "attempts": 200, "noise": {"std": 4, "batch": 2}}
    widget = explore(game)
    result = expected({}, game)
    assert_shows(widget, result)
    np.testing.assert_array_equal(drawn(widget, 2), result.loss[:, 0].numpy())
    np.testing.assert_array_equal(drawn(widget, 2, "guess"), result.hint[:, 0, 0].numpy())
    floor = 4.0 ** 2 / 2 * 1.0 / (2 - 1.0)  # c s / (2 - c) per element, c = 2 lr / N = 1, s = std^2 / B
    assert drawn(widget, 1)[-1] == pytest.approx(floor, rel=1e-9)
    assert "true loss" in widget.figures.figure.layout.yaxis.title.text


def test_without_the_extra_explore_names_it(monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "ipywidgets" else real(name, *a))
    with pytest.raises(MissingExtra, match=r'ipywidgets is not installed\); install it with: pip install '
                                            r'"guessgame\[notebook\]"') as raised:
        explore(GAME)
    assert isinstance(raised.value, ImportError)


def test_sliders_follow_a_drag_and_a_budget_redraws_once_typed():
    widget = explore(GAME)
    assert widget.knobs.controls["lr"].continuous_update
    assert not widget.knobs.controls["attempts"].continuous_update


def test_a_slider_is_read_as_its_readout_shows_it_and_the_configs_own_value_kept():
    """A front end moves a slider's value onto its steps (10^(k/100) on the lr's): the game is played at the
    value the readout shows, and at the config's own lr while the readout shows it."""
    game = {**GAME, "lr": 0.0198, "optimizer": {"name": "sgd", "momentum": 0.6694}}
    widget = explore(game)
    controls = widget.knobs.controls
    controls["lr"].value = 10 ** -1.70  # where the slider's steps put 0.0198: 0.019952623149688802
    assert widget.result.lr.tolist() == [0.01995]
    controls["lr"].value = 10 ** (round(math.log10(0.0198) * 10000) / 10000)  # 0.0198, one bit off
    assert widget.result.lr.tolist() == [0.0198] and widget.result.config == load_config(game)
    controls["lr"].value = 3.2
    controls[("sgd", "momentum")].value = 0.6694000000000001
    assert_shows(widget, expected({"lr": 3.2}, game))
    controls["loss"].value = "huber"
    delta = controls[("huber", "delta")]  # a log slider too: 0.5 where its steps put it
    delta.value = 10 ** (round(math.log10(0.5) / delta.step) * delta.step)
    assert_shows(widget, expected({"lr": 3.2, "loss": {"name": "huber", "delta": 0.5}}, game))


def test_a_matrix_answer_weighs_its_elements_in_its_shape():
    game = {"answer": [[1, 2], [3, 4]], "guess": 0, "lr": 0.5, "weights": [[1, 2], [3, 4]]}
    widget = explore(game)
    assert widget.knobs.controls["condition"].value == 4.0
    widget.knobs.controls["condition"].value = 1000.0
    assert_shows(widget, expected({"weights": [[1.0, 10.0], [100.0, 1000.0]]}, game))


def test_hidden_controls_change_nothing_and_raise_nothing():
    game = {"answer": 3, "guess": 0, "lr": 0.5}
    widget = explore(game)
    widget.knobs.controls["condition"].value = 100.0  # not shown for one element
    widget.knobs.controls["rotation"].value = 30.0
    assert_shows(widget, expected({}, game))


def test_the_rotation_slider_plays_the_angle_it_shows():
    game = {"answer": [3, 2], "guess": 0, "lr": 0.01, "weights": [1, 100], "rotation": 120}
    widget = explore(game)
    assert widget.knobs.controls["rotation"].value == 120 and "turned 120°" in widget.words.value
    widget.knobs.controls["rotation"].value = 90.0
    assert_shows(widget, expected({"rotation": 90.0}, game))
    widget = explore({**game, "rotation": {"seed": 3}})  # a random rotation: once the angle is moved, it is played
    widget.knobs.controls["rotation"].value = 20.0
    widget.knobs.controls["rotation"].value = 0.0
    assert_shows(widget, expected({"rotation": None}, game))


@pytest.mark.parametrize("game, key, value, changes", [
    ({**GAME, "optimizer": "adagrad"}, "schedule", "onecycle",
     {"optimizer": "adagrad", "schedule": {"name": "onecycle", "cycle_momentum": False}}),
    ({**GAME, "attempts": 100, "optimizer": "adam", "schedule": {"name": "onecycle", "total_steps": 100}}, "attempts",
     200, {"attempts": 200, "schedule": {"name": "onecycle", "total_steps": None}}),
], ids=["onecycle on adagrad", "more attempts than onecycle's steps"])
def test_a_schedule_the_controls_cannot_tune_is_set_so_it_plays(game, key, value, changes):
    widget = explore(game)
    widget.knobs.controls[key].value = value
    assert_shows(widget, expected(changes, game))


def test_a_run_that_left_the_tolerance_is_never_headlined_plainly_converged():
    game = {**GAME, "lr": 3.919, "attempts": 1000, "optimizer": "rmsprop"}
    widget = explore(game)
    info = expected({}, game).summary()[0]
    assert info.left_at and ">converged, then left</b>" in widget.words.value
    assert widget.figures.loss[0].name == "loss: converged, then left"


def test_overflow_is_marked_at_the_top_and_exact_zeros_below_theory():
    game = {**GAME, "lr": 10, "attempts": 20, "dtype": "float16"}
    widget = explore(game)
    loss = expected({}, game).loss[:, 0].double().numpy()
    gone = ~np.isfinite(loss)
    lost = widget.figures.loss[4]
    np.testing.assert_array_equal(np.asarray(lost.x), np.arange(1, 21)[gone])
    assert (np.asarray(lost.y) > loss[~gone].max()).all() and widget.figures.loss[0].mode == "lines+markers"
    game = {**GAME, "lr": 0.5, "attempts": 200, "optimizer": {"name": "sgd", "momentum": 0.5}}
    widget = explore(game)
    zeros, edge = drawn(widget, 3), widget.figures.figure.layout.yaxis.range[0]
    assert np.nanmax(zeros) < np.nanmin(drawn(widget, 0)) and np.log10(np.nanmax(zeros)) < edge + 0.2
    assert np.nanmin(drawn(widget, 1)) < 10 ** edge  # theory's curve goes on down, cut at the axis's edge


@pytest.mark.parametrize("game", [{"answer": [3, 2], "guess": [3, 2], "lr": 1},
                                  {"answer": [0, 0, 0], "guess": [0, 5, 0], "lr": 1},
                                  {"answer": [1e308, 0], "guess": -1e308, "lr": 1e-3}],
                         ids=["on the answer", "off the plane", "near the largest float"])
def test_the_contour_view_has_room_around_the_answer(game):
    widget = explore(game)
    assert widget.message.value == ""
    contour = widget.frame.contour
    assert contour.xs[-1] > contour.answer[0] > contour.xs[0] and contour.ys[-1] > contour.answer[1] > contour.ys[0]
