"""The thread a run folder is saved in, so that Ctrl-C reaches the caller at once, even inside a long
CSV or figure write: it is counted where the caller waits, never raised inside the write."""

from __future__ import annotations

import threading
from typing import Callable

from guessgame import interrupts


class Worker:
    """`work` in a daemon thread, waited for by the caller, whom Ctrl-C reaches at once: a first press is
    told to `notify` and the work goes on; a second raises KeyboardInterrupt in the waiting thread."""

    def __init__(self, work: Callable[[], None], notify: Callable[[str], None]) -> None:
        self.failure: list[BaseException] = []
        self.finished = threading.Event()  # not Thread.join: a join cut short by Ctrl-C can mark it done
        self.notify = notify
        self._presses = interrupts.presses()  # before the work starts: a press from then on is told

        def target() -> None:
            try:
                work()
            except BaseException as exc:  # noqa: BLE001 - handed to the waiting thread
                self.failure.append(exc)
            finally:
                self.finished.set()

        threading.Thread(target=target, name="guessgame-save", daemon=True).start()

    @property
    def busy(self) -> bool:
        """Whether the work is still running (a caller stopped at once leaves it inside a write)."""
        return not self.finished.is_set()

    def wait(self) -> bool:
        """Wait for the work; returns whether Ctrl-C was pressed (once) meanwhile."""
        start = told = self._presses
        finished = False
        while not finished:
            finished = self.finished.wait(0.05)
            if interrupts.presses() > told:  # told once per press, up to the moment the work ended
                told = interrupts.presses()
                self.notify("interrupted while saving; finishing the run folder (Ctrl-C again to stop at once)")
        if self.failure:
            raise self.failure[0]
        return told > start
