"""The hidden answers of a config's runs, and the device they live on."""

from __future__ import annotations

import torch
from torch import Tensor

from guessgame.config import Config, RandomAnswer
from guessgame.errors import ConfigError


def hidden_answers(config: Config, dtype: torch.dtype, device: torch.device | str = "cpu") -> Tensor:
    """The hidden answers, one row per run: (runs, N)."""
    runs, n = config.runs, config.numel
    if not isinstance(config.answer, RandomAnswer):
        answer = torch.tensor(config.answer, dtype=dtype, device=device).reshape(1, n)
        return answer.expand(runs, n)
    draws = drawn(config, torch.Generator().manual_seed(config.seed))
    # Every learning rate plays the same K games, so a comparison across lrs is fair.
    return draws.repeat(len(config.lr), 1).to(dtype=dtype, device=device)


def drawn(config: Config, generator: torch.Generator) -> Tensor:
    """The K games' answers (games, N) in float64: drawn from `generator` if random (the first draw of the
    config's seed), else the answer itself for each."""
    spec, n = config.answer, config.numel
    if not isinstance(spec, RandomAnswer):
        return torch.tensor(config.answer, dtype=torch.float64).reshape(1, n).expand(config.games, n)
    if spec.integer:
        return torch.randint(int(torch.tensor(spec.low).ceil()), int(torch.tensor(spec.high).floor()) + 1,
                             (config.games, n), generator=generator, dtype=torch.float64)
    return spec.low + (spec.high - spec.low) * torch.rand(config.games, n, generator=generator, dtype=torch.float64)


def device_of(config: Config) -> torch.device:
    if config.device == "cuda" and not torch.cuda.is_available():
        raise ConfigError("got 'cuda' but no CUDA GPU is available here; use device: cpu", key="device")
    return torch.device(config.device)
