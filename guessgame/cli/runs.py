"""`guessgame run` and `guessgame compare`: simulate a config, print what happened, save a run folder."""

from __future__ import annotations

from contextlib import nullcontext
from enum import Enum
from pathlib import Path
from typing import Annotated, NamedTuple, NoReturn, Optional

import typer

from guessgame import interrupts
from guessgame.cli.common import (
    ConfigArg,
    ExitAtOnce,
    Format,
    FormatOpt,
    NoPlotsOpt,
    OutOpt,
    QuietOpt,
    SetOpt,
    TensorBoardOpt,
    app,
    complain,
    err_console,
    failed,
    guarded,
    out_console,
    shown_path,
)
from guessgame.cli.progress import Progress
from guessgame.cli.sweep import compare_overrides
from guessgame.config import Config, load_config
from guessgame.config.schema import DTYPES
from guessgame.viz.style import STYLES

# The figures' looks, as an option's choices: each of `STYLES`, with what it is for.
Style = Enum("Style", {name: name for name in STYLES}, type=str)
StyleOpt = Annotated[Style, typer.Option("--style", help="How the figures look: " + ", ".join(
    f"{name} ({look.about})" for name, look in STYLES.items()) + ".")]


@app.command()
@guarded
def run(config: ConfigArg, set_: SetOpt = None, out: OutOpt = Path("runs"), format: FormatOpt = Format.png,
        no_plots: NoPlotsOpt = False, quiet: QuietOpt = False, tensorboard: TensorBoardOpt = False,
        style: StyleOpt = Style.default) -> None:
    """Play the game a config describes, print every attempt and a summary, and save a run folder.

    Example: [bold]guessgame run configs/mse.yaml --set lr=\\[1,2.9,10] --tensorboard[/]
    """
    _simulate_and_save(load_config(config, list(set_ or [])),
                       Job(out, format, not no_plots, quiet, tensorboard, compare=False, style=style.value))


@app.command()
@guarded
def compare(
    config: ConfigArg,
    lr: Annotated[Optional[list[str]], typer.Option("--lr", metavar="LR", help="A learning rate; repeat for more.",
                                                    show_default=False)] = None,
    lrs: Annotated[Optional[str], typer.Option("--lrs", metavar="LOW:HIGH:COUNT",
                                               help="COUNT log-spaced learning rates from LOW to HIGH.",
                                               show_default=False)] = None,
    optimizer: Annotated[Optional[list[str]], typer.Option(
        "--optimizer", metavar="OPTIMIZER", show_default=False,
        help="An optimizer to compare, a name or a YAML mapping: adam, '{name: sgd, momentum: 0.9}'; "
             "repeat for more.")] = None,
    loss: Annotated[Optional[list[str]], typer.Option(
        "--loss", metavar="LOSS", show_default=False,
        help="A loss to compare: l1, '{name: huber, delta: 2}'; repeat for more.")] = None,
    schedule: Annotated[Optional[list[str]], typer.Option(
        "--schedule", metavar="SCHEDULE", show_default=False,
        help="An lr schedule to compare: none, '{name: cosine, T_max: 50}'; repeat for more.")] = None,
    dtype: Annotated[Optional[list[str]], typer.Option(
        "--dtype", metavar="DTYPE", show_default=False,
        help=f"A dtype to play in: {', '.join(DTYPES)}; repeat to compare them.")] = None,
    set_: SetOpt = None, out: OutOpt = Path("runs"), format: FormatOpt = Format.png,
    no_plots: NoPlotsOpt = False, quiet: QuietOpt = False, tensorboard: TensorBoardOpt = False,
    style: StyleOpt = Style.default,
) -> None:
    """Replay a config over several learning rates -- and optimizers, losses, schedules or dtypes,
    every combination -- and compare them, the comparison first.

    Example: [bold]guessgame compare configs/mse.yaml --lrs 0.01:10:40 --optimizer sgd --optimizer adam[/]
    """
    overrides = compare_overrides(lr, lrs, {"optimizer": optimizer, "loss": loss, "schedule": schedule,
                                            "dtype": dtype}, list(set_ or []))
    _simulate_and_save(load_config(config, [*(set_ or []), *overrides]),
                       Job(out, format, not no_plots, quiet, tensorboard, compare=True, style=style.value))


class Job(NamedTuple):
    """What `run` and `compare` were asked for, beyond the config."""

    out: Path
    fmt: Format
    figures: bool
    quiet: bool
    tensorboard: bool
    compare: bool  # print the comparison of learning rates first
    style: str = "default"  # the figures' look, one of `viz.STYLES`


def _simulate_and_save(config: Config, job: Job) -> None:
    from guessgame.report import prepare, write_report
    from guessgame.rundir.drawer import drawing
    from guessgame.rundir.layout import check_disk

    if job.tensorboard:
        from guessgame.rundir.events import require

        require()
    check_disk(config, job.out)
    # Before torch loads: a small run's figures may be drawn by a process that loads matplotlib meanwhile.
    with drawing(config, job.fmt.value, write_report, prepare, job.style) if job.figures else nullcontext() as figures:
        result = _simulate(config, job.quiet)
        saved = _save(result, job, figures)
    _tell(result, saved, job)


def _simulate(config: Config, quiet: bool):
    """The result, of every attempt or of those played until a Ctrl-C (which is then told)."""
    from guessgame.engine import Interrupted, simulate

    interrupts.work_begins()  # torch is loaded: from here Ctrl-C keeps what was computed
    try:
        with Progress(enabled=not quiet, cells=config.cell_count) as progress:
            result = simulate(config, progress=progress.update)
    except Interrupted as exc:
        result = exc.result
    if interrupts.requested():
        err_console.print(f"[yellow]interrupted[/] {_where_stopped(result)}; saving what was computed "
                          "(Ctrl-C again to stop at once)", soft_wrap=True)
    return result


def _save(result, job: Job, figures):
    from guessgame.rundir.save import Stopped, save

    try:
        return save(result, job.out, figures=figures, tensorboard=job.tensorboard,
                    notify=lambda text: err_console.print(f"[yellow]{text}[/]", soft_wrap=True))
    except Stopped as stop:
        _stopped(stop)


def _tell(result, saved, job: Job) -> None:
    """What the run did and where its folder is; what failed to be saved; the exit code."""
    from guessgame.rundir.layout import REPORT, TENSORBOARD

    run_dir = saved.run_dir
    if job.quiet:
        out_console.out(shown_path(run_dir, markup=False), highlight=False)
    else:
        _report(result, job.compare)
        if job.figures and not any(f.what == REPORT for f in saved.failures) and (run_dir / REPORT).is_file():
            out_console.print(f"the interactive page, for a browser: {shown_path(run_dir / REPORT)}", soft_wrap=True)
        out_console.print(f"run folder: {shown_path(run_dir)}", soft_wrap=True)
        if job.tensorboard and not any(f.what.startswith(TENSORBOARD) for f in saved.failures):
            out_console.print(f"see it in TensorBoard: tensorboard --logdir {shown_path(run_dir / TENSORBOARD)}",
                              soft_wrap=True)
    if saved.failures:
        where = shown_path(run_dir, markup=False)
        retry = "".join(f"; retry with: guessgame {command} {where}" for command, failed_ in (
            ("plot", any(f.what.startswith("plots/") for f in saved.failures)),
            ("report", any(f.what == REPORT for f in saved.failures))) if failed_)
        complain(failed(saved.failures, f"the run's data is in {where}{retry}"))
    if result.interrupted or saved.interrupted or interrupts.requested():
        raise typer.Exit(130)
    if saved.failures:
        raise typer.Exit(1)


def _where_stopped(result) -> str:
    """`after attempt 401 of 5,000 of cell 2 of 12 (adam)`: where a Ctrl-C stopped the attempts."""
    config, at = result.config, result.stopped_at()
    if not result.interrupted:
        return f"after the last attempt ({at['attempt']:,} of {config.attempts:,})"
    where = f"after attempt {at['attempt']:,} of {config.attempts:,}"
    if "cell" not in at:
        return where
    label = config.cell_labels()[at["cell"]]
    return f"{where} of cell {at['cell'] + 1} of {config.cell_count} ({label}); the cells after it were not played"


def _stopped(stop) -> NoReturn:
    """A second Ctrl-C while saving: say what is left, and exit 130 -- at once, without waiting for the
    save's worker thread, where it is still inside a write."""
    shown = shown_path(stop.run_dir)
    if stop.kept_data:
        err_console.print(f"[yellow]stopped[/]: {shown} keeps config.yaml, attempts.csv and summary.json; "
                          f"its plots were not finished: draw them with: guessgame plot {shown}", soft_wrap=True)
    else:
        err_console.print(f"[yellow]stopped[/]: the unfinished run folder {shown} was removed", soft_wrap=True)
    if stop.busy:
        raise ExitAtOnce(130)
    raise typer.Exit(130)


def _report(result, compare: bool) -> None:
    from guessgame.cli import console
    from guessgame.score import scores

    summary = result.summary()
    cells = result.config.cell_labels()
    scored = [console.score_table(scores(summary), cells)] if result.config.games > 1 else []
    if compare:
        out_console.print(*scored, console.summary_table(summary, cells=cells, config=result.config))
    if result.runs <= 3:
        for r in range(result.runs):
            out_console.print(console.attempts_table(result, r))
    else:
        out_console.print(f"[dim]{result.runs} runs: attempt tables are in attempts.csv[/]")
    if not compare:
        out_console.print(console.summary_table(summary, cells=cells, config=result.config), *scored)
