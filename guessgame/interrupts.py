"""Ctrl-C, handled in one place: every press is counted here, and only here.

Until there is work to keep (`until_work`), Ctrl-C ends the command line at once, exit 130:
interrupting an import of torch, numpy or matplotlib half-way leaves them broken, and what follows
fails in ways no message can explain.

While a run works (`work_begins` on the command line, `watching` around a library call), a press is
counted, not raised:

    first press    a request: the attempts stop after the one being played, a grid before its next
                   cell, and the run folder is finished -- whatever runs meanwhile (a cell's set-up,
                   the verdicts, a file being written, a library's own code, a worker thread) is not
                   cut short
    second press   stop at once: KeyboardInterrupt in the main thread, wherever it is

So a KeyboardInterrupt that a library raises of its own accord (polars does, in any thread, while
Python's default handler is in place) is never taken for the user's second press: only this handler
counts presses.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from contextlib import contextmanager
from typing import Iterator

_presses = 0


def _end(signum, frame) -> None:
    sys.stderr.write("interrupted\n")
    sys.stderr.flush()
    os._exit(130)


def _press(signum, frame) -> None:
    global _presses
    _presses += 1
    if _presses >= 2:
        raise KeyboardInterrupt


def until_work() -> None:
    signal.signal(signal.SIGINT, _end)


def on_the_command_line() -> bool:
    """Whether this process is the command line's (`until_work` or `work_begins` took Ctrl-C), not a
    library caller's."""
    return signal.getsignal(signal.SIGINT) in (_end, _press)


def work_begins() -> None:
    """From here, for the rest of the command, Ctrl-C is counted (only if the command line had taken
    it: a library caller's own handler is left alone)."""
    if on_the_command_line():
        signal.signal(signal.SIGINT, _press)


@contextmanager
def watching() -> Iterator[None]:
    """Count Ctrl-C while the block runs, then give Python's own handling back. Only in the main thread
    and over Python's default handler: a caller's own handler is left alone (and inside the command
    line's, the presses go on being counted where they were)."""
    global _presses
    if threading.current_thread() is not threading.main_thread() or \
            signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        yield
        return
    _presses = 0
    signal.signal(signal.SIGINT, _press)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)
        _presses = 0


def presses() -> int:
    """How many times Ctrl-C was pressed while counted."""
    return _presses


def requested() -> bool:
    """Whether Ctrl-C asked the work to stop and keep what it has."""
    return _presses > 0
