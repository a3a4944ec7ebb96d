"""Heavy-ball momentum mu on mse, in closed form: the error follows p(t), which shrinks while lr h < 2 (1 + mu)."""

from __future__ import annotations

import math
from fractions import Fraction

import torch
from torch import Tensor

from guessgame.theory import exact
from guessgame.theory.games import Games


def path(games: Games, h: Fraction) -> tuple[dict, dict, Tensor]:
    """p(1) = 1, p(2) = 1 - lr h, p(t+1) = b p(t) - mu p(t-1), b = 1 + mu - lr h.

    p(t) = p(2) D(t-1) - mu D(t-2), D(k) = (z1^k - z2^k) / (z1 - z2) over the roots of z^2 - b z + mu,
    written so that it stays accurate when the roots nearly coincide. What theory says of it, each run's
    rate and factor, and p (attempts, runs)."""
    mu = Fraction(games.momentum)
    critical = 2 * (1 + mu) / h
    b = games.linear(1 + mu, -h)
    p2 = games.linear(Fraction(1), -h)
    m = float(mu)
    k = games.t  # (attempts, 1): t - 1
    d = b * b - 4 * m
    real = d >= 0
    z1 = (b + torch.sign(b) * torch.sqrt(d.clamp(min=0))) / 2
    log_ratio = torch.where(real, torch.log(m / (z1 * z1)), torch.zeros_like(b))  # log(z2/z1) <= 0
    rate = torch.where(real, z1.abs(), torch.full_like(b, math.sqrt(m)))
    theta = torch.acos(torch.clamp(b / (2 * math.sqrt(m)), -1, 1))

    def big_d(k: Tensor) -> Tensor:  # (attempts, runs), k >= 1
        series = torch.where(log_ratio < 0, torch.expm1(k * log_ratio) / torch.expm1(log_ratio), k)
        as_real = torch.pow(z1, k - 1) * series
        as_complex = torch.pow(rate, k - 1) * torch.sin(k * theta) / torch.sin(theta)
        return torch.where(real, as_real, as_complex)

    once = torch.where(k >= 1, big_d(k.clamp(min=1)), torch.zeros_like(k))  # D(t - 1)
    twice = torch.where(k >= 2, big_d((k - 1).clamp(min=1)), torch.zeros_like(k))  # D(t - 2)
    twice = torch.where(k == 0, torch.full_like(twice, -1 / m), twice)  # D(-1) = -1/mu
    p = p2 * once - m * twice
    at_edge = exact.equal_to(games.lr, critical)  # roots -1 and -mu: radius 1 exactly
    shared = {"critical_lr": float(critical),
              "note": f"heavy ball, momentum {m:g}: converges for lr < {float(critical):g}"}
    # the error follows the larger root: its sign where real (at the edge -1), none where the roots are complex
    factor = torch.where(at_edge, -torch.ones_like(rate), torch.where(real, z1, torch.nan))
    each = {"rate": torch.where(at_edge, torch.ones_like(rate), rate).tolist(),
            "factor": [None if math.isnan(f) else f for f in factor.tolist()]}
    return shared, each, p
