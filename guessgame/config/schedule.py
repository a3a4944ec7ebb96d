"""The checks of `schedule`: torch.optim.lr_scheduler's options, with what its classes would refuse
refused here first (naming the key, the value and what is allowed), and the options torch requires."""

from __future__ import annotations

from typing import Any

from guessgame import optimizers, schedules
from guessgame.config.schema import MAX_ATTEMPTS, SCHEDULES
from guessgame.ranges import Range

_POSITIVE = Range(0.0, low_ok=False)
# Numbers: their range and what to say; whole numbers: their least value.
_NUMBERS: dict[str, tuple[Range, str]] = {
    "gamma": (_POSITIVE, "a finite number > 0 (the factor the lr is multiplied by)"),
    "eta_min": (Range(0.0), "a finite number >= 0 (the lowest lr)"),
    "start_factor": (Range(0.0, 1.0, low_ok=False), "a number > 0 and <= 1 (as torch's LinearLR requires)"),
    "end_factor": (Range(0.0, 1.0), "a number from 0 to 1 (as torch's LinearLR requires)"),
    "pct_start": (Range(0.0, 1.0), "a number from 0 to 1 (the share of the cycle spent raising the lr)"),
    "base_momentum": (Range(0.0), "a finite number >= 0"),
    "max_momentum": (Range(0.0), "a finite number >= 0"),
    "div_factor": (_POSITIVE, "a finite number > 0 (the first lr is lr / div_factor)"),
    "final_div_factor": (_POSITIVE, "a finite number > 0 (the last lr is lr / div_factor / final_div_factor)"),
}
_WHOLE = {"step_size": 1, "T_max": 1, "total_iters": 0, "total_steps": 1}


class ScheduleChecks:
    """Mixed into the Validator: `fail`, `bad`, `number`, `integer`, `boolean`, `choice` come from Fields."""

    def schedule_options(self, path: tuple, name: str, given: dict, *, attempts: int) -> dict[str, Any]:
        options = {}
        for key, default in SCHEDULES[name].items():
            if key not in given and default is schedules.REQUIRED:
                self.fail(path, f"{name} ({schedules.CLASSES[name]}) needs `{key}`, e.g. "
                                f"{{name: {name}, {key}: {_example(key, attempts)}}}")
            options[key] = self.schedule_option(path + (key,), given.get(key, default))
        if name == "onecycle":
            problem = schedules.onecycle_problem(options, attempts)
            if problem:
                key, allowed = problem
                self.bad(path + (key,), options[key], allowed)
        return options

    def schedule_option(self, path: tuple, value: Any) -> Any:
        key = path[-1]
        if key in _NUMBERS:
            range_, allowed = _NUMBERS[key]
            return self.number(path, value, range_, allowed)
        if key in _WHOLE:
            if key == "total_steps" and value is None:
                return None
            return self.integer(path, value, _WHOLE[key], MAX_ATTEMPTS)
        if key == "milestones":
            if not isinstance(value, list) or not value:
                self.bad(path, value, "a list of attempts at which the lr is multiplied by gamma, e.g. [10, 20]")
            return [self.integer(path + (i,), v, 1, MAX_ATTEMPTS) for i, v in enumerate(value)]
        if key == "anneal_strategy":
            return self.choice(path, value, ("cos", "linear"))
        return self.boolean(path, value)  # cycle_momentum, three_phase

    def schedules_fit(self, values: dict, items: dict) -> None:
        """OneCycleLR cycles the option an optimizer's record names (momentum, or the beta1 of betas): an
        optimizer with none cannot take it, and the values it cycles through must be ones the option takes."""
        listed = isinstance(values["schedule"], list)
        for i, (name, options) in enumerate(items["schedule"]):
            if name != "onecycle" or not options["cycle_momentum"]:
                continue
            path = ("schedule", *((i,) if listed else ()))
            for optimizer, _ in items["optimizer"]:
                spec = optimizers.OPTIMIZERS[optimizer]
                if spec.cycles is None:
                    self.bad(path + ("cycle_momentum",), True, f"{optimizer} has no momentum or beta1 for onecycle "
                                                               "to cycle (torch's OneCycleLR refuses it); set "
                                                               "cycle_momentum: false")
                cycled = spec.ranges[spec.cycles]
                what = "beta1" if spec.cycles == "betas" else spec.cycles
                for key in ("base_momentum", "max_momentum"):
                    if not cycled.holds(options[key]):
                        self.bad(path + (key,), options[key], f"a number in {cycled.interval()}: onecycle cycles "
                                                              f"{optimizer}'s {what} through it, and a {what} "
                                                              f"must be in {cycled.interval()}")


def _example(key: str, attempts: int) -> str:
    return {"step_size": str(max(1, attempts // 4)), "gamma": "0.9", "milestones": f"[{max(1, attempts // 2)}]",
            "T_max": str(attempts)}.get(key, "1")
