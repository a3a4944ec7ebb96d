"""What every command shares: the Typer app, the consoles, the options, and turning errors into exit codes.

Exit codes: 0 success (a diverged run is a result), 2 bad input with one message, 130 Ctrl-C,
1 anything unexpected -- never a traceback (unless GUESSGAME_DEBUG is set).
"""

from __future__ import annotations

import functools
import os
import sys
import traceback
from enum import Enum
from pathlib import Path
from typing import Annotated, NoReturn, Optional

import typer
from rich.console import Console
from rich.markup import escape

from guessgame.errors import GuessgameError, MissingExtra, OutputError

app = typer.Typer(
    name="guessgame",
    help="A gradient-descent guessing game: watch learning rates converge, oscillate or diverge.",
    no_args_is_help=True,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)
# Piped or captured output gets room for a table row per line, instead of rich's 80-column default.
_WIDE = None if os.environ.get("COLUMNS") or sys.stdout.isatty() else 140
out_console = Console(highlight=False, width=_WIDE, emoji=False)  # no :b: -> emoji in paths or values
err_console = Console(stderr=True, highlight=False, emoji=False)


class Format(str, Enum):
    png = "png"
    svg = "svg"
    pdf = "pdf"


ConfigArg = Annotated[Path, typer.Argument(
    help="A YAML config file, or the name of an example (guessgame examples lists them): configs/l1.yaml, l1.",
    show_default=False)]
# Help texts are rich markup: a literal "[" is escaped, or "guessgame[tensorboard]" would print as "guessgame".
SetOpt = Annotated[Optional[list[str]], typer.Option(
    "--set", metavar="KEY=VALUE", help=escape("Override a key with a YAML value: --set lr=[0.1,1] "
                                              "--set optimizer.name=adam."), show_default=False)]
OutOpt = Annotated[Path, typer.Option("--out", help="Where run folders go.")]
FormatOpt = Annotated[Format, typer.Option("--format", help="Plot file format.")]
NoPlotsOpt = Annotated[bool, typer.Option("--no-plots", help="Write no plots.")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="Print only the run folder's path.")]
TensorBoardOpt = Annotated[bool, typer.Option(
    "--tensorboard", help=escape('Also write TensorBoard event files, one run per lr '
                                 '(needs "guessgame[tensorboard]").'))]
# The option a lower layer's error is about: it names the folder or the extra, the command line the flag.
_FLAG = {OutputError: "--out", MissingExtra: "--tensorboard"}


class ExitAtOnce(SystemExit):
    """Exit `code` without waiting for the threads still running: a save stopped at once left its
    worker thread inside a write (`save.Stopped.busy`). A SystemExit, not a typer.Exit, so that it
    reaches the console script (`guessgame.launch`), which ends the process."""


def guarded(command):
    """Exit 2 with one message on bad input, 130 on Ctrl-C, 1 on anything unexpected; no traceback."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except GuessgameError as exc:
            flag = _FLAG.get(type(exc))
            fail(f"{flag}: {exc}" if flag else str(exc), code=exc.exit_code)
        except KeyboardInterrupt:
            err_console.print("[yellow]interrupted[/]")
            raise typer.Exit(130) from None
        except (typer.Exit, typer.Abort):
            raise
        except Exception as exc:  # noqa: BLE001 - the last line of defence
            if os.environ.get("GUESSGAME_DEBUG"):
                raise
            fail(f"unexpected {type(exc).__name__}: {exc} (set GUESSGAME_DEBUG=1 to see where)", code=1)

    return wrapper


def fail(message: str, code: int = 2) -> NoReturn:
    complain(message)
    raise typer.Exit(code)


def complain(message: str) -> None:
    """`error: message` on stderr, the message printed as it is (no markup, no wrapping inside a path)."""
    err_console.print(f"[bold red]error:[/] {escape(message)}", soft_wrap=True, markup=True, highlight=False)


def debug(exc: BaseException) -> None:
    """With GUESSGAME_DEBUG set, the traceback of an error that is otherwise reported in one line."""
    if os.environ.get("GUESSGAME_DEBUG"):
        traceback.print_exception(exc, file=sys.stderr)


def failed(failures, tail: str) -> str:
    """One message for everything that could not be written: `plots/lr.png could not be drawn: ...; tail`."""
    for failure in failures:
        debug(failure.error)
    return "; ".join([*(str(failure) for failure in failures), tail])


def shown_path(path: Path, *, markup: bool = True) -> str:
    """A path for a message: relative to here when inside it; escaped for rich markup unless `markup=False`."""
    try:
        shown = str(path.relative_to(Path.cwd()))
    except ValueError:
        shown = str(path)
    return escape(shown) if markup else shown
