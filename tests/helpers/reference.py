"""Independent references: the notebook's own loop, and torch.optim driving autograd, one game at a time.

Nothing here computes with guessgame: the losses are `torch.nn.functional`'s (and the notebook's bad
loss written out), the optimizers are `torch.optim`'s, and each game is played on its own. Only the
names of each loss's torch.nn.functional function and each optimizer's torch.optim class are read from
their guessgame records (test_registries checks those names, and the defaults beside them, against torch).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from guessgame.losses import LOSSES as LOSS_RECORDS
from guessgame.optimizers import OPTIMIZERS as OPTIMIZER_RECORDS

OPTIMIZERS = {name: getattr(torch.optim, record.torch) for name, record in OPTIMIZER_RECORDS.items()}
LOSSES = {name: getattr(F, record.torch) for name, record in LOSS_RECORDS.items() if record.torch is not None}


def bad_loss(guess, answer, reduction="mean"):
    """The notebook's bad loss: `(guess - answer).mean()`; its gradient never points at the answer
    (reduction "none": each element's guess - answer)."""
    diff = guess - answer
    if reduction == "none":
        return diff
    return diff.mean() if reduction == "mean" else diff.sum()


def loss_fn(name, options=None, reduction="mean"):
    """`loss = fn(guess, answer)` as a PyTorch user writes it."""
    if name == "bad":
        return lambda guess, answer: bad_loss(guess, answer, reduction)
    return lambda guess, answer: LOSSES[name](guess, answer, reduction=reduction, **(options or {}))


def weighted_loss_fn(name, options=None, reduction="mean", weights=1.0, rotation=None):
    """A ravine's loss as the README writes it: each element's loss (reduction "none") times its weight,
    reduced; with `rotation` R, of the error turned into the ravine's axes, (guess - answer) @ R.T."""
    each = loss_fn(name, options, "none")

    def fn(guess, answer):
        w = torch.as_tensor(weights, dtype=guess.dtype)
        if rotation is None:
            values = each(guess, answer)
        else:
            error = (guess - answer).reshape(-1) @ rotation.to(guess.dtype).T
            values = each(error, torch.zeros_like(error)).reshape(guess.shape)
        weighted = w * values
        return weighted.mean() if reduction == "mean" else weighted.sum()
    return fn


def noisy_loss_fn(name, options, reduction, answer, std, batch, seed=0, games=1, game=0, weights=None):
    """A noisy game's loss as the README writes it, one call per attempt: the attempts' draws come from
    `torch.Generator().manual_seed(seed)` in blocks of m = max(1, 65536 // (games x batch x N)) attempts, each
    block one call for eps of shape (m, games, batch, *shape) in float64 (the last block whole too); attempt
    i of a block sees game `game`'s answer + std x eps[i, game], cast to the guess's dtype. Returns
    F.<loss>(guess.expand(batch, *shape), observations) (weights times the unreduced loss, reduced, with
    `weights`)."""
    generator = torch.Generator().manual_seed(seed)
    answer = torch.as_tensor(answer, dtype=torch.float64)
    each = loss_fn(name, options, "none" if weights is not None else reduction)
    block = max(1, 65536 // (games * batch * answer.numel()))
    drawn = [None, block]  # the block, and how many of its attempts were played

    def fn(guess, _answer=None):
        if drawn[1] == block:
            drawn[:] = [torch.randn((block, games, batch, *answer.shape), generator=generator, dtype=torch.float64), 0]
        eps = drawn[0][drawn[1]]
        drawn[1] += 1
        observations = (answer + std * eps[game]).to(guess.dtype)
        values = each(guess.expand(batch, *answer.shape), observations)
        if weights is None:
            return values
        values = torch.as_tensor(weights, dtype=guess.dtype) * values
        return values.mean() if reduction == "mean" else values.sum()
    return fn


def notebook_loop(answer, guess, loss_fn, lr, attempts, dtype=torch.float64, after_step=None):
    """The notebook's guessing game, verbatim apart from recording what it prints. `lr` may be a
    function of nothing, read each attempt; `after_step()` runs after each step."""
    answer = torch.as_tensor(answer, dtype=dtype)
    guess = torch.as_tensor(guess, dtype=dtype).expand(answer.shape).clone()
    guess.requires_grad_()
    rows = []
    for _ in range(attempts):
        lr_now = lr() if callable(lr) else lr
        loss = loss_fn(guess, answer)
        loss.backward()
        step = lr_now * guess.grad.data
        rows.append((guess.data.clone(), loss.data.clone(), guess.grad.data.clone(), step.clone()))
        guess.data -= step
        guess.grad = None
        if after_step is not None:
            after_step()
    return _stack(rows)


def torch_optim_loop(answer, guess, loss_fn, optimizer, options, lr, attempts, dtype=torch.float64):
    """The same game with a torch.optim optimizer; step is the change it applied."""
    return torch_optim_loops(answer, guess, loss_fn, optimizer, options, [lr], attempts, dtype)[0]


def torch_optim_loops(answer, guess, loss_fn, optimizer, options, lrs, attempts, dtype=torch.float64):
    """`torch_optim_loop` for each of `lrs`, each game its own parameter in a parameter group of its own of
    one optimizer: torch.optim's CPU update goes parameter by parameter, so each game is played as alone,
    for a quarter of the optimizer's own time per step with four of them."""
    answer = torch.as_tensor(answer, dtype=dtype)
    guesses = [torch.as_tensor(guess, dtype=dtype).expand(answer.shape).clone().requires_grad_() for _ in lrs]
    opt = OPTIMIZERS[optimizer]([{"params": [g], "lr": lr} for g, lr in zip(guesses, lrs)], **options)
    rows = [[] for _ in lrs]
    for _ in range(attempts):
        opt.zero_grad()
        losses = [loss_fn(g, answer) for g in guesses]
        for loss in losses:
            loss.backward()
        before = [g.detach().clone() for g in guesses]
        opt.step()
        for row, g, loss, b in zip(rows, guesses, losses, before):
            row.append((b, loss.detach().clone(), g.grad.detach().clone(), b - g.detach()))
    return [_stack(row) for row in rows]


def settled_at(losses, tolerance=1e-12):
    """The 1-based attempt from which every loss stays <= tolerance, or None if the last one is above."""
    losses = list(losses)
    if not losses or not losses[-1] <= tolerance:
        return None
    first = len(losses)
    while first > 1 and losses[first - 2] <= tolerance:
        first -= 1
    return first


def _stack(rows):
    return tuple(torch.stack([row[i] for row in rows]) for i in range(4))


SCHEDULERS = {"step": torch.optim.lr_scheduler.StepLR, "multistep": torch.optim.lr_scheduler.MultiStepLR,
              "exponential": torch.optim.lr_scheduler.ExponentialLR,
              "cosine": torch.optim.lr_scheduler.CosineAnnealingLR, "linear": torch.optim.lr_scheduler.LinearLR,
              "onecycle": torch.optim.lr_scheduler.OneCycleLR}


def scheduler(opt, name, options, lr, attempts):
    """torch's own scheduler class on `opt`; OneCycleLR's max_lr is the run's lr, total_steps the attempts."""
    options = dict(options)
    if name == "onecycle":
        options["max_lr"] = lr
        options["total_steps"] = options.get("total_steps") or attempts
    return SCHEDULERS[name](opt, **options)


def scheduled_notebook_loop(answer, guess, loss_fn, lr, attempts, schedule, dtype=torch.float64):
    """The notebook's loop with its lr read, each attempt, from a torch scheduler: the scheduler drives a
    torch.optim.SGD that only holds the lr (its one parameter never has a gradient, so it never moves)."""
    name, options = schedule
    holder = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=lr)
    sched = scheduler(holder, name, options, lr, attempts)
    lrs = []

    def lr_now():
        lrs.append(holder.param_groups[0]["lr"])
        return lrs[-1]

    def after_step():
        holder.step()
        sched.step()

    return notebook_loop(answer, guess, loss_fn, lr_now, attempts, dtype=dtype, after_step=after_step), lrs


def scheduled_torch_optim_loop(answer, guess, loss_fn, optimizer, options, lr, attempts, schedule,
                               dtype=torch.float64):
    """torch.optim with a torch.optim.lr_scheduler: `scheduler.step()` after each `optimizer.step()`."""
    answer = torch.as_tensor(answer, dtype=dtype)
    guess = torch.as_tensor(guess, dtype=dtype).expand(answer.shape).clone().requires_grad_()
    opt = OPTIMIZERS[optimizer]([guess], lr=lr, **options)
    sched = scheduler(opt, *schedule, lr, attempts)
    rows, lrs = [], []
    for _ in range(attempts):
        lrs.append(opt.param_groups[0]["lr"])
        opt.zero_grad()
        loss = loss_fn(guess, answer)
        loss.backward()
        before = guess.detach().clone()
        opt.step()
        sched.step()
        rows.append((before, loss.detach().clone(), guess.grad.detach().clone(), before - guess.detach()))
    return _stack(rows), lrs
