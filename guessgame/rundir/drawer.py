"""A run's figures and page drawn by a second process, started before torch is loaded.

Loading matplotlib takes about half as long as loading torch, and drawing a small run's figures
about as long again. A process forked at the start of `guessgame run` loads matplotlib and the
figures' code on the other core while this one loads torch and plays the game; once the data files
are written it reads them back, as `guessgame plot` would, draws the figures `viz.FIGURES` lists and
writes the page, and says which of them failed. It ignores Ctrl-C: the run decides, and closes it
when told to stop at once.

`drawing(...)` is the one way in: it says where a run's figures are drawn -- by a drawing process
forked there and then where that pays, else in the run's own process (`save.Here`) -- and the handle
it gives is what `save` draws with. Set GUESSGAME_DRAW_APART=0 to draw in the run's own process always.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

from guessgame import interrupts
from guessgame.rundir.layout import PLOTS
from guessgame.rundir.save import Failure, Here, draw_figures, write_page

# A log this big is drawn in the run's own process: reading it back would cost more than it saves.
SMALL = 200_000  # values of loss, guess, gradient and step
SWITCH = "GUESSGAME_DRAW_APART"  # "0": never draw apart


@contextmanager
def drawing(config, fmt: str, report: Callable | None = None, prepare: Callable[[], None] = lambda: None,
            style: str = "default") -> Iterator:
    """Where the figures (in `style`, of `viz.STYLES`) and page of a run of `config` are drawn: by a
    drawing process forked now, where that pays (`pays`) and a fork can (`Apart.start`), else here
    (`save.Here`). `report` writes the page; `prepare` loads its code in the drawing process while the
    run plays. Call it before torch is loaded; a drawing process not asked to draw by the end of the
    block is ended."""
    apart = Apart.start(fmt, report, prepare, style) if pays(config) else None
    try:
        yield apart if apart is not None else Here(fmt, report, style)
    finally:
        if apart is not None:
            apart.close()


def pays(config) -> bool:
    """Whether drawing apart pays: a small log, on the command line (a library caller's process is never
    forked), unless GUESSGAME_DRAW_APART=0."""
    small = config.logged_rows * config.runs * (1 + 3 * config.numel) <= SMALL
    return small and interrupts.on_the_command_line() and os.environ.get(SWITCH, "1").strip() != "0"


class Apart:
    """The drawing process: `draw` once the data files are written, else `close`."""

    def __init__(self, pid: int, orders: int, replies: int) -> None:
        self.pid, self._orders, self._replies = pid, orders, replies
        self._done = False

    @classmethod
    def start(cls, fmt: str, report: Callable | None, prepare: Callable[[], None] = lambda: None,
              style: str = "default") -> "Apart | None":
        """Fork the drawing process, or None where it cannot help: no fork, torch already loaded, or
        other threads running (a fork copies only the thread that calls it)."""
        if not hasattr(os, "fork") or sys.platform != "linux" or "torch" in sys.modules \
                or threading.active_count() > 1:
            return None
        orders_read, orders_write = os.pipe()
        replies_read, replies_write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the drawing process: it never returns
            os.setpgid(0, 0)  # a group of its own, with the helper it forks: `close` ends them together
            os.close(orders_write)
            os.close(replies_read)
            _child(orders_read, replies_write, fmt, report, prepare, style)
        try:
            os.setpgid(pid, pid)
        except OSError:  # it is already its own group
            pass
        os.close(orders_read)
        os.close(replies_write)
        return cls(pid, orders_write, replies_read)

    def draw(self, result, run_dir: Path, stop: threading.Event) -> list:
        """Draw `run_dir`'s figures and page in the drawing process, from the folder's files (not
        `result`); the failures, as `save.Failure`s. A stop at once comes through `close`."""
        try:
            os.write(self._orders, json.dumps({"run_dir": str(run_dir)}).encode() + b"\n")
        except BrokenPipeError:  # it ended before the order: what it sent says why
            pass
        finally:
            os.close(self._orders)
        failures = _receive(self._replies)
        os.waitpid(self.pid, 0)
        self._done = True
        if failures is None:
            return [Failure(f"{PLOTS}/", RuntimeError("the drawing process ended before it had drawn them"))]
        return failures

    def close(self) -> None:
        """End the drawing process at once, wherever it is (nothing once it has drawn)."""
        if self._done:
            return
        self._done = True
        for fd in (self._orders, self._replies):
            try:
                os.close(fd)
            except OSError:
                pass
        try:
            os.killpg(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        except (ProcessLookupError, ChildProcessError, PermissionError):
            pass


def _child(orders: int, replies: int, fmt: str, report: Callable | None, prepare: Callable[[], None],
           style: str) -> None:
    """Load what drawing needs, wait for the run folder, draw it, tell the failures, and end."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    failures = []
    try:
        import polars  # noqa: F401 - what reads attempts.csv back

        from guessgame.rundir.read import read_run
        from guessgame.viz import registry  # noqa: F401 - matplotlib and the figures, loaded while the run plays

        prepare()
        run_dir = _order(orders)

        def draw(share: Callable[[list], list], page: Callable | None) -> list:
            data = read_run(run_dir)
            drawn = draw_figures(data, run_dir / PLOTS, fmt, share=share, style=style)[1]
            return drawn + (write_page(page, data, run_dir) if page is not None else [])

        if (os.cpu_count() or 1) > 1:  # the run waits: the later figures and the page on its core
            helper = _beside(lambda: draw(_later, report))
            failures = draw(_earlier, None)
            failures += helper()
        else:
            failures = draw(list, report)
    except BaseException as exc:  # noqa: BLE001 - told to the run, which names it
        failures.append(Failure(f"{PLOTS}/", exc))
    try:
        _send(replies, failures)
    finally:
        os._exit(0)


def _order(orders: int) -> Path:
    """The run folder to draw, once the run has written its data files; the process ends if the run
    ends without one."""
    line = b""
    while not line.endswith(b"\n"):
        chunk = os.read(orders, 1 << 16)
        if not chunk:
            os._exit(0)
        line += chunk
    return Path(json.loads(line)["run_dir"])


def _earlier(figures: list) -> list:
    """The first half of the figures (the page, drawn beside, weighs about one more)."""
    return figures[:(len(figures) + 1) // 2]


def _later(figures: list) -> list:
    return figures[(len(figures) + 1) // 2:]


def _beside(work: Callable[[], list]) -> Callable[[], list]:
    """`work` in a forked helper; calling what this returns waits for the helper's failures."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        try:
            failures = work()
        except BaseException as exc:  # noqa: BLE001 - told to the drawing process
            failures = [Failure(f"{PLOTS}/", exc)]
        try:
            _send(write, failures)
        finally:
            os._exit(0)
    os.close(write)

    def wait() -> list:
        failures = _receive(read)
        os.waitpid(pid, 0)
        return failures if failures is not None else [
            Failure(f"{PLOTS}/", RuntimeError("the drawing helper ended before it had drawn"))]

    return wait


def _send(fd: int, failures: list) -> None:
    """The failures, as JSON, down a pipe, then closed."""
    data = json.dumps([[f.what, type(f.error).__name__, str(f.error)] for f in failures]).encode()
    while data:
        data = data[os.write(fd, data):]
    os.close(fd)


def _receive(fd: int) -> list | None:
    """What `_send` sent, as `save.Failure`s; None if the other end ended without sending."""
    chunks = []
    while chunk := os.read(fd, 1 << 16):
        chunks.append(chunk)
    os.close(fd)
    try:
        sent = json.loads(b"".join(chunks))
    except ValueError:
        return None
    return [Failure(what, type(kind, (Exception,), {})(message)) for what, kind, message in sent]
