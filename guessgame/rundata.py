"""What the plots need of a run, as numpy arrays: built from a `Result` or read back from a run folder.

Plots work from this, so `guessgame plot` re-draws a saved run without torch and without simulating.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np


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
        """Read a run folder (config.yaml, attempts.csv, summary.json); simulates nothing."""
        import polars as pl
        import yaml

        from guessgame.runlog import ATTEMPTS, CONFIG, read_summary

        run_dir = Path(run_dir)
        config = yaml.safe_load((run_dir / CONFIG).read_text(encoding="utf-8"))
        summary = [_floats(run) for run in read_summary(run_dir)["runs"]]
        frame = pl.read_csv(run_dir / ATTEMPTS, infer_schema_length=0)  # all text: parse floats ourselves
        runs = len(summary)
        n = sum(1 for c in frame.columns if c.startswith("guess_"))
        rows = frame.height // runs if runs else 0
        table = lambda cols: frame.select(cols).cast(pl.Float64).to_numpy()  # noqa: E731
        guess = table([f"guess_{i}" for i in range(n)]).reshape(runs, rows, n).transpose(1, 0, 2)
        answer = np.array([np.ravel(run["answer"]) for run in summary], dtype=float).reshape(runs, n)
        return cls(
            name=config.get("name", run_dir.name), config=config,
            shape=tuple(np.shape(summary[0]["answer"])) if summary else (),
            attempt=table(["attempt"])[:rows, 0].astype(int),
            lr=np.array([run["lr"] for run in summary], dtype=float),
            game=np.array([run.get("game", 0) for run in summary], dtype=int),
            loss=table(["loss"])[:, 0].reshape(runs, rows).T, guess=guess, answer=answer,
            summary=summary,
        )


def _floats(value: Any) -> Any:
    """Undo summary.json's spelling of non-finite floats."""
    if value in ("inf", "-inf", "nan"):
        return float(value)
    if isinstance(value, dict):
        return {k: _floats(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_floats(v) for v in value]
    return value
