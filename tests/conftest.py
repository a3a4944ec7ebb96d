import os
import signal
from pathlib import Path

import pytest

# pytest-xdist's workers set COLUMNS=80; output captured from a command is a pipe's, as a user's is
os.environ.pop("COLUMNS", None)


@pytest.fixture
def write_config(tmp_path):
    """Write YAML text to a file and return its path."""

    def write(text: str, name: str = "game.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text)
        return path

    return write


@pytest.fixture(autouse=True)
def _ctrl_c_reaches_python():
    """Every test starts with Ctrl-C handled as a fresh Python process handles it, and leaves it so.

    Python's handler is put back at the operating system's level too (a native library, polars for one,
    installs its own handler there when it is imported, unseen by `signal.getsignal`), and SIGINT is
    unblocked in this thread: a test that presses Ctrl-C in its own process then never depends on what
    the tests before it did."""
    before = signal.getsignal(signal.SIGINT)
    if before is signal.default_int_handler:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    yield
    after = signal.getsignal(signal.SIGINT)
    assert after is before, f"SIGINT's handler was {before!r} before the test and is {after!r} after it"
    assert signal.SIGINT not in signal.pthread_sigmask(signal.SIG_BLOCK, set()), "the test left SIGINT blocked"
    from guessgame import interrupts

    assert interrupts.presses() == 0, "a Ctrl-C counted by the test was left counted"


@pytest.fixture
def command_line_ctrl_c():
    """Ctrl-C counted as the command line counts it, for a test in this process; Python's own handling
    after."""
    from guessgame import interrupts

    interrupts.until_work()
    interrupts.work_begins()
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)
        interrupts._presses = 0
