"""The run folder: `<out>/<name>-<YYYYmmdd-HHMMSS>[-N]/` with config.yaml, attempts.csv, summary.json.

Folders are made with an exclusive mkdir (never reused, also when many runs start at once), and the
YAML and JSON files are written to a temporary name and renamed, so a crash never leaves half a file.
"""

from __future__ import annotations

import json
import math
import os
import secrets
import time
from contextlib import contextmanager
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


# Past this many columns attempts.csv is written and read a line at a time: polars keeps a buffer
# per column (reading a 256 x 256 answer's 196,613 columns took 8.8 GB).
_WIDE = 1000


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
    mode = "ab" if append else "wb"
    if len(columns) > _WIDE:
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
    whole = [name in ("run", "game", "attempt") for name in names]
    table = np.column_stack([np.asarray(columns[name], dtype=np.float64) for name in names])
    with path.open(mode.replace("b", ""), encoding="utf-8", newline="") as handle:
        if header:
            handle.write(",".join(names) + "\n")
        for row in table:
            text = pl.Series(row).cast(pl.String).to_list()  # shortest exact spelling, NaN and inf as polars
            handle.write(",".join(str(int(v)) if w else t for v, t, w in zip(row.tolist(), text, whole)) + "\n")


def read_attempts(path: Path, columns: list[str], wanted: list[str], explain: str) -> dict[str, Any]:
    """The `wanted` columns of attempts.csv as float64 arrays, the guess_i last and as one (rows, N) array.

    The header must hold exactly `columns` (in any order); `explain` says where they come from.
    A file that is missing, empty, binary or cut short, or a value that is not a number, raises
    `ConfigError` naming the file, and the line where it can.
    """
    import numpy as np

    source = str(path)
    header, wide = _header(path, columns, explain)
    if wide:
        values = _read_lines(path, header, wanted)
    else:
        values = _read_columns(path, wanted)
    first = next(k for k, name in enumerate(wanted) if name.startswith("guess_"))  # the guesses come last
    table: dict[str, Any] = {name: values[:, k] for k, name in enumerate(wanted[:first])}
    table["guess"] = values[:, first:]
    for name in ("run", "game", "attempt"):
        if name in table and not np.all(np.isfinite(table[name]) & (table[name] == np.round(table[name]))):
            k = int(np.flatnonzero(~(np.isfinite(table[name]) & (table[name] == np.round(table[name]))))[0])
            raise ConfigError(f"line {k + 2:,}: {name} is {table[name][k]:g}, not a whole number", source=source)
    return table


def _header(path: Path, columns: list[str], explain: str) -> tuple[list[str], bool]:
    source = str(path)
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            start = handle.read(1 << 16)
            handle.seek(max(0, size - 1))
            end = handle.read(1)
    except FileNotFoundError:
        raise ConfigError("missing; a run folder holds config.yaml, attempts.csv and summary.json",
                          source=source) from None
    except IsADirectoryError:
        raise ConfigError("is a folder, not a file", source=source) from None
    except OSError as exc:
        raise ConfigError(f"cannot be read ({exc.strerror})", source=source) from None
    if size == 0:
        raise ConfigError("is empty; the run was not saved completely", source=source)
    if b"\0" in start:
        raise ConfigError("holds binary data, not CSV text; the file is damaged", source=source)
    if end != b"\n":
        raise ConfigError("is cut short: its last line ends without a line break", source=source)
    with path.open("rb") as handle:
        line = handle.readline()
    try:
        header = line.decode("utf-8").rstrip("\r\n").split(",")
    except UnicodeDecodeError:
        raise ConfigError("is not UTF-8 text; the file is damaged", source=source) from None
    present, expected = set(header), set(columns)
    missing = [name for name in columns if name not in present]
    extra = [name for name in header if name not in expected]
    if missing or extra or len(present) != len(header):
        what = "; ".join(part for part in (
            f"missing {_names(missing)}" if missing else "", f"unexpected {_names(extra)}" if extra else "",
            "a column twice" if len(present) != len(header) else "") if part)
        raise ConfigError(f"has the wrong columns ({what}); {explain}, so the columns are "
                          f"{_names(columns)}", source=source)
    return header, len(header) > _WIDE


def _names(names: list[str]) -> str:
    return ", ".join(names) if len(names) <= 8 else ", ".join(names[:6]) + f", ... ({len(names)} in all)"


def _read_columns(path: Path, wanted: list[str]):
    """A narrow file: polars reads only the wanted columns, straight into float64 (exact round trip)."""
    import polars as pl

    try:
        frame = pl.read_csv(path, columns=wanted, schema_overrides={name: pl.Float64 for name in wanted},
                            infer_schema_length=0)
    except pl.exceptions.PolarsError as exc:
        problem = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ConfigError(f"cannot be read as numbers ({problem}); the file is damaged",
                          source=str(path)) from None
    nulls = frame.select(pl.any_horizontal(pl.all().is_null()).arg_true()).to_series()
    if len(nulls):
        k = int(nulls[0])
        empty = next(name for name in wanted if frame[name][k] is None)
        raise ConfigError(f"line {k + 2:,}: {empty} has no value; the file is damaged", source=str(path))
    return frame.select(wanted).to_numpy()


def _read_lines(path: Path, header: list[str], wanted: list[str]):
    """A wide file (a big answer): one line at a time, so memory holds the wanted numbers and one line."""
    import numpy as np

    position = {name: i for i, name in enumerate(header)}
    index = [position[name] for name in wanted]
    rows = []
    with path.open("r", encoding="utf-8", newline="") as handle:
        handle.readline()
        for number, line in enumerate(handle, start=2):
            fields = line.rstrip("\r\n").split(",")
            if len(fields) != len(header):
                raise ConfigError(f"line {number:,} has {len(fields):,} values where the header has "
                                  f"{len(header):,} columns; the file is damaged", source=str(path))
            try:
                rows.append(np.array([float(fields[i]) for i in index]))
            except ValueError:
                bad = next(i for i in index if not _is_float(fields[i]))
                raise ConfigError(f"line {number:,}: {header[bad]} is {fields[bad][:40]!r}, not a number; "
                                  "the file is damaged", source=str(path)) from None
    return np.stack(rows) if rows else np.empty((0, len(wanted)))


def _is_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def write_run(run_dir: Path, result, *, extra: dict[str, Any] | None = None) -> None:
    """config.yaml, attempts.csv and summary.json of a result, each through a temporary file and a rename."""
    write_config(run_dir, result.config.to_dict())
    with replacing(run_dir / ATTEMPTS) as tmp:
        write_attempts(tmp, result)
    runs = result.summary()
    summary = {"name": result.config.name, "interrupted": result.interrupted, "runs": runs}
    if result.config.games > 1:
        summary["scores"] = scores(runs)
    write_summary(run_dir, {**summary, **(extra or {})})


def read_summary(run_dir: Path) -> dict[str, Any]:
    return json.loads((Path(run_dir) / SUMMARY).read_text(encoding="utf-8"))
