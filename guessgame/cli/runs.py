"""`guessgame run` and `guessgame compare`: simulate a config, print what happened, save a run folder."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, NamedTuple, Optional

import typer

from guessgame.cli.common import (ConfigArg, Format, FormatOpt, NoPlotsOpt, OutOpt, QuietOpt, SetOpt,
                                  TensorBoardOpt, app, complain, err_console, fail, failed, guarded, out_console,
                                  shown_path)
from guessgame import interrupts
from guessgame.cli.progress import Progress
from guessgame.config import Config, Override, load_config


@app.command()
@guarded
def run(config: ConfigArg, set_: SetOpt = None, out: OutOpt = Path("runs"), format: FormatOpt = Format.png,
        no_plots: NoPlotsOpt = False, quiet: QuietOpt = False, tensorboard: TensorBoardOpt = False) -> None:
    """Play the game a config describes, print every attempt and a summary, and save a run folder.

    Example: [bold]guessgame run configs/mse.yaml --set lr=\\[1,2.9,10] --tensorboard[/]
    """
    _simulate_and_save(load_config(config, list(set_ or [])),
                       Job(out, format, not no_plots, quiet, tensorboard, compare=False))


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
        help="An optimizer to compare, a name or a YAML mapping: adam, '{name: sgd, momentum: 0.9}'; repeat for more.")] = None,
    loss: Annotated[Optional[list[str]], typer.Option(
        "--loss", metavar="LOSS", show_default=False,
        help="A loss to compare: l1, '{name: huber, delta: 2}'; repeat for more.")] = None,
    schedule: Annotated[Optional[list[str]], typer.Option(
        "--schedule", metavar="SCHEDULE", show_default=False,
        help="An lr schedule to compare: none, '{name: cosine, T_max: 50}'; repeat for more.")] = None,
    set_: SetOpt = None, out: OutOpt = Path("runs"), format: FormatOpt = Format.png,
    no_plots: NoPlotsOpt = False, quiet: QuietOpt = False, tensorboard: TensorBoardOpt = False,
) -> None:
    """Replay a config over several learning rates -- and optimizers, losses or schedules, every
    combination -- and compare them, the comparison first.

    Example: [bold]guessgame compare configs/mse.yaml --lrs 0.01:10:40 --optimizer sgd --optimizer adam[/]
    """
    grid = [_grid_option(key, values) for key, values in
            (("optimizer", optimizer), ("loss", loss), ("schedule", schedule)) if values]
    if lr and lrs is not None or not (lr or lrs or grid):
        fail("give either --lr (repeatable) or --lrs LOW:HIGH:COUNT, e.g. --lr 0.1 --lr 1 or --lrs 0.01:10:40 "
             "(or compare --optimizer, --loss or --schedule at the config's lrs)")
    replaced = {key: f"--{key}" for key, values in (("optimizer", optimizer), ("loss", loss), ("schedule", schedule))
                if values}
    if lr or lrs is not None:
        replaced["lr"] = "--lr" if lr else "--lrs"
    for text in set_ or []:
        key = text.partition("=")[0].strip().split(".")[0]
        if key in replaced:
            fail(f"--set {text}: compare's {replaced[key]} replaces the config's {key}, so this would be ignored; "
                 f"give it in {replaced[key]} instead (or leave {replaced[key]} out)")
    chosen = []
    if lr:
        values = [_learning_rate(text, f"--lr: got {_typed(text)}") for text in lr]
        chosen = [Override(f"lr=[{', '.join(repr(v) for v in values)}]", " ".join(f"--lr {text}" for text in lr))]
    elif lrs is not None:
        low, high, count = _lr_sweep(lrs)
        chosen = [Override(f"lr={{logspace: [{low!r}, {high!r}, {count}]}}", f"--lrs {lrs}")]
    _simulate_and_save(load_config(config, [*(set_ or []), *chosen, *grid]),
                       Job(out, format, not no_plots, quiet, tensorboard, compare=True))


def _grid_option(key: str, values: list[str]) -> Override:
    """`--optimizer sgd --optimizer adam` -> optimizer=[sgd, adam]; each item's errors name its option."""
    from guessgame.config.yamlsafe import load_yaml

    typed = [f"--{key} {text}" for text in values]
    for text, where in zip(values, typed):
        if not text.strip():
            fail(f"--{key}: got an empty value; a name or a YAML mapping, e.g. --{key} "
                 + {"optimizer": "adam", "loss": "l1", "schedule": "'{name: cosine, T_max: 50}'"}[key])
        load_yaml(text, where)  # a YAML mistake names the one option it is in
    return Override(f"{key}=[{', '.join(values)}]", " ".join(typed), tuple(typed))


class Job(NamedTuple):
    """What `run` and `compare` were asked for, beyond the config."""

    out: Path
    fmt: Format
    figures: bool
    quiet: bool
    tensorboard: bool
    compare: bool  # print the comparison of learning rates first


def _simulate_and_save(config: Config, job: Job) -> None:
    from guessgame.report import prepare, write_report
    from guessgame.rundir.drawer import SMALL, Drawer
    from guessgame.rundir.layout import check_disk
    from guessgame.rundir.save import Stopped, save

    if job.tensorboard:
        from guessgame.rundir.events import require

        require()
    check_disk(config, job.out)
    # A small run's figures are drawn by a process that loads matplotlib while this one loads torch.
    small = config.logged_rows * config.runs * (1 + 3 * config.numel) <= SMALL
    apart = job.figures and small and interrupts.on_the_command_line()  # never fork a library caller's process
    drawer = Drawer.start(job.fmt.value, write_report, prepare) if apart else None
    try:
        from guessgame.engine import Interrupted, simulate

        interrupts.work_begins()  # torch is loaded: from here Ctrl-C keeps what was computed
        try:
            with Progress(enabled=not job.quiet, cells=config.cell_count) as progress:
                result = simulate(config, progress=progress.update)
        except Interrupted as exc:
            result = exc.result
        if interrupts.requested():
            err_console.print(f"[yellow]interrupted[/] {_where_stopped(result)}; saving what was computed "
                              "(Ctrl-C again to stop at once)", soft_wrap=True)
        try:
            saved = save(result, job.out, fmt=job.fmt.value, figures=job.figures, tensorboard=job.tensorboard,
                         notify=lambda text: err_console.print(f"[yellow]{text}[/]", soft_wrap=True),
                         report=write_report, drawer=drawer)
        except Stopped as stop:
            _stopped(stop)
    finally:
        if drawer is not None:
            drawer.stop()
    _tell(result, saved, job)


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


def _stopped(stop) -> None:
    """A second Ctrl-C while saving: say what is left, and stop (`main` ends the process at once)."""
    shown = shown_path(stop.run_dir)
    if stop.kept_data:
        err_console.print(f"[yellow]stopped[/]: {shown} keeps config.yaml, attempts.csv and summary.json; "
                          f"its plots were not finished: draw them with: guessgame plot {shown}", soft_wrap=True)
    else:
        err_console.print(f"[yellow]stopped[/]: the unfinished run folder {shown} was removed", soft_wrap=True)
    raise typer.Exit(130)


def _report(result, compare: bool) -> None:
    from guessgame.cli import console
    from guessgame.score import scores

    summary = result.summary()
    cells = result.config.cell_labels()
    scored = [console.score_table(scores(summary), cells)] if result.config.games > 1 else []
    if compare:
        out_console.print(*scored, console.summary_table(summary, cells=cells))
    if result.runs <= 3:
        for r in range(result.runs):
            out_console.print(console.attempts_table(result, r))
    else:
        out_console.print(f"[dim]{result.runs} runs: attempt tables are in attempts.csv[/]")
    if not compare:
        out_console.print(console.summary_table(summary, cells=cells), *scored)


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
