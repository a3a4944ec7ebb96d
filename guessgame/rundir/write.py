"""Writing a run folder: a new folder, then config.yaml, attempts.csv and summary.json.

Folders are made with an exclusive mkdir (never reused, also when many runs start at once), and every
file is written to a hidden temporary name and renamed, so a crash never leaves half a file.
"""

from __future__ import annotations

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
    """summary.json, its records encoded as `records` encodes them (JSON has no NaN)."""
    write_atomic(run_dir / SUMMARY, json.dumps(encode(summary), indent=2, allow_nan=False) + "\n")


def write_attempts(path: Path, result, *, append: bool = False) -> None:
    """attempts.csv, one row per run per logged attempt, runs in order; floats round-trip exactly."""
    import polars as pl
    import torch

    rows, runs = result.loss.shape
    n = result.config.numel
    games = result.config.games > 1

    def per_row(values: torch.Tensor) -> torch.Tensor:  # (attempts, runs, ...) -> (runs*attempts, ...)
        return values.reshape(rows, runs, -1).transpose(0, 1).reshape(runs * rows, -1).double().cpu()

    columns: dict[str, Any] = {"run": torch.arange(runs).repeat_interleave(rows).numpy()}
    if result.config.grid:
        columns["cell"] = result.cell.repeat_interleave(rows).numpy()
    columns["lr"] = (result.lr.double().repeat_interleave(rows).numpy() if result.lr_at is None
                     else per_row(result.lr_at)[:, 0].numpy())
    if games:
        columns["game"] = result.game.repeat_interleave(rows).numpy()
    columns["attempt"] = result.attempt.repeat(runs).numpy()
    columns["loss"] = per_row(result.loss)[:, 0].numpy()
    for name, values in (("guess", result.guess), ("grad", result.grad), ("step", result.step)):
        block = per_row(values).numpy()
        for i, column in enumerate(element_columns(name, n)):
            columns[column] = block[:, i]
    mode = "ab" if append else "wb"
    if len(columns) > WIDE:
        _write_lines(path, columns, mode, header=not append)
        return
    with path.open(mode) as handle:
        pl.DataFrame(columns).write_csv(handle, include_header=not append)


def _write_lines(path: Path, columns: dict[str, Any], mode: str, header: bool) -> None:
    """A wide attempts.csv (a big answer) a line at a time, numbers spelled as polars spells them:
    a DataFrame of 196,613 columns took 870 MB and 10 s to write."""
    import numpy as np
    import polars as pl

    names = list(columns)
    whole = [name in WHOLE for name in names]
    table = np.column_stack([np.asarray(columns[name], dtype=np.float64) for name in names])
    with path.open(mode.replace("b", ""), encoding="utf-8", newline="") as handle:
        if header:
            handle.write(",".join(names) + "\n")
        for row in table:
            text = pl.Series(row).cast(pl.String).to_list()  # shortest exact spelling, NaN and inf as polars
            handle.write(",".join(str(int(v)) if w else t for v, t, w in zip(row.tolist(), text, whole)) + "\n")


def cells(config) -> list[dict[str, Any]]:
    """summary.json's `cells`: each cell of a grid, its label and its loss, optimizer and schedule."""
    out = []
    for k, (cell, label) in enumerate(zip(config.cells, config.cell_labels())):
        resolved = cell.to_dict()
        out.append({"cell": k, "label": label, **{key: resolved[key] for key in ("loss", "optimizer", "schedule")}})
    return out


def write_run(run_dir: Path, result, *, extra: dict[str, Any] | None = None) -> None:
    """config.yaml, attempts.csv and summary.json of a result, each through a temporary file and a rename."""
    write_config(run_dir, result.config.to_dict())
    with replacing(run_dir / ATTEMPTS) as tmp:
        write_attempts(tmp, result)
    runs = result.summary()
    summary = {"name": result.config.name, "interrupted": result.interrupted, "runs": runs}
    if result.config.grid:
        summary["cells"] = cells(result.config)
    if result.config.games > 1:
        summary["scores"] = scores(runs)
    write_summary(run_dir, {**summary, **(extra or {})})

