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
            os.setpgid(0, 0)  # a group of its own, with the helper it forks: `stop` ends them together
            os.close(order_write)
            os.close(answer_read)
            _child(order_read, answer_write, fmt, report, prepare)
        try:
            os.setpgid(pid, pid)
        except OSError:  # it is already its own group
            pass
        os.close(order_read)
        os.close(answer_write)
        return cls(pid, order_write, answer_read)

    def draw(self, run_dir: Path) -> list:
        """Draw `run_dir`'s figures and page in the drawing process; the failures, as `save.Failure`s."""
        from guessgame.rundir.save import Failure

        os.write(self._order, json.dumps({"run_dir": str(run_dir)}).encode() + b"\n")
        os.close(self._order)
        answer = _receive(self._answer)
        os.waitpid(self.pid, 0)
        self._done = True
        if answer is None:
            return [Failure(f"{PLOTS}/", RuntimeError("the drawing process ended before it had drawn them"))]
        return answer

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
            os.killpg(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        except (ProcessLookupError, ChildProcessError, PermissionError):
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

        def draw(names: tuple[str, ...], extras: bool, page: Callable | None) -> list:
            data = read_run(run_dir)
            drawn = draw_figures(data, run_dir / PLOTS, fmt, names, extras=extras)[1]
            return drawn + (write_page(page, data, run_dir) if page is not None else [])

        if (os.cpu_count() or 1) > 1:  # the run waits: the lr figure and the page on its core
            helper = _beside(lambda: draw(("lr",), False, report))
            failures = draw(("loss", "trajectory"), True, None)
            failures += helper()
        else:
            failures = draw(("loss", "trajectory", "lr"), True, report)
    except BaseException as exc:  # noqa: BLE001 - told to the run, which names it
        failures.append(_failure(f"{PLOTS}/", exc))
    try:
        _send(answer, failures)
    finally:
        os._exit(0)


def _beside(work: Callable[[], list]) -> Callable[[], list]:
    """`work` in a forked helper; calling what this returns waits for the helper's failures."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        try:
            failures = work()
        except BaseException as exc:  # noqa: BLE001 - told to the drawing process
            failures = [_failure(f"{PLOTS}/", exc)]
        try:
            _send(write, failures)
        finally:
            os._exit(0)
    os.close(write)

    def wait() -> list:
        answer = _receive(read)
        os.waitpid(pid, 0)
        return answer if answer is not None else [
            _failure(f"{PLOTS}/", RuntimeError("the drawing helper ended before it had drawn"))]

    return wait


def _send(fd: int, failures: list) -> None:
    """The failures, as JSON, down a pipe, then closed."""
    data = json.dumps([[f.what, type(f.error).__name__, str(f.error)] for f in failures]).encode()
    while data:
        data = data[os.write(fd, data):]
    os.close(fd)


def _receive(fd: int) -> list | None:
    """What `_send` sent, as `save.Failure`s; None if the other end ended without sending."""
    from guessgame.rundir.save import Failure

    chunks = []
    while chunk := os.read(fd, 1 << 16):
        chunks.append(chunk)
    os.close(fd)
    try:
        answer = json.loads(b"".join(chunks))
    except ValueError:
        return None
    return [Failure(what, type(kind, (Exception,), {})(message)) for what, kind, message in answer]


def _failure(what: str, error: BaseException):
    from guessgame.rundir.save import Failure

    return Failure(what, error)
