"""The checks behind `load_config`: one method per key, each naming the key, the value and what is allowed."""

from __future__ import annotations

import math
from typing import Any

from guessgame.config.fields import Fields, beyond_floats, finite, flat, is_number, shape_of, show, suggest
from guessgame.config.items import ItemChecks
from guessgame.config.ravine import RavineChecks
from guessgame.config.schedule import ScheduleChecks
from guessgame.config.schema import (
    DEFAULTS,
    DEVICES,
    GRID_KEYS,
    KEYS,
    LARGEST,
    MAX_ATTEMPTS,
    MAX_RUNS,
    REDUCTIONS,
    Config,
    RandomAnswer,
    is_name,
    noise_of,
)
from guessgame.ranges import Range

# Whole-number answers beyond this are not all exact in float64.
_EXACT_INTEGERS = 2.0**53


class Validator(ItemChecks, ScheduleChecks, RavineChecks, Fields):
    """One method per key of a config; `Fields` checks the single values they are made of."""

    def config(self, raw: dict, default_name: str) -> Config:
        self.keys(raw)
        values = {**DEFAULTS, **raw}
        answer = self.answer(values["answer"])
        shape = answer.shape if isinstance(answer, RandomAnswer) else shape_of(answer)
        attempts = self.integer(("attempts",), values["attempts"], 1, MAX_ATTEMPTS)
        items = {key: self.noises(values[key]) if key == "noise" else
                 self.items(values[key], key, **({"attempts": attempts} if key == "schedule" else {}))
                 for key in GRID_KEYS}
        (loss, loss_options), (optimizer, optimizer_options) = items["loss"][0], items["optimizer"][0]
        config = Config(
            name=self.name(raw.get("name", default_name)),
            answer=answer,
            guess=self.guess(values["guess"], shape),
            loss=loss, loss_options=loss_options,
            reduction=self.choice(("reduction",), values["reduction"], REDUCTIONS),
            optimizer=optimizer, optimizer_options=optimizer_options,
            lr=self.lr(values["lr"]),
            attempts=attempts,
            dtype=items["dtype"][0][0],
            games=self.integer(("games",), values["games"], 1, MAX_RUNS),
            seed=self.integer(("seed",), values["seed"], 0, 2**63 - 1),
            tolerance=self.number(("tolerance",), values["tolerance"], Range(0.0), "a finite number >= 0"),
            stop_early=self.boolean(("stop_early",), values["stop_early"]),
            diverge_factor=self.number(("diverge_factor",), values["diverge_factor"], Range(1.0, low_ok=False),
                                       "a finite number > 1 (how far the loss may grow before "
                                       "the run counts as diverged)"),
            log_every=self.integer(("log_every",), values["log_every"], 1, MAX_ATTEMPTS),
            device=self.choice(("device",), values["device"], DEVICES),
            source=self.origin,
            schedule=items["schedule"][0][0], schedule_options=items["schedule"][0][1],
            weights=self.weights(values["weights"], shape),
            rotation=self.rotation(values["rotation"], shape),
            noise=noise_of(*items["noise"][0]),
            grid=tuple((key, tuple(items[key])) for key in GRID_KEYS if isinstance(values[key], list)
                       and len(items[key]) > 1),
        )
        self.consistent(config)
        self.schedules_fit(values, items)
        return config

    def keys(self, raw: dict) -> None:
        """Every key known, and the one without a default given."""
        for key in raw:
            if key not in KEYS:
                self.fail((key,), f"unknown key{suggest(str(key), KEYS)}; allowed keys: {', '.join(KEYS)}")
        if "answer" not in raw:
            self.fail((), "missing the key `answer` (the hidden answer: a number, a list, or "
                          "{random: {low, high, shape}})")

    def consistent(self, config: Config) -> None:
        """What no single key can check: the values fit the dtype, games have a random answer, runs fit."""
        self.representable(config)
        if config.games > 1 and not isinstance(config.answer, RandomAnswer) and config.noise is None:
            self.bad(("games",), config.games, "games > 1 needs a random answer, "
                     "answer: {random: {low: 0, high: 100, shape: [3]}}, or noise: {std: 1}")
        if config.noise is not None:
            self.noisy(config)
        if config.runs > MAX_RUNS:
            cells = f"{config.cell_count} cells x " if config.grid else ""
            self.bad(("lr",), f"{cells}{len(config.lr)} learning rates x {config.games} games",
                     f"at most {MAX_RUNS:,} runs in one batch")

    def representable(self, config: Config) -> None:
        """The answer and the guess must be numbers each dtype holds: past its largest they are inf."""
        dtype = min(config.dtypes, key=LARGEST.__getitem__)  # of a grid's, the narrowest
        largest = LARGEST[dtype]
        answer = config.answer
        checks = ([(("answer", "random", "low"), answer.low), (("answer", "random", "high"), answer.high)]
                  if isinstance(answer, RandomAnswer) else [(("answer",), v) for v in flat(answer)])
        checks += [(("guess",), v) for v in flat(config.guess)]
        for path, value in checks:
            if abs(value) > largest:
                wider = f"leave {dtype} out of dtype's list" if len(config.dtypes) > 1 else "e.g. dtype: float32"
                self.bad(path, value, f"a number {dtype} can hold: at most {largest:g} in size "
                                      f"(choose a wider dtype: {wider})")

    def name(self, value: Any) -> str:
        if not is_name(value):
            self.bad(("name",), value, "a name of letters (of any alphabet), digits, '.', '_' and '-', "
                     "at most 100 of them, not starting with '.' or '-'")
        return value

    def answer(self, value: Any):
        if isinstance(value, dict):
            if set(value) != {"random"}:
                extra = sorted(set(value) - {"random"}) or ["random"]
                self.fail(("answer", extra[0]) if extra[0] != "random" else ("answer",),
                          f"got a mapping with keys {sorted(value)}; a random answer is written "
                          "{random: {low: 0, high: 100, shape: [3]}}")
            return self.random(value["random"])
        return self.numbers(("answer",), value, None)

    def random(self, value: Any) -> RandomAnswer:
        path = ("answer", "random")
        if not isinstance(value, dict):
            self.bad(path, value, "a mapping {low: 0, high: 100, shape: [3]}")
        allowed = ("low", "high", "shape", "integer")
        for key in value:
            if key not in allowed:
                self.fail(path + (key,), f"unknown key{suggest(str(key), allowed)}; allowed: {', '.join(allowed)}")
        if "shape" not in value:
            self.fail(path, "a random answer needs a `shape`: [] for a number, [3] for a vector, "
                            "[3, 5] for a matrix")
        shape = value["shape"]
        if is_number(shape):
            shape = [shape]
        if not isinstance(shape, list) or not all(isinstance(s, int) and not isinstance(s, bool)
                                                  and 1 <= s <= MAX_RUNS for s in shape):
            self.bad(path + ("shape",), value["shape"], "a list of positive whole numbers, e.g. [3] or [3, 5]")
        low = self.number(path + ("low",), value.get("low", 0), Range(-math.inf), "a finite number")
        high = self.number(path + ("high",), value.get("high", 100), Range(-math.inf), "a finite number")
        if not low < high:
            self.bad(path + ("high",), high, f"a number greater than low ({low})")
        if not math.isfinite(high - low):
            self.bad(path + ("high",), high, f"a range whose width high - low is a finite number "
                                             f"(from low {low:g} it overflows)")
        integer = self.boolean(path + ("integer",), value.get("integer", False))
        if integer and max(abs(low), abs(high)) > _EXACT_INTEGERS:
            key = "low" if abs(low) > _EXACT_INTEGERS else "high"
            self.bad(path + (key,), value.get(key), "with integer: true, a number within +-2^53 "
                                                    "(9.007e15), where every whole number is exact")
        if integer and math.floor(high) < math.ceil(low):
            self.bad(path + ("high",), high, f"no whole number lies between low ({low}) and high")
        return RandomAnswer(low=low, high=high, shape=tuple(shape), integer=integer)

    def numbers(self, path: tuple, value: Any, shape: tuple | None):
        """A number or a rectangular nested list of finite numbers; floats out."""
        if is_number(value):
            if not finite(value):
                self.bad(path, value, "a finite number" + beyond_floats(value))
            return float(value)
        if not isinstance(value, list) or not value:
            self.bad(path, value, "a number or a non-empty (nested) list of numbers, e.g. [2, 77, 91]")
        items = [self.numbers(path + (i,), item, None) for i, item in enumerate(value)]
        if any(shape_of(item) != shape_of(items[0]) for item in items):
            self.bad(path, value, "a rectangular list: every row of the same length")
        return items

    def guess(self, value: Any, shape: tuple) -> Any:
        if is_number(value):
            return self.numbers(("guess",), value, None)
        guess = self.numbers(("guess",), value, None)
        if shape_of(guess) != tuple(shape):
            self.bad(("guess",), value, f"a number, or a list of the answer's shape {list(shape)} "
                     f"(this one has shape {list(shape_of(guess))})")
        return guess

    def lr(self, value: Any) -> tuple[float, ...]:
        allowed = ("a positive finite number, a list of them, {logspace: [low, high, count]} "
                   "or {linspace: [low, high, count]}")
        if isinstance(value, dict):
            if len(value) != 1 or next(iter(value)) not in ("logspace", "linspace"):
                key = next((k for k in value if k not in ("logspace", "linspace")), "lr")
                self.fail(("lr", key) if key != "lr" else ("lr",),
                          f"got {show(value)}; {allowed}{suggest(str(key), ('logspace', 'linspace'))}")
            (kind_, spec), = value.items()
            return self.space(("lr", kind_), kind_, spec)
        if is_number(value):
            return (self.positive(("lr",), value, allowed),)
        if isinstance(value, list) and value:
            if len(value) > MAX_RUNS:
                self.bad(("lr",), f"{len(value)} learning rates", f"at most {MAX_RUNS:,}")
            return tuple(self.positive(("lr", i), v, allowed) for i, v in enumerate(value))
        self.bad(("lr",), value, allowed)

    def space(self, path: tuple, kind_: str, spec: Any) -> tuple[float, ...]:
        allowed = f"[low, high, count], e.g. {{{kind_}: [0.001, 10, 50]}}"
        if not isinstance(spec, list) or len(spec) != 3:
            self.bad(path, spec, allowed)
        low = self.positive(path + (0,), spec[0], "a positive finite number (the lowest lr)")
        high = self.positive(path + (1,), spec[1], "a positive finite number (the highest lr)")
        count = self.integer(path + (2,), spec[2], 1, MAX_RUNS)
        if high < low:
            self.bad(path + (1,), high, f"a number >= low ({low:g})")
        if count == 1:
            return (low,)
        if kind_ == "linspace":
            values = [low + (high - low) * i / (count - 1) for i in range(count)]
        else:
            a, b = math.log10(low), math.log10(high)
            values = [10 ** (a + (b - a) * i / (count - 1)) for i in range(count)]
        values[0], values[-1] = low, high
        return tuple(values)
