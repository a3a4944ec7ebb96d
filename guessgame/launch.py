"""The console script: Ctrl-C is caught from the first instant (see `guessgame.interrupts`)."""

from guessgame import interrupts


def main() -> None:
    interrupts.until_work()
    from guessgame.cli import main as run  # typer, rich and the commands: a few tenths of a second

    run()
