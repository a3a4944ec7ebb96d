"""Whether a config's log fits in this machine's memory: what the log takes, and what is free.

The log keeps the guess, gradient and step of each kept attempt, every loss, and each run's records
as Python objects (made when its run folder is written). A run whose log would not fit is refused
before it starts, with the way out: the smallest `log_every` that fits.
"""

from __future__ import annotations

from guessgame.config import Config
from guessgame.errors import ConfigError


def log_bytes(config: Config, itemsize: int = 8) -> int:
    """Memory the log of a config takes: guess, gradient and step per kept attempt, every loss, and
    each run's summary and theory as Python objects (made when its run folder is written); with noisy
    hints also the loss each attempt saw and each kept attempt's hint (per run), and every attempt's
    observations (per game)."""
    rows = config.logged_rows + 1  # the guess after the last step too
    noisy = 0 if config.noise is None else (
        config.attempts * config.runs * itemsize + rows * config.runs * config.numel * 8
        + config.attempts * config.games * config.noise.batch * config.numel * itemsize)
    return (rows * config.runs * config.numel * itemsize * 3 + config.attempts * config.runs * itemsize
            + config.runs * (RECORD + 2 * config.numel * FLOAT) + noisy)


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
