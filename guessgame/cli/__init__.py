"""The `guessgame` command: short typed commands over `simulate`, the run folder and the figures.

The only code that prints, exits or chooses paths. torch and matplotlib are imported inside the
commands, so `guessgame --help` starts at once.
"""

import os
import sys
import threading

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
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(done.code if isinstance(done.code, int) else 1)
        raise
