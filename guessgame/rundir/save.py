"""Saving a run folder: the data first and complete, then what is drawn from it.

config.yaml, attempts.csv and summary.json are written before any figure or event file, and a
figure or the TensorBoard files failing never removes them: each failure is named and returned.
The writing runs in a worker thread (`worker.Worker`), so that Ctrl-C reaches the caller at once.
The first Ctrl-C (or the one that ended the simulation) lets the folder be finished; the next stops
at once: before the data files are complete it removes the unfinished folder; after, it keeps them
and removes only what was still being drawn.

`figures` draws the figures `viz.FIGURES` lists, and the page: `Here`, or the process `drawer.drawing` starts.
"""

from __future__ import annotations

import errno
import shutil
import threading
import time
from pathlib import Path
from typing import Callable, NamedTuple, Protocol

from guessgame import interrupts
from guessgame.errors import DiskFull, OutputError
from guessgame.rundir.layout import ANIMATION, PLOTS, REPORT, TENSORBOARD, file_size
from guessgame.rundir.worker import Worker
from guessgame.rundir.write import create_run_dir, replacing, write_run


class Failure(NamedTuple):
    what: str  # "plots/lr.png", "tensorboard/"
    error: BaseException

    def __str__(self) -> str:
        verb = "written" if self.what.endswith(("/", ".html")) else "drawn"
        reason = f"{type(self.error).__name__}: {self.error}" if str(self.error) else type(self.error).__name__
        return f"{self.what} could not be {verb}: {reason}"


class Saved(NamedTuple):
    run_dir: Path
    failures: list[Failure]
    interrupted: bool  # Ctrl-C was pressed while saving (and the folder was finished anyway)


class Stopped(Exception):
    """A second Ctrl-C stopped the saving at once. `kept_data`: config.yaml, attempts.csv and summary.json
    were complete and are kept (the figures were not finished); else the folder was removed.
    `busy`: the worker thread is still inside a write, so the process must end without waiting for it:
    a daemon thread inside native drawing code makes the interpreter abort on its way out."""

    def __init__(self, run_dir: Path, kept_data: bool, busy: bool) -> None:
        super().__init__(str(run_dir))
        self.run_dir, self.kept_data, self.busy = run_dir, kept_data, busy


class Drawing(Protocol):
    """Where a run's figures and page are drawn: `Here`, or the drawing process (`drawer.Apart`)."""

    def draw(self, result, run_dir: Path, stop: threading.Event) -> list[Failure]:
        """Draw the figures into run_dir/plots, then the page; each that failed. Called once the data
        files are written; `stop` is set by a second Ctrl-C."""

    def close(self) -> None:
        """Stop drawing at once, wherever it is (nothing if it is done)."""


class Here(NamedTuple):
    """The figures and the page drawn in the run's own process, from the result."""

    fmt: str = "png"
    report: Callable[[object, Path], Path] | None = None  # writes report.html, after the plots
    style: str = "default"  # the figures' look: one of `viz.STYLES`

    def draw(self, result, run_dir: Path, stop: threading.Event) -> list[Failure]:
        failures = draw_figures(result, run_dir / PLOTS, self.fmt, stop=stop, style=self.style)[1]
        if self.report is not None and not stop.is_set():
            failures += write_page(self.report, result, run_dir)
        return failures

    def close(self) -> None:
        """Nothing to end: the drawing stops before its next figure once `stop` is set."""


class _Progress:
    """What the worker thread has done so far."""

    def __init__(self) -> None:
        self.data_written = threading.Event()
        self.stop = threading.Event()  # set by a second Ctrl-C: draw no more
        self.failures: list[Failure] = []


HERE = Here()  # the figures drawn in this process, as png, with no page


def save(result, out: Path, *, figures: Drawing | None = HERE, tensorboard: bool = False,
         notify: Callable[[str], None] = print) -> Saved:
    """Write a new run folder under `out` for `result`; `notify` is told when Ctrl-C is pressed while
    saving. Once the data files are written, the TensorBoard files, then `figures` draws the plots and
    the page (None: neither)."""
    run_dir = create_run_dir(out, result.config.name)
    progress = _Progress()

    def write() -> None:
        _write_data(run_dir, result)
        progress.data_written.set()
        try:
            if tensorboard and not progress.stop.is_set():
                progress.failures += _write_events(run_dir, result)
            if figures is not None and not progress.stop.is_set() and len(result.attempt):
                progress.failures += figures.draw(result, run_dir, progress.stop)
        except BaseException as exc:  # noqa: BLE001 - the data files stand; named like a figure that failed
            progress.failures.append(Failure(f"{PLOTS}/", exc))

    with interrupts.watching():
        worker = Worker(write, notify)
        try:
            interrupted = worker.wait()
        except KeyboardInterrupt:  # the second Ctrl-C: stop at once
            progress.stop.set()
            if figures is not None:
                figures.close()
            raise _stopped(run_dir, progress.data_written.is_set(), worker.busy) from None
        except BaseException as exc:
            if not progress.data_written.is_set():
                remove(run_dir)
                if isinstance(exc, OSError):
                    raise unwritable(run_dir, exc) from None
            raise
    return Saved(run_dir, progress.failures, interrupted)


def _stopped(run_dir: Path, kept: bool, busy: bool) -> Stopped:
    """Remove what a stop at once leaves unfinished: the folder, or once the data is written what was
    still being drawn."""
    for unfinished in ((PLOTS, TENSORBOARD) if kept else ("",)):
        remove(run_dir / unfinished)
    for half in run_dir.glob(f".{REPORT}.*"):  # the page's temporary file, if it was being written
        half.unlink(missing_ok=True)
    return Stopped(run_dir, kept, busy)


def _write_data(run_dir: Path, result) -> None:
    """config.yaml, attempts.csv and summary.json, written again should a library cut them short with a
    KeyboardInterrupt of its own (the user's Ctrl-C is counted in the main thread, never raised here)."""
    for _ in range(3):
        try:
            write_run(run_dir, result)
            return
        except KeyboardInterrupt:
            continue
    raise RuntimeError("writing the data files was cut short three times by a KeyboardInterrupt that was not "
                       "a Ctrl-C")


def unwritable(run_dir: Path, exc: OSError) -> OutputError | DiskFull:
    """The error to show when the run folder's data files could not be written (the folder is removed)."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        disk = _mount_point(run_dir.parent)
        free = shutil.disk_usage(disk).free
        return DiskFull(f"the disk mounted at {disk} is full ({file_size(free)} free): the run folder {run_dir} "
                        "could not be written and was removed; free some space or choose another --out",
                        source=str(run_dir.parent))
    return OutputError(f"the run folder {run_dir} could not be written ({exc.strerror or exc}) and was removed",
                       source=str(run_dir.parent))


def _mount_point(path: Path) -> Path:
    """The folder where the file system holding `path` is mounted."""
    path = path.resolve()
    while path.parent != path and path.parent.stat().st_dev == path.stat().st_dev:
        path = path.parent
    return path


def draw_figures(source, folder: Path, fmt: str, *, replot: bool = False, stop: threading.Event | None = None,
                 share: Callable[[list], list] = list, style: str = "default") -> tuple[list[Path], list[Failure]]:
    """Draw and save into `folder`, in `style` (of `viz.STYLES`), each figure `viz.FIGURES` lists for this run
    (`replot`: for `guessgame plot`): the files written, and each that failed. `share`: the part to draw here."""
    from guessgame import viz

    try:
        folder.mkdir(exist_ok=True)
        data = viz.run_data(source)
        figures = share(viz.figures_for(data, replot=replot))
    except Exception as exc:  # noqa: BLE001 - no figure can be drawn; the data files stand
        known = share(viz.figures_for(None, replot=replot))  # those drawn whatever the run
        return [], [Failure(f"{folder.name}/{entry.name}.{fmt}", exc) for entry in known]
    written, failures = [], []
    for entry in figures:
        if stop is not None and stop.is_set():
            break
        path = folder / f"{entry.name}.{fmt}"
        try:
            with viz.using(style):  # drawn and saved in it
                save_figure(entry(data), path)
        except Exception as exc:  # noqa: BLE001 - reported by name; the other figures go on
            failures.append(Failure(f"{folder.name}/{path.name}", exc))
        else:
            written.append(path)
    return written, failures


def save_figure(figure, path: Path) -> None:
    """Save a figure at `viz.DPI` through a temporary file and a rename: a failed save leaves no half file.
    A PNG is compressed fast (zlib level 1, not PIL's 6): `guessgame run` of the example configs draws its
    figures 8-24% sooner, for PNGs 6-23% larger."""
    from guessgame import viz

    fmt = path.suffix.lstrip(".").lower()
    fast = {"pil_kwargs": {"compress_level": 1}} if fmt == "png" else {}
    with replacing(path) as tmp:
        figure.savefig(tmp, format=fmt, dpi=viz.DPI, **fast)


def save_animation(source, folder: Path, style: str = "default") -> tuple[Path, int]:
    """plots/guesses.gif: the guesses moving over the loss landscape (in `style`); it and its frame count."""
    from guessgame import viz

    folder.mkdir(exist_ok=True)
    path = folder / ANIMATION
    with replacing(path) as tmp, viz.using(style):
        frames = viz.animate(viz.run_data(source), tmp)
    return path, frames


def write_page(report: Callable[[object, Path], Path], source, run_dir: Path) -> list[Failure]:
    """report.html, or the reason it could not be written (it is written through a temporary file)."""
    try:
        report(source, run_dir)
    except Exception as exc:  # noqa: BLE001 - reported by name; the data files and plots stand
        return [Failure(REPORT, exc)]
    return []


def _write_events(run_dir: Path, result) -> list[Failure]:
    """TensorBoard's event files, or the reason they could not be written (and no half-written folder)."""
    from guessgame.rundir.events import write_events

    try:
        write_events(run_dir, result)
    except Exception as exc:  # noqa: BLE001 - reported by name; the data files stand
        remove(run_dir / TENSORBOARD)
        return [Failure(f"{TENSORBOARD}/", exc)]
    return []


def remove(folder: Path) -> None:
    for _ in range(3):  # the worker may still be adding files while the folder goes
        shutil.rmtree(folder, ignore_errors=True)
        if not folder.exists():
            break
        time.sleep(0.05)
