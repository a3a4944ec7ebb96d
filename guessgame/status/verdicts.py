"""The verdict rules of `guessgame.status`, for all runs at once: `classify` reads every run's losses
after the fact (`tracker.Tracker` reaches the same verdicts attempt by attempt).
"""
from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor

from guessgame.config import Config
from guessgame.losses import LOSSES
from guessgame.status import GROWING_FOR, GROWTH, REPEATS, SETTLE, STAY, STEADY, Status


class Outcome(NamedTuple):
    status: list[Status]
    converged_at: list[int | None]  # 1-based attempt: the first of SETTLE within tolerance
    diverged_at: list[int | None]  # 1-based attempt at which the run was declared diverged
    decided_at: list[int | None]  # 1-based attempt at which the verdict was reached
    left_at: list[int | None]  # a converged run's first later attempt above tolerance, if any


class Rules(NamedTuple):
    """What a run is judged by."""

    tolerance: float  # a loss this small (in size) is at the answer
    diverge_factor: float  # a loss this many times its reference has diverged
    has_minimum: bool = True  # False for the bad loss: it can fall for ever, and never converges
    slack: float = 1e-9  # how much two losses may differ by rounding alone and still count as the same

    @classmethod
    def of(cls, config: Config, dtype: torch.dtype) -> "Rules":
        return cls(config.tolerance, config.diverge_factor, LOSSES[config.loss].has_minimum, slack(dtype))


class Found(NamedTuple):
    """The verdicts of all runs as tensors (0-based attempts, `steps` where never)."""

    converged: Tensor
    diverged: Tensor
    moving: Tensor  # neither: still moving (unfinished) or not (oscillating)
    settled: Tensor  # the first attempt of the stretch within tolerance
    decided_conv: Tensor  # the attempt that stretch became long enough
    diverged_at: Tensor
    left: Tensor  # the first attempt above tolerance after converging
    steps: int  # the attempts looked at: this many stands for never

    @classmethod
    def none(cls, runs: int, steps: int) -> Found:
        """No verdict for any run yet."""
        never = torch.full((runs,), steps, dtype=torch.long)
        return cls(*(torch.zeros(runs, dtype=torch.bool) for _ in range(3)), *(never.clone() for _ in range(4)), steps)


def slack(dtype: torch.dtype) -> float:
    """How much two losses may differ by rounding alone and still count as the same."""
    return max(1e-9, 16 * torch.finfo(dtype).eps)


def classify(loss: Tensor, attempts_run: Tensor, lost_at: Tensor, rules: Rules) -> Outcome:
    """Statuses of all runs from their losses (attempts, runs), as lists (`judge` as tensors)."""
    return outcome(judge(loss, attempts_run, lost_at, rules))


def judge(loss: Tensor, attempts_run: Tensor, lost_at: Tensor, rules: Rules, halves: Halves | None = None) -> Found:
    """The verdicts of all runs from their losses (attempts, runs), a block of runs at a time so that
    what the rules work with stays small beside the losses themselves. `halves`, the losses' own
    (`Halves.of`), saves a pass over them where the caller has them already."""
    steps, runs = loss.shape
    block = max(1, BLOCK // max(1, steps))
    if runs <= block:
        return _judge(loss, attempts_run, lost_at, rules, halves)
    found = Found.none(runs, steps)
    for start in range(0, runs, block):
        cols = torch.arange(start, min(start + block, runs))
        part = None if halves is None else halves.of_runs(slice(start, start + block))
        merge(found, cols, _judge(loss[:, start:start + block], attempts_run[cols], lost_at[cols], rules, part))
    return found


class Halves(NamedTuple):
    """Each run's lowest and highest loss in the first half of its attempts, then in the second, in
    float64: NaN where one of them is NaN (an empty half has none: +inf, -inf)."""

    first_low: Tensor
    first_high: Tensor
    second_low: Tensor
    second_high: Tensor

    @classmethod
    def of(cls, loss: Tensor) -> Halves:
        """Of losses (attempts, runs). (Two passes of amin and amax take a quarter of the time of one
        of aminmax along the attempts.)"""
        half = (loss.shape[0] + 1) // 2

        def extremes(part: Tensor) -> tuple[Tensor, Tensor]:
            if part.shape[0] == 0:
                return (torch.full(part.shape[1:], torch.inf, dtype=torch.float64, device=part.device),
                        torch.full(part.shape[1:], -torch.inf, dtype=torch.float64, device=part.device))
            return part.amin(0).double(), part.amax(0).double()

        return cls(*extremes(loss[:half]), *extremes(loss[half:]))

    def of_runs(self, runs: slice | Tensor) -> Halves:
        return Halves(*(part[runs] for part in self))

    @property
    def lowest(self) -> Tensor:
        return torch.minimum(self.first_low, self.second_low)

    @property
    def highest(self) -> Tensor:
        return torch.maximum(self.first_high, self.second_high)


BLOCK = 1 << 21  # losses judged at a time


def _judge(loss: Tensor, attempts_run: Tensor, lost_at: Tensor, rules: Rules, halves: Halves | None) -> Found:
    """The verdicts of some runs from their losses (attempts, runs).

    `attempts_run` (runs,) is how many attempts each run played; `lost_at` (runs,) the 0-based
    attempt at which its guess stopped being finite, or `attempts` if it never did.

    Most runs of a sweep are simple -- finite, never above their first loss, and within tolerance
    from some attempt to the end, or never -- and a handful of passes over all runs settles them
    (`_simple`). The rest go through every rule (`_found`): first over the attempts up to the
    point where the fast-diverging ones are decided, then, for the few still open, over them all.
    """
    steps, runs = loss.shape
    if steps * runs < QUICK_FROM:  # too few losses for the quick paths to pay for themselves
        return _found(loss, attempts_run, lost_at, rules)
    found, done = _simple(loss, attempts_run, lost_at, rules, halves)
    rest = (~done).nonzero().flatten()
    window = min(steps, _WINDOW)
    if window < steps and len(rest):
        early = _found(loss[:window, rest], attempts_run[rest].clamp(max=window), lost_at[rest].clamp(max=window),
                       rules, verdicts_only=True)
        final = early.converged | early.diverged  # decided within the window: more attempts change nothing
        merge(found, rest[final], early, final)
        if bool(final.any()):
            kept = rest[final & early.converged]
            found.left[kept] = _left(_size(loss[:, kept]), found.decided_conv[kept], rules.tolerance,
                                     attempts_run[kept])
        rest = rest[~final]
    if len(rest):
        merge(found, rest, _found(loss[:, rest], attempts_run[rest], lost_at[rest], rules))
    return found


_WINDOW = 64  # attempts looked at first for the runs that are not simple: most diverge within them
QUICK_FROM = 1 << 15  # losses from which the quick paths are taken


def _simple(loss: Tensor, attempts_run: Tensor, lost_at: Tensor, rules: Rules,
            halves: Halves | None = None) -> tuple[Found, Tensor]:
    """The verdicts of the simple runs, and which runs those are: played to the end with a finite loss
    that never rises above its first, and either within tolerance from attempt t0 to the end (then
    converged at t0, if settle(t0) fits and the loss is no higher at its end) or never within it."""
    steps, runs = loss.shape
    found = Found.none(runs, steps)
    done = torch.zeros(runs, dtype=torch.bool)
    if not rules.has_minimum or steps < 2:
        return found, done
    value = loss.double()
    halves = Halves.of(loss) if halves is None else halves
    low, high = halves.lowest, halves.highest
    candidate = torch.isfinite(low) & torch.isfinite(high) & (attempts_run >= steps) & (lost_at >= steps)
    negative = bool((low < 0).any())
    size = value.abs() if negative else value  # no copy for a loss that is never below 0
    candidate &= (size.amax(0) if negative else high) <= size[0]  # never above its first loss: its reference
    # Outside tolerance up to t0 and within from there on: no attempt within is followed by one outside
    # (a candidate's losses are never NaN), and t0 is the number of attempts outside. (On bytes: torch
    # counts and takes maxima of them several times faster than it reduces bools.)
    within = (size <= rules.tolerance).view(torch.uint8)
    stays = candidate & (torch.gt(within[:-1], within[1:]).view(torch.uint8).amax(0) == 0)
    first = steps - within.sum(0, dtype=torch.int32).long()
    end = first + _window(first) - 1
    lasting = stays & (end < steps)
    if bool(lasting.any()):
        at = torch.where(lasting, end, torch.zeros_like(end)).unsqueeze(0)
        start = first.clamp(max=steps - 1).unsqueeze(0)
        lasting &= size.gather(0, at)[0] <= size.gather(0, start)[0]
    found.converged[lasting] = True
    found.settled[lasting] = first[lasting]
    found.decided_conv[lasting] = end[lasting]
    open_ = candidate & (first == steps)  # never within tolerance: no verdict, compare the halves
    if bool(open_.any()):  # every loss of these is finite: the halves of all runs, then theirs
        found.moving[open_] = _compared(value, size, rules.tolerance, True, rules.slack, halves, finite=True)[open_]
    return found, lasting | open_


def merge(found: Found, runs: Tensor, part: Found, rows: Tensor | None = None) -> None:
    """Copy the verdicts of `part`'s `rows` (all by default) into `found` at `runs`; `part`'s never
    becomes `found`'s."""
    for mine, theirs in zip(found[:-1], part[:-1]):
        theirs = theirs if rows is None else theirs[rows]
        if mine.dtype != torch.bool:
            theirs = torch.where(theirs >= part.steps, found.steps, theirs)
        mine[runs] = theirs


def _found(loss: Tensor, attempts_run: Tensor, lost_at: Tensor, rules: Rules, verdicts_only: bool = False) -> Found:
    """Every rule for every run: the reference the quick paths of `classify` must agree with. With
    `verdicts_only`, the runs with no verdict are not compared half against half (`moving` is False)
    and converged ones are not followed after it (`left` is never): a first look reads only the
    verdicts."""
    tolerance, diverge_factor, has_minimum, slack = rules
    steps, runs = loss.shape
    size = _size(loss)
    if bool((attempts_run < steps).any()):  # a run's rows after its last attempt say nothing
        played = torch.arange(steps).unsqueeze(1) < attempts_run.unsqueeze(0)
        size = torch.where(played, size, torch.full_like(size, torch.nan))
    never = torch.full((runs,), steps, dtype=torch.long)
    diverged_at = torch.where(lost_at < attempts_run, lost_at, never)
    diverged_at = torch.minimum(diverged_at, _beyond(size, tolerance, diverge_factor))
    if not has_minimum:
        diverged_at = torch.minimum(diverged_at, _first(_falling(loss) & ~size.isnan()))
    settled = _settled(size, tolerance) if has_minimum else never
    decided_conv = settled + _window(settled) - 1
    converged = (settled < steps) & (decided_conv < diverged_at)
    diverged = ~converged & (diverged_at < steps)
    open_ = ~converged & ~diverged
    moving = torch.zeros(runs, dtype=torch.bool)
    if not verdicts_only and bool(open_.any()):
        moving[open_] = _still_moving(loss[:, open_], size[:, open_], tolerance, has_minimum, slack)
    left = never.clone()
    if not verdicts_only and bool(converged.any()):
        left[converged] = _left(size[:, converged], decided_conv[converged], tolerance, attempts_run[converged])
    return Found(converged, diverged, moving, settled, decided_conv, diverged_at, left, steps)


def _left(size: Tensor, decided: Tensor, tolerance: float, played: Tensor) -> Tensor:
    """The first attempt after `decided` and before `played` above tolerance."""
    index = torch.arange(size.shape[0]).unsqueeze(1)
    return _first((index > decided) & (index < played) & (size > tolerance))


def outcome(found: Found) -> Outcome:
    """The verdicts as lists, one entry per run: 1-based attempts, None where there is none."""
    converged, diverged, moving, settled, decided_conv, diverged_at, left, steps = found
    code = torch.where(converged, 0, torch.where(diverged, 3, torch.where(moving, 2, 1))).tolist()
    status = [_ORDER[c] for c in code]
    decided = torch.where(converged, decided_conv, torch.where(diverged, diverged_at, -2))
    return Outcome(status, _maybe(torch.where(converged, settled, -2)), _maybe(torch.where(diverged, diverged_at, -2)),
                   _maybe(decided), _maybe(torch.where(converged & (left < steps), left, -2)))


_ORDER = (Status.CONVERGED, Status.OSCILLATING, Status.UNFINISHED, Status.DIVERGED)


def _maybe(at: Tensor) -> list[int | None]:
    """0-based attempts (-2 for none) as 1-based ones, or None."""
    return [None if v < 0 else v for v in (at + 1).tolist()]


def _size(loss: Tensor) -> Tensor:
    """|loss| in float64, with inf and nan both as +inf: beyond every finite loss."""
    size = loss.double().abs()
    return torch.where(torch.isnan(size), torch.full_like(size, torch.inf), size)


def _beyond(size: Tensor, tolerance: float, diverge_factor: float) -> Tensor:
    """Per run, the first attempt after its reference (its first finite loss above tolerance) whose
    |loss| is past diverge_factor x the reference, or above it and growing steadily."""
    steps, runs = size.shape
    first = _first(torch.isfinite(size) & (size > tolerance))
    reference = size.gather(0, first.clamp(max=steps - 1).unsqueeze(0))[0]
    reference = torch.where(first < steps, reference, torch.full_like(reference, torch.inf))
    at = torch.full((runs,), steps, dtype=torch.long)
    rising = (size > reference).any(0)  # only these can be past it
    if bool(rising.any()):
        sub, ref = size[:, rising], reference[rising]
        after = torch.arange(steps).unsqueeze(1) > first[rising]
        at[rising] = _first(after & ((sub > diverge_factor * ref) | ((sub > ref) & _growing(sub))))
    return at



def _growing(size: Tensor) -> Tensor:
    """True at attempt t when |loss| was multiplied by the same factor >= GROWTH at t and the
    GROWING_FOR - 1 attempts before."""
    steps = size.shape[0]
    hit = torch.zeros(size.shape, dtype=torch.bool, device=size.device)
    if steps <= GROWING_FOR:  # the first attempt has no factor: the first that can be a hit is GROWING_FOR
        return hit
    ratio = size[1:] / size[:-1]  # the factor at attempts 1, 2, ...
    grows = ratio >= GROWTH
    steady = grows[1:] & ((ratio[1:] / ratio[:-1] - 1).abs() <= STEADY)  # growing by the factor before, at 2, 3, ...
    # at t: growing by the same factor at t - GROWING_FOR + 2 .. t, and growing at t - GROWING_FOR + 1
    hit[GROWING_FOR:] = steady.unfold(0, GROWING_FOR - 1, 1).all(-1) & grows[:steps - GROWING_FOR]
    return hit


def _falling(loss: Tensor) -> Tensor:
    """Below zero and lower than the attempt before."""
    loss = loss.double()
    falling = torch.zeros_like(loss, dtype=torch.bool)
    falling[1:] = (loss[1:] < 0) & (loss[1:] < loss[:-1])
    return falling


def _window(start: Tensor) -> Tensor:
    """settle() of 0-based attempts."""
    return torch.clamp(-torch.div(-(start + 1), STAY, rounding_mode="floor"), min=SETTLE)


def _settled(size: Tensor, tolerance: float) -> Tensor:
    """Per run, the first 0-based attempt t whose loss stays within tolerance for settle(t) attempts,
    no higher at the last of them; or the number of attempts if none."""
    steps, runs = size.shape
    at = torch.full((runs,), steps, dtype=torch.long)
    within = size <= tolerance
    some = within.any(0)
    first_end = SETTLE - 1  # the window of attempt 0 ends at 0 + settle(1) - 1
    if not bool(some.any()) or steps <= first_end:
        return at
    within, sub = within[:, some], size[:, some]
    start = torch.arange(steps)
    end = start + _window(start) - 1
    start, end = start[end < steps], end[end < steps]
    outside = torch.cumsum(~within, 0, dtype=torch.int32)  # attempts above tolerance so far
    lasting = within[start] & (outside[end] == outside[start]) & (sub[end] <= sub[start])
    found = _first(lasting)
    at[some] = torch.where(found < len(start), found, torch.full_like(found, steps))
    return at


def _still_moving(loss: Tensor, size: Tensor, tolerance: float, has_minimum: bool, slack: float) -> Tensor:
    """No verdict yet: did the second half reach a lower or a higher loss than the first half did --
    unless the last losses repeat exactly, with period 1 or 2?"""
    steps, runs = loss.shape
    if steps < 2:
        return torch.ones(runs, dtype=torch.bool)
    value = loss.double()
    finite = torch.isfinite(value)
    low = torch.where(finite, value, torch.full_like(value, torch.inf))
    high = torch.where(finite, value, torch.full_like(value, -torch.inf))
    half = (steps + 1) // 2
    halves = (low[:half].amin(0), high[:half].amax(0), low[half:].amin(0), high[half:].amax(0))
    return _compared(value, size, tolerance, has_minimum, slack, halves, finite=finite[half:].all(0))


def _compared(value: Tensor, size: Tensor, tolerance: float, has_minimum: bool, slack: float,
              halves: tuple[Tensor, Tensor, Tensor, Tensor], finite: Tensor | bool) -> Tensor:
    """`_still_moving` from the halves' lowest and highest finite losses; `finite`: whether each run's
    second half is finite (an overflowing loss there leaves nothing to compare)."""
    first_low, first_high, second_low, second_high = halves
    improving = second_low < first_low - slack * first_low.abs().nan_to_num(posinf=0.0)
    improving |= torch.isinf(first_low) & torch.isfinite(second_low)
    growing = second_high > first_high + slack * first_high.abs().nan_to_num(posinf=0.0)
    pending = torch.zeros(value.shape[1], dtype=torch.bool) if finite is True else ~finite
    if has_minimum:
        pending |= size[-1] <= tolerance
    return pending | ((improving | growing) & ~repeating(value))


def repeating(loss: Tensor) -> Tensor:
    """Whether each run's last REPEATS losses (attempts, runs) repeat its two before them exactly:
    a bounce between two losses, or a loss that no longer changes."""
    if loss.shape[0] < REPEATS + 2:
        return torch.zeros(loss.shape[1], dtype=torch.bool)
    tail = loss[-REPEATS - 2:]
    return (tail[2:] == tail[:-2]).all(0)


def _first(mask: Tensor) -> Tensor:
    """Index of the first True along dim 0, or len if none."""
    steps = mask.shape[0]
    if steps == 0:
        return torch.zeros(mask.shape[1:], dtype=torch.long)
    hit, at = mask.view(torch.uint8).max(0)  # torch.max gives the first of equal maxima: one pass for both
    return torch.where(hit.bool(), at, steps)
