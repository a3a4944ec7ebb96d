"""Where each run's guess stopped being a finite number, found in the logged guesses by halving."""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

# A float is not finite when its exponent bits are all set: the dtype its bits are read as, and those bits.
_EXPONENT = {torch.float64: (torch.int64, 0x7FF << 52), torch.float32: (torch.int32, 0xFF << 23),
             torch.float16: (torch.int16, 0x1F << 10), torch.bfloat16: (torch.int16, 0xFF << 7)}


def first_lost(guesses: Tensor, runs: Tensor) -> Tensor:
    """The first attempt at which each of `runs`' guesses (attempts, runs, N) is not finite, or the
    number of attempts: found by halving, a few guesses looked at per run (in numpy, which picks them
    out several times faster than torch dispatches the same). A guess that is not finite never is
    again: every update subtracts a step from it or scales it, and inf and nan stay inf or nan."""
    if guesses.device.type != "cpu":
        return first_lost(guesses[:, runs].cpu(), torch.arange(len(runs))).to(guesses.device)
    attempts = guesses.shape[0]
    kind, exponent = _EXPONENT[guesses.dtype]
    bits, cols = guesses.view(kind).numpy(), runs.numpy()
    low, high = np.zeros(len(cols), dtype=np.int64), np.full(len(cols), attempts, dtype=np.int64)
    while (live := low < high).any():
        middle = (low + high) // 2
        lost = ((bits[np.minimum(middle, attempts - 1), cols] & exponent) == exponent).any(-1)
        high = np.where(lost & live, middle, high)
        low = np.where(lost | ~live, low, middle + 1)
    return torch.from_numpy(low)
