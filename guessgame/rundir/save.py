"""Saving a run folder: the data first and complete, then what is drawn from it.

config.yaml, attempts.csv and summary.json are written before any figure or event file, and a
figure or the TensorBoard files failing never removes them: each failure is named and returned.
The writing runs in a worker thread, so that Ctrl-C reaches the caller at once, even inside a long
CSV or figure write. The first Ctrl-C (or the one that ended the simulation) lets the folder be
finished; the next stops at once: before the data files are complete it removes the unfinished
folder; after, it keeps them and removes only what was still being drawn.
"""

from __future__ import annotations

import errno
import shutil
import threading
import time
from pathlib import Path
from typing import Callable, NamedTuple

from guessgame import interrupts
from guessgame.errors import DiskFull, OutputError
from guessgame.rundir.layout import ANIMATION, PLOTS, REPORT, TENSORBOARD, file_size
from guessgame.rundir.write import create_run_dir, replacing, write_run

# What a run draws (and `score` with random games); re-plotting adds the path over the loss landscape.
RUN_FIGURES = ("loss", "trajectory", "lr")
ALL_FIGURES = (*RUN_FIGURES, "path")


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
    `busy`: the worker thread is still inside a write, so the process should end without waiting."""

    def __init__(self, run_dir: Path, kept_data: bool, busy: bool) -> None:
        super().__init__(str(run_dir))
        self.run_dir, self.kept_data, self.busy = run_dir, kept_data, busy


class _Progress:
    """What the worker thread has done so far."""

    def __init__(self) -> None:
        self.data_written = threading.Event()
        self.stop = threading.Event()  # set by a second Ctrl-C: draw no more
        self.failures: list[Failure] = []


def save(result, out: Path, *, fmt: str = "png", figures: bool = True, tensorboard: bool = False,
         notify: Callable[[str], None] = print, report: Callable[[object, Path], Path] | None = None,
         drawer=None) -> Saved:
    """Write a new run folder under `out` for `result`; `notify` is told when Ctrl-C is pressed while saving.
    With `figures`, `report(result, run_dir)` writes the page of the run last, after the plots -- both
    in the `drawer.Drawer` process if one is given."""
    run_dir = create_run_dir(out, result.config.name)
    progress = _Progress()

    def write() -> None:
        _write_data(run_dir, result)
        progress.data_written.set()
        try:
            extras()
        except BaseException as exc:  # noqa: BLE001 - the data files stand; named like a figure that failed
            progress.failures.append(Failure(f"{PLOTS}/", exc))

    def extras() -> None:
        if tensorboard and not progress.stop.is_set():
            progress.failures += _write_events(run_dir, result)
        if not figures or progress.stop.is_set() or not len(result.attempt):
            return
        if drawer is not None:
            progress.failures += drawer.draw(run_dir)
            return
        progress.failures += draw_figures(result, run_dir / PLOTS, fmt, stop=progress.stop)[1]
        if report is not None and not progress.stop.is_set():
            progress.failures += write_page(report, result, run_dir)

    with interrupts.watching():
        worker = _Worker(write, notify)
        try:
            interrupted = worker.wait()
        except KeyboardInterrupt:  # the second Ctrl-C: stop at once
            progress.stop.set()
            if drawer is not None:
                drawer.stop()
            kept = progress.data_written.is_set()
            for unfinished in ((PLOTS, TENSORBOARD) if kept else ("",)):
                remove(run_dir / unfinished)
            for half in run_dir.glob(f".{REPORT}.*"):  # the page's temporary file, if it was being written
                half.unlink(missing_ok=True)
            raise Stopped(run_dir, kept, worker.busy) from None
        except BaseException as exc:
            if not progress.data_written.is_set():
                remove(run_dir)
                if isinstance(exc, OSError):
                    raise unwritable(run_dir, exc) from None
            raise
    return Saved(run_dir, progress.failures, interrupted)


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


def draw_figures(source, folder: Path, fmt: str, names: tuple[str, ...] = RUN_FIGURES,
                 stop: threading.Event | None = None, extras: bool = True) -> tuple[list[Path], list[Failure]]:
    """Draw and save each figure into `folder`: the files written, and each figure that failed. With
    `extras`, also the score of random games and the cells of a grid."""
    from guessgame import viz

    try:
        folder.mkdir(exist_ok=True)
        data = viz.as_run(source)
        names = (*names, "score") if extras and data.games > 1 else names
        names = (*names, "cells") if extras and data.config.grid else names  # a grid's cells side by side
    except Exception as exc:  # noqa: BLE001 - no figure can be drawn; the data files stand
        return [], [Failure(f"{folder.name}/{name}.{fmt}", exc) for name in names]
    written, failures = [], []
    for name in names:
        if stop is not None and stop.is_set():
            break
        path = folder / f"{name}.{fmt}"
        try:
            save_figure(viz.FIGURES[name](data), path)
        except Exception as exc:  # noqa: BLE001 - reported by name; the other figures go on
            failures.append(Failure(f"{folder.name}/{path.name}", exc))
        else:
            written.append(path)
    return written, failures


def save_figure(figure, path: Path) -> None:
    """Save a figure at `viz.DPI` through a temporary file and a rename: a failed save leaves no half file."""
    from guessgame import viz

    with replacing(path) as tmp:
        figure.savefig(tmp, format=path.suffix.lstrip(".").lower(), dpi=viz.DPI)


def save_animation(source, folder: Path) -> tuple[Path, int]:
    """plots/guesses.gif: the guesses moving over the loss landscape; returns it and its frame count."""
    from guessgame import viz

    folder.mkdir(exist_ok=True)
    path = folder / ANIMATION
    with replacing(path) as tmp:
        frames = viz.animate(viz.as_run(source), tmp)
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


class _Worker:
    """`work` in a daemon thread, waited for by the caller, whom Ctrl-C reaches at once: a first press is
    told to `notify` and the work goes on; a second raises KeyboardInterrupt in the waiting thread."""

    def __init__(self, work: Callable[[], None], notify: Callable[[str], None]) -> None:
        self.failure: list[BaseException] = []
        self.finished = threading.Event()  # not Thread.join: a join cut short by Ctrl-C can mark it done
        self.notify = notify

        def target() -> None:
            try:
                work()
            except BaseException as exc:  # handed to the waiting thread
                self.failure.append(exc)
            finally:
                self.finished.set()

        threading.Thread(target=target, name="guessgame-save", daemon=True).start()

    @property
    def busy(self) -> bool:
        return not self.finished.is_set()

    def wait(self) -> bool:
        """Wait for the work; returns whether Ctrl-C was pressed (once) meanwhile."""
        start = told = interrupts.presses()
        while not self.finished.is_set():
            self.finished.wait(0.05)
            if interrupts.presses() > told:
                told = interrupts.presses()
                self.notify("interrupted while saving; finishing the run folder (Ctrl-C again to stop at once)")
        if self.failure:
            raise self.failure[0]
        return told > start
