"""The verdicts of plain SGD in an mse ravine without writing every attempt down: `ravine.quadratic`'s shortcut.

Along level k of the ravine the error is multiplied by factor_k = 1 - lr h_k each attempt, so the loss is
sum_k c_k factor_k^(2(t-1)). With every |factor_k| <= 1 it never rises, and the rules are read at the few
attempts they look at (`monotone.falling`), as for the plain game (`closed_forms.quadratic_verdicts`). Where
the run's dtype stops an element (`Frozen.played`), that moves the loss a little (`ravine.stopping`): such a
run is read this way where every comparison the rules make has room for it (`_sure`). A run with some
|factor_k| > 1 grows in the end: it is written down only up to the attempt where it passes diverge_factor x
its start -- it has diverged by then. Any other run is written down whole (`ravine.quadratic`, then
`verdicts.judge`): the reference this shortcut is tested against.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Callable, Iterator

import torch
from torch import Tensor

from guessgame.status import monotone, verdicts
from guessgame.status.rules import REPEATS, reference_candidate, window_end, within
from guessgame.theory import closed_forms, ravine
from guessgame.theory.ravine import RavineGames

ROUNDING = 2.0 ** -52  # per element and operation: how far two ways of writing a loss down may differ, relatively
UNDERFLOW = 2.0 ** -1022  # ... and absolutely, times the largest weight, where they underflow

LossAt = Callable[[Tensor], tuple[Tensor, Tensor]]  # t (k, rows) -> the losses there, and how far each may move


def quadratic_verdicts(games: RavineGames, rules: verdicts.Rules) -> tuple[dict, dict, verdicts.Found]:
    """What `ravine.quadratic` says of plain SGD's runs, and their verdicts, reading few of their losses."""
    curvature = games.loss.curvature(games.options)
    factors = games.linears(Fraction(1), tuple(-curvature * level for level in games.ravine.levels))
    shares = games.by_level(games.z0.pow(2) * games.ravine.weights, "sum")  # (runs, K): c_k
    steps, everyone = games.attempts, torch.arange(games.runs)
    start = _losses(shares, factors)(torch.zeros(games.runs))
    grows = (factors.abs() > 1).any(1)
    falls = torch.isfinite(start) & ~grows & (steps >= 3)
    found = verdicts.Found.none(games.runs, steps)
    unsure = _falling(games, everyone[falls], (factors, shares, start, curvature), rules, found)
    left = _grown(games, everyone[grows], (factors, shares, start, curvature), rules, found)
    _written(games, torch.cat([everyone[~falls & ~grows], unsure, left]), rules, found)
    return ravine.numbers(games.ravine, curvature, games.momentum), ravine.slowest(factors.abs(), factors), found


def _losses(shares: Tensor, factors: Tensor) -> monotone.LossAt:
    """loss(t) = sum_k c_k factor_k^(2t) at 0-based attempts t, as `ravine.quadratic` writes it down: t (runs,)
    gives one per run, t (k, 1) or (k, runs) a (k, runs) table."""
    def at(t: Tensor) -> Tensor:
        p = torch.pow(factors, t.double().unsqueeze(-1))
        return ravine.level_losses(shares, p)
    return at


def _falling(games: RavineGames, rows: Tensor, known: tuple, rules: verdicts.Rules, found: verdicts.Found) -> Tensor:
    """The verdicts, into `found`, of the runs `rows` whose loss never rises, read at the few attempts the rules
    look at where stopping elements can move none (`_sure`); the others, returned."""
    factors, shares, start, curvature = known
    if not len(rows):
        return rows
    loss_at, steps = _losses(shares[rows], factors[rows]), games.attempts
    slowest = torch.where(shares[rows] > 0, factors[rows].abs(), -1.0).argmax(1, keepdim=True)
    share = shares[rows].gather(1, slowest)[:, 0]  # late on, the loss is its slowest direction's
    near = closed_forms._meets(factors[rows].gather(1, slowest)[:, 0], rules.tolerance / share, steps)
    enters = monotone.bisect(lambda t: within(loss_at(t), rules.tolerance), len(rows), steps, near)
    moved, free = ravine.stopping(games, factors, curvature)
    sure = moved[rows] == 0  # no element stops: read as written
    some = (~sure).nonzero().flatten()
    if len(some):  # the others, where the rules' comparisons have room for the elements that stop
        rounding = (2 * games.n + 16) * ROUNDING
        underflow = rounding / ROUNDING * max(1.0, float(games.ravine.weights.max())) * UNDERFLOW
        stop_rows = rows[some]
        loss_there = _losses(shares[stop_rows], factors[stop_rows])

        def at(t: Tensor) -> tuple[Tensor, Tensor]:
            loss = loss_there(t.clamp(0, steps - 1))
            return loss, moved[stop_rows] + rounding * loss + underflow

        sure[some] = _sure(at, enters[some], free[stop_rows], steps, rules)
    monotone.falling(found, rows[sure], _losses(shares[rows[sure]], factors[rows[sure]]), enters[sure], rules,
                     known=True)
    return rows[~sure]


def _sure(at: LossAt, enters: Tensor, free: Tensor, steps: int, rules: verdicts.Rules) -> Tensor:
    """(rows,) bool: where the rules read the same verdict off these losses, which never rise and first are
    within tolerance at `enters`, as off any losses within `at`'s room of them: each comparison they make
    holds with that room. Within tolerance from `enters` on and not before; never above the first loss after
    it, so never diverged; a settle window that ends no higher than it starts; and a loss never within
    tolerance keeps an element that never stops (`free`: the guess never stands still) and compares its
    halves and last losses with room (`_undecided`)."""
    end, half = window_end(enters), (steps + 1) // 2
    tail = range(steps - 1, max(steps - REPEATS - 3, -1), -1)  # the last losses, the last first
    at_ = [enters - 1, enters, end, *(torch.full_like(enters, t) for t in (1, 0, half - 1, half, *tail))]
    loss, room = at(torch.stack(at_))  # (attempts looked at, rows) each
    low, high = loss - room, loss + room
    tolerance = rules.tolerance
    sure = ((enters == 0) | (low[0] > tolerance)) & ((enters >= steps) | (high[1] <= tolerance))
    sure &= (enters == 0) | (high[3] < low[4])  # never above the first loss
    sure &= (end >= steps) | (high[2] <= low[1])
    never = enters >= steps
    return sure & (~never | (free & _undecided(low[4:], high[4:], len(tail) == REPEATS + 2, rules.slack)))


def _undecided(low: Tensor, high: Tensor, repeats: bool, slack: float) -> Tensor:
    """(rows,) bool: for losses that never rise and are never within tolerance, between `low` and `high` at
    the first attempt, the last of the first half, the first of the second half, then the last ones (the last
    first), whether the judge's comparisons of the halves (`rules.still_moving`) and of the last losses
    (`rules.repeating`, where there are enough of them) come out as `monotone.falling`'s: the second half's
    lowest below the first half's by more than `slack`, or not, either way; its highest no higher than the
    first loss; two of the last losses apart."""
    first, middle, final = 0, 1, 3
    sure = (high[final] < low[middle] * (1 - slack)) | (low[final] >= high[middle] * (1 - slack))
    sure &= high[2] <= low[first] * (1 + slack)
    if repeats:
        sure &= (low[final + 2:] > high[final:-2]).any(0)  # never rising, an earlier loss is the higher
    return sure


def _grown(games: RavineGames, rows: Tensor, known: tuple, rules: verdicts.Rules, found: verdicts.Found) -> Tensor:
    """The verdicts, into `found`, of the runs `rows` whose loss grows in the end, written down up to the
    attempt where it is past diverge_factor x its start (convex in t, it stays past from there on), where
    the rules have reached one; the runs with none by then (rounding), returned."""
    factors, shares, start, curvature = known
    steps = games.attempts
    passes = torch.full((len(rows),), steps - 1, dtype=torch.long)
    bounded = reference_candidate(start[rows], rules.tolerance)
    some = rows[bounded]
    if len(some):
        top = factors[some].abs().argmax(1, keepdim=True)  # late on, the loss is its fastest growing direction's
        near = closed_forms._meets(factors[some].gather(1, top)[:, 0],
                                   rules.diverge_factor * start[some] / shares[some].gather(1, top)[:, 0], steps)
        passes[bounded] = monotone.first_past(_losses(shares[some], factors[some]), start[some], len(some), steps,
                                              near, rules.diverge_factor).clamp(max=steps - 1)
    undecided = [rows[:0]]
    stands = torch.zeros(games.runs, dtype=torch.bool)
    if games.frozen is not None and steps - 1 >= games.frozen.start:
        reach = torch.full((games.runs,), steps - 1, dtype=torch.long)
        reach[rows] = passes  # those with an element whose step may round away before they are past
        stands = ravine.may_stop(games, factors, curvature, reach).any(1)
    early = passes < verdicts.FIRST_LOOK  # most are past within a few attempts: written down apart
    for among in (early, ~early):
        length = int(passes[among].max()) + 1 if bool(among.any()) else 0
        for block in _blocks(rows[among], length * games.n):
            part = _prefix(games, block, length, (shares, factors, stands), rules)
            decided = part.converged | part.diverged | part.stalled | (length >= steps)
            verdicts.merge(found, block[decided], part, decided)
            undecided.append(block[~decided])
    return torch.cat(undecided)


def _prefix(games: RavineGames, rows: Tensor, length: int, known: tuple, rules: verdicts.Rules) -> verdicts.Found:
    """The verdicts of the runs `rows` from their first `length` losses, written down as `ravine.quadratic`
    writes them, and played as their dtype plays them where a step may round away (`stands`) by the attempt
    each is past diverge_factor x its start: the losses up to there decide its verdict, and they are the same
    written down or played where no element stops before."""
    shares, factors, stands = known
    t = games.t[:length]
    p = torch.stack([torch.pow(factors[rows, k].unsqueeze(0), t) for k in range(factors.shape[1])], -1)
    loss = ravine.level_losses(shares[rows], p)
    biggest = games.by_level(games.z0[rows].abs())
    lost_at = verdicts.first((~torch.isfinite(biggest * p) & (biggest > 0)).any(-1))
    stood = None
    some = stands[rows].nonzero().flatten()
    if len(some):
        stood = torch.full((len(rows),), length, dtype=torch.long)
        stood[some] = games.settle(rows[some], games.z0[rows[some]] * p[:, some][..., games.ravine.group], loss, some)
    return verdicts.judge(loss, torch.full((len(rows),), length), lost_at, rules, stood_at=stood)


def _written(games: RavineGames, rows: Tensor, rules: verdicts.Rules, found: verdicts.Found) -> None:
    """The verdicts, into `found`, of the runs `rows` with every loss written down (`ravine.quadratic`)."""
    for block in _blocks(rows.sort().values, games.attempts * games.n):
        part = games.of_runs(block)
        _, _, (loss, lost_at) = ravine.quadratic(part)
        verdicts.merge(found, block, verdicts.judge(loss, torch.full((len(block),), games.attempts), lost_at, rules,
                                                    stood_at=part.stood))


def _blocks(rows: Tensor, per_run: int) -> Iterator[Tensor]:
    """`rows` a few at a time: as many as `verdicts.BLOCK` values of `per_run` each."""
    step = max(1, verdicts.BLOCK // max(1, per_run))
    for begin in range(0, len(rows), step):
        yield rows[begin:begin + step]
