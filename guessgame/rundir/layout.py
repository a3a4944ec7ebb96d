"""The run folder's layout: the names of its files, attempts.csv's columns, and how big that file gets.

    <out>/<name>-<YYYYmmdd-HHMMSS>[-N]/
        config.yaml       the resolved config
        attempts.csv      run, [cell,] lr, [game,] attempt, loss, guess_0.., grad_0.., step_0..
        summary.json      per run: status, attempts, losses, final guess, answer, theory; scores
        plots/            the figures, and guesses.gif with `plot --animate`
        report.html       the interactive page: one file, everything inline, opens offline
        tensorboard/      event files, one TensorBoard run per lr (and game)
"""

from __future__ import annotations

import shutil
from pathlib import Path

from guessgame.config import Config
from guessgame.errors import ConfigError, OutputError

CONFIG, ATTEMPTS, SUMMARY = "config.yaml", "attempts.csv", "summary.json"
DATA = (CONFIG, ATTEMPTS, SUMMARY)  # complete before anything is drawn; never removed after
PLOTS, TENSORBOARD, ANIMATION = "plots", "tensorboard", "guesses.gif"
REPORT = "report.html"  # the interactive page, written last
WHOLE = ("run", "cell", "game", "attempt")  # the columns that hold whole numbers
# Past this many columns attempts.csv is written and read a line at a time: polars keeps a buffer per
# column (reading a 256 x 256 answer's 196,613 columns took 8.8 GB).
WIDE = 1000
# attempts.csv beyond this is refused before anything runs: no one reads a file that size.
CSV_LIMIT = 4 * 2**30


def element_columns(what: str, n: int) -> list[str]:
    """`guess_0 .. guess_{n-1}`: element i of the flattened guess, gradient (`grad`) or step."""
    return [f"{what}_{i}" for i in range(n)]


def attempt_columns(n: int, games: bool, cells: bool = False, noisy: bool = False) -> list[str]:
    """attempts.csv's header for answers of n elements (and a `cell` column with a grid, a `game` column
    with random games). `lr` is the lr the attempt used: the run's own, or its schedule's. With noisy hints,
    `loss` is the one the optimizer saw, and `true_loss` (to the hidden answer) and the hint, `hint_0 ..`
    (the mean of the attempt's observations), follow it."""
    names = ["run", *(["cell"] if cells else []), "lr", *(["game"] if games else []), "attempt", "loss"]
    names += ["true_loss", *element_columns("hint", n)] if noisy else []
    return names + [column for what in ("guess", "grad", "step") for column in element_columns(what, n)]


def csv_bytes(config: Config) -> int:
    """About how big attempts.csv will be: about 20 characters a number (with noisy hints, the true loss and
    the hints too)."""
    noisy = 0 if config.noise is None else (1 + config.numel) * 20
    return config.logged_rows * config.runs * (24 + 3 * config.numel * 20 + noisy)


def check_disk(config: Config, out: Path) -> None:
    """Refuse, before anything runs, an attempts.csv too big to read, or to write on the disk `out` is on,
    with the way out."""
    size = csv_bytes(config)
    probe = next((p for p in [out, *out.absolute().parents] if p.exists()), Path("."))
    free = shutil.disk_usage(probe).free
    if size <= min(CSV_LIMIT, 0.8 * free):
        return
    every = config.least_log_every(lambda thinner: csv_bytes(thinner) <= min(CSV_LIMIT, 0.8 * free))
    thinner = f"keep every k-th attempt with log_every={every}, or use fewer runs or attempts" if every else \
        "use fewer runs or attempts"
    runs = f"{config.runs:,} run{'s' * (config.runs != 1)}"
    what = f"attempts.csv would be about {file_size(size)} ({runs} x {config.logged_rows:,} logged attempts)"
    if size > CSV_LIMIT:
        raise ConfigError(f"{what}, more than can be read back ({file_size(CSV_LIMIT)}); {thinner}", key="log_every")
    way_out = f"; or {thinner}" if size >= THINNER_FROM and every else ""
    raise OutputError(f"{what} but the disk under {probe} has {file_size(free)} free; free some space there or "
                      f"choose another --out{way_out}", source=str(out))


THINNER_FROM = 64 * 2**20  # an attempts.csv from which keeping fewer attempts is worth suggesting


def file_size(count: float) -> str:
    """`1.2 GiB`, `340 KiB`, `12 bytes`."""
    for unit, size in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if count >= size:
            return f"{count / size:.1f} {unit}"
    return f"{int(count)} bytes"
