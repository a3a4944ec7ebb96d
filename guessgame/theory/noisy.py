"""Theory with noisy hints: mse, plain SGD and heavy ball, with weights and with a schedule.

An attempt's gradient is the true one plus noise. Against B observations answer + std x eps, element i's
gradient is h_i (e_i - std eps_i), with e_i = guess - answer, eps_i the batch mean of its draws (variance
1 / B), and h_i = 2 w_i / N with `mean` (the mean over B x N values, summed over the batch) or 2 w_i B
with `sum`. With c = lr h_i and s = std^2 / B, each element moves on its own,

    plain SGD    e(t+1) = (1 - c) e(t) + c std eps(t)
    heavy ball   e(t+1) = (1 + mu - c) e(t) - mu e(t-1) + c std eps(t)     (e(-1) = e(0): torch's first step)

so its mean m follows the noiseless path and its variance V (with C, e(t)'s covariance with e(t-1))

    V(t+1) = a^2 V(t) + b^2 V(t-1) + 2 a b C(t) + c^2 s,   C(t+1) = a V(t) + b C(t)     (a = 1 + mu - c, b = -mu)

from V = C = 0; for plain SGD (mu = 0), V(t) = c^2 s (1 - a^(2t)) / (1 - a^2). The expected true loss -- to
the hidden answer -- is r sum_i w_i (m_i^2 + V_i), r = 1/N with `mean`, 1 with `sum`. Where every c is
inside the stable range (0 < c < 2 (1 + mu)), V settles at c^2 s / (1 - a^2 - b^2 - 2 a^2 b / (1 - b)) =
c s (1 + mu) / ((1 - mu) (2 (1 + mu) - c)) -- c s / (2 - c) for plain SGD -- and the expected true loss at
the noise floor, r sum_i w_i V_i. A schedule's lr(t) makes c(t); its floor is its last lr's (none where
that lr is 0: the guess stands still).

What theory predicts of a run is read off these expectations (a noisy run's own attempts are random):
diverged where some c passes the stable range; at a constant lr, settled where the expected true loss at
the last attempt is within half the floor above it and the floor is above tolerance, converged where the
floor is below a tenth of the tolerance, unfinished where the expected loss is still further above its
floor, nothing in between; with a schedule, converged where the expected true loss at the last attempt is
below a tenth of the tolerance, else nothing.
"""

from __future__ import annotations

import math
from typing import Sequence

import torch
from torch import Tensor

from guessgame import losses
from guessgame.config import Config
from guessgame.lazy import Later
from guessgame.ravine import weights
from guessgame.records import Theory
from guessgame.status import Status
from guessgame.status.rules import FLOOR_WINDOW

ABOVE = 0.5  # settled: the expected true loss at the last attempt within this many floors above the floor
BELOW = 0.1  # converged: a floor below this many tolerances


class Noisy:
    """A noisy game's curvatures and noise, for runs at lrs `lr` (runs,) from errors (runs, N)."""

    def __init__(self, config: Config, lr: Tensor, errors: Tensor) -> None:
        w = torch.from_numpy(weights(config))
        batch = config.noise.batch
        self.h = 2 * w * (1.0 / config.numel if config.reduction == "mean" else batch)  # (N,)
        self.r = (1.0 / config.numel if config.reduction == "mean" else 1.0) * w  # each element's share of the loss
        self.s = config.noise.std ** 2 / batch
        self.mu = config.heavy_ball or 0.0
        self.lr, self.e0 = lr.double(), errors.double()

    def c(self, lr: Tensor | None = None) -> Tensor:
        """(..., runs, N): lr h of each element."""
        return (self.lr if lr is None else lr).unsqueeze(-1) * self.h

    def bounded(self, c: Tensor) -> Tensor:
        """(runs,): no element's moments grow at these c (an lr of 0 holds them where they are)."""
        return (c < 2 * (1 + self.mu)).all(-1) & (self.mu < 1)

    def floor(self, c: Tensor) -> Tensor:
        """(runs,): the expected true loss at stationarity at these c; NaN where there is none (an element
        with c = 0 stands still) and inf where the moments grow."""
        mu = self.mu  # c^2 s / (1 - a^2 - b^2 - 2 a^2 b / (1 - b)), its denominator factored: no cancellation
        v = c * self.s * (1 + mu) / ((1 - mu) * (2 * (1 + mu) - c))
        floor = torch.where((c > 0).all(-1), (self.r * v).sum(-1), math.nan)
        return torch.where(self.bounded(c), floor, math.inf)

    def expected(self, steps: int, lrs: Tensor | None = None, last: bool = False) -> Tensor:
        """(steps, runs): the expected true loss at attempts 1 to `steps` -- only the last, with `last`;
        `lrs` (steps, runs), a schedule's."""
        if lrs is None and self.mu == 0:
            t = torch.arange(steps - 1 if last else 0, steps, dtype=torch.float64).reshape(-1, 1, 1)
            a = 1 - self.c()
            power = a.pow(2 * t)
            v = torch.where(a * a == 1, self.c() ** 2 * self.s * t, self.c() ** 2 * self.s * (1 - power) / (1 - a * a))
            return (self.r * (self.e0 * self.e0 * power + v)).sum(-1)
        out = torch.empty(steps, len(self.lr), dtype=torch.float64)
        m, m_before = self.e0.clone(), self.e0.clone()
        v, v_before, cov = torch.zeros_like(m), torch.zeros_like(m), torch.zeros_like(m)
        b = -self.mu
        for t in range(steps):
            out[t] = (self.r * (m * m + v)).sum(-1)
            c = self.c() if lrs is None else self.c(lrs[t])
            a = 1 + self.mu - c
            m, m_before = a * m + b * m_before, m
            v, v_before, cov = a * a * v + b * b * v_before + 2 * a * b * cov + c * c * self.s, v, a * v + b * cov
        return out


def closed_form(config: Config) -> bool:
    """Whether theory follows this game's noise: mse, with plain SGD or heavy ball."""
    return losses.effective(config.loss, config.loss_options)[0].name == "mse" and config.heavy_ball is not None


def predict(config: Config, errors: Tensor, lr: Tensor, attempts: int, lrs: Tensor | None) -> Sequence[Theory]:
    """The theory block of each run of a noisy game (`noise` with std > 0)."""
    runs = len(lr)
    kind, _ = losses.effective(config.loss, config.loss_options)
    if not closed_form(config):
        what = config.loss if kind.name != "mse" else config.optimizer + " with these options"
        return [Theory(note=f"no closed form for {what} with noisy hints")] * runs
    game = Noisy(config, torch.as_tensor(lr, dtype=torch.float64), torch.as_tensor(errors, dtype=torch.float64))
    last_c = game.c() if lrs is None else game.c(lrs[attempts - 1].double())
    floor = game.floor(last_c)
    end = game.expected(attempts, None if lrs is None else lrs[:attempts].double(), last=True)[-1]
    stable = game.bounded(game.c()) if lrs is None else game.bounded(game.c(lrs[:attempts].double())).all(0)
    critical = 2 * (1 + game.mu) / float(game.h.max())
    last = None if lrs is None else lrs[attempts - 1].tolist()

    def blocks() -> list[Theory]:  # one Python object per run, made when first read
        out = []
        for r, (steady, low, close) in enumerate(zip(stable.tolist(), floor.tolist(), end.tolist())):
            said = _predicted(steady, low, close, config.tolerance, attempts, lrs is None)
            at = "a constant lr" if last is None else f"its last lr, {last[r]:.3g}"
            if not steady:
                note = "unstable: the expected true loss grows without bound"
            elif math.isnan(low):
                note = f"no noise floor at {at}: the guess stands still; expected {close:.3g} at the last attempt"
            else:
                note = (f"noise floor {low:.3g}: the expected true loss at {at}, c s / (2 - c) per element for "
                        f"plain SGD (c = lr h, s = std^2 / B); expected {close:.3g} at the last attempt")
            out.append(Theory(critical_lr=critical, predicted=said, note=note,
                              noise_floor=low if math.isfinite(low) else None))
        return out

    return Later(blocks)


def _predicted(stable: bool, floor: float, end: float, tolerance: float, attempts: int,
               constant: bool) -> Status | None:
    """What the expectations say a run will be (module docstring)."""
    if not stable:
        return Status.DIVERGED
    if not constant:  # a schedule's last floor is not where its run ends: its expected loss there is
        return Status.CONVERGED if end < BELOW * tolerance else None
    if floor < BELOW * tolerance:
        return Status.CONVERGED
    if not floor > tolerance:
        return None
    if end <= (1 + ABOVE) * floor and attempts >= 2 * FLOOR_WINDOW:
        return Status.SETTLED
    return Status.UNFINISHED
