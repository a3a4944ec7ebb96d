"""A progress bar on stderr, shown only on a terminal and only once the work takes more than a second."""

from __future__ import annotations

import time

from guessgame.cli.common import err_console


class Progress:
    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled and err_console.is_terminal
        self.start = time.monotonic()
        self.bar = None
        self.task = None

    def __enter__(self) -> "Progress":
        return self

    def update(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        if self.bar is None:
            if time.monotonic() - self.start < 1.0:
                return
            from rich.progress import Progress as Bar

            self.bar = Bar(console=err_console, transient=True)
            self.bar.start()
            self.task = self.bar.add_task("attempts", total=total)
        self.bar.update(self.task, completed=done)

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.stop()
