"""The errors users see: each says where the mistake was made, the key or file, the value and what is allowed.

    GuessgameError     the base: one clear message, never a traceback
      ConfigError      a bad config value (file, line, key) or override
      RunFolderError   a run folder that is damaged or inconsistent (the file and what is wrong)
      OutputError      where output was to go cannot be made or used
        DiskFull       the disk filled while the run folder was written (exit 1: not the input's fault)
      MissingExtra     an optional part of guessgame is not installed

Lower layers name only what they know (a key, a file, a folder); the command line adds the option
the user typed (`--out`, `--tensorboard`).
"""

from __future__ import annotations


class GuessgameError(ValueError):
    """A mistake in what guessgame was given; the message names the place, the key, the value and what is allowed."""

    exit_code = 2  # what the command line exits with: bad input or usage

    def __init__(self, message: str, *, key: str | None = None, source: str | None = None,
                 line: int | None = None) -> None:
        self.problem = message
        self.key = key
        self.source = source
        self.line = line
        super().__init__(self._format())

    def _format(self) -> str:
        where = ""
        if self.source:
            where = self.source + (f":{self.line}" if self.line else "") + ": "
        key = f"{self.key}: " if self.key else ""
        return f"{where}{key}{self.problem}"


class ConfigError(GuessgameError):
    """A bad config value or usage; the message names the file, line, key, value and what is allowed."""


class RunFolderError(GuessgameError):
    """A run folder that cannot be read back as it was written: the file and what is wrong with it."""


class OutputError(GuessgameError):
    """The folder that output was to go to cannot be made or used (`source` is that folder)."""


class DiskFull(OutputError):
    """The disk filled up while the run folder was written; the message names the disk and the folder."""

    exit_code = 1


class MissingExtra(GuessgameError, ImportError):
    """An optional extra is not installed; the message says how to install it (an ImportError too, as
    Python's own for a missing module)."""
