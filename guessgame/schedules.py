"""Learning-rate schedules: the lr of every attempt, as `torch.optim.lr_scheduler` sets it.

Each schedule takes torch's name-sake class's options and defaults:

    step         StepLR              lr *= gamma every step_size attempts
    multistep    MultiStepLR         lr *= gamma at each milestone
    exponential  ExponentialLR       lr *= gamma every attempt
    cosine       CosineAnnealingLR   lr anneals from the run's lr to eta_min over T_max attempts
    linear       LinearLR            lr goes from start_factor to end_factor times its own over total_iters
    onecycle     OneCycleLR          up from lr/div_factor to lr (the run's lr is max_lr), then down;
                                     total_steps defaults to the attempts; cycles momentum (or beta1)

Attempt t uses the lr a scheduler holds after `scheduler.step()` was called t - 1 times (once after
each `optimizer.step()`, as torch's docs ask). The lrs are computed as `step()` computes them -- the
chainable form, from the previous lr, in Python floats (float64, one operation at a time, no fused
multiply-add) -- for every run at once: `lrs(...)[t - 1, r]` is run r's lr at attempt t. numpy only.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

REQUIRED = object()  # an option torch's class has no default for

# torch.optim.lr_scheduler's names and defaults (onecycle's max_lr is the run's lr).
SCHEDULES: dict[str, dict[str, Any]] = {
    "none": {},
    "step": {"step_size": REQUIRED, "gamma": 0.1},
    "multistep": {"milestones": REQUIRED, "gamma": 0.1},
    "exponential": {"gamma": REQUIRED},
    "cosine": {"T_max": REQUIRED, "eta_min": 0.0},
    "linear": {"start_factor": 1.0 / 3, "end_factor": 1.0, "total_iters": 5},
    "onecycle": {"total_steps": None, "pct_start": 0.3, "anneal_strategy": "cos", "cycle_momentum": True,
                 "base_momentum": 0.85, "max_momentum": 0.95, "div_factor": 25.0, "final_div_factor": 1e4,
                 "three_phase": False},
}
CLASSES = {"step": "StepLR", "multistep": "MultiStepLR", "exponential": "ExponentialLR",
           "cosine": "CosineAnnealingLR", "linear": "LinearLR", "onecycle": "OneCycleLR"}


def lrs(name: str, options: dict[str, Any], base, attempts: int):
    """The lr of each run at each attempt: (attempts, runs) float64, from the runs' own lrs `base` (runs,)."""
    import numpy as np

    with np.errstate(over="ignore", invalid="ignore"):  # an lr that overflows is inf, as in Python's floats
        return _lrs(name, options, np.asarray(base, dtype=np.float64), attempts)


def _lrs(name: str, options: dict[str, Any], base, attempts: int):
    import numpy as np

    out = np.empty((attempts, base.shape[0]), dtype=np.float64)
    if name == "onecycle":
        phases = _phases(options, attempts)
        group = {"initial_lr": base / options["div_factor"], "max_lr": base}
        group["min_lr"] = group["initial_lr"] / options["final_div_factor"]
        for epoch in range(attempts):
            start, end, pct = _phase_at(phases, epoch)
            out[epoch] = _anneal(options["anneal_strategy"], group[start[0]], group[end[0]], pct)
        return out
    lr = base.copy()
    for epoch in range(attempts):  # epoch: scheduler.last_epoch when attempt epoch + 1's lr is set
        lr = _chained(name, options, lr, base, epoch)
        out[epoch] = lr
    return out


def momenta(name: str, options: dict[str, Any], attempts: int) -> list[float] | None:
    """OneCycleLR's momentum (or beta1) at each attempt when it cycles it; else None."""
    if name != "onecycle" or not options["cycle_momentum"]:
        return None
    phases = _phases(options, attempts)
    values = {"max_momentum": options["max_momentum"], "base_momentum": options["base_momentum"]}
    out = []
    for epoch in range(attempts):
        start, end, pct = _phase_at(phases, epoch)
        out.append(_anneal(options["anneal_strategy"], values[start[1]], values[end[1]], pct))
    return out


def total_steps(options: dict[str, Any], attempts: int) -> int:
    return attempts if options.get("total_steps") is None else options["total_steps"]


def _chained(name: str, o: dict[str, Any], lr, base, epoch: int):
    """One `scheduler.step()` of the chainable schedules: the next lr from the current one."""
    if name == "step":
        return lr if epoch == 0 or epoch % o["step_size"] != 0 else lr * o["gamma"]
    if name == "multistep":
        count = Counter(o["milestones"])
        return lr * o["gamma"] ** count[epoch] if epoch in count else lr
    if name == "exponential":
        return lr if epoch == 0 else lr * o["gamma"]
    if name == "linear":
        start, end, total = o["start_factor"], o["end_factor"], o["total_iters"]
        if epoch == 0:
            return lr * start
        if epoch > total:
            return lr
        return lr * (1.0 + (end - start) / (total * start + (epoch - 1) * (end - start)))
    if name == "cosine":
        t_max, eta_min = o["T_max"], o["eta_min"]
        if epoch == 0:
            return lr
        if (epoch - 1 - t_max) % (2 * t_max) == 0:
            return lr + (base - eta_min) * (1 - math.cos(math.pi / t_max)) / 2
        ratio = (1 + math.cos(math.pi * epoch / t_max)) / (1 + math.cos(math.pi * (epoch - 1) / t_max))
        return ratio * (lr - eta_min) + eta_min
    return lr  # none


def _phases(o: dict[str, Any], attempts: int) -> list[tuple[float, tuple[str, str], tuple[str, str]]]:
    """OneCycleLR's phases: (end step, (start lr, start momentum), (end lr, end momentum))."""
    total, pct = total_steps(o, attempts), o["pct_start"]
    if o["three_phase"]:
        return [(float(pct * total) - 1, ("initial_lr", "max_momentum"), ("max_lr", "base_momentum")),
                (float(2 * pct * total) - 2, ("max_lr", "base_momentum"), ("initial_lr", "max_momentum")),
                (total - 1, ("initial_lr", "max_momentum"), ("min_lr", "max_momentum"))]
    return [(float(pct * total) - 1, ("initial_lr", "max_momentum"), ("max_lr", "base_momentum")),
            (total - 1, ("max_lr", "base_momentum"), ("min_lr", "max_momentum"))]


def _phase_at(phases, step: int):
    start_step = 0.0
    for i, (end_step, start, end) in enumerate(phases):
        if step <= end_step or i == len(phases) - 1:
            return start, end, (step - start_step) / (end_step - start_step)
        start_step = end_step
    raise AssertionError("unreachable")


def _anneal(strategy: str, start, end, pct: float):
    if strategy == "cos":
        return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
    return (end - start) * pct + start


def onecycle_problem(o: dict[str, Any], attempts: int) -> tuple[str, str] | None:
    """The option torch's OneCycleLR would refuse over this many attempts, and why; or None."""
    total = total_steps(o, attempts)
    if total < attempts:
        return "total_steps", (f"at least the attempts ({attempts}): torch's OneCycleLR refuses to step past "
                               "total_steps; leave it out (it defaults to the attempts)")
    ends = [0.0] + [phase[0] for phase in _phases(o, attempts)]
    if any(a == b for a, b in zip(ends, ends[1:])):
        return "pct_start", (f"with total_steps {total} this pct_start leaves a phase of the cycle with no "
                             "steps (torch divides by its length); choose another pct_start")
    return None
