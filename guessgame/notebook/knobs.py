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

from guessgame import losses, optimizers, schedules
from guessgame.config.schema import DTYPES, REDUCTIONS
from guessgame.ranges import Range

MOST_ATTEMPTS = 100_000  # a budget that still redraws in about a second
CONDITION = (0.0, 4.0)  # log10 of the weights' condition number: 1 to 10^4
# Where a schedule's options that torch requires start, for a budget of `attempts`.
STARTS = {"step_size": lambda attempts: max(1, attempts // 4), "gamma": lambda attempts: 0.99,
          "T_max": lambda attempts: attempts,
          "milestones": lambda attempts: [max(1, attempts // 2), max(2, 3 * attempts // 4)]}
LOOK = {"style": {"description_width": "120px"}, "layout": widgets.Layout(width="330px")}


def number(name: str, value: float, allowed: Range, default: float) -> widgets.Widget:
    """A slider over an option's allowed values: logarithmic where 0 is excluded, else linear up to its
    top (1 for an option that defaults below 1, else 10 times its default), widened to hold `value`."""
    if allowed.low == 0 and not allowed.low_ok:
        return widgets.FloatLogSlider(value=value, base=10, min=min(-2, math.log10(value)),
                                      max=max(2, math.log10(value)), step=0.01, description=name,
                                      readout_format=".3g", **LOOK)
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

    def __init__(self, base: dict[str, Any], numel: int) -> None:
        self.base, self.numel = base, numel
        optimizer, loss = base["optimizer"], base["loss"]
        self.controls: dict[Any, widgets.Widget] = {
            "lr": widgets.FloatLogSlider(value=base["lr"][0], base=10, min=min(-4, math.log10(base["lr"][0])),
                                         max=max(2, math.log10(base["lr"][0])), step=0.01, description="lr",
                                         readout_format=".4g", **LOOK),
            "optimizer": widgets.Dropdown(options=list(optimizers.OPTIMIZERS), value=optimizer["name"],
                                          description="optimizer", **LOOK),
            "loss": widgets.Dropdown(options=list(losses.LOSSES), value=loss["name"], description="loss", **LOOK),
            "reduction": widgets.ToggleButtons(options=list(REDUCTIONS), value=base["reduction"],
                                               description="reduction", **LOOK),
            "attempts": widgets.BoundedIntText(value=base["attempts"], min=1, max=max(MOST_ATTEMPTS, base["attempts"]),
                                               description="attempts", **LOOK),
            "dtype": widgets.Dropdown(options=list(DTYPES), value=base["dtype"], description="dtype", **LOOK),
            "schedule": widgets.Dropdown(options=list(schedules.SCHEDULES), value=_name(base["schedule"]),
                                         description="schedule", **LOOK),
            "condition": widgets.FloatLogSlider(value=self._condition(), base=10, min=CONDITION[0],
                                                max=max(CONDITION[1], math.log10(self._condition())), step=0.01,
                                                description="condition κ", readout_format=".4g", **LOOK),
            "rotation": widgets.FloatSlider(value=base["rotation"] if _angle(base["rotation"]) else 0.0, min=-90,
                                            max=90, step=0.5, description="rotation (°)", **LOOK),
            "noise": widgets.FloatSlider(value=(base["noise"] or {}).get("std", 0.0), min=0, max=max(10.0, (
                base["noise"] or {}).get("std", 0.0)), step=0.05, description="noise σ", **LOOK),
            "batch": widgets.IntSlider(value=(base["noise"] or {}).get("batch", 1), min=1, max=max(
                64, (base["noise"] or {}).get("batch", 1)), description="noise batch", **LOOK),
        }
        for name, spec in optimizers.OPTIMIZERS.items():
            given = optimizer if optimizer["name"] == name else {}
            self.controls.update(options_of(name, spec.defaults, spec.ranges, given))
        for name, kind in losses.LOSSES.items():
            self.controls.update(options_of(name, kind.defaults, kind.ranges, loss if loss["name"] == name else {}))
        self.start = {key: control.value for key, control in self.controls.items()}
        self.controls["attempts"].continuous_update = False  # a budget is typed: redraw once it is in

    def _condition(self) -> float:
        weights = self.base["weights"]
        return max(weights) / min(weights) if isinstance(weights, list) and min(weights) > 0 else 1.0

    def value(self, key: Any) -> Any:
        return self.controls[key].value

    def moved(self, key: Any) -> bool:
        return self.controls[key].value != self.start[key]

    def shown(self) -> list[widgets.Widget]:
        """The controls that apply to the game as it is set: the chosen optimizer's and loss's options, the
        ravine's where the answer has elements to weigh (a rotation's angle: two)."""
        optimizer, loss = self.value("optimizer"), self.value("loss")
        out = []
        for key, control in self.controls.items():
            if isinstance(key, tuple):
                applies = key[0] in (optimizer, loss)
            else:
                applies = key != "condition" or self.numel > 1
                applies = applies and (key != "rotation" or self.numel == 2)
            if applies:
                out.append(control)
        return out

    def game(self) -> dict[str, Any]:
        """The config dict of the game the controls set: one run, at the lr of the slider."""
        d = dict(self.base)
        d["lr"], d["reduction"], d["dtype"] = [self.value("lr")], self.value("reduction"), self.value("dtype")
        d["attempts"] = self.value("attempts")
        d["optimizer"] = self._item("optimizer", self.base["optimizer"], optimizers.OPTIMIZERS)
        d["loss"] = self._item("loss", self.base["loss"], losses.LOSSES)
        if self.moved("condition"):
            kappa, n = self.value("condition"), self.numel
            d["weights"] = [kappa ** (i / (n - 1)) for i in range(n)] if kappa != 1 else 1.0
        if self.moved("rotation"):
            d["rotation"] = self.value("rotation") or None
        if self.moved("noise") or self.moved("batch"):
            std, batch = self.value("noise"), self.value("batch")
            d["noise"] = {"std": std, "batch": batch} if std or batch > 1 else None
        d["schedule"] = self._schedule(d["attempts"])
        return d

    def _item(self, kind: str, given: dict[str, Any], specs: dict) -> dict[str, Any]:
        """An optimizer or loss: its name, the options its controls set, and the rest as given."""
        name = self.value(kind)
        item = dict(given) if given["name"] == name else {"name": name}
        pairs: dict[str, list] = {}
        for key, control in self.controls.items():
            if isinstance(key, tuple) and key[0] == name:
                if len(key) == 3:
                    pairs.setdefault(key[1], []).append(control.value)
                else:
                    item[key[1]] = control.value
        item.update(pairs)
        return item

    def _schedule(self, attempts: int) -> Any:
        """The schedule chosen: the config's own where it is that one, else torch's defaults, with the
        options torch requires started for this budget (`STARTS`)."""
        name, given = self.value("schedule"), self.base["schedule"]
        if name == _name(given):
            return given
        if name == "none":
            return "none"
        return {"name": name, **{key: STARTS[key](attempts) for key, default in schedules.SCHEDULES[name].items()
                                 if default is schedules.REQUIRED}}


def _name(item: Any) -> str:
    return item if isinstance(item, str) else item["name"]


def _angle(rotation: Any) -> bool:
    return isinstance(rotation, (int, float)) and not isinstance(rotation, bool)
