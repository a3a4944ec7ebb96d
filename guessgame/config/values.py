"""The values a config holds beyond numbers and names: a random answer, a random rotation, a noise."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RandomAnswer:
    """Hidden answers drawn uniformly from [low, high] (whole numbers when `integer`)."""

    low: float
    high: float
    shape: tuple[int, ...]
    integer: bool = False


@dataclass(frozen=True)
class RandomRotation:
    """A random orthogonal basis for the error, drawn from `seed` (`guessgame.ravine.rotation`)."""

    seed: int


@dataclass(frozen=True)
class Noise:
    """Noisy hints: `batch` observations an attempt, answer + std x N(0, 1) each (`engine.hints`)."""

    std: float
    batch: int


def noise_of(name: str, options: dict) -> Noise | None:
    """A `noise` item of a grid ("none", or "noise" with its std and batch) as the Config holds it."""
    return None if name == "none" else Noise(options["std"], options["batch"])
