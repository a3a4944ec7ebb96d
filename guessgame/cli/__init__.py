"""The `guessgame` command: short typed commands over `simulate`, the run folder and the figures.

The only code that prints, exits or chooses paths. torch and matplotlib are imported inside the
commands, so `guessgame --help` starts at once. The console script (`guessgame.launch`) runs `app`
and ends the process.
"""

from guessgame.cli import examples, runs, tools  # noqa: F401 - each module registers its commands on `app`
from guessgame.cli.common import ExitAtOnce, app

__all__ = ["ExitAtOnce", "app"]
