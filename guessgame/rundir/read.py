"""Reading a run folder back: config.yaml, summary.json and attempts.csv, checked against each other.

Simulates nothing. A damaged or inconsistent folder -- a file missing, damaged, cut short, its rows
re-sorted, or from another run -- raises `RunFolderError` (or `ConfigError` for config.yaml) naming the
file and what is wrong, never a plausible but wrong picture.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from guessgame.config import load_config
from guessgame.config.schema import kind
from guessgame.errors import RunFolderError
from guessgame.records import RunSummary, shape_of, where
from guessgame.rundata import RunData
from guessgame.rundir.agreement import check_layout, check_losses, check_runs
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
    summary, interrupted = read_summary(run_dir / SUMMARY)
    check_runs(summary, config, interrupted, str(run_dir / SUMMARY))
    answer = np.array([np.ravel(np.array(run.answer, dtype=float)) for run in summary], dtype=float)
    runs, n = answer.shape
    games = config.games > 1 or any(run.game for run in summary)
    grid = bool(config.grid)
    noisy = config.noise is not None
    hints = element_columns("hint", n) if noisy else []
    wanted = ["run", *(["cell"] if grid else []), "lr", *(["game"] if games else []), "attempt", "loss",
              *(["true_loss", *hints] if noisy else []), *element_columns("guess", n)]
    table = read_columns(run_dir / ATTEMPTS, attempt_columns(n, games, grid, noisy), wanted, explain=(
        f"summary.json has {runs} run(s) and an answer of {n} element(s)"
        + (f", and config.yaml a grid of {config.cell_count} cells" if grid else "")
        + (", and config.yaml noisy hints" if noisy else "")))
    attempt, rows = check_layout(table, summary, config, str(run_dir / ATTEMPTS))
    scheduled = any(cell.scheduled for cell in config.cells)
    final = np.array([np.ravel(np.array(run.final_guess, dtype=float)) for run in summary], dtype=float)
    nan = np.full(runs, np.nan)
    loss = _by_run(table["loss"], rows, len(attempt), nan)
    true_loss = _by_run(table["true_loss"], rows, len(attempt), nan) if noisy else None
    check_losses(summary, config, loss if true_loss is None else true_loss, attempt, str(run_dir / SUMMARY))
    hint = None if not noisy else _by_run(np.column_stack([table[h] for h in hints]), rows, len(attempt),
                                          np.full((runs, n), np.nan))
    return RunData(
        config=config, attempt=attempt, lr=np.array([run.lr for run in summary], dtype=float),
        game=np.array([run.game for run in summary], dtype=int), loss=loss if true_loss is None else true_loss,
        seen=None if true_loss is None else loss, hint=hint,
        guess=_by_run(table["guess"], rows, len(attempt), final), answer=answer, summary=summary,
        lr_at=_by_run(table["lr"], rows, len(attempt), np.full(runs, np.nan)) if scheduled else None,
        cell=np.array([run.cell for run in summary], dtype=int) if grid else None,
    )


def _by_run(values: np.ndarray, rows: np.ndarray, longest: int, after: np.ndarray) -> np.ndarray:
    """attempts.csv's values of one column (or the guesses), one block of `rows[r]` lines per run, as
    (longest, runs, ...): a run that played fewer rows than the longest (a grid's cell that stopped
    early or was cut short) holds `after[r]` (runs, ...) in the rows it did not play."""
    runs = len(rows)
    if np.all(rows == longest):
        return values.reshape(runs, longest, *values.shape[1:]).swapaxes(0, 1).copy()
    out = np.broadcast_to(after[None], (longest, *after.shape)).copy()
    starts = np.concatenate([[0], np.cumsum(rows)])
    for r in range(runs):
        out[:rows[r], r] = values[starts[r]:starts[r + 1]]
    return out


def read_summary(path: Path) -> tuple[list[RunSummary], bool]:
    """summary.json's runs, decoded and checked by `records`, every answer of one shape; and whether the
    run was interrupted."""
    try:
        summary = json.loads(_read_text(path))
    except json.JSONDecodeError as exc:
        raise RunFolderError(f"is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno}); "
                             "the file is damaged or cut short", source=str(path)) from None
    except RecursionError:
        raise RunFolderError("nests its JSON too deep to be a summary; the file is damaged",
                             source=str(path)) from None
    if not isinstance(summary, dict):
        raise RunFolderError(f"must hold a JSON object with `runs`, got {kind(summary)}", source=str(path))
    interrupted = summary.get("interrupted", False)
    if not isinstance(interrupted, bool):
        raise RunFolderError(f"got {interrupted!r}; true or false", key="interrupted", source=str(path))
    runs = summary.get("runs")
    if not isinstance(runs, list) or not runs:
        raise RunFolderError(f"got {kind(runs)}; a non-empty list of runs", key="runs", source=str(path))
    checked = [RunSummary.from_json(run, where(str(path), f"runs.{k}", k)) for k, run in enumerate(runs)]
    first = shape_of(checked[0].answer)
    for k, run in enumerate(checked):
        where(str(path), f"runs.{k}.answer").expect(shape_of(run.answer) == first, run.answer,
                                                     f"the shape of run 0's answer, {list(first)}")
    return checked, interrupted


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


