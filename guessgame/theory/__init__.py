"""What closed-form gradient descent predicts, with no simulation: the engine's independent oracle.

With plain SGD every element of the error e = guess - answer moves on its own (s = lr/N with
`mean`, lr with `sum`; h the curvature, 2/N for mse with `mean`):

    mse        e(t) = e(1) (1 - lr h)^(t-1): converges iff lr h < 2 (lr < N, or 1 with sum), fastest
               at lr h = 1; factor 1 - lr h (below 0 past lr h = 1: the guess overshoots, the error
               changing sign each attempt), rate |1 - lr h|
    l1         |e| shrinks by s each attempt until |e| < s, then bounces in that band for ever --
               unless it lands exactly on the answer (|e| a whole number of steps)
    huber      l1-like steps of lr delta/N while |e| > delta, then mse-like with h = 1/N
    smooth_l1  l1-like steps of lr/N while |e| > beta, then mse-like with h = 1/(beta N)
    bad        every element moves by -lr/N each attempt, whatever the answer: the loss falls for ever

Heavy-ball momentum mu on mse: e(t+1) = (1 + mu - lr h) e(t) - mu e(t-1), which converges iff
lr h < 2 (1 + mu).

Theory writes down the loss at every attempt of the budget in closed form and reads the verdict
off it with the same rules as a measured run (`verdicts.classify`), so its prediction takes the
budget, the tolerance and the critical-lr edge into account exactly as a measurement does. Which
side of a critical lr a run is on is decided in rational arithmetic, never by how `rate` rounds.
All runs of a config are predicted at once.

A ravine (`weights`, `rotation`) has its own closed forms (`ravine`, `ravine_paths`): mse's directions
each move on their own, at the curvature of their weight; so do l1's, huber's and smooth_l1's elements
with weights alone. Plain SGD's loss in an mse ravine is a sum of geometric sequences, read at the few
attempts the rules look at where it never rises (`ravine_verdicts`), as the plain game's is.

The closed forms are real arithmetic; a run's dtype is not. Given the answers as the dtype holds them,
theory stops each element where its step rounds away (`frozen`) and predicts where the guess stalls;
with a decaying schedule, the steps still to come bound how far the loss can move (`status.reach`).
"""

from __future__ import annotations

from typing import Sequence

import torch
from torch import Tensor

from guessgame import losses, schedules
from guessgame.config import Config, RandomAnswer, load_config  # noqa: F401  (load_config: the doctest)
from guessgame.lazy import Later
from guessgame.ravine import is_ravine
from guessgame.records import Theory
from guessgame.status import Status, reach, verdicts
from guessgame.theory import closed_forms, noisy, ravine, ravine_paths, ravine_verdicts, scheduled
from guessgame.theory.frozen import Frozen
from guessgame.theory.games import Games


def predict(config: Config, *, error: Sequence[float] | None = None, lr: float | None = None) -> Theory:
    """The theory block of one run of `config`: its first lr, and `error` = guess - answer at the start
    (by default the config's own, flattened).

    >>> predict(load_config({"answer": [2, 77, 91], "guess": 50, "loss": "mse", "lr": 10,
    ...                      "attempts": 20})).predicted
    'diverged'
    """
    if error is None:
        error = (torch.tensor(config.guess, dtype=torch.float64).expand(config.shape)
                 - torch.tensor(config.answer, dtype=torch.float64)).flatten().tolist()
    answers = None if isinstance(config.answer, RandomAnswer) else \
        torch.tensor(config.answer, dtype=getattr(torch, config.dtype)).double().reshape(1, -1)
    return predict_runs(config, [list(error)], lr=[config.lr[0] if lr is None else lr], written_out=True,
                        answers=answers)[0]


def predict_runs(config: Config, errors: Sequence[Sequence[float]] | Tensor, *, lr: Sequence[float] | Tensor,
                 attempts: int | None = None, slack: float = 1e-9, written_out: bool = False,
                 lrs: Tensor | None = None, later: bool = False, answers: Tensor | None = None) -> Sequence[Theory]:
    """The theory block of every run: `lr` (runs,) and `errors` (runs, N), guess - answer at the start,
    over `attempts` (the config's budget by default). With `answers` (runs, N), the answers as the run's
    dtype holds them, theory also says where a step rounds away and the guess stands still (`frozen`).

    Plain gradient descent on mse is judged without writing every attempt's loss down
    (`closed_forms.quadratic_verdicts`, in a ravine `ravine_verdicts.quadratic_verdicts`); `written_out`
    writes them all down and reads them, as every other closed form is read -- the reference those
    shortcuts are tested against. With a schedule, `lrs` (attempts, runs) is each attempt's lr
    (`scheduled`).

    The verdicts are reached for all runs at once, as tensors; with `later`, the blocks (one Python
    object per run) are made the first time they are read.
    """
    parts = _predicted(config, errors, lr=lr, attempts=attempts, slack=slack, written_out=written_out, lrs=lrs,
                       frozen=Frozen.of(config, None if answers is None else torch.as_tensor(answers)))
    if isinstance(parts, (list, Later)):
        return parts

    def blocks() -> list[Theory]:
        return [block for shared, each, found in parts for block in _blocks(shared, each, verdicts.outcome(found))]

    return Later(blocks) if later else blocks()


def _predicted(config: Config, errors: Sequence[Sequence[float]] | Tensor, *, lr: Sequence[float] | Tensor,
               attempts: int | None, slack: float, written_out: bool, lrs: Tensor | None,
               frozen: Frozen | None) -> list[Theory] | tuple[tuple[dict, dict, verdicts.Found], ...]:
    """`predict_runs`' blocks where no verdict is read, else what each block of runs shares, each run's
    own values, and the runs' verdicts."""
    runs = len(lr)
    if _noisy(config):
        steps = config.attempts if attempts is None else attempts
        if config.scheduled and lrs is None:
            lrs = _lrs(config, lr, steps)
        return noisy.predict(config, torch.as_tensor(errors, dtype=torch.float64).reshape(runs, -1),
                             torch.as_tensor(lr, dtype=torch.float64), steps, lrs)
    if is_ravine(config):
        return _ravine(config, errors, lr, attempts, slack, frozen, written_out)
    if config.scheduled:
        steps = config.attempts if attempts is None else attempts
        if lrs is None:
            lrs = _lrs(config, lr, steps)
        rules = verdicts.Rules(config.tolerance, config.diverge_factor, losses.LOSSES[config.loss].has_minimum, slack,
                               reach.of(config, lrs[:steps]))
        return scheduled.predict(config, torch.as_tensor(errors, dtype=torch.float64).reshape(runs, -1),
                                 lrs[:steps].cpu(), rules, frozen)
    path_of, momentum = _path_of(config), config.heavy_ball
    if not callable(path_of):
        return [Theory(note=path_of)] * runs
    attempts = config.attempts if attempts is None else attempts
    kind, _ = losses.effective(config.loss, config.loss_options)
    rules = verdicts.Rules(config.tolerance, config.diverge_factor, kind.has_minimum, slack)
    shortcut = path_of is closed_forms.quadratic and not momentum and not written_out and \
        runs * attempts >= verdicts.QUICK_FROM  # a few losses are quicker written down
    parts = []
    step = runs if shortcut else max(1, verdicts.BLOCK // max(1, attempts))  # the losses written down at a time
    for start in range(0, runs, step):
        block = slice(start, start + step)
        games = Games(config, lr[block], errors[block], attempts, None if frozen is None else frozen.of_runs(block))
        if shortcut:
            parts.append(closed_forms.quadratic_verdicts(games, rules))
        else:
            shared, each, (loss, lost_at) = path_of(games)
            parts.append((shared, each, verdicts.judge(loss, torch.full((games.runs,), attempts), lost_at, rules,
                                                       stood_at=games.stood)))
    return tuple(parts)


def _ravine(config: Config, errors: Sequence[Sequence[float]] | Tensor, lr: Sequence[float] | Tensor,
            attempts: int | None, slack: float, frozen: Frozen | None,
            written_out: bool) -> list[Theory] | tuple[tuple[dict, dict, verdicts.Found], ...]:
    """`_predicted` for a ravine: its closed form's losses written down, a block of runs at a time, and read;
    plain SGD on mse read at the few attempts the rules look at (`ravine_verdicts`) unless `written_out`."""
    runs, momentum, path_of = len(lr), config.heavy_ball, _path_of(config)
    attempts = config.attempts if attempts is None else attempts
    if not callable(path_of):
        return [Theory(note=path_of)] * runs
    kind, _ = losses.effective(config.loss, config.loss_options)
    rules = verdicts.Rules(config.tolerance, config.diverge_factor, kind.has_minimum, slack)
    shape = ravine.Ravine.of(config)
    if path_of is ravine.quadratic and not momentum and not written_out and runs * attempts >= verdicts.QUICK_FROM:
        games = ravine.RavineGames(shape, config, lr, errors, attempts, frozen)
        return (ravine_verdicts.quadratic_verdicts(games, rules),)
    step = max(1, verdicts.BLOCK // max(1, attempts * config.numel))
    parts = []
    for start in range(0, runs, step):
        block = slice(start, start + step)
        games = ravine.RavineGames(shape, config, lr[block], errors[block], attempts,
                                   None if frozen is None else frozen.of_runs(block))
        shared, each, (loss, lost_at) = path_of(games)
        parts.append((shared, each, verdicts.judge(loss, torch.full((games.runs,), attempts), lost_at, rules,
                                                   stood_at=games.stood)))
    return tuple(parts)


def curves(config: Config, errors: Sequence[Sequence[float]] | Tensor, lr: Sequence[float] | Tensor,
           answers: Tensor | None = None) -> Tensor | None:
    """(attempts, runs): theory's loss at every attempt of the budget, as its closed form writes it down for
    runs at `lr` from `errors` (guess - answer at the start) -- with noisy hints, the expected true loss;
    with `answers` as the dtype holds them, where a step rounds away the guess stands. None where theory
    has no closed form for the game."""
    lr = torch.as_tensor(lr, dtype=torch.float64)
    errors = torch.as_tensor(errors, dtype=torch.float64).reshape(len(lr), -1)
    lrs = _lrs(config, lr, config.attempts) if config.scheduled else None
    if _noisy(config):
        return noisy.Noisy(config, lr, errors).expected(config.attempts, lrs) if noisy.closed_form(config) else None
    frozen = Frozen.of(config, None if answers is None else torch.as_tensor(answers))
    if config.scheduled and not is_ravine(config):
        return None if scheduled.unsupported(config) else scheduled.written(config, errors, lrs, frozen)[0]
    path_of = _path_of(config)
    if not callable(path_of):
        return None
    games = ravine.RavineGames(ravine.Ravine.of(config), config, lr, errors, config.attempts, frozen) \
        if is_ravine(config) else Games(config, lr, errors, config.attempts, frozen)
    return path_of(games)[2][0]


def _lrs(config: Config, lr: Sequence[float] | Tensor, steps: int) -> Tensor:
    """(steps, runs): each run's lr at each attempt, as its schedule sets it."""
    base = torch.as_tensor(lr, dtype=torch.float64).numpy()
    return torch.from_numpy(schedules.lrs(config.schedule, config.schedule_options, base, steps))


def _noisy(config: Config) -> bool:
    """Whether the game's hints are noisy for theory: noise of std > 0, or a summed batch of several."""
    noise = config.noise
    return noise is not None and (noise.std > 0 or noise.batch > 1 and config.reduction == "sum")


def _path_of(config: Config):
    """The closed form that writes an unscheduled game's losses down (a function of `Games`, or of
    `RavineGames` in a ravine), or why it has none (a note)."""
    momentum = config.heavy_ball
    if momentum is None:
        return f"no closed form for {config.optimizer} with these options"
    if is_ravine(config):
        return ravine_paths.closed_form(config)
    path_of = closed_forms.path_of(losses.effective(config.loss, config.loss_options)[0])
    if path_of is None:
        return f"no closed form for {config.loss}"
    if momentum and path_of not in (closed_forms.quadratic, closed_forms.drift):
        return f"no closed form for {config.loss} with momentum"
    return path_of


def _blocks(shared: dict, each: dict, outcome: verdicts.Outcome) -> list[Theory]:
    """One Theory per run: what all share, each run's own values, and the verdict of its losses."""
    read = {"predicted": outcome.status, "predicted_converged_at": outcome.converged_at,
            "predicted_diverged_at": outcome.diverged_at, "predicted_stalled_at": outcome.stalled_at}
    stated = each.pop("predicted", [None] * len(outcome.status))  # a status stated outright, no losses written
    names = [*each, *read]
    blocks = []
    for said, values in zip(stated, zip(*each.values(), *read.values())):
        block = dict(zip(names, values))
        if said is not None:
            block.update(predicted=Status(said), predicted_converged_at=None, predicted_diverged_at=None,
                         predicted_stalled_at=None)
        stalled, band_at = block["predicted_stalled_at"], block.get("band_reached_at")
        if stalled is not None and band_at is not None and stalled <= band_at:  # it stops before the band
            block["band_reached_at"] = None
        blocks.append(Theory(**shared, **block))
    return blocks
