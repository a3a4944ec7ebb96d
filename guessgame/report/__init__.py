"""The interactive report: a run on one self-contained HTML page -- a learning-rate slider over the
runs, each run's loss, guesses and path over the loss landscape (and, for an answer of 2 or more
elements, over the loss's contours on a plane through the answer), the comparison chart, the tables.

Built on plotly.js (inlined, so the page works offline). `write_report` writes `report.html` into a
run folder; `figure` shows the same page inline in a notebook:

    >>> from guessgame import simulate
    >>> from guessgame.report import figure
    >>> figure(simulate({"answer": [2, 77, 91], "guess": 50, "loss": "mse", "lr": [1, 2.9, 3.5]}))  # doctest: +SKIP
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any


class Page:
    """A report page: `html` is the whole page; a notebook shows it inline, in a frame of its own."""

    def __init__(self, text: str, height: int = 1500) -> None:
        self.html = text
        self.height = height

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        path.write_text(self.html, encoding="utf-8")
        return path

    def _repr_html_(self) -> str:
        return (f'<iframe srcdoc="{html.escape(self.html, quote=True)}" style="width:100%;height:{self.height}px;'
                'border:1px solid #ddd" title="guessgame report"></iframe>')


def figure(source: Any) -> Page:
    """The report of a `Result`, a `RunData` or a saved run folder, shown inline by a notebook."""
    from guessgame.report.page import render

    run, config_text = _read(source)
    return Page(render(run, config_text), 1500 + 480 * (run.guess.shape[2] >= 2))  # a row more: the contours


def prepare() -> None:
    """Load what writing a page needs, ahead of the page: its code and plotly.js."""
    from guessgame.report import page

    page._plotly()


def write_report(source: Any, run_dir: str | Path) -> Path:
    """Write `run_dir/report.html` for `source` (a `Result`, a `RunData`, or `run_dir` itself when None),
    through a temporary file: a report that fails leaves no half page."""
    from guessgame.report.page import render
    from guessgame.rundir.layout import CONFIG, REPORT
    from guessgame.rundir.write import write_atomic

    run_dir = Path(run_dir)
    run, config_text = _read(run_dir if source is None else source)
    if source is not None and (run_dir / CONFIG).is_file():  # the config exactly as the folder holds it
        config_text = (run_dir / CONFIG).read_text(encoding="utf-8")
    path = run_dir / REPORT
    write_atomic(path, render(run, config_text))
    return path


def _read(source: Any):
    """The run and its resolved config as YAML text."""
    import yaml

    if isinstance(source, (str, Path)):
        from guessgame.rundir import CONFIG, read_run

        run = read_run(source)
        text = (Path(source) / CONFIG).read_text(encoding="utf-8")
        return run, text
    from guessgame.viz import run_data

    run = run_data(source)
    return run, yaml.safe_dump(run.config.to_dict(), sort_keys=False, default_flow_style=None)
