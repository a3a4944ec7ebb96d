"""Writing a run folder: a new folder, then config.yaml, attempts.csv and summary.json.

Folders are made with an exclusive mkdir (never reused, also when many runs start at once), and every
file is written to a hidden temporary name and renamed, so a crash never leaves half a file.
"""

from __future__ import annotations

import bisect
import json
import os
import secrets
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

from guessgame.errors import ConfigError, OutputError
from guessgame.records import encode
from guessgame.rundir.layout import ATTEMPTS, CONFIG, SUMMARY, WHOLE, WIDE, element_columns
from guessgame.score import scores


def create_run_dir(out: str | Path, name: str, *, now: float | None = None) -> Path:
    """Make a new, empty run folder under `out`; never one that exists, never outside `out`."""
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create the output folder ({exc.strerror})", source=str(out)) from None
    if not out.is_dir():
        raise OutputError("the output path exists and is not a folder", source=str(out))
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now))
    base = out.resolve()
    for n in range(1, 10_000):
        candidate = base / (f"{name}-{stamp}" + (f"-{n}" if n > 1 else ""))
        if candidate.parent != base:
            raise ConfigError(f"the name {name!r} would leave the output folder", key="name")
        try:
            candidate.mkdir()
        except FileExistsError:
            continue
        except OSError as exc:
            raise OutputError(f"cannot create a run folder ({exc.strerror})", source=str(out)) from None
        return candidate
    raise OutputError("too many run folders with the same name and second", source=str(out))


@contextmanager
def replacing(path: Path):
    """A new temporary file next to `path` that replaces it when the block ends without an error.

    The temporary file is hidden (`.name.<random>.tmp.<suffix>`: writers that go by the suffix see
    the right one) and made with the permissions the umask allows, as `open` would make `path`.
    """
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp{path.suffix}")
    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_atomic(path: Path, text: str) -> None:
    """Write `text` to `path` through a temporary file and a rename."""
    with replacing(path) as tmp, open(tmp, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())


def write_config(run_dir: Path, resolved: dict[str, Any]) -> None:
    write_atomic(run_dir / CONFIG, yaml.safe_dump(resolved, sort_keys=False, default_flow_style=None))


def write_summary(run_dir: Path, summary: dict[str, Any]) -> None:
    """summary.json, its records encoded as `records` encodes them (JSON has no NaN). Each item of a
    list of records (the runs, the scores, the cells) is written on a line of its own, one at a time:
    a sweep of a million runs is written in bounded memory."""
    with replacing(run_dir / SUMMARY) as tmp, open(tmp, "w", encoding="utf-8") as handle:
        fields = list(summary.items())
        handle.write("{\n")
        for k, (key, value) in enumerate(fields):
            handle.write(f"  {json.dumps(key)}: ")
            if isinstance(value, list) and value:
                handle.write("[\n")
                for i, item in enumerate(value):
                    comma = "," if i < len(value) - 1 else ""
                    handle.write(f"    {json.dumps(encode(item), allow_nan=False)}{comma}\n")
                handle.write("  ]")
            else:
                handle.write(json.dumps(encode(value), indent=2, allow_nan=False).replace("\n", "\n  "))
            handle.write(",\n" if k < len(fields) - 1 else "\n")
        handle.write("}\n")
        handle.flush()
        os.fsync(handle.fileno())


LINES = 1 << 16  # lines of attempts.csv made at a time: what writing it needs stays small beside the log


def write_attempts(path: Path, result) -> None:
    """attempts.csv, one row per run per logged attempt it played, runs in order; floats round-trip
    exactly. Written a block of runs at a time."""
    import polars as pl

    with path.open("wb") as handle:
        for k, (runs, rows) in enumerate(played_blocks(result)):
            columns = _attempt_columns(result, runs, rows)
            if len(columns) > WIDE:
                _write_lines(handle, columns, header=k == 0)
            else:
                pl.DataFrame(columns).write_csv(handle, include_header=k == 0)


def played_blocks(result) -> list[tuple[slice, int]]:
    """The runs in blocks of at most LINES lines of attempts.csv, each block (runs, rows) of runs that
    played the same logged rows: every run's attempts up to the last its batch played (a grid's cells
    may have played different attempts: one stopped early, or Ctrl-C cut one short)."""
    attempts_run, attempt = result.attempts_run, result.attempt.tolist()
    cells = [0] * result.runs if result.cell is None else result.cell.tolist()
    bounds = [r for r in range(1, result.runs) if cells[r] != cells[r - 1]]
    blocks = []
    for first, end in zip([0, *bounds], [*bounds, result.runs]):
        last = max(attempts_run[first:end])
        rows = bisect.bisect_right(attempt, last)
        step = max(1, LINES // max(1, rows))
        blocks += [(slice(start, min(start + step, end)), rows) for start in range(first, end, step)]
    return blocks


def _attempt_columns(result, runs: slice, rows: int) -> dict[str, Any]:
    """attempts.csv's columns for some runs: one value per run per logged attempt of the first `rows`."""
    import torch

    count = len(range(result.runs)[runs])

    def per_row(values: torch.Tensor) -> torch.Tensor:  # (attempts, runs, ...) -> (runs*attempts, ...)
        return values[:rows, runs].reshape(rows, count, -1).transpose(0, 1).reshape(count * rows, -1).double().cpu()

    def each_row(values: torch.Tensor) -> Any:  # one value per run, repeated for each of its rows
        return values[runs].repeat_interleave(rows).numpy()

    columns: dict[str, Any] = {"run": each_row(torch.arange(result.runs))}
    if result.config.grid:
        columns["cell"] = each_row(result.cell)
    columns["lr"] = each_row(result.lr.double()) if result.lr_at is None else per_row(result.lr_at)[:, 0].numpy()
    if result.config.games > 1:
        columns["game"] = each_row(result.game)
    columns["attempt"] = result.attempt[:rows].repeat(count).numpy()
    columns["loss"] = per_row(result.loss)[:, 0].numpy()
    noisy = () if result.true_loss is None else (("hint", result.hint),)
    if noisy:
        columns["true_loss"] = per_row(result.true_loss)[:, 0].numpy()
    for name, values in (*noisy, ("guess", result.guess), ("grad", result.grad), ("step", result.step)):
        block = per_row(values).numpy()
        for i, column in enumerate(element_columns(name, result.config.numel)):
            columns[column] = block[:, i]
    return columns


def _write_lines(handle, columns: dict[str, Any], header: bool) -> None:
    """A wide attempts.csv (a big answer) a line at a time, numbers spelled as polars spells them:
    a DataFrame of 196,613 columns took 870 MB and 10 s to write."""
    import numpy as np
    import polars as pl

    names = list(columns)
    whole = [name in WHOLE for name in names]
    table = np.column_stack([np.asarray(columns[name], dtype=np.float64) for name in names])
    if header:
        handle.write((",".join(names) + "\n").encode())
    for row in table:
        text = pl.Series(row).cast(pl.String).to_list()  # shortest exact spelling, NaN and inf as polars
        handle.write((",".join(str(int(v)) if w else t for v, t, w in zip(row.tolist(), text, whole)) + "\n").encode())


def cells(config) -> list[dict[str, Any]]:
    """summary.json's `cells`: each cell of a grid, its label and its value of every grid key (loss,
    optimizer, schedule, dtype)."""
    from guessgame.config.schema import GRID_KEYS

    out = []
    for k, (cell, label) in enumerate(zip(config.cells, config.cell_labels())):
        resolved = cell.to_dict()
        out.append({"cell": k, "label": label, **{key: resolved[key] for key in GRID_KEYS}})
    return out


def write_run(run_dir: Path, result, *, extra: dict[str, Any] | None = None) -> None:
    """config.yaml, attempts.csv and summary.json of a result, each through a temporary file and a rename."""
    write_config(run_dir, result.config.to_dict())
    with replacing(run_dir / ATTEMPTS) as tmp:
        write_attempts(tmp, result)
    runs = result.summary()
    summary = {"name": result.config.name, "interrupted": result.interrupted,
               **({"stopped_at": result.stopped_at()} if result.interrupted else {}), "runs": runs}
    if result.config.grid:
        summary["cells"] = cells(result.config)
    if result.config.games > 1:
        summary["scores"] = scores(runs)
    write_summary(run_dir, {**summary, **(extra or {})})

