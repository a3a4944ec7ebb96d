"""The records that cross modules -- a run's summary, theory's prediction, the score of random games --
typed, with their JSON encoding and decoding here and nowhere else.

JSON has no NaN or infinity, so non-finite floats are written as the strings "inf", "-inf" and "nan".
Decoding checks what it reads and raises `RunFolderError` naming the field, for a summary.json that
was damaged or written by something else.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from typing import Any, NamedTuple

from guessgame.errors import RunFolderError
from guessgame.status import Status

_SPELLED = {"inf": math.inf, "-inf": -math.inf, "nan": math.nan}


def encode(value: Any) -> Any:
    """A value JSON can hold: non-finite floats spelled as strings, records and tuples as objects and lists."""
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, Status):
        return value.value
    if hasattr(value, "to_json"):
        return value.to_json()
    if isinstance(value, dict):
        return {k: encode(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [encode(v) for v in value]
    return value


def decode(value: Any) -> Any:
    """Undo `encode`'s spelling of non-finite floats."""
    if isinstance(value, str) and value in _SPELLED:
        return _SPELLED[value]
    if isinstance(value, dict):
        return {k: decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decode(v) for v in value]
    return value


RAVINE_NUMBERS = ("condition_number", "best_rate", "heavy_ball_lr", "heavy_ball_momentum", "heavy_ball_rate")


@dataclass(frozen=True)
class Theory:
    """What closed-form gradient descent predicts for one run; every field null where no closed form applies."""

    critical_lr: float | None = None  # the largest lr that still converges
    best_lr: float | None = None  # the lr that converges fastest
    rate: float | None = None  # how much the error shrinks (or grows) per attempt: |factor|
    predicted: Status | None = None  # the status theory's loss sequence reads as, over the budget
    predicted_converged_at: int | None = None
    predicted_diverged_at: int | None = None
    band: float | None = None  # l1: the step, and the band the guess bounces in
    band_reached_at: int | None = None
    note: str | None = None
    factor: float | None = None  # what the error is multiplied by per attempt: below 0, the guess overshoots
    predicted_stalled_at: int | None = None
    # A ravine (weights, rotation) on mse: lambda_max / lambda_min of the Hessian, the rate at best_lr
    # ((kappa - 1) / (kappa + 1)), and heavy ball's optimal lr, momentum and rate for this ravine.
    condition_number: float | None = None
    best_rate: float | None = None
    heavy_ball_lr: float | None = None
    heavy_ball_momentum: float | None = None
    heavy_ball_rate: float | None = None
    # With noisy hints: the expected true loss at stationarity, at the run's (last) lr.
    noise_floor: float | None = None

    def to_json(self) -> dict[str, Any]:
        return encode(asdict(self))

    @classmethod
    def from_json(cls, value: Any, where: _Where) -> "Theory | None":
        if value is None:
            return None
        where.expect(isinstance(value, dict), value, "null, or an object of theory's fields")
        known = {f.name for f in fields(cls)}
        value = decode({k: v for k, v in value.items() if k in known})
        for key in ("critical_lr", "best_lr", "rate", "band", "factor", "noise_floor", *RAVINE_NUMBERS):
            where.at(key).expect(value.get(key) is None or _number(value[key]), value.get(key), "a number or null")
        for key in ("predicted_converged_at", "predicted_diverged_at", "predicted_stalled_at", "band_reached_at"):
            where.at(key).expect(value.get(key) is None or _attempt(value[key]), value.get(key),
                                 "null or an attempt number >= 1")
        predicted = value.get("predicted")
        where.at("predicted").expect(predicted is None or predicted in Status.names(), predicted,
                                     f"null or one of {', '.join(Status.names())}")
        return cls(**{**value, "predicted": Status(predicted) if predicted else None})


@dataclass(frozen=True)
class RunSummary:
    """One run of a result: what `summary.json` holds per run."""

    run: int
    lr: float
    game: int
    status: Status
    attempts_run: int
    converged_at: int | None  # the first attempt of the stretch within tolerance
    diverged_at: int | None  # the attempt the run was declared diverged
    left_at: int | None  # a converged run's first later attempt above tolerance
    final_loss: float
    best_loss: float  # the lowest loss the run reached
    final_guess: Any  # the guess after the last step applied (nested lists, like the answer)
    answer: Any
    theory: Theory | None
    cell: int = 0  # which cell of a grid (the config's `cells`, in order); 0 without a grid
    stalled_at: int | None = None  # the attempt a stalled run was declared stalled at
    settled_at: int | None = None  # the attempt a noisy run was declared settled at its noise floor

    def to_json(self) -> dict[str, Any]:
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        return encode(out)

    @classmethod
    def from_json(cls, value: Any, where: _Where) -> "RunSummary":
        where.expect(isinstance(value, dict), value, "each run is a JSON object")
        v = decode(value)
        v.setdefault("game", 0)
        v.setdefault("cell", 0)
        where.at("cell").expect(_integer(v["cell"]) and v["cell"] >= 0, v["cell"],
                                "a whole number >= 0 (the run's cell)")
        where.at("run").expect(v.get("run") == where.index and _integer(v.get("run")), v.get("run"),
                               f"runs are listed in order, so this one is run {where.index}")
        where.at("lr").expect(_number(v.get("lr")) and math.isfinite(v["lr"]) and v["lr"] > 0, v.get("lr"),
                              "a positive finite learning rate")
        where.at("status").expect(v.get("status") in Status.names(), v.get("status"),
                                  f"one of {', '.join(Status.names())}")
        where.at("game").expect(_integer(v["game"]) and v["game"] >= 0, v["game"], "a whole number >= 0")
        for key in ("converged_at", "diverged_at", "left_at", "stalled_at", "settled_at"):
            where.at(key).expect(v.get(key) is None or _attempt(v[key]), v.get(key), "null or an attempt number >= 1")
        where.at("attempts_run").expect(_integer(v.get("attempts_run")) and v["attempts_run"] >= 0,
                                        v.get("attempts_run"), "a whole number >= 0")
        for key in ("final_loss", "best_loss"):
            where.at(key).expect(_number(v.get(key, math.nan)), v.get(key), 'a number, or "inf", "-inf" or "nan"')
        where.at("answer").expect(shape_of(v.get("answer")) is not None, v.get("answer"),
                                  "a finite number or a rectangular list of them")
        _agrees(v, where)
        where.at("theory").expect(isinstance(value.get("theory"), dict), value.get("theory"),
                                  "an object of theory's fields (each null where no closed form applies)")
        return cls(run=v["run"], lr=float(v["lr"]), game=v["game"], status=Status(v["status"]),
                   attempts_run=v["attempts_run"], converged_at=v.get("converged_at"),
                   diverged_at=v.get("diverged_at"), left_at=v.get("left_at"), final_loss=float(v["final_loss"]),
                   best_loss=float(v.get("best_loss", math.nan)), final_guess=v.get("final_guess"),
                   answer=v["answer"], theory=Theory.from_json(value.get("theory"), where.at("theory")),
                   cell=v["cell"], stalled_at=v.get("stalled_at"), settled_at=v.get("settled_at"))


def _agrees(v: dict, where: _Where) -> None:
    """A run's status and the attempts it names agree: a converged run says where (and no other status
    does), likewise a diverged one; each attempt is one the run played, left_at after converged_at."""
    status, played = Status(v["status"]), v["attempts_run"]
    for key, own in (("converged_at", Status.CONVERGED), ("diverged_at", Status.DIVERGED)):
        given = v.get(key) is not None
        where.at(key).expect(given == (status is own), v.get(key),
                             f"an attempt, as the run is {own}" if status is own else f"null: the run is {status}")
        where.at(key).expect(not given or v[key] <= played, v.get(key),
                             f"an attempt the run played, at most attempts_run ({played})")
    for key, own in (("stalled_at", Status.STALLED), ("settled_at", Status.SETTLED)):
        at = v.get(key)
        where.at(key).expect(at is None or (status is own and at <= played), at,
                             f"null: the run is {status}" if status is not own else
                             f"an attempt the run played, at most attempts_run ({played})")
    left = v.get("left_at")
    if left is not None:
        where.at("left_at").expect(status is Status.CONVERGED and v["converged_at"] < left <= played, left,
                                   "null, or for a converged run an attempt after converged_at and at most "
                                   "attempts_run")


class Spread(NamedTuple):
    """How many attempts the games of one lr took to converge."""

    min: int
    q1: float
    median: float
    q3: float
    max: int
    mean: float


@dataclass(frozen=True)
class Score:
    """Random games scored for one learning rate."""

    lr: float
    games: int
    shares: dict[Status, float]  # the share of the games with each status
    attempts_to_converge: Spread | None  # None when no game converged
    cell: int = 0  # the cell of a grid these games were played in

    def to_json(self) -> dict[str, Any]:
        spread = self.attempts_to_converge
        return {"lr": encode(self.lr), "cell": self.cell, "games": self.games,
                "shares": {status.value: share for status, share in self.shares.items()},
                "attempts_to_converge": None if spread is None else dict(spread._asdict())}


class _Where(NamedTuple):
    """Where in a file a value is read from, for the message if it is wrong."""

    source: str
    key: str
    index: int = 0

    def at(self, key: str) -> "_Where":
        return _Where(self.source, f"{self.key}.{key}", self.index)

    def expect(self, ok: bool, value: Any, allowed: str) -> None:
        if not ok:
            raise RunFolderError(f"got {value!r}; {allowed}", key=self.key, source=self.source)


def where(source: str, key: str, index: int = 0) -> _Where:
    """The place a record is decoded from: `where("run/summary.json", "runs.3", 3)`."""
    return _Where(source, key, index)


def shape_of(value: Any) -> tuple[int, ...] | None:
    """The shape of a finite number or a rectangular nested list of them; None for anything else."""
    if _number(value):
        return () if math.isfinite(value) else None
    if not isinstance(value, list) or not value:
        return None
    inner = [shape_of(item) for item in value]
    if inner[0] is None or any(s != inner[0] for s in inner):
        return None
    return (len(value), *inner[0])


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _attempt(value: Any) -> bool:
    return _integer(value) and value >= 1
