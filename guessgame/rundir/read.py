"""Reading a run folder back: config.yaml, summary.json and attempts.csv, checked against each other.

Simulates nothing. A damaged or inconsistent folder -- a file missing, damaged, cut short, its rows
re-sorted, or from another run -- raises `RunFolderError` (or `ConfigError` for config.yaml) naming the
file and what is wrong, never a plausible but wrong picture.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from guessgame import schedules
from guessgame.config import Config, load_config
from guessgame.config.schema import kind
from guessgame.errors import RunFolderError
from guessgame.records import RunSummary, shape_of, where
from guessgame.rundata import RunData
from guessgame.rundir.csvread import read_columns
from guessgame.rundir.layout import ATTEMPTS, CONFIG, DATA, SUMMARY, attempt_columns, element_columns

_MISSING = "missing; a run folder holds config.yaml, attempts.csv and summary.json"


def read_run(run_dir: str | Path) -> RunData:
    """The run saved in `run_dir`, as the figures see it."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise RunFolderError("is a file, not a run folder" if run_dir.exists() else "no such folder",
                             source=str(run_dir))
    if not any((run_dir / name).exists() for name in DATA):
        raise RunFolderError("not a run folder: it holds none of config.yaml, attempts.csv and summary.json",
                             source=str(run_dir))
    if not (run_dir / CONFIG).is_file():
        raise RunFolderError(_MISSING, source=str(run_dir / CONFIG))
    config = load_config(run_dir / CONFIG)
    summary = read_summary(run_dir / SUMMARY)
    answer = np.array([np.ravel(np.array(run.answer, dtype=float)) for run in summary], dtype=float)
    runs, n = answer.shape
    games = config.games > 1 or any(run.game for run in summary)
    grid = bool(config.grid)
    wanted = ["run", *(["cell"] if grid else []), "lr", *(["game"] if games else []), "attempt", "loss",
              *element_columns("guess", n)]
    table = read_columns(run_dir / ATTEMPTS, attempt_columns(n, games, grid), wanted, explain=(
        f"summary.json has {runs} run(s) and an answer of {n} element(s)"
        + (f", and config.yaml a grid of {config.cell_count} cells" if grid else "")))
    attempt = _check_layout(table, summary, config, str(run_dir / ATTEMPTS))
    rows = len(attempt)
    scheduled = any(cell.scheduled for cell in config.cells)
    return RunData(
        config=config, attempt=attempt, lr=np.array([run.lr for run in summary], dtype=float),
        game=np.array([run.game for run in summary], dtype=int),
        loss=table["loss"].reshape(runs, rows).T.copy(),
        guess=table["guess"].reshape(runs, rows, n).transpose(1, 0, 2).copy(), answer=answer, summary=summary,
        lr_at=table["lr"].reshape(runs, rows).T.copy() if scheduled else None,
        cell=np.array([run.cell for run in summary], dtype=int) if grid else None,
    )


def read_summary(path: Path) -> list[RunSummary]:
    """summary.json's runs, decoded and checked by `records`; every answer of one shape."""
    try:
        summary = json.loads(_read_text(path))
    except json.JSONDecodeError as exc:
        raise RunFolderError(f"is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno}); "
                             "the file is damaged or cut short", source=str(path)) from None
    if not isinstance(summary, dict):
        raise RunFolderError(f"must hold a JSON object with `runs`, got {kind(summary)}", source=str(path))
    runs = summary.get("runs")
    if not isinstance(runs, list) or not runs:
        raise RunFolderError(f"got {kind(runs)}; a non-empty list of runs", key="runs", source=str(path))
    checked = [RunSummary.from_json(run, where(str(path), f"runs.{k}", k)) for k, run in enumerate(runs)]
    first = shape_of(checked[0].answer)
    for k, run in enumerate(checked):
        where(str(path), f"runs.{k}.answer").expect(shape_of(run.answer) == first, run.answer,
                                                     f"the shape of run 0's answer, {list(first)}")
    return checked


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RunFolderError(_MISSING, source=str(path)) from None
    except IsADirectoryError:
        raise RunFolderError("is a folder, not a file", source=str(path)) from None
    except UnicodeDecodeError:
        raise RunFolderError("is not text (it is not UTF-8); the file is damaged", source=str(path)) from None
    except OSError as exc:
        raise RunFolderError(f"cannot be read ({exc.strerror})", source=str(path)) from None


def _check_layout(table: dict, summary: list[RunSummary], config: Config, source: str) -> np.ndarray:
    """attempts.csv holds one block of rows per run, in run order, each with the same attempts: those
    config.yaml logs, up to the last one summary.json says was run. Returns the attempts."""
    runs, total = len(summary), len(table["run"])
    if total == 0:
        stopped = all(run.attempts_run == 0 for run in summary)
        raise RunFolderError("has a header but no rows" + (" (the run was stopped before its first attempt)"
                                                           if stopped else "; the file is cut short"), source=source)
    held = int(np.nanmax(table["run"])) + 1
    if held != runs:
        raise RunFolderError(f"holds {held} run(s) (run 0 to {held - 1}) but summary.json has {runs}; the two "
                             "files come from different runs", source=source)
    if total % runs:
        raise RunFolderError(f"has {total:,} rows, which is not the same number for each of the {runs} runs in "
                             "summary.json; the file is cut short or belongs to another run", source=source)
    rows = total // runs
    _same_as(table["run"], np.repeat(np.arange(runs), rows), "run", source,
             f"one block of {rows:,} rows per run, runs in order 0 to {runs - 1} as in summary.json")
    if "cell" in table:
        cells = [run.cell for run in summary]
        if max(cells) >= config.cell_count:
            raise RunFolderError(f"says a run is in cell {max(cells)}, but config.yaml's grid has "
                                 f"{config.cell_count} cells", source=str(Path(source).with_name(SUMMARY)))
        _same_as(table["cell"], np.repeat(cells, rows), "cell", source, "each run's cell from summary.json")
    if "game" in table:
        _same_as(table["game"], np.repeat([run.game for run in summary], rows), "game", source,
                 "each run's game from summary.json")
    last = max(run.attempts_run for run in summary)
    if last > config.attempts:
        raise RunFolderError(f"says {last:,} attempts were run, but config.yaml has attempts: {config.attempts:,}",
                             source=str(Path(source).with_name(SUMMARY)))
    expected = np.array([a for a in config.logged_attempts if a <= last], dtype=float)
    rule = ("the attempts config.yaml logs (attempts, log_every) up to the last one summary.json's "
            f"attempts_run says was run, {last:,}, the same for every run")
    if len(expected) != rows:
        raise RunFolderError(f"has {rows:,} rows per run where {len(expected):,} were expected ({rule})",
                             source=source)
    _same_as(table["attempt"], np.tile(expected, runs), "attempt", source, rule)
    _same_as(table["lr"], _lrs(summary, config, expected.astype(int)).T.ravel(), "lr", source,
             "each run's learning rate from summary.json, or its schedule's at each attempt")
    return expected.astype(int)


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


def _same_as(values: np.ndarray, expected: np.ndarray, column: str, source: str, rule: str) -> None:
    if len(values) == len(expected) and np.array_equal(values, expected):
        return
    if len(values) != len(expected):
        raise RunFolderError(f"column {column}: {len(values):,} rows where {len(expected):,} were expected "
                             f"({rule})", source=source)
    k = int(np.flatnonzero(values != expected)[0])
    raise RunFolderError(f"line {k + 2:,}: {column} is {values[k]:g} where {expected[k]:g} was expected ({rule}); "
                         "the file is cut short, re-sorted or belongs to another run", source=source)
