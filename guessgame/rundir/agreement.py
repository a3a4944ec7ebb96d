"""What the three files of a run folder say must agree: config.yaml, summary.json and attempts.csv.

Each check raises `RunFolderError` naming the file, the field or line, the value and what it should
be: a run folder that was damaged, hand-edited or put together from two runs is refused, never drawn.
"""

from __future__ import annotations

import numpy as np

from guessgame import schedules
from guessgame.config import Config
from guessgame.errors import RunFolderError
from guessgame.records import RunSummary, where
from guessgame.status import Status


def check_runs(summary: list[RunSummary], config: Config, interrupted: bool, source: str) -> None:
    """summary.json's runs agree with config.yaml: each played at least one attempt and at most its
    budget, every attempt of it unless the run was interrupted or stopped early at a verdict, its
    game and cell among the config's."""
    decided = tuple(status for status in Status if status.verdict)
    for k, run in enumerate(summary):
        if not 1 <= run.attempts_run <= config.attempts:
            _wrong(source, k, "attempts_run", run.attempts_run,
                   f"an attempt from 1 to config.yaml's attempts, {config.attempts:,}")
        if run.attempts_run < config.attempts and not interrupted and not (config.stop_early and run.status in decided):
            _wrong(source, k, "attempts_run", run.attempts_run,
                   f"config.yaml's attempts, {config.attempts:,}: the run was not interrupted"
                   + (" and did not stop early at a verdict" if config.stop_early else " and stop_early is off"))
        if run.game >= config.games:
            _wrong(source, k, "game", run.game, f"a game from 0 to {config.games - 1} (config.yaml's games)")
        if run.cell >= config.cell_count:
            _wrong(source, k, "cell", run.cell, f"a cell from 0 to {config.cell_count - 1} (config.yaml's grid)")


def check_losses(summary: list[RunSummary], config: Config, loss: np.ndarray, attempt: np.ndarray,
                  source: str) -> None:
    """What summary.json says of each run agrees with its losses in attempts.csv, where that attempt was
    logged: its final loss is its last one, it was within tolerance where it converged and not where it
    diverged."""
    runs = np.arange(len(summary))

    def at(field: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Each run's attempt `field`, the runs where it is logged, and its loss there."""
        wanted = np.array([getattr(run, field) or 0 for run in summary])
        row = np.minimum(np.searchsorted(attempt, wanted), len(attempt) - 1)
        logged = (wanted > 0) & (attempt[row] == wanted)
        return wanted, logged, loss[row, runs]

    _, logged, last = at("attempts_run")
    final = np.array([run.final_loss for run in summary])
    wrong = logged & ~((last == final) | (np.isnan(last) & np.isnan(final)))
    if wrong.any():
        r = int(np.flatnonzero(wrong)[0])
        _wrong(source, r, "final_loss", summary[r].final_loss,
               f"the loss of its last attempt in attempts.csv, {last[r]!r}")
    for field, within in (("converged_at", True), ("diverged_at", False)):
        wanted, logged, value = at(field)
        wrong = logged & ((np.abs(value) <= config.tolerance) != within)
        if wrong.any():
            r = int(np.flatnonzero(wrong)[0])
            _wrong(source, r, field, int(wanted[r]), f"an attempt whose loss is {'' if within else 'not '}within "
                                                     f"tolerance ({config.tolerance:g}); attempts.csv has "
                                                     f"{value[r]!r} there")


def _wrong(source: str, run: int, field: str, value, allowed: str) -> None:
    where(source, f"runs.{run}.{field}").expect(False, value, allowed)


def check_layout(table: dict, summary: list[RunSummary], config: Config, source: str) -> tuple[np.ndarray, np.ndarray]:
    """attempts.csv holds one block of rows per run, in run order: the attempts config.yaml logs, up to
    the last one summary.json says the run's batch played (its cell's, in a grid). Returns the attempts
    of the longest block and each run's number of rows."""
    runs, total = len(summary), len(table["run"])
    if total == 0:
        raise RunFolderError("has a header but no rows; the file is cut short", source=source)
    held = int(np.nanmax(table["run"])) + 1
    if held != runs:
        raise RunFolderError(f"holds {held} run(s) (run 0 to {held - 1}) but summary.json has {runs}; the two "
                             "files come from different runs", source=source)
    cells = np.array([run.cell for run in summary])
    played = np.array([run.attempts_run for run in summary])
    last = np.zeros(runs, dtype=int)
    for cell in np.unique(cells):
        last[cells == cell] = played[cells == cell].max()  # what the cell's batch played
    logged = np.array(list(config.logged_attempts), dtype=float)
    rows = np.searchsorted(logged, last, side="right")
    _check_blocks(table["run"], rows, source)
    if "cell" in table:
        _same_as(table["cell"], np.repeat(cells, rows), "cell", source, "each run's cell from summary.json")
    if "game" in table:
        _same_as(table["game"], np.repeat([run.game for run in summary], rows), "game", source,
                 "each run's game from summary.json")
    longest = logged[:rows.max()]
    _same_as(table["attempt"], _blocks(np.repeat(longest[:, None], runs, axis=1), rows), "attempt", source, _RULE)
    _same_as(table["lr"], _blocks(_lrs(summary, config, longest.astype(int)), rows), "lr", source,
             "each run's learning rate from summary.json, or its schedule's at each attempt")
    return longest.astype(int), rows


_RULE = ("the attempts config.yaml logs (attempts, log_every), for each run up to the last one its batch "
         "played (the most attempts_run in summary.json of its cell)")


def _check_blocks(run: np.ndarray, rows: np.ndarray, source: str) -> None:
    """The run column holds one block per run, `rows[r]` long, runs in order."""
    runs, total = len(rows), len(run)
    order = f"one block of rows per run, runs in order 0 to {runs - 1} as in summary.json"
    if np.all(rows == rows[0]):  # as many rows for every run (no grid whose cells played differently)
        if total % runs:
            raise RunFolderError(f"has {total:,} rows, which is not the same number for each of the {runs} runs in "
                                 "summary.json; the file is cut short or belongs to another run", source=source)
        _same_as(run, np.repeat(np.arange(runs), total // runs), "run", source, order)
        if total // runs != rows[0]:
            raise RunFolderError(f"has {total // runs:,} rows per run where {rows[0]:,} were expected ({_RULE})",
                                 source=source)
    _same_as(run, np.repeat(np.arange(runs), rows), "run", source, order, prefix=True)
    if total != rows.sum():
        raise RunFolderError(f"has {total:,} rows where {int(rows.sum()):,} were expected ({_RULE}); the file is "
                             "cut short or belongs to another run", source=source)


def _blocks(values: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Each run's first `rows[r]` values of `values` (attempts, runs), run after run: attempts.csv's order."""
    if np.all(rows == values.shape[0]):
        return values.T.ravel()
    return np.concatenate([values[:k, r] for r, k in enumerate(rows)])


def _lrs(summary: list[RunSummary], config: Config, attempts: np.ndarray) -> np.ndarray:
    """The lr each run used at each of `attempts` (rows, runs): its own, or its cell's schedule's."""
    base = np.array([run.lr for run in summary], dtype=float)
    out = np.repeat(base[None, :], len(attempts), axis=0)
    cells = config.cells
    for k, cell in enumerate(cells):
        runs = [r for r, run in enumerate(summary) if run.cell == k]
        if cell.scheduled and runs:
            table = schedules.lrs(cell.schedule, cell.schedule_options, base[runs], config.attempts)
            out[:, runs] = table[attempts - 1]
    return out


def _same_as(values: np.ndarray, expected: np.ndarray, column: str, source: str, rule: str,
             prefix: bool = False) -> None:
    """A column holds what is expected, or the first line where it does not is named; with `prefix`,
    only as far as both go (their lengths are checked apart)."""
    if prefix:
        values, expected = values[:len(expected)], expected[:len(values)]
    if len(values) == len(expected) and np.array_equal(values, expected):
        return
    if len(values) != len(expected):
        raise RunFolderError(f"column {column}: {len(values):,} rows where {len(expected):,} were expected "
                             f"({rule})", source=source)
    k = int(np.flatnonzero(values != expected)[0])
    raise RunFolderError(f"line {k + 2:,}: {column} is {values[k]:g} where {expected[k]:g} was expected ({rule}); "
                         "the file is cut short, re-sorted or belongs to another run", source=source)
