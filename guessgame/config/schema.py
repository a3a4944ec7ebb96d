"""What a config may hold: the keys, their defaults and allowed values, and the frozen `Config`."""

from __future__ import annotations

import dataclasses
import itertools
import math
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from guessgame import losses, optimizers, schedules
from guessgame.config.fields import is_number, kind, shape_of, show, suggest  # noqa: F401 (loaders read them here)
from guessgame.config.labels import has_options, item_dict, item_label
from guessgame.config.values import Noise, RandomAnswer, RandomRotation, noise_of  # noqa: F401 (read here)

# Each loss's and optimizer's options with their defaults (torch's), from their records.
LOSSES: dict[str, dict[str, float]] = {name: dict(loss.defaults) for name, loss in losses.LOSSES.items()}
OPTIMIZERS: dict[str, dict[str, Any]] = {name: dict(spec.defaults) for name, spec in optimizers.OPTIMIZERS.items()}
SCHEDULES: dict[str, dict[str, Any]] = schedules.SCHEDULES
# the keys a list of makes a grid, in the order cells vary
GRID_KEYS = ("loss", "optimizer", "schedule", "dtype", "noise")
REDUCTIONS = ("mean", "sum")
DTYPES = ("float16", "bfloat16", "float32", "float64")
# The largest finite number of each dtype (torch.finfo(...).max), without importing torch.
LARGEST = {"float16": 65504.0, "bfloat16": 3.3895313892515355e38, "float32": 3.4028234663852886e38,
           "float64": 1.7976931348623157e308}
DEVICES = ("cpu", "cuda")
MAX_ATTEMPTS = 10_000_000
MAX_RUNS = 10_000_000
MAX_ROTATED = 2048  # the most elements a rotation turns: its matrix holds this squared
MAX_BATCH = 1_000_000  # the most observations a noisy attempt sees

DEFAULTS: dict[str, Any] = {
    "guess": 0.0,
    "loss": "mse",
    "reduction": "mean",
    "optimizer": "sgd",
    "lr": 0.1,
    "attempts": 20,
    "dtype": "float64",
    "games": 1,
    "seed": 0,
    "tolerance": 1e-12,
    "stop_early": False,
    "diverge_factor": 1e6,
    "log_every": 1,
    "device": "cpu",
    "schedule": "none",
    "weights": 1.0,
    "rotation": None,
    "noise": None,
}
KEYS = ("name", "answer", *DEFAULTS)
# A run's name, also the start of its folder's: letters of any alphabet, digits, '_', '.' and '-', not
# starting with '.' or '-'; at most 100 characters and 200 bytes (a file name holds 255).
NAME = re.compile(r"\w[\w.-]{0,99}")
NAME_BYTES = 200


def is_name(value: Any) -> bool:
    return isinstance(value, str) and NAME.fullmatch(value) is not None and len(value.encode()) <= NAME_BYTES


@dataclass(frozen=True)
class Config:
    """A validated game: every field known good (see `load_config`)."""

    name: str
    answer: Any  # a number, a nested list of numbers, or RandomAnswer
    guess: Any  # a number (broadcast) or a nested list shaped like the answer
    loss: str
    loss_options: dict[str, float]
    reduction: str
    optimizer: str
    optimizer_options: dict[str, Any]
    lr: tuple[float, ...]
    attempts: int
    dtype: str
    games: int
    seed: int
    tolerance: float
    stop_early: bool
    diverge_factor: float
    log_every: int
    device: str
    source: str | None = field(default=None, compare=False)
    schedule: str = "none"
    schedule_options: dict[str, Any] = field(default_factory=dict)
    # A grid: for each of GRID_KEYS given as a list, its items as (name, options) (a dtype's options: {}).
    # The fields above then hold the first cell's; `cells` are the single-cell configs, every combination in order.
    grid: tuple[tuple[str, tuple[tuple[str, dict], ...]], ...] = ()
    # A ravine: each element's weight (a number: every element's), and the error's rotation (an angle in
    # degrees for 2 elements, or a random orthogonal basis); see `guessgame.ravine`.
    weights: Any = 1.0
    rotation: float | RandomRotation | None = None
    noise: Noise | None = None  # noisy hints; None: every attempt sees the answer itself

    @property
    def shape(self) -> tuple[int, ...]:
        if isinstance(self.answer, RandomAnswer):
            return self.answer.shape
        return shape_of(self.answer)

    @property
    def numel(self) -> int:
        return math.prod(self.shape)

    @property
    def runs(self) -> int:
        """Every run of the config: its cells x learning rates x games."""
        return self.cell_count * len(self.lr) * self.games

    @property
    def runs_per_cell(self) -> int:
        return len(self.lr) * self.games

    @property
    def cell_count(self) -> int:
        return math.prod(len(items) for _, items in self.grid)

    @property
    def cells(self) -> list["Config"]:
        """The single-cell configs of a grid (each one batch), every combination of its lists in
        order (the last key varying fastest); [self] when nothing is a list."""
        return list(self.iter_cells())

    def iter_cells(self) -> Iterator["Config"]:
        """`cells`, one at a time: a grid of many cells starts its first without making the others."""
        if not self.grid:
            yield self
            return
        keys = [key for key, _ in self.grid]
        for combination in itertools.product(*(items for _, items in self.grid)):
            changes: dict[str, Any] = {}
            for key, (name, options) in zip(keys, combination):
                changes[key] = noise_of(name, options) if key == "noise" else name
                if has_options(key) and key != "noise":
                    changes[f"{key}_options"] = dict(options)
            yield dataclasses.replace(self, grid=(), **changes)

    def cell_labels(self) -> list[str]:
        """Each cell in words, naming only what varies: `sgd`, `sgd momentum=0.9`, `adam · cosine T_max=50`,
        `adam · float16`. Wherever a cell is named (tables, figures, the page, TensorBoard), it is this."""
        if not self.grid:
            return [""]
        return [" · ".join(item_label(key, name, options) for key, (name, options) in zip(
                    [key for key, _ in self.grid], combination))
                for combination in itertools.product(*(items for _, items in self.grid))]

    @property
    def dtypes(self) -> tuple[str, ...]:
        """The dtypes the cells play in: a grid's list of them, or the one dtype."""
        return tuple(name for name, _ in dict(self.grid).get("dtype", ((self.dtype, {}),)))

    @property
    def scheduled(self) -> bool:
        return self.schedule != "none"

    @property
    def heavy_ball(self) -> float | None:
        """The momentum of plain (0) or heavy-ball SGD -- where closed-form theory applies; None for any
        other optimizer, and for SGD with weight decay, Nesterov momentum or dampening."""
        options = self.optimizer_options
        if self.optimizer != "sgd" or options["weight_decay"] != 0:
            return None
        if options["momentum"] == 0:  # dampening and nesterov only act on a momentum buffer
            return 0.0
        return None if options["nesterov"] or options["dampening"] != 0 else options["momentum"]

    @property
    def plain_sgd(self) -> bool:
        """The notebook's update exactly: step = lr * grad."""
        return self.heavy_ball == 0

    @property
    def logged_rows(self) -> int:
        """len(logged_attempts), by arithmetic: no list of a million attempts to count them."""
        return -(-self.attempts // self.log_every) + ((self.attempts - 1) % self.log_every != 0)

    @property
    def logged_attempts(self) -> range | list[int]:
        """The attempts kept in the log: every `log_every`-th from the first, and always the last."""
        kept = range(1, self.attempts + 1, self.log_every)
        return kept if kept[-1] == self.attempts else [*kept, self.attempts]

    def least_log_every(self, fits: Callable[["Config"], bool]) -> int | None:
        """The smallest log_every of 2 or more with which `fits(config)` holds, or None if even keeping
        only the first and last attempts does not (fewer rows for a larger k: a bisection)."""
        low, high = 2, max(2, self.attempts)
        if not fits(dataclasses.replace(self, log_every=high)):
            return None
        while low < high:
            middle = (low + high) // 2
            if fits(dataclasses.replace(self, log_every=middle)):
                high = middle
            else:
                low = middle + 1
        return low

    def to_dict(self) -> dict[str, Any]:
        """The fully resolved config, as YAML keys (what `config.yaml` in a run folder holds)."""
        answer = self.answer
        if isinstance(answer, RandomAnswer):
            answer = {"random": {"low": answer.low, "high": answer.high,
                                 "shape": list(answer.shape), "integer": answer.integer}}
        axes = dict(self.grid)

        def item(key: str) -> Any:
            if key in axes:
                return [item_dict(key, name, options) for name, options in axes[key]]
            if key == "noise":
                return None if self.noise is None else {"std": self.noise.std, "batch": self.noise.batch}
            return item_dict(key, getattr(self, key), getattr(self, f"{key}_options", {}))

        return {
            "name": self.name,
            "answer": answer,
            "guess": self.guess,
            "loss": item("loss"),
            "reduction": self.reduction,
            "optimizer": item("optimizer"),
            "lr": list(self.lr),
            "attempts": self.attempts,
            "dtype": item("dtype"),
            **{key: getattr(self, key) for key in
               ("games", "seed", "tolerance", "stop_early", "diverge_factor", "log_every", "device")},
            "schedule": item("schedule"),
            "weights": self.weights,
            "rotation": {"seed": self.rotation.seed} if isinstance(self.rotation, RandomRotation) else self.rotation,
            "noise": item("noise"),
        }

