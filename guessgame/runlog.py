"""The run folder: `<out>/<name>-<YYYYmmdd-HHMMSS>[-N]/` with config.yaml, attempts.csv, summary.json.

Folders are made with an exclusive mkdir (never reused, also when many runs start at once), and the
YAML and JSON files are written to a temporary name and renamed, so a crash never leaves half a file.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

from guessgame.errors import ConfigError
from guessgame.score import scores

CONFIG, ATTEMPTS, SUMMARY, PLOTS = "config.yaml", "attempts.csv", "summary.json", "plots"


def create_run_dir(out: str | Path, name: str, *, now: float | None = None) -> Path:
    """Make a new, empty run folder under `out`; never one that exists, never outside `out`."""
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"cannot create the output folder ({exc.strerror})", key="--out",
                          source=str(out)) from None
    if not out.is_dir():
        raise ConfigError("the output path exists and is not a folder", key="--out", source=str(out))
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
            raise ConfigError(f"cannot create a run folder ({exc.strerror})", key="--out",
                              source=str(out)) from None
        return candidate
    raise ConfigError("too many run folders with the same name and second", key="--out", source=str(out))


def write_atomic(path: Path, text: str) -> None:
    """Write `text` to `path` through a temporary file and a rename."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_config(run_dir: Path, resolved: dict[str, Any]) -> None:
    write_atomic(run_dir / CONFIG, yaml.safe_dump(resolved, sort_keys=False, default_flow_style=None))


def write_summary(run_dir: Path, summary: dict[str, Any]) -> None:
    """summary.json; non-finite floats become the strings "inf", "-inf", "nan" (JSON has no NaN)."""
    write_atomic(run_dir / SUMMARY, json.dumps(_finite(summary), indent=2, allow_nan=False) + "\n")


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def attempt_columns(n: int, games: bool) -> list[str]:
    names = ["run", "lr"] + (["game"] if games else []) + ["attempt", "loss"]
    return names + [f"{q}_{i}" for q in ("guess", "grad", "step") for i in range(n)]


def write_attempts(path: Path, result, *, append: bool = False) -> None:
    """attempts.csv, one row per run per logged attempt, runs in order; floats round-trip exactly."""
    import polars as pl
    import torch

    rows, runs = result.loss.shape
    n = result.config.numel
    games = result.config.games > 1

    def per_row(values: torch.Tensor) -> torch.Tensor:  # (attempts, runs, ...) -> (runs*attempts, ...)
        return values.reshape(rows, runs, -1).transpose(0, 1).reshape(runs * rows, -1).double().cpu()

    columns: dict[str, Any] = {"run": torch.arange(runs).repeat_interleave(rows).numpy(),
                               "lr": result.lr.double().repeat_interleave(rows).numpy()}
    if games:
        columns["game"] = result.game.repeat_interleave(rows).numpy()
    columns["attempt"] = result.attempt.repeat(runs).numpy()
    columns["loss"] = per_row(result.loss)[:, 0].numpy()
    for name, values in (("guess", result.guess), ("grad", result.grad), ("step", result.step)):
        block = per_row(values).numpy()
        for i in range(n):
            columns[f"{name}_{i}"] = block[:, i]
    frame = pl.DataFrame(columns)
    if append:
        with path.open("ab") as handle:
            frame.write_csv(handle, include_header=False)
    else:
        frame.write_csv(path)


def write_run(run_dir: Path, result, *, extra: dict[str, Any] | None = None) -> None:
    """config.yaml, attempts.csv and summary.json of a result."""
    write_config(run_dir, result.config.to_dict())
    write_attempts(run_dir / ATTEMPTS, result)
    runs = result.summary()
    summary = {"name": result.config.name, "interrupted": result.interrupted, "runs": runs}
    if result.config.games > 1:
        summary["scores"] = scores(runs)
    write_summary(run_dir, {**summary, **(extra or {})})


def read_summary(run_dir: Path) -> dict[str, Any]:
    return json.loads((Path(run_dir) / SUMMARY).read_text(encoding="utf-8"))
