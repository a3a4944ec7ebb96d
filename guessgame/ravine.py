"""A ravine: a game whose elements do not all have the same curvature.

With `weights` w (the answer's shape) and a `rotation` R (an orthogonal N x N matrix), the loss is

    error = guess - answer                                   # without a rotation
    error = (guess - answer).reshape(-1) @ R.T               # with one: the error in the ravine's axes
    loss  = (w * F.<loss>(error, 0, reduction="none")).mean()   # or .sum()

(without a rotation, `F.<loss>(guess, answer, reduction="none")`: the same numbers). Weights all 1 and
no rotation are the plain game, `F.<loss>(guess, answer)`. For mse the Hessian is R^T diag(2 w / N) R
(2 w with `sum`): its eigenvalues are the weights' curvatures, whatever the rotation; the rotation only
turns the axes they lie along.

A rotation is an angle in degrees for a 2-element answer, R = [[cos, -sin], [sin, cos]], or a random
orthogonal basis from a seed: R = Q.T, where Q, U = torch.linalg.qr(X) of a standard normal N x N matrix
X drawn in float64 from `torch.Generator().manual_seed(seed)`, each column of Q times the sign of U's
diagonal (so the basis is uniformly random). R is cast to the game's dtype.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from guessgame.config import Config, RandomRotation
from guessgame.config.fields import flat

if TYPE_CHECKING:
    import numpy as np
    import torch
    from torch import Tensor

    from guessgame.losses.weighted import Ravine


def is_ravine(config: Config) -> bool:
    """Whether the game is weighted or rotated: not the plain `F.<loss>(guess, answer)`."""
    return config.rotation is not None or is_weighted(config)


def is_weighted(config: Config) -> bool:
    """Whether some element's weight is not 1."""
    return any(w != 1 for w in flat(config.weights))


def one_sequence(config: Config) -> bool:
    """Whether theory's loss is the one geometric sequence loss(1) rate^(2(t-1)): plain SGD on mse at a
    constant lr, every element weighed the same (uneven weights add one such sequence per weight)."""
    return config.loss == "mse" and config.plain_sgd and not config.scheduled and len(set(flat(config.weights))) == 1


def weights(config: Config) -> np.ndarray:
    """Each element's weight, flattened (N,), float64."""
    import numpy as np

    if isinstance(config.weights, list):
        return np.asarray(flat(config.weights), dtype=np.float64)
    return np.full(config.numel, float(config.weights))


def rotation(config: Config) -> Tensor | None:
    """R (N, N) float64, or None: the error in the ravine's axes is R @ (guess - answer)."""
    import torch

    turn = config.rotation
    if turn is None:
        return None
    if isinstance(turn, RandomRotation):
        n = config.numel
        drawn = torch.randn((n, n), generator=torch.Generator().manual_seed(turn.seed), dtype=torch.float64)
        q, r = torch.linalg.qr(drawn)
        return (q * torch.sign(torch.diagonal(r))).T.contiguous()
    radians = math.radians(turn)
    cos, sin = math.cos(radians), math.sin(radians)
    return torch.tensor([[cos, -sin], [sin, cos]], dtype=torch.float64)


def of(config: Config, dtype: torch.dtype, device: torch.device | str = "cpu") -> Ravine | None:
    """The weights and rotation as the engine's loss takes them, in `dtype`; None for the plain game."""
    import torch

    from guessgame.losses.weighted import Ravine

    if not is_ravine(config):
        return None
    w = torch.from_numpy(weights(config)).to(dtype=dtype, device=device).reshape(1, -1)
    turn = rotation(config)
    return Ravine(w, None if turn is None else turn.to(dtype=dtype, device=device))


def directions(config: Config, picks: tuple[int, ...] = (0, -1)) -> tuple[np.ndarray, np.ndarray]:
    """Of the weights sorted from the stiffest to the flattest, those at `picks` (by default the stiffest
    and the flattest), and the directions they lie along: row k is the unit vector in guess space (N,)
    along which the curvature scales by the k-th weight picked."""
    import numpy as np

    w = weights(config)
    chosen = np.argsort(-w, kind="stable")[list(picks)]
    if config.rotation is None:
        basis = np.zeros((len(chosen), config.numel))
        basis[np.arange(len(chosen)), chosen] = 1.0
        return w[chosen], basis
    return w[chosen], rotation(config).numpy()[chosen]

