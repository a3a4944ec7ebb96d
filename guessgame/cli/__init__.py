"""The `guessgame` command: short typed commands over `simulate`, the run folder and the figures.

The only code that prints, exits or chooses paths. torch and matplotlib are imported inside the
commands, so `guessgame --help` starts at once.
"""

import atexit
import os
import sys
import threading
from typing import NoReturn

from guessgame.cli import runs, tools  # noqa: F401 - each module registers its commands on `app`
from guessgame.cli.common import app

__all__ = ["app", "main"]


def main() -> None:
    """Entry point for the console script and `python -m guessgame`."""
    try:
        app()
    except SystemExit as done:
        if any(t.name == "guessgame-save" and t.is_alive() for t in threading.enumerate()):
            # Stopped while a figure was being written: a daemon thread inside native drawing code
            # makes the interpreter abort on its way out, so the process ends here, now.
            _end(done.code, wait=False)
        if "torch" in sys.modules:
            _end(done.code)
        raise


def _end(code: object, wait: bool = True) -> NoReturn:
    """End the process without taking the interpreter apart, which takes half a second once torch is
    loaded and is of no use: every file is written and closed by now. As at a normal exit, threads
    still working are waited for (unless not `wait`) and the exit handlers run."""
    if wait:
        for thread in threading.enumerate():
            if thread is not threading.main_thread() and not thread.daemon:
                thread.join()
        atexit._run_exitfuncs()
    if code is not None and not isinstance(code, int):
        print(code, file=sys.stderr)
        code = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: nothing more can be said
            pass
    os._exit(code or 0)
