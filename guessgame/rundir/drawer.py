"""A run's figures and page drawn by a second process, started before torch is loaded.

Loading matplotlib takes about half as long as loading torch, and drawing a small run's figures
about as long again. A process forked at the start of `guessgame run` loads matplotlib and the
figures' code on the other core while this one loads torch and plays the game; once the data files
are written it reads them back, as `guessgame plot` would, draws every figure and writes the page,
and says which of them failed. It ignores Ctrl-C: the run decides, and stops it when told to stop
at once. Where there is no `fork`, or something is already running beside the command, the run
draws in its own process as before.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Callable

from guessgame.rundir.layout import PLOTS

# A log this big is drawn in the run's own process: reading it back would cost more than it saves.
SMALL = 200_000  # values of loss, guess, gradient and step


class Drawer:
    """The drawing process: `draw(run_dir)` once the data files are written, else `stop()`."""

    def __init__(self, pid: int, order: int, answer: int) -> None:
        self.pid, self._order, self._answer = pid, order, answer
        self._done = False

    @classmethod
    def start(cls, fmt: str, report: Callable | None, prepare: Callable[[], None] = lambda: None) -> "Drawer | None":
        """Fork the drawing process, or None where it cannot help: no fork, torch already loaded, or
        other threads running (a fork copies only the thread that calls it)."""
        if not hasattr(os, "fork") or sys.platform != "linux" or "torch" in sys.modules \
                or threading.active_count() > 1:
            return None
        order_read, order_write = os.pipe()
        answer_read, answer_write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the drawing process: it never returns
            os.close(order_write)
            os.close(answer_read)
            _child(order_read, answer_write, fmt, report, prepare)
        os.close(order_read)
        os.close(answer_write)
        return cls(pid, order_write, answer_read)

    def draw(self, run_dir: Path) -> list:
        """Draw `run_dir`'s figures and page in the drawing process; the failures, as `save.Failure`s."""
        from guessgame.rundir.save import Failure

        os.write(self._order, json.dumps({"run_dir": str(run_dir)}).encode() + b"\n")
        os.close(self._order)
        chunks = []
        while chunk := os.read(self._answer, 1 << 16):
            chunks.append(chunk)
        os.close(self._answer)
        os.waitpid(self.pid, 0)
        self._done = True
        try:
            answer = json.loads(b"".join(chunks))
        except ValueError:
            return [Failure(f"{PLOTS}/", RuntimeError("the drawing process ended before it had drawn them"))]
        return [Failure(what, type(kind, (Exception,), {})(message)) for what, kind, message in answer]

    def stop(self) -> None:
        """End the drawing process at once, wherever it is."""
        if self._done:
            return
        self._done = True
        for fd in (self._order, self._answer):
            try:
                os.close(fd)
            except OSError:
                pass
        try:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass


def _child(order: int, answer: int, fmt: str, report: Callable | None, prepare: Callable[[], None]) -> None:
    """Load what drawing needs, wait for the run folder, draw it, tell the failures, and end."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    failures = []
    try:
        from guessgame import viz  # noqa: F401 - matplotlib and the figures, loaded while the run plays
        from guessgame.rundir.read import read_run
        from guessgame.rundir.save import draw_figures, write_page
        import polars  # noqa: F401 - what reads attempts.csv back

        prepare()
        line = b""
        while not line.endswith(b"\n"):
            chunk = os.read(order, 1 << 16)
            if not chunk:  # the run ended without a folder to draw
                os._exit(0)
            line += chunk
        run_dir = Path(json.loads(line)["run_dir"])
        data = read_run(run_dir)
        failures = draw_figures(data, run_dir / PLOTS, fmt)[1]
        if report is not None:
            failures += write_page(report, data, run_dir)
    except BaseException as exc:  # noqa: BLE001 - told to the run, which names it
        failures.append(_failure(f"{PLOTS}/", exc))
    try:
        os.write(answer, json.dumps([[f.what, type(f.error).__name__, str(f.error)] for f in failures]).encode())
    finally:
        os._exit(0)


def _failure(what: str, error: BaseException):
    from guessgame.rundir.save import Failure

    return Failure(what, error)
