"""The explorer's controls, each built from the record of what it sets -- an optimizer's options from its
`Spec`, a loss's from its `Loss`, a schedule's from `schedules.SCHEDULES` -- and the one game they make.

A control moved away from where it started replaces the config's value; one left alone keeps the
config's own (its weights, its rotation, its schedule's options), so `explore(config)` first shows
exactly the config's game.
"""

from __future__ import annotations

import math
from typing import Any

import ipywidgets as widgets
import numpy as np

from guessgame import losses, optimizers, schedules
from guessgame.config.schema import DTYPES, REDUCTIONS
from guessgame.ranges import Range

MOST_ATTEMPTS = 100_000  # the most the attempts control offers (a redraw of seconds: about 2 s with plain SGD)
CONDITION = (0.0, 4.0)  # log10 of the weights' condition number: 1 to 10^4
# Where a schedule's options that torch requires start, for a budget of `attempts`.
STARTS = {"step_size": lambda attempts: max(1, attempts // 4), "gamma": lambda attempts: 0.99,
          "T_max": lambda attempts: attempts,
          "milestones": lambda attempts: [max(1, attempts // 2), max(2, 3 * attempts // 4)]}
LOOK = {"style": {"description_width": "100px"}, "layout": widgets.Layout(width="330px")}
DIGITS = 4  # a slider's value is read to 4 significant digits (log) or decimals: what its readout shows
STEP = 1e-5  # a log slider's step in the power of 10: a front end moves a value onto its steps, and this
# keeps every value of 4 significant digits (a typed 3.2, a config's 0.0198) reading as itself


def number(name: str, value: float, allowed: Range, default: float) -> widgets.Widget:
    """A slider over an option's allowed values: logarithmic where 0 is excluded, else linear up to its
    top (1 for an option that defaults below 1, else 10 times its default), widened to hold `value`."""
    if allowed.low == 0 and not allowed.low_ok:
        return _log_slider(name, value, (-2, 2))
    step = 0.0001
    top = allowed.high - step * (not allowed.high_ok) if math.isfinite(allowed.high) else \
        1.0 if default < 1 else 10 * default
    return widgets.FloatSlider(value=value, min=allowed.low, max=max(top, value), step=step, description=name,
                               readout_format=".4g", **LOOK)


def options_of(owner: str, defaults: dict[str, Any], ranges: dict[str, Range], given: dict[str, Any],
               ) -> dict[tuple[str, ...], widgets.Widget]:
    """A control for each option a user tunes (a switch for a flag, a slider per number, two for a pair
    such as betas); eps, a guard against dividing by 0, keeps its value."""
    out: dict[tuple[str, ...], widgets.Widget] = {}
    for name, default in defaults.items():
        value = given.get(name, default)
        if isinstance(default, bool):
            out[(owner, name)] = widgets.Checkbox(value=bool(value), description=name, **LOOK)
        elif isinstance(default, tuple):
            for k, part in enumerate(value):
                out[(owner, name, str(k))] = number(f"{name}[{k}]", part, ranges[name], default[k])
        elif name in ranges and name != "eps":
            out[(owner, name)] = number(name, value, ranges[name], default)
    return out


class Knobs:
    """Every control of the explorer (`controls`, by name), and the config dict they make (`game`)."""

    def __init__(self, base: dict[str, Any], shape: tuple[int, ...]) -> None:
        self.base, self.shape, self.numel = base, shape, math.prod(shape)
        optimizer, loss, noise = base["optimizer"], base["loss"], base["noise"] or {}
        angle = base["rotation"] if _angle(base["rotation"]) else 0.0
        self.controls: dict[Any, widgets.Widget] = {
            "lr": _log_slider("lr", base["lr"][0], (-4, 2)),
            "optimizer": widgets.Dropdown(options=list(optimizers.OPTIMIZERS), value=optimizer["name"],
                                          description="optimizer", **LOOK),
            "loss": widgets.Dropdown(options=list(losses.LOSSES), value=loss["name"], description="loss", **LOOK),
            "reduction": widgets.Dropdown(options=list(REDUCTIONS), value=base["reduction"], description="reduction",
                                          **LOOK),
            "attempts": widgets.BoundedIntText(value=base["attempts"], min=1, max=max(MOST_ATTEMPTS, base["attempts"]),
                                               description="attempts", continuous_update=False, **LOOK),
            "dtype": widgets.Dropdown(options=list(DTYPES), value=base["dtype"], description="dtype", **LOOK),
            "schedule": widgets.Dropdown(options=list(schedules.SCHEDULES), value=_name(base["schedule"]),
                                         description="schedule", **LOOK),
            "condition": _log_slider("condition κ", self._condition(), CONDITION),
            "rotation": widgets.FloatSlider(value=angle, min=min(-90, angle), max=max(90, angle), step=0.5,
                                            description="rotation (°)", **LOOK),
            "noise": widgets.FloatSlider(value=noise.get("std", 0.0), min=0, max=max(10.0, noise.get("std", 0.0)),
                                         step=0.05, description="noise σ", **LOOK),
            "batch": widgets.IntSlider(value=noise.get("batch", 1), min=1, max=max(64, noise.get("batch", 1)),
                                       description="noise batch", **LOOK),
        }
        for name, spec in optimizers.OPTIMIZERS.items():
            given = optimizer if optimizer["name"] == name else {}
            self.controls.update(options_of(name, spec.defaults, spec.ranges, given))
        for name, kind in losses.LOSSES.items():
            self.controls.update(options_of(name, kind.defaults, kind.ranges, loss if loss["name"] == name else {}))
        self.start = {key: control.value for key, control in self.controls.items()}  # the config's own values
        self._shown_start = {key: _read(control, control.value) for key, control in self.controls.items()}
        self.touched: set = set()  # the controls a user has changed
        for key, control in self.controls.items():
            control.observe(lambda _, key=key: self.touched.add(key), names="value")

    def _condition(self) -> float:
        weights = np.asarray(self.base["weights"], dtype=float)
        return float(weights.max() / weights.min()) if weights.min() > 0 else 1.0

    def value(self, key: Any) -> Any:
        """A control's value as its readout shows it (a front end moves a slider's value onto its steps); the
        config's own, exactly, where it reads as the config's."""
        read = _read(self.controls[key], self.controls[key].value)
        return self.start[key] if read == self._shown_start[key] else read

    def moved(self, key: Any) -> bool:
        """Whether a user has set this control to other than the config's own (a random rotation's angle,
        once touched, is the user's)."""
        return key in self.touched and (self.value(key) != self.start[key] or key == "rotation")

    def shown(self) -> list[list[widgets.Widget]]:
        """The controls that apply to the game as it is set, in three columns: the lr and the optimizer with
        its options; the loss with its option, the reduction, the attempts and the dtype; the schedule, the
        ravine's (where the answer has elements to weigh; a rotation's angle: two) and the noise's."""
        optimizer, loss = self.value("optimizer"), self.value("loss")
        columns = [["lr", "optimizer", *(k for k in self.controls if isinstance(k, tuple) and k[0] == optimizer)],
                   ["loss", *(k for k in self.controls if isinstance(k, tuple) and k[0] == loss), "reduction",
                    "attempts", "dtype"],
                   ["schedule", *(["condition"] if self.numel > 1 else []), *(["rotation"] if self.numel == 2 else []),
                    "noise", "batch"]]
        return [[self.controls[key] for key in column] for column in columns]

    def game(self) -> dict[str, Any]:
        """The config dict of the game the controls set: one run, at the lr of the slider."""
        d = dict(self.base)
        d["lr"], d["reduction"], d["dtype"] = [self.value("lr")], self.value("reduction"), self.value("dtype")
        d["attempts"] = self.value("attempts")
        d["optimizer"] = self._item("optimizer", self.base["optimizer"])
        d["loss"] = self._item("loss", self.base["loss"])
        if self.moved("condition") and self.numel > 1:  # weights spaced evenly on a log scale from 1 to kappa
            kappa = self.value("condition")
            d["weights"] = np.logspace(0, math.log10(kappa), self.numel).reshape(self.shape).tolist() \
                if kappa != 1 else 1.0
        if self.moved("rotation") and self.numel == 2:
            d["rotation"] = self.value("rotation") or None
        if self.moved("noise") or self.moved("batch"):
            std, batch = self.value("noise"), self.value("batch")
            d["noise"] = {"std": std, "batch": batch} if std or batch > 1 else None
        d["schedule"] = self._schedule(d["attempts"], d["optimizer"])
        return d

    def _item(self, kind: str, given: dict[str, Any]) -> dict[str, Any]:
        """An optimizer or loss: its name, the options its controls set, and the rest as given."""
        name = self.value(kind)
        item = dict(given) if given["name"] == name else {"name": name}
        pairs: dict[str, list] = {}
        for key in self.controls:
            if isinstance(key, tuple) and key[0] == name:
                if len(key) == 3:
                    pairs.setdefault(key[1], []).append(self.value(key))
                else:
                    item[key[1]] = self.value(key)
        item.update(pairs)
        return item

    def _schedule(self, attempts: int, optimizer: dict[str, Any]) -> Any:
        """The schedule chosen: the config's own where it is that one, else torch's defaults, with the
        options torch requires started for this budget (`STARTS`); OneCycleLR's momentum cycled only where
        the optimizer has one, its steps never fewer than the attempts."""
        name, given = self.value("schedule"), self.base["schedule"]
        if name == "none":
            return "none"
        if name == _name(given):
            out = dict(given)
        else:
            out = {"name": name, **{key: STARTS[key](attempts) for key, default in schedules.SCHEDULES[name].items()
                                    if default is schedules.REQUIRED}}
            if name == "onecycle" and optimizers.OPTIMIZERS[optimizer["name"]].cycles is None:
                out["cycle_momentum"] = False
        if (out.get("total_steps") or attempts) < attempts:
            out["total_steps"] = None
        return out


def _log_slider(name: str, value: float, ends: tuple[float, float]) -> widgets.FloatLogSlider:
    """A slider over powers of 10 from 10^ends[0] to 10^ends[1], widened to hold `value`."""
    power = math.log10(value)
    return widgets.FloatLogSlider(value=value, base=10, min=min(ends[0], power), max=max(ends[1], power), step=STEP,
                                  description=name, readout_format=".4", **LOOK)  # d3's ~g: no trailing zeros


def _read(control: widgets.Widget, value: Any) -> Any:
    """`value` as `control`'s readout shows it: 4 significant digits on a log slider, 4 decimals on a slider."""
    if isinstance(control, widgets.FloatLogSlider):
        return float(f"{value:.{DIGITS}g}")
    if isinstance(control, widgets.FloatSlider):
        return round(value, DIGITS)
    return value


def _name(item: Any) -> str:
    return item if isinstance(item, str) else item["name"]


def _angle(rotation: Any) -> bool:
    return isinstance(rotation, (int, float)) and not isinstance(rotation, bool)
