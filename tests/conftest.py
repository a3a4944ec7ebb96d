import os
import signal
from pathlib import Path

import pytest

# pytest-xdist's workers set COLUMNS=80; output captured from a command is a pipe's, as a user's is
os.environ.pop("COLUMNS", None)


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium for a module's pages (skipped without it, unless CI=true)."""
    from helpers.pages import chromium

    with chromium() as launched:
        yield launched


@pytest.fixture
def write_config(tmp_path):
    """Write YAML text to a file and return its path."""

    def write(text: str, name: str = "game.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text)
        return path

    return write


def pytest_configure(config):
    """The tests press Ctrl-C as a user at a terminal does. A test process started in the background by a
    non-interactive shell (`command &`, as CI and scripts may start it) inherits SIGINT ignored, and
    Python then leaves it ignored: give each test process Python's own handling, as a terminal's has."""
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(autouse=True)
def _ctrl_c_reaches_python():
    """Every test starts with Ctrl-C handled as Python handles it (its handler installed at the operating
    system's level too, where a native library such as polars puts its own on import) and SIGINT
    unblocked, and leaves the handler and guessgame's press counter as it found them: a test that
    presses Ctrl-C in its own process never depends on the tests before it."""
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
