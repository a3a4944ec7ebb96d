"""Reading attempts.csv back: only the columns asked for, as float64 arrays, checking what it reads.

A file that is missing, empty, binary, cut short or has a value that is not a number raises
`RunFolderError` naming the file, and the line where it can. Narrow files are read by polars, column
by column; wide ones (a big answer) a line at a time, so memory holds only what is asked for.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from guessgame.errors import RunFolderError
from guessgame.rundir.layout import WHOLE, WIDE


def read_columns(path: Path, columns: list[str], wanted: list[str], explain: str) -> dict[str, Any]:
    """The `wanted` columns of attempts.csv as float64 arrays, the guess_i last and as one (rows, N) array.

    The header must hold exactly `columns` (in any order); `explain` says where they come from.
    A file that is missing, empty, binary or cut short, or a value that is not a number, raises
    `RunFolderError` naming the file, and the line where it can.
    """
    import numpy as np

    source = str(path)
    header, wide = _header(path, columns, explain)
    if wide:
        values = _read_lines(path, header, wanted)
    else:
        values = _read_columns(path, wanted)
        _all_numbers(path, [name for name in header if name not in wanted])
    first = next(k for k, name in enumerate(wanted) if name.startswith("guess_"))  # the guesses come last
    table: dict[str, Any] = {name: values[:, k] for k, name in enumerate(wanted[:first])}
    table["guess"] = values[:, first:]
    for name in WHOLE:
        if name in table and not np.all(np.isfinite(table[name]) & (table[name] == np.round(table[name]))):
            k = int(np.flatnonzero(~(np.isfinite(table[name]) & (table[name] == np.round(table[name]))))[0])
            raise RunFolderError(f"line {k + 2:,}: {name} is {table[name][k]:g}, not a whole number", source=source)
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
        raise RunFolderError("missing; a run folder holds config.yaml, attempts.csv and summary.json",
                          source=source) from None
    except IsADirectoryError:
        raise RunFolderError("is a folder, not a file", source=source) from None
    except OSError as exc:
        raise RunFolderError(f"cannot be read ({exc.strerror})", source=source) from None
    if size == 0:
        raise RunFolderError("is empty; the run was not saved completely", source=source)
    if b"\0" in start:
        raise RunFolderError("holds binary data, not CSV text; the file is damaged", source=source)
    if end != b"\n":
        raise RunFolderError("is cut short: its last line ends without a line break", source=source)
    with path.open("rb") as handle:
        line = handle.readline()
    try:
        header = line.decode("utf-8").rstrip("\r\n").split(",")
    except UnicodeDecodeError:
        raise RunFolderError("is not UTF-8 text; the file is damaged", source=source) from None
    present, expected = set(header), set(columns)
    missing = [name for name in columns if name not in present]
    extra = [name for name in header if name not in expected]
    if missing or extra or len(present) != len(header):
        what = "; ".join(part for part in (
            f"missing {_names(missing)}" if missing else "", f"unexpected {_names(extra)}" if extra else "",
            "a column twice" if len(present) != len(header) else "") if part)
        raise RunFolderError(f"has the wrong columns ({what}); {explain}, so the columns are "
                          f"{_names(columns)}", source=source)
    return header, len(header) > WIDE


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
        raise RunFolderError(f"cannot be read as numbers ({problem}); the file is damaged",
                          source=str(path)) from None
    nulls = frame.select(pl.any_horizontal(pl.all().is_null()).arg_true()).to_series()
    if len(nulls):
        k = int(nulls[0])
        empty = next(name for name in wanted if frame[name][k] is None)
        raise RunFolderError(f"line {k + 2:,}: {empty} has no value; the file is damaged", source=str(path))
    return frame.select(wanted).to_numpy()


def _all_numbers(path: Path, columns: list[str]) -> None:
    """The columns not read are numbers too (a damaged gradient or step is refused, not ignored): one
    streaming pass that reads them as text and counts what is not a number."""
    import polars as pl

    if not columns:
        return
    scan = pl.scan_csv(path, infer_schema=False).select(columns)
    try:
        bad = scan.select(pl.all().cast(pl.Float64, strict=False).is_null().sum()).collect(engine="streaming")
    except pl.exceptions.PolarsError as exc:
        problem = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise RunFolderError(f"cannot be read as numbers ({problem}); the file is damaged", source=str(path)) from None
    column = next((name for name in columns if bad[name][0]), None)
    if column is None:
        return
    values = scan.select(pl.col(column)).collect()[column]
    k = int(values.cast(pl.Float64, strict=False).is_null().arg_true()[0])
    what = "has no value" if values[k] is None else f"is {values[k][:40]!r}, not a number"
    raise RunFolderError(f"line {k + 2:,}: {column} {what}; the file is damaged", source=str(path))


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
                raise RunFolderError(f"line {number:,} has {len(fields):,} values where the header has "
                                  f"{len(header):,} columns; the file is damaged", source=str(path))
            try:
                rows.append(np.array([float(fields[i]) for i in index]))
                np.array(fields, dtype=np.float64)  # the columns not read are numbers too
            except ValueError:
                bad = next(i for i in range(len(fields)) if not _is_float(fields[i]))
                raise RunFolderError(f"line {number:,}: {header[bad]} is {fields[bad][:40]!r}, not a number; "
                                  "the file is damaged", source=str(path)) from None
    return np.stack(rows) if rows else np.empty((0, len(wanted)))


def _is_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
