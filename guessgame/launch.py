"""The console script: the command line's process, from its first instant to its end.

Ctrl-C is caught from the first instant (see `guessgame.interrupts`). At the end, once torch is
loaded, the process exits without taking the interpreter apart: that takes half a second and is of
no use, every file being written and closed by then. It exits without waiting for threads still
running where the command says so (`cli.ExitAtOnce`: a save stopped at once left its worker thread
inside a write, and a daemon thread inside native drawing code makes the interpreter abort on its
way out).
"""

import atexit
import os
import sys
import threading
from typing import NoReturn

from guessgame import interrupts


def main() -> None:
    """Entry point for the console script and `python -m guessgame`."""
    interrupts.until_work()
    from guessgame.cli import ExitAtOnce, app  # typer, rich and the commands: a few tenths of a second

    try:
        app()
    except ExitAtOnce as done:
        _exit_without_teardown(done.code, wait=False)
    except SystemExit as done:
        if "torch" in sys.modules:
            _exit_without_teardown(done.code)
        raise


def _exit_without_teardown(code: object, wait: bool = True) -> NoReturn:
    """End the process without taking the interpreter apart. As at a normal exit, threads still working
    are waited for (unless not `wait`) and the exit handlers run; what `code` says is what the process
    says (a message is printed, exit 1)."""
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
