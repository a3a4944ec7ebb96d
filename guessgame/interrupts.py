"""Ctrl-C for the command line: until there is work to keep, it ends the command at once, exit 130.

Interrupting an import of torch, numpy or matplotlib half-way leaves them broken, and what follows
fails in ways no message can explain. So the command line starts with `until_work()`: Ctrl-C prints
"interrupted" and ends the process, whatever it was loading. When a run is about to compute
something worth keeping, `work_begins()` hands Ctrl-C back to Python as KeyboardInterrupt, which the
run turns into saving what it has.
"""

import os
import signal
import sys


def _end(signum, frame) -> None:
    sys.stderr.write("interrupted\n")
    sys.stderr.flush()
    os._exit(130)


def until_work() -> None:
    signal.signal(signal.SIGINT, _end)


def on_the_command_line() -> bool:
    """Whether this process is the command line's (`until_work` took Ctrl-C), not a library caller's."""
    return signal.getsignal(signal.SIGINT) is _end


def work_begins() -> None:
    """From here Ctrl-C is KeyboardInterrupt (only if `until_work` had taken it: a library caller's own
    handler is left alone)."""
    if on_the_command_line():
        signal.signal(signal.SIGINT, signal.default_int_handler)
