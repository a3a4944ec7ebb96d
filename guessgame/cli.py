"""The `guessgame` command: a thin layer over `simulate` and the run folder.

The only module that prints, exits or chooses paths. torch and matplotlib are imported inside the
commands, so `guessgame --help` starts at once.
"""

from __future__ import annotations

import functools
import math
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
out_console = Console(highlight=False, width=_WIDE, emoji=False)  # no :b: -> emoji in paths or values
err_console = Console(stderr=True, highlight=False, emoji=False)


class Format(str, Enum):
    png = "png"
    svg = "svg"
    pdf = "pdf"


ConfigArg = Annotated[Path, typer.Argument(help="A YAML config file, e.g. configs/l1.yaml.", show_default=False)]
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
    _complain(message)
    raise typer.Exit(code)


def _complain(message: str) -> None:
    """`error: message` on stderr, the message printed as it is (no markup, no wrapping inside a path)."""
    err_console.print(f"[bold red]error:[/] {escape(message)}", soft_wrap=True, markup=True, highlight=False)


@app.command()
@guarded
def run(config: ConfigArg, set_: SetOpt = None, out: OutOpt = Path("runs"), format: FormatOpt = Format.png,
        no_plots: NoPlotsOpt = False, quiet: QuietOpt = False, tensorboard: TensorBoardOpt = False) -> None:
    """Play the game a config describes, print every attempt and a summary, and save a run folder.

    Example: [bold]guessgame run configs/mse.yaml --set lr=\\[1,2.9,10] --tensorboard[/]
    """
    _play(config, list(set_ or []), out, format, no_plots, quiet, tensorboard, compare=False)


@app.command()
@guarded
def compare(
    config: ConfigArg,
    lr: Annotated[Optional[list[str]], typer.Option("--lr", metavar="LR", help="A learning rate; repeat for more.",
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
    from guessgame.config import Override

    overrides: list = list(set_ or [])
    if bool(lr) == (lrs is not None):
        fail("give either --lr (repeatable) or --lrs LOW:HIGH:COUNT, e.g. --lr 0.1 --lr 1 or --lrs 0.01:10:40")
    if lr:
        values = [_learning_rate(text, f"--lr: got {_typed(text)}") for text in lr]
        overrides.append(Override(f"lr=[{', '.join(repr(v) for v in values)}]",
                                  " ".join(f"--lr {text}" for text in lr)))
    else:
        low, high, count = _lr_sweep(lrs)
        overrides.append(Override(f"lr={{logspace: [{low!r}, {high!r}, {count}]}}", f"--lrs {lrs}"))
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
    out_console.print(yaml.safe_dump(resolved.to_dict(), sort_keys=False, default_flow_style=None), end="",
                      markup=False, soft_wrap=True)


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
    from guessgame import runlog
    from guessgame.rundata import RunData

    data = RunData.load(run_dir)
    folder = run_dir / runlog.PLOTS
    if folder.exists() and not folder.is_dir():
        fail(f"{folder}: is a file, not a folder; the plots go in this folder, so move the file away")
    written, failures = _write_plots(data, folder, format.value, ALL_PLOTS)
    for path in written:
        out_console.print(f"wrote {_shown_path(path)}", soft_wrap=True)
    if animate:
        gif = folder / "guesses.gif"
        try:
            frames = _save_animation(data, gif)
        except Exception as exc:  # noqa: BLE001 - reported with the plots that failed
            _debug(exc)
            failures.append((f"{folder.name}/{gif.name}", exc))
        else:
            out_console.print(f"wrote {_shown_path(gif)} ({frames} frames)", soft_wrap=True)
    if failures:
        _complain(_failed(failures, "the other plots were written" if written else "no plot was written"))
        raise typer.Exit(1)


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
    from guessgame.config.schema import LOSSES, suggest

    for name in loss:
        if name not in LOSSES:
            fail(f"--loss: got {name!r}{suggest(name, LOSSES)}; allowed: {', '.join(LOSSES)}")
    if not math.isfinite(target):
        fail(f"--target: got {target:g}; the answer is a finite number, e.g. --target 2")
    low, high = range_
    if not (math.isfinite(low) and math.isfinite(high)):
        fail(f"--range: got {low:g} {high:g}; the lowest and highest guess are finite numbers, e.g. --range -8 12")
    if not low < high:
        fail(f"--range: got {low:g} {high:g}; the first (the lowest guess) must be below the second")
    if not math.isfinite(high - low):
        fail(f"--range: got {low:g} {high:g}; the width HIGH - LOW overflows a float, so no point between "
             "them can be placed; make the range narrower")
    if out.suffix.lower() not in (".png", ".svg", ".pdf"):
        fail(f"--out: got {str(out)!r}; the file must end in .png, .svg or .pdf")
    if out.is_dir():
        fail(f"--out: got {str(out)!r}, which is a folder; give the image file to write, e.g. {out / 'landscape.png'}")
    if not out.absolute().parent.is_dir():
        fail(f"--out: got {str(out)!r}, but the folder {str(out.parent)!r} does not exist; "
             "create it first (landscape writes one file and makes no folders)")
    from guessgame.plots import landscape_figure

    try:
        figure = landscape_figure(loss, target, low, high)
    except Exception as exc:  # noqa: BLE001 - one message naming the picture, as for a run's plots
        _debug(exc)
        fail(_failed([(str(out), exc)], "nothing was written"), code=1)
    try:
        _save_figure(figure, out)
    except OSError as exc:
        fail(f"--out: cannot write {str(out)!r} ({exc.strerror or exc})")
    out_console.print(f"wrote {_shown_path(out.absolute())}", soft_wrap=True)


@app.command()
@guarded
def explain(config: ConfigArg, set_: SetOpt = None) -> None:
    """Narrate the first attempt: the loss, the gradient and the optimizer's step, their shapes and formulas.

    Example: [bold]guessgame explain configs/l1.yaml --set reduction=sum[/]
    """
    from guessgame.config import load_config
    from guessgame.explain import explain as narrate

    for line in narrate(load_config(config, list(set_ or []))):
        out_console.print(line, markup=False, soft_wrap=True)


@app.command()
@guarded
def play(
    config: Annotated[Optional[Path], typer.Argument(
        help="A YAML config whose answer, loss and lr to play; default: a whole number from 0 to 100, "
             "l1 loss, lr 1.", show_default=False)] = None,
    seed: Annotated[Optional[int], typer.Option(
        "--seed",
        help="Replay a game: the same seed hides the same random answer. Default: a new game.",
        show_default=False)] = None,
    set_: SetOpt = None,
) -> None:
    """Play the guessing game by hand: guess, read the loss and the gradient, guess again.

    At the end, see how many attempts plain SGD at the config's lr needed for the same answer.

    Example: [bold]guessgame play configs/mse.yaml --set loss=l1[/]
    """
    import secrets

    from guessgame.config import Override, RandomAnswer, load_config
    from guessgame.play import DEFAULT_GAME, play as play_game

    if seed is not None and not 0 <= seed < 2**63:
        fail(f"--seed: got {seed}; a whole number from 0 to {2**63 - 1:,}")
    chosen = seed if seed is not None else secrets.randbelow(2**31)
    overrides = list(set_ or []) + [Override(f"seed={chosen}", f"--seed {chosen}")]
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
        run_dir, stopped, failures = _save(result, out, fmt, no_plots, tensorboard)
    except ConfigError as exc:
        fail(str(exc))
    if quiet:
        out_console.out(_shown_path(run_dir, markup=False), highlight=False)
    else:
        _report(result, compare)
        out_console.print(f"run folder: {_shown_path(run_dir)}", soft_wrap=True)
        if tensorboard and not any(what.startswith("tensorboard") for what, _ in failures):
            out_console.print(f"see it in TensorBoard: tensorboard --logdir {_shown_path(run_dir / 'tensorboard')}",
                              soft_wrap=True)
    if failures:
        retry = f"; retry with: guessgame plot {_shown_path(run_dir, markup=False)}" \
            if any(what.startswith("plots/") for what, _ in failures) else ""
        _complain(_failed(failures, f"the run's data is in {_shown_path(run_dir, markup=False)}{retry}"))
    if result.interrupted or stopped:
        raise typer.Exit(130)
    if failures:
        raise typer.Exit(1)


def _typed(text: str) -> str:
    """What the user typed, as a message shows it: numbers bare (`inf`, `0`), anything else quoted."""
    try:
        float(text)
    except ValueError:
        return repr(text)
    return text.strip()


def _learning_rate(text: str, where: str) -> float:
    """A learning rate typed on the command line: a positive finite number, or exit 2 saying so."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        fail(f"{where}; a learning rate is a positive finite number, e.g. 0.1 or 1e-3")
    return value


def _lr_sweep(text: str) -> tuple[float, float, int]:
    """`--lrs LOW:HIGH:COUNT` -> (low, high, count), or exit 2 naming the part that is wrong."""
    from guessgame.config.schema import MAX_RUNS

    example = "e.g. --lrs 0.01:10:40 for 40 learning rates from 0.01 to 10"
    parts = text.split(":")
    if len(parts) != 3 or not all(part.strip() for part in parts):
        fail(f"--lrs: got {text!r}; expected LOW:HIGH:COUNT, {example}")
    low = _learning_rate(parts[0], f"--lrs: got {text!r}, whose LOW is {_typed(parts[0])}")
    high = _learning_rate(parts[1], f"--lrs: got {text!r}, whose HIGH is {_typed(parts[1])}")
    if high < low:
        fail(f"--lrs: got {text!r}; LOW must not be above HIGH, {example}")
    try:
        count = float(parts[2])
    except ValueError:
        count = math.nan
    if not (count.is_integer() and 1 <= count <= MAX_RUNS):
        fail(f"--lrs: got {text!r}, whose COUNT is {_typed(parts[2])}; COUNT is a whole number from 1 to "
             f"{MAX_RUNS:,}, {example}")
    return low, high, int(count)


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


class _Saving:
    """What the worker thread that writes a run folder has done so far."""

    def __init__(self) -> None:
        self.data_written = threading.Event()  # config.yaml, attempts.csv and summary.json are complete
        self.stop = threading.Event()  # set by a second Ctrl-C: draw no more plots
        self.failures: list[tuple[str, BaseException]] = []  # (what, why) for each plot or folder not written


def _save(result, out: Path, fmt: Format, no_plots: bool, tensorboard: bool = False) -> tuple[Path, bool, list]:
    """Write the run folder; returns it, whether Ctrl-C was pressed while writing, and what failed.

    The data files come first and are complete before any plot is drawn; a plot or the TensorBoard
    files failing never removes them (the failure is returned, to be reported after the tables).
    The writing runs in a worker thread so that Ctrl-C reaches the main thread at once, even inside
    a long CSV or plot write. The first Ctrl-C (or the one that ended the simulation) lets the
    folder be finished; the next stops at once: before the data files are complete it removes the
    unfinished folder; after that it keeps them and removes only what was still being drawn.
    """
    from guessgame import runlog
    from guessgame.events import FOLDER

    run_dir = runlog.create_run_dir(out, result.config.name)
    saving = _Saving()

    def write() -> None:
        runlog.write_run(run_dir, result)
        saving.data_written.set()
        if tensorboard and not saving.stop.is_set():
            saving.failures += _write_tensorboard(run_dir, result)
        if not no_plots and not saving.stop.is_set():
            saving.failures += _write_plots(result, run_dir / runlog.PLOTS, fmt.value, stop=saving.stop)[1]

    try:
        stopped = _in_background(write, interrupted=result.interrupted)
    except KeyboardInterrupt:
        saving.stop.set()
        shown = _shown_path(run_dir)
        if saving.data_written.is_set():
            for unfinished in (runlog.PLOTS, FOLDER):
                _remove(run_dir / unfinished)
            err_console.print(f"[yellow]stopped[/]: {shown} keeps config.yaml, attempts.csv and summary.json; "
                              f"its plots were not finished: draw them with: guessgame plot {shown}", soft_wrap=True)
        else:
            _remove(run_dir)
            err_console.print(f"[yellow]stopped[/]: the unfinished run folder {shown} was removed", soft_wrap=True)
        raise typer.Exit(130) from None
    except BaseException:
        if not saving.data_written.is_set():
            _remove(run_dir)
        raise
    return run_dir, stopped, saving.failures


def _remove(folder: Path) -> None:
    for _ in range(3):  # the worker may still be adding files while the folder goes
        shutil.rmtree(folder, ignore_errors=True)
        if not folder.exists():
            break
        time.sleep(0.05)


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


def _write_plots(source, folder: Path, fmt: str, names: tuple[str, ...] = RUN_PLOTS,
                 stop: threading.Event | None = None) -> tuple[list[Path], list[tuple[str, BaseException]]]:
    """Draw and save each plot: the files written, and each plot that failed with its error."""
    from guessgame import plots

    try:
        folder.mkdir(exist_ok=True)
        data = plots.as_run(source)
        names = (*names, "score") if data.games > 1 else names
    except Exception as exc:  # noqa: BLE001 - no plot can be drawn; the data files stand
        _debug(exc)
        return [], [(f"{folder.name}/{name}.{fmt}", exc) for name in names]
    written, failures = [], []
    for name in names:
        if stop is not None and stop.is_set():
            break
        path = folder / f"{name}.{fmt}"
        try:
            _save_figure(plots.FIGURES[name](data), path)
        except Exception as exc:  # noqa: BLE001 - reported by name; the other plots go on
            _debug(exc)
            failures.append((f"{folder.name}/{path.name}", exc))
        else:
            written.append(path)
    return written, failures


def _write_tensorboard(run_dir: Path, result) -> list[tuple[str, BaseException]]:
    """TensorBoard's event files, or the reason they could not be written (and no half-written folder)."""
    from guessgame.events import FOLDER, write_events

    try:
        write_events(run_dir, result)
    except Exception as exc:  # noqa: BLE001 - reported by name; the data files stand
        shutil.rmtree(run_dir / FOLDER, ignore_errors=True)
        _debug(exc)
        return [(f"{FOLDER}/", exc)]
    return []


def _save_figure(figure, path: Path) -> None:
    """Save a figure through a temporary file and a rename, so a failed save leaves no half-written file."""
    from guessgame import plots
    from guessgame.runlog import replacing

    with replacing(path) as tmp:
        figure.savefig(tmp, format=path.suffix.lstrip(".").lower(), dpi=getattr(plots, "DPI", 100))


def _save_animation(data, path: Path) -> int:
    from guessgame import plots
    from guessgame.runlog import replacing

    with replacing(path) as tmp:
        return plots.animate(data, tmp)


def _failed(failures: list[tuple[str, BaseException]], tail: str) -> str:
    """One message for everything that could not be written: `plots/lr.png could not be drawn: Error: why; ...`."""
    parts = []
    for what, exc in failures:
        verb = "written" if what.endswith("/") else "drawn"
        reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        parts.append(f"{what} could not be {verb}: {reason}")
    return "; ".join(parts + [tail])


def _debug(exc: BaseException) -> None:
    if os.environ.get("GUESSGAME_DEBUG"):
        import traceback

        traceback.print_exception(exc, file=sys.stderr)


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


def _shown_path(path: Path, *, markup: bool = True) -> str:
    """A path for a message: relative to here when inside it; escaped for rich markup unless `markup=False`."""
    try:
        shown = str(path.relative_to(Path.cwd()))
    except ValueError:
        shown = str(path)
    return escape(shown) if markup else shown


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
