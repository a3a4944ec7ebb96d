"""The hidden answers of a config's runs, the device they live on, and the memory their log needs."""

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
    spec = config.answer
    generator = torch.Generator().manual_seed(config.seed)
    if spec.integer:
        draws = torch.randint(int(torch.tensor(spec.low).ceil()), int(torch.tensor(spec.high).floor()) + 1,
                              (config.games, n), generator=generator, dtype=torch.float64)
    else:
        draws = spec.low + (spec.high - spec.low) * torch.rand(config.games, n, generator=generator,
                                                               dtype=torch.float64)
    # Every learning rate plays the same K games, so a comparison across lrs is fair.
    return draws.repeat(len(config.lr), 1).to(dtype=dtype, device=device)


def device_of(config: Config) -> torch.device:
    if config.device == "cuda" and not torch.cuda.is_available():
        raise ConfigError("got 'cuda' but no CUDA GPU is available here; use device: cpu", key="device")
    return torch.device(config.device)


def log_bytes(config: Config, itemsize: int = 8) -> int:
    """Memory the log of a config takes: guess, gradient and step per kept attempt, every loss, and
    each run's summary and theory as Python objects (made when its run folder is written)."""
    rows = config.logged_rows + 1  # the guess after the last step too
    return (rows * config.runs * config.numel * itemsize * 3 + config.attempts * config.runs * itemsize
            + config.runs * (RECORD + 2 * config.numel * FLOAT))


# A run's records in Python: its summary and theory (measured: about 550 to 820 bytes), with its final
# guess and its answer as lists of floats (32 bytes an element: the float and its place in the list).
RECORD, FLOAT = 1024, 32


def check_memory(config: Config, itemsize: int) -> None:
    """Refuse, before starting, a log this machine cannot hold; say what to change."""
    needed = log_bytes(config, itemsize)
    available = _available_memory()
    if available and needed > SPARE * available:
        every = config.least_log_every(lambda thinner: log_bytes(thinner, itemsize) <= SPARE * available)
        way_out = (f"keep every k-th attempt with log_every (e.g. log_every: {every}), or use fewer runs or attempts"
                   if every else "use fewer runs or attempts")
        raise ConfigError(
            f"{config.runs:,} runs x {config.attempts:,} attempts would keep {needed / 2**30:.1f} GiB of log, "
            f"more than this machine can spare ({available / 2**30:.1f} GiB free); {way_out}", key="log_every")


SPARE = 0.6  # of the memory available, what a log may take: the work after the loop needs up to half as much


def _available_memory() -> int | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None
