"""The `guessgame` command: a thin layer over `simulate` and the run folder.

The only module that prints, exits or chooses paths. torch and matplotlib are imported inside the
commands, so `guessgame --help` starts at once.
"""

from __future__ import annotations

import functools
import os
import sys
import shutil
import threading
import time
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape

from guessgame.errors import ConfigError

app = typer.Typer(
    name="guessgame",
    help="A gradient-descent guessing game: watch learning rates converge, oscillate or diverge.",
    no_args_is_help=True,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)
# Piped or captured output gets room for a table row per line, instead of rich's 80-column default.
_WIDE = None if os.environ.get("COLUMNS") or sys.stdout.isatty() else 140
out_console = Console(highlight=False, width=_WIDE)
err_console = Console(stderr=True, highlight=False)


class Format(str, Enum):
    png = "png"
    svg = "svg"
    pdf = "pdf"


ConfigArg = Annotated[Path, typer.Argument(help="A YAML config file, e.g. configs/l1.yaml.", show_default=False)]
SetOpt = Annotated[Optional[list[str]], typer.Option(
    "--set", help="Override a key with a YAML value: --set lr=[0.1,1] --set optimizer.name=adam.",
    show_default=False)]
OutOpt = Annotated[Path, typer.Option("--out", help="Where run folders go.")]
FormatOpt = Annotated[Format, typer.Option("--format", help="Plot file format.")]
NoPlotsOpt = Annotated[bool, typer.Option("--no-plots", help="Write no plots.")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="Print only the run folder's path.")]
TensorBoardOpt = Annotated[bool, typer.Option(
    "--tensorboard", help='Also write TensorBoard event files, one run per lr (needs "guessgame[tensorboard]").')]


def guarded(command):
    """Exit 2 with one message on bad input, 130 on Ctrl-C, 1 on anything unexpected; no traceback."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except ConfigError as exc:
            fail(str(exc))
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


def fail(message: str, code: int = 2) -> None:
    err_console.print(f"[bold red]error:[/] {escape(message)}", soft_wrap=True, markup=True, highlight=False)
    raise typer.Exit(code)


@app.command()
@guarded
def run(config: ConfigArg, set_: SetOpt = None, out: OutOpt = Path("runs"), format: FormatOpt = Format.png,
        no_plots: NoPlotsOpt = False, quiet: QuietOpt = False, tensorboard: TensorBoardOpt = False) -> None:
    """Play the game a config describes, print every attempt and a summary, and save a run folder.

    Example: [bold]guessgame run configs/mse.yaml --set lr=[1,2.9,10] --tensorboard[/]
    """
    _play(config, list(set_ or []), out, format, no_plots, quiet, tensorboard, compare=False)


@app.command()
@guarded
def compare(
    config: ConfigArg,
    lr: Annotated[Optional[list[float]], typer.Option("--lr", help="A learning rate; repeat for more.",
                                                      show_default=False)] = None,
    lrs: Annotated[Optional[str], typer.Option("--lrs", metavar="LOW:HIGH:COUNT",
                                               help="COUNT log-spaced learning rates from LOW to HIGH.",
                                               show_default=False)] = None,
    set_: SetOpt = None, out: OutOpt = Path("runs"), format: FormatOpt = Format.png,
    no_plots: NoPlotsOpt = False, quiet: QuietOpt = False, tensorboard: TensorBoardOpt = False,
) -> None:
    """Replay a config over several learning rates and compare them, the comparison first.

    Example: [bold]guessgame compare configs/mse.yaml --lrs 0.01:10:40[/]
    """
    overrides = list(set_ or [])
    if bool(lr) == bool(lrs):
        fail("give either --lr (repeatable) or --lrs LOW:HIGH:COUNT")
    if lr:
        overrides.append(f"lr=[{', '.join(repr(v) for v in lr)}]")
    else:
        parts = lrs.split(":")
        if len(parts) != 3:
            fail(f"--lrs: got {lrs!r}; expected LOW:HIGH:COUNT, e.g. 0.01:10:40")
        overrides.append(f"lr={{logspace: [{parts[0]}, {parts[1]}, {parts[2]}]}}")
    _play(config, overrides, out, format, no_plots, quiet, tensorboard, compare=True)


@app.command()
@guarded
def validate(config: ConfigArg, set_: SetOpt = None) -> None:
    """Check a config and print it fully resolved; simulates nothing.

    Example: [bold]guessgame validate configs/adam.yaml --set optimizer.amsgrad=true[/]
    """
    import yaml

    from guessgame.config import load_config

    try:
        resolved = load_config(config, list(set_ or []))
    except ConfigError as exc:
        fail(str(exc))
    out_console.print(f"[green]ok[/]: {escape(str(config))} is valid ({resolved.runs} run(s) of {resolved.attempts} attempts)")
    out_console.print(yaml.safe_dump(resolved.to_dict(), sort_keys=False, default_flow_style=None), end="")


@app.command()
@guarded
def plot(
    run_dir: Annotated[Path, typer.Argument(help="A run folder written by `guessgame run`.", show_default=False)],
    format: FormatOpt = Format.png,
    animate: Annotated[bool, typer.Option("--animate", help="Also write plots/guesses.gif.")] = False,
) -> None:
    """Re-draw every plot of a saved run from its files, without simulating again.

    Example: [bold]guessgame plot runs/mse-20260101-120000 --format svg --animate[/]
    """
    from guessgame import plots, runlog
    from guessgame.rundata import RunData

    if not (run_dir / runlog.SUMMARY).is_file() or not (run_dir / runlog.ATTEMPTS).is_file():
        fail(f"{run_dir}: not a run folder (it needs summary.json and attempts.csv)")
    data = RunData.load(run_dir)
    for path in _write_plots(data, run_dir / runlog.PLOTS, format.value, ALL_PLOTS):
        out_console.print(f"wrote {_shown_path(path)}")
    if animate:
        gif = run_dir / runlog.PLOTS / "guesses.gif"
        frames = plots.animate(data, gif)
        out_console.print(f"wrote {_shown_path(gif)} ({frames} frames)")


@app.command()
@guarded
def landscape(
    loss: Annotated[list[str], typer.Option("--loss", help="A loss to draw; repeat to overlay several.")],
    target: Annotated[float, typer.Option("--target", help="The answer.")] = 2.0,
    range_: Annotated[tuple[float, float], typer.Option("--range", help="Lowest and highest guess.")] = (-8.0, 12.0),
    out: Annotated[Path, typer.Option("--out", help="The image file to write (.png, .svg, .pdf).")] = Path("landscape.png"),
) -> None:
    """Draw losses and their gradients over a range of guesses, as the notebook's "visualizing the loss".

    Example: [bold]guessgame landscape --loss l1 --loss mse --loss bad --target 2 --out landscape.png[/]
    """
    from guessgame.plots import landscape_figure
    from guessgame.schema import LOSSES, suggest

    for name in loss:
        if name not in LOSSES:
            fail(f"--loss: got {name!r}{suggest(name, LOSSES)}; allowed: {', '.join(LOSSES)}")
    if not range_[0] < range_[1]:
        fail(f"--range: got {range_[0]:g} {range_[1]:g}; the first must be below the second")
    if out.suffix.lower() not in (".png", ".svg", ".pdf"):
        fail(f"--out: got {str(out)!r}; the file must end in .png, .svg or .pdf")
    landscape_figure(loss, target, *range_).savefig(out, dpi=110)
    out_console.print(f"wrote {_shown_path(out.absolute())}")


@app.command()
@guarded
def explain(config: ConfigArg, set_: SetOpt = None) -> None:
    """Narrate the first attempt: the loss, the gradient and the step, their shapes and formulas.

    Example: [bold]guessgame explain configs/l1.yaml --set reduction=sum[/]
    """
    from guessgame.config import load_config
    from guessgame.explain import explain as narrate

    for line in narrate(load_config(config, list(set_ or []))):
        out_console.print(line, markup=False)


@app.command()
@guarded
def play(
    config: Annotated[Optional[Path], typer.Argument(
        help="A YAML config whose answer, loss and lr to play; default: a whole number from 0 to 100, "
             "l1 loss, lr 1.", show_default=False)] = None,
    seed: Annotated[Optional[int], typer.Option(
        "--seed", help="Replay a game: the same seed hides the same random answer. Default: a new game.",
        show_default=False)] = None,
    set_: SetOpt = None,
) -> None:
    """Play the guessing game by hand: guess, read the loss and the gradient, guess again.

    At the end, see how many attempts plain SGD at the config's lr needed for the same answer.

    Example: [bold]guessgame play configs/mse.yaml --set loss=l1[/]
    """
    import secrets

    from guessgame.config import RandomAnswer, load_config
    from guessgame.play import DEFAULT_GAME, play as play_game

    overrides = list(set_ or []) + [f"seed={seed if seed is not None else secrets.randbelow(2**31)}"]
    game = load_config(config if config is not None else DEFAULT_GAME, overrides)

    def read(prompt: str) -> str | None:
        out_console.print(prompt, end="", markup=False)
        out_console.file.flush()
        line = sys.stdin.readline()
        if not line:
            out_console.print()
            return None
        if not sys.stdin.isatty():
            out_console.print(line.rstrip("\n"), markup=False, highlight=False)  # echo piped input
        return line

    play_game(game, read, lambda text: out_console.print(text, markup=False, soft_wrap=True))
    if isinstance(game.answer, RandomAnswer):
        again = f"guessgame play{' ' + str(config) if config else ''} --seed {game.seed}"
        out_console.print(f"(seed {game.seed}: `{again}` replays this game)", markup=False, style="dim")


def _play(config_path: Path, overrides: list[str], out: Path, fmt: Format, no_plots: bool, quiet: bool,
          tensorboard: bool, *, compare: bool) -> None:
    from guessgame.config import load_config

    if tensorboard:
        from guessgame.events import require

        require()

    try:
        config = load_config(config_path, overrides)
    except ConfigError as exc:
        fail(str(exc))
    from guessgame.engine import Interrupted, simulate

    _check_disk(config, out)
    try:
        with _Progress(enabled=not quiet) as progress:
            result = simulate(config, progress=progress.update)
    except Interrupted as exc:
        result = exc.result
        err_console.print(f"[yellow]interrupted[/] after {max(result.attempts_run, default=0)} attempts; "
                          "saving what was computed (Ctrl-C again to stop at once)", soft_wrap=True)
    except ConfigError as exc:
        fail(str(exc))
    try:
        run_dir, stopped = _save(result, out, fmt, no_plots, tensorboard)
    except ConfigError as exc:
        fail(str(exc))
    if not quiet:
        _report(result, compare)
    out_console.print(f"run folder: {_shown_path(run_dir)}", soft_wrap=True)
    if tensorboard and not quiet:
        out_console.print(f"see it in TensorBoard: tensorboard --logdir {_shown_path(run_dir / 'tensorboard')}",
                          soft_wrap=True)
    if result.interrupted or stopped:
        raise typer.Exit(130)


# What `run` draws (and `score` for random games); `plot` adds the path over the loss landscape.
RUN_PLOTS = ("loss", "trajectory", "lr")
ALL_PLOTS = (*RUN_PLOTS, "path")
# attempts.csv beyond this is refused before anything runs: no one reads a file that size.
CSV_LIMIT = 4 * 2**30


def _check_disk(config, out: Path) -> None:
    rows = len(config.logged_attempts)
    size = rows * config.runs * (24 + 3 * config.numel * 20)  # about 20 characters a number
    probe = next((p for p in [out, *out.absolute().parents] if p.exists()), Path("."))
    free = shutil.disk_usage(probe).free
    if size > min(CSV_LIMIT, 0.8 * free):
        every = int(size / min(CSV_LIMIT, 0.8 * free) * config.log_every) + 1
        fail(f"attempts.csv would be about {size / 2**30:.1f} GiB ({config.runs:,} runs x {rows:,} logged "
             f"attempts; {free / 2**30:.1f} GiB free under {probe}); keep every k-th attempt with "
             f"--set log_every={every}, or use fewer runs or attempts")


def _save(result, out: Path, fmt: Format, no_plots: bool, tensorboard: bool = False) -> tuple[Path, bool]:
    """Write the run folder; returns it and whether Ctrl-C was pressed while writing.

    The writing runs in a worker thread so that Ctrl-C reaches the main thread at once, even inside
    a long CSV or plot write. The first Ctrl-C (or the one that ended the simulation) lets the
    folder be finished; the next stops at once and removes the unfinished folder.
    """
    from guessgame import runlog

    run_dir = runlog.create_run_dir(out, result.config.name)

    def write() -> None:
        runlog.write_run(run_dir, result)
        if tensorboard:
            from guessgame.events import write_events

            write_events(run_dir, result)
        if not no_plots:
            _write_plots(result, run_dir / runlog.PLOTS, fmt.value)

    try:
        stopped = _in_background(write, interrupted=result.interrupted)
    except BaseException as exc:
        for _ in range(3):  # the worker may still be adding files while the folder goes
            shutil.rmtree(run_dir, ignore_errors=True)
            if not run_dir.exists():
                break
            time.sleep(0.05)
        if isinstance(exc, KeyboardInterrupt):
            err_console.print(f"[yellow]stopped[/]: the unfinished run folder {_shown_path(run_dir)} was removed",
                              soft_wrap=True)
        raise
    return run_dir, stopped


def _in_background(work, *, interrupted: bool) -> bool:
    """Run `work` in a daemon thread; Ctrl-C once lets it finish, twice (counting `interrupted`) stops."""
    failure: list[BaseException] = []
    finished = threading.Event()  # not Thread.join: a join cut short by Ctrl-C can mark the thread done

    def target() -> None:
        try:
            work()
        except BaseException as exc:  # handed to the main thread
            failure.append(exc)
        finally:
            finished.set()

    threading.Thread(target=target, name="guessgame-save", daemon=True).start()
    asked = interrupted
    while not finished.is_set():
        try:
            finished.wait(0.05)
        except KeyboardInterrupt:
            if asked:
                raise
            asked = True
            err_console.print("[yellow]interrupted[/] while saving; finishing the run folder "
                              "(Ctrl-C again to stop at once)", soft_wrap=True)
    if failure:
        raise failure[0]
    return asked and not interrupted


def _write_plots(source, folder: Path, fmt: str, names: tuple[str, ...] = RUN_PLOTS) -> list[Path]:
    from guessgame import plots

    folder.mkdir(exist_ok=True)
    data = plots.as_run(source)
    written = []
    for name in (*names, "score") if data.games > 1 else names:
        make = plots.FIGURES[name]
        path = folder / f"{name}.{fmt}"
        make(data).savefig(path, dpi=100)
        written.append(path)
    return written


def _report(result, compare: bool) -> None:
    from guessgame import console

    from guessgame.score import scores

    summary = result.summary()
    scored = [console.score_table(scores(summary))] if result.config.games > 1 else []
    if compare:
        out_console.print(*scored, console.summary_table(summary))
    if result.runs <= 3:
        for r in range(result.runs):
            out_console.print(console.attempts_table(result, r))
    else:
        out_console.print(f"[dim]{result.runs} runs: attempt tables are in attempts.csv[/]")
    if not compare:
        out_console.print(console.summary_table(summary), *scored)


def _shown_path(path: Path) -> str:
    """A path for a rich message: relative to here when inside it, with markup characters escaped."""
    try:
        shown = str(path.relative_to(Path.cwd()))
    except ValueError:
        shown = str(path)
    return escape(shown)


class _Progress:
    """A rich progress bar on stderr, shown only on a terminal and only once work passes a second."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled and err_console.is_terminal
        self.start = time.monotonic()
        self.bar = None
        self.task = None

    def __enter__(self) -> "_Progress":
        return self

    def update(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        if self.bar is None:
            if time.monotonic() - self.start < 1.0:
                return
            from rich.progress import Progress

            self.bar = Progress(console=err_console, transient=True)
            self.bar.start()
            self.task = self.bar.add_task("attempts", total=total)
        self.bar.update(self.task, completed=done)

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.stop()


def main() -> None:
    """Entry point for the console script and `python -m guessgame`."""
    app()
