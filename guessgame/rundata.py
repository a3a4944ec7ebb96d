"""What the plots need of a run, as numpy arrays: built from a `Result` or read back from a run folder.

Plots work from this, so `guessgame plot` re-draws a saved run without torch and without simulating.
Reading checks what it reads: a damaged or inconsistent folder raises a `ConfigError` naming the
file and what is wrong, never a plausible but wrong picture.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from guessgame.errors import ConfigError


@dataclass
class RunData:
    name: str
    config: dict[str, Any]  # the resolved config (YAML keys)
    shape: tuple[int, ...]
    attempt: np.ndarray  # (rows,)
    lr: np.ndarray  # (runs,)
    game: np.ndarray  # (runs,)
    loss: np.ndarray  # (rows, runs)
    guess: np.ndarray  # (rows, runs, N) flattened elements
    answer: np.ndarray  # (runs, N)
    summary: list[dict[str, Any]]  # summary.json's runs

    @property
    def runs(self) -> int:
        return len(self.lr)

    @property
    def games(self) -> int:
        """Random answers per learning rate."""
        return int(self.game.max()) + 1 if self.runs else 1

    @property
    def status(self) -> list[str]:
        return [run["status"] for run in self.summary]

    @classmethod
    def from_result(cls, result) -> "RunData":
        config = result.config
        rows, runs = result.loss.shape
        return cls(
            name=config.name, config=config.to_dict(), shape=config.shape,
            attempt=result.attempt.numpy(), lr=result.lr.double().numpy(),
            game=result.game.numpy(), loss=result.loss.double().cpu().numpy(),
            guess=result.guess.double().cpu().reshape(rows, runs, -1).numpy(),
            answer=result.answer.double().cpu().reshape(runs, -1).numpy(),
            summary=result.summary(),
        )

    @classmethod
    def load(cls, run_dir: str | Path) -> "RunData":
        """Read a run folder (config.yaml, attempts.csv, summary.json) and check that they agree.

        Simulates nothing. Raises `ConfigError` naming the file and the problem when a file is
        missing, damaged, or disagrees with the others (rows cut off, re-sorted, another run count).
        """
        from guessgame.runlog import ATTEMPTS, CONFIG, SUMMARY, attempt_columns, read_attempts

        run_dir = Path(run_dir)
        if not run_dir.is_dir():
            problem = "is a file, not a run folder" if run_dir.exists() else "no such folder"
            raise ConfigError(problem, source=str(run_dir))
        if not any((run_dir / name).exists() for name in (CONFIG, ATTEMPTS, SUMMARY)):
            raise ConfigError("not a run folder: it holds none of config.yaml, attempts.csv and summary.json",
                              source=str(run_dir))
        config = _read_config(run_dir / CONFIG)
        summary = _read_summary(run_dir / SUMMARY)
        answer = np.array([_flat(run["answer"]) for run in summary], dtype=float)
        runs, n = answer.shape
        games = int(config.get("games", 1)) > 1 or any(run["game"] for run in summary)
        columns = attempt_columns(n, games)
        wanted = ["run", "lr", *(["game"] if games else []), "attempt", "loss", *(f"guess_{i}" for i in range(n))]
        table = read_attempts(run_dir / ATTEMPTS, columns, wanted, explain=(
            f"summary.json has {runs} run(s) and an answer of {n} element(s)"))
        attempt = _check_layout(table, summary, config, str(run_dir / ATTEMPTS))
        rows = len(attempt)
        return cls(
            name=str(config.get("name", run_dir.name)), config=config, shape=np.shape(summary[0]["answer"]),
            attempt=attempt, lr=np.array([run["lr"] for run in summary], dtype=float),
            game=np.array([run["game"] for run in summary], dtype=int),
            loss=table["loss"].reshape(runs, rows).T.copy(),
            guess=table["guess"].reshape(runs, rows, n).transpose(1, 0, 2).copy(),
            answer=answer, summary=summary,
        )


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError("missing; a run folder holds config.yaml, attempts.csv and summary.json",
                          source=str(path)) from None
    except IsADirectoryError:
        raise ConfigError("is a folder, not a file", source=str(path)) from None
    except UnicodeDecodeError:
        raise ConfigError("is not text (it is not UTF-8); the file is damaged", source=str(path)) from None
    except OSError as exc:
        raise ConfigError(f"cannot be read ({exc.strerror})", source=str(path)) from None


def _read_config(path: Path) -> dict[str, Any]:
    """config.yaml: a mapping whose loss and optimizer the plots can name."""
    from guessgame.config.schema import LOSSES, OPTIMIZERS, REDUCTIONS, kind
    from guessgame.config.yamlsafe import load_yaml

    config, lines = load_yaml(_read_text(path), str(path))
    if not isinstance(config, dict):
        raise ConfigError(f"must hold a mapping of keys (answer:, lr: ...), got {kind(config)}", source=str(path))
    for key, known in (("loss", LOSSES), ("optimizer", OPTIMIZERS)):
        entry = config.get(key)
        name = entry.get("name") if isinstance(entry, dict) else entry
        if name not in known:
            raise ConfigError(f"got {name!r}; a run folder's config names one of: {', '.join(known)}",
                              key=key, source=str(path), line=lines.get((key,)))
        options = entry if isinstance(entry, dict) else {}
        for option, value in options.items():
            if option != "name" and not _is_number(value) and not isinstance(value, (bool, list)):
                raise ConfigError(f"got {value!r}; a number", key=f"{key}.{option}", source=str(path),
                                  line=lines.get((key, option)))
    if config.get("reduction", "mean") not in REDUCTIONS:
        raise ConfigError(f"got {config['reduction']!r}; allowed: {', '.join(REDUCTIONS)}", key="reduction",
                          source=str(path), line=lines.get(("reduction",)))
    for key in ("attempts", "log_every", "games"):
        if key in config and not (_is_int(config[key]) and config[key] >= 1):
            raise ConfigError(f"got {config[key]!r}; a whole number >= 1", key=key, source=str(path),
                              line=lines.get((key,)))
    return config


def _read_summary(path: Path) -> list[dict[str, Any]]:
    """summary.json's runs, non-finite floats restored, each checked for what the plots read."""
    from guessgame.config.schema import kind
    from guessgame.score import STATUSES

    try:
        summary = json.loads(_read_text(path))
    except json.JSONDecodeError as exc:
        raise ConfigError(f"is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno}); "
                          "the file is damaged or cut short", source=str(path)) from None
    if not isinstance(summary, dict):
        raise ConfigError(f"must hold a JSON object with `runs`, got {kind(summary)}", source=str(path))
    runs = summary.get("runs")
    if not isinstance(runs, list) or not runs:
        raise ConfigError(f"got {kind(runs)}; a non-empty list of runs", key="runs", source=str(path))
    checked, shape = [], None
    for index, run in enumerate(runs):
        where = f"runs.{index}"

        def bad(key: str, allowed: str) -> ConfigError:
            return ConfigError(f"got {run.get(key)!r}; {allowed}", key=f"{where}.{key}", source=str(path))

        if not isinstance(run, dict):
            raise ConfigError(f"got {kind(run)}; each run is a JSON object", key=where, source=str(path))
        run = _floats(run)
        run.setdefault("game", 0)
        if run.get("run") != index or not _is_int(run.get("run")):
            raise bad("run", f"runs are listed in order, so this one is run {index}")
        if not (_is_number(run.get("lr")) and math.isfinite(run["lr"]) and run["lr"] > 0):
            raise bad("lr", "a positive finite learning rate")
        if run.get("status") not in STATUSES:
            raise bad("status", f"one of {', '.join(STATUSES)}")
        if not (_is_int(run["game"]) and run["game"] >= 0):
            raise bad("game", "a whole number >= 0")
        for key in ("converged_at", "diverged_at"):
            if run.get(key) is not None and not (_is_int(run[key]) and run[key] >= 1):
                raise bad(key, "null or an attempt number >= 1")
        if not (_is_int(run.get("attempts_run")) and run["attempts_run"] >= 0):
            raise bad("attempts_run", "a whole number >= 0")
        if not _is_number(run.get("final_loss")):
            raise bad("final_loss", 'a number, or "inf", "-inf" or "nan"')
        theory = run.get("theory")
        if theory is not None and not (isinstance(theory, dict) and all(
                theory.get(k) is None or _is_number(theory[k]) for k in ("critical_lr", "best_lr", "rate"))):
            raise bad("theory", "null, or an object whose critical_lr, best_lr and rate are numbers or null")
        if _answer_shape(run.get("answer")) is None:
            raise bad("answer", "a finite number or a rectangular list of them")
        if shape is not None and _answer_shape(run["answer"]) != shape:
            raise bad("answer", f"the shape of run 0's answer, {list(shape)}")
        shape = _answer_shape(run["answer"])
        checked.append(run)
    return checked


def _check_layout(table: dict[str, np.ndarray], summary: list[dict], config: dict, source: str) -> np.ndarray:
    """attempts.csv holds one block of rows per run, in run order, each with the same attempts: the
    attempts config.yaml logs, up to the last one summary.json says was run. Returns the attempts."""
    runs, total = len(summary), len(table["run"])
    if total == 0:
        interrupted = all(run["attempts_run"] == 0 for run in summary)
        raise ConfigError("has a header but no rows" + (" (the run was stopped before its first attempt)"
                                                        if interrupted else "; the file is cut short"),
                          source=source)
    held = int(np.nanmax(table["run"])) + 1
    if held != runs:
        raise ConfigError(f"holds {held} run(s) (run 0 to {held - 1}) but summary.json has {runs}; the two "
                          "files come from different runs", source=source)
    if total % runs:
        raise ConfigError(f"has {total:,} rows, which is not the same number for each of the {runs} runs in "
                          "summary.json; the file is cut short or belongs to another run", source=source)
    rows = total // runs
    expected_run = np.repeat(np.arange(runs), rows)
    _same_as(table["run"], expected_run, "run", rows, source,
             f"one block of {rows:,} rows per run, runs in order 0 to {runs - 1} as in summary.json")
    _same_as(table["lr"], np.repeat([run["lr"] for run in summary], rows), "lr", rows, source,
             "each run's learning rate from summary.json")
    if "game" in table:
        _same_as(table["game"], np.repeat([run["game"] for run in summary], rows), "game", rows, source,
                 "each run's game from summary.json")
    last = max(run["attempts_run"] for run in summary)
    attempts = config.get("attempts")
    if _is_int(attempts) and last > attempts:
        raise ConfigError(f"says {last:,} attempts were run, but config.yaml has attempts: {attempts:,}",
                          source=str(Path(source).with_name("summary.json")))
    expected = _logged(config, last)
    rule = ("the attempts config.yaml logs (attempts, log_every) up to the last one summary.json's "
            f"attempts_run says was run, {last:,}, the same for every run")
    if expected is None:  # config.yaml does not say: the first run's attempts, if they can be right
        expected = table["attempt"][:rows]
        rule = "the same attempts for every run, as the first run has them"
        if not (expected[0] >= 1 and np.all(np.diff(expected) > 0) and expected[-1] <= last):
            raise ConfigError(f"the attempts run from {expected[0]:g} to {expected[-1]:g}, but summary.json "
                              f"says {last:,} attempts were run; the file is cut short or its rows re-sorted",
                              source=source)
    if len(expected) != rows:
        raise ConfigError(f"has {rows:,} rows per run where {len(expected):,} were expected ({rule})",
                          source=source)
    _same_as(table["attempt"], np.tile(expected, runs), "attempt", rows, source, rule)
    return expected.astype(int)


def _logged(config: dict, last: int) -> np.ndarray | None:
    """The attempts logged by a run of config.yaml that stopped after `last`, when config.yaml says."""
    attempts, every = config.get("attempts"), config.get("log_every", 1)
    if not (_is_int(attempts) and _is_int(every)):
        return None
    kept = np.arange(1, min(attempts, last) + 1, every, dtype=float)
    if attempts <= last and (not kept.size or kept[-1] != attempts):
        kept = np.append(kept, attempts)  # the last attempt is always logged
    return kept


def _same_as(values: np.ndarray, expected: np.ndarray, column: str, rows: int, source: str, rule: str) -> None:
    if len(values) == len(expected) and np.array_equal(values, expected):
        return
    if len(values) != len(expected):
        raise ConfigError(f"column {column}: {len(values):,} rows where {len(expected):,} were expected ({rule})",
                          source=source)
    k = int(np.flatnonzero(values != expected)[0])
    raise ConfigError(f"line {k + 2:,}: {column} is {values[k]:g} where {expected[k]:g} was expected ({rule}); "
                      "the file is cut short, re-sorted or belongs to another run", source=source)


def _answer_shape(value: Any) -> tuple[int, ...] | None:
    """The shape of a number or rectangular nested list of finite numbers, else None."""
    if _is_number(value):
        return () if math.isfinite(value) else None
    if not isinstance(value, list) or not value:
        return None
    shapes = {_answer_shape(item) for item in value}
    if len(shapes) != 1 or None in shapes:
        return None
    return (len(value), *shapes.pop())


def _flat(value: Any) -> list[float]:
    return [float(x) for x in np.ravel(np.array(value, dtype=float))]


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _floats(value: Any) -> Any:
    """Undo summary.json's spelling of non-finite floats."""
    if value in ("inf", "-inf", "nan"):
        return float(value)
    if isinstance(value, dict):
        return {k: _floats(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_floats(v) for v in value]
    return value
