"""The checks of a game's shape beyond its answer: per-element `weights`, a `rotation` of the error, and
noisy hints.

    weights: [1, 100]          each element's curvature scaled by its weight (a number: all of them)
    rotation: 45               for a 2-element answer, the ravine turned by 45 degrees
    rotation: {seed: 0}        for any answer of 2 or more elements, a random orthogonal basis
    noise: {std: 2, batch: 4}  each attempt sees 4 observations answer + 2 x N(0, 1)
"""

from __future__ import annotations

import math
from typing import Any

from guessgame.config.fields import is_number, shape_of, show
from guessgame.config.schema import MAX_BATCH, MAX_ROTATED, RandomRotation
from guessgame.ranges import Range

_WEIGHTS = "a finite number > 0, or a list of them of the answer's shape"


class RavineChecks:
    """`weights` and `rotation`, each against the answer's shape."""

    def weights(self, value: Any, shape: tuple) -> Any:
        if is_number(value):
            return self.number(("weights",), value, Range(0.0, low_ok=False), _WEIGHTS)
        if not isinstance(value, list):
            self.bad(("weights",), value, _WEIGHTS)
        weights = self.numbers(("weights",), value, None)
        if shape_of(weights) != tuple(shape):
            self.bad(("weights",), value, f"a number, or a list of the answer's shape {list(shape)} "
                     f"(this one has shape {list(shape_of(weights))})")
        for index, weight in _indexed(weights, ()):
            if not weight > 0:
                self.bad(("weights", *index), weight, _WEIGHTS)
        return weights

    def rotation(self, value: Any, shape: tuple) -> float | RandomRotation | None:
        size = math.prod(shape)
        if value is None:
            return None
        if isinstance(value, dict):
            if set(value) != {"seed"}:
                extra = sorted(map(str, set(value) - {"seed"})) or ["seed"]
                self.fail(("rotation", extra[0]) if extra[0] != "seed" else ("rotation",),
                          f"got {show(value)}; a random rotation is written {{seed: 0}}")
            seed = self.integer(("rotation", "seed"), value["seed"], 0, 2**63 - 1)
            if not 2 <= size <= MAX_ROTATED:
                self.bad(("rotation",), value, f"a rotation needs an answer of 2 to {MAX_ROTATED:,} elements "
                         f"(this one has {size})")
            return RandomRotation(seed)
        if is_number(value):
            angle = self.number(("rotation",), value, Range(-math.inf), "an angle in degrees, or {seed: 0}")
            if size != 2:
                self.bad(("rotation",), value, f"an angle turns a 2-element answer (this one has {size}); "
                         "for more elements write {seed: 0}, a random orthogonal basis")
            return angle
        self.bad(("rotation",), value, "an angle in degrees (2-element answer), {seed: 0} (a random "
                 "orthogonal basis) or null")


    def noises(self, value: Any) -> list[tuple[str, dict]]:
        """`noise` as a grid's items: [("none", {})], or [("noise", {std, batch})], one per item of a list."""
        if isinstance(value, list):
            if not value:
                self.bad(("noise",), value, "none, {std: s, batch: B}, or a non-empty list of those to compare")
            return [("noise", self.noise(item, ("noise", i), listed=True)) for i, item in enumerate(value)]
        noise = self.noise(value, ("noise",))
        return [("none", {})] if noise is None else [("noise", noise)]

    def noise(self, value: Any, path: tuple, listed: bool = False) -> dict | None:
        if (value is None or value == "none") and not listed:
            return None
        if not isinstance(value, dict) or not value or set(value) - {"std", "batch"} or "std" not in value:
            extra = sorted(map(str, set(value) - {"std", "batch"})) if isinstance(value, dict) else []
            self.bad(path + (extra[0],) if extra else path, value,
                     ("" if listed else "none, or ") + "{std: s, batch: B}: s >= 0 the observations' standard "
                     "deviation, B >= 1 how many an attempt sees (default 1)")
        std = self.number(path + ("std",), value["std"], Range(0.0), "a finite number >= 0")
        return {"std": std, "batch": self.integer(path + ("batch",), value.get("batch", 1), 1, MAX_BATCH)}

    def noisy(self, config) -> None:
        """What noise does not go with."""
        if config.rotation is not None:
            self.bad(("noise",), config.to_dict()["noise"], "no noise with a rotation: a noisy game's error is not "
                     "turned (drop `rotation`, or `noise`)")


def _indexed(value: Any, index: tuple):
    if isinstance(value, list):
        for i, item in enumerate(value):
            yield from _indexed(item, index + (i,))
    else:
        yield index, value
