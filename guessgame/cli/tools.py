"""The commands around a run: check a config, re-draw a saved run, draw a loss landscape, narrate one
attempt, and play the game by hand."""

from __future__ import annotations

import math
import os
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape

from guessgame.cli.common import (
    ConfigArg,
    Format,
    FormatOpt,
    SetOpt,
    app,
    complain,
    fail,
    failed,
    guarded,
    out_console,
    shown_path,
)
from guessgame.cli.runs import Style, StyleOpt
from guessgame.config import Override, RandomAnswer, load_config


@app.command()
@guarded
def validate(config: ConfigArg, set_: SetOpt = None) -> None:
    """Check a config and print it fully resolved; simulates nothing.

    Example: [bold]guessgame validate configs/adam.yaml --set optimizer.amsgrad=true[/]
    """
    import yaml

    resolved = load_config(config, list(set_ or []))
    cells = f" in {resolved.cell_count} cells: {'; '.join(resolved.cell_labels())}" if resolved.grid else ""
    out_console.print(f"[green]ok[/]: {escape(str(config))} is valid ({resolved.runs} run(s) of "
                      f"{resolved.attempts} attempts{escape(cells)})", soft_wrap=True)
    out_console.print(yaml.safe_dump(resolved.to_dict(), sort_keys=False, default_flow_style=None), end="",
                      markup=False, soft_wrap=True)


@app.command()
@guarded
def plot(
    run_dir: Annotated[Path, typer.Argument(help="A run folder written by `guessgame run`.", show_default=False)],
    format: FormatOpt = Format.png,
    animate: Annotated[bool, typer.Option("--animate", help="Also write plots/guesses.gif.")] = False,
    style: StyleOpt = Style.default,
) -> None:
    """Re-draw every plot of a saved run from its files, without simulating again.

    Example: [bold]guessgame plot runs/mse-20260101-120000 --format svg --animate --style talk[/]
    """
    from guessgame.rundir import PLOTS, read_run
    from guessgame.rundir.save import Failure, draw_figures, save_animation

    data = read_run(run_dir)
    folder = run_dir / PLOTS
    if folder.is_symlink():
        fail(f"{folder}: is a link (to {os.readlink(folder)}); guessgame writes only inside the run folder, "
             "so remove the link (or copy the folder it points to in its place)")
    if folder.exists() and not folder.is_dir():
        fail(f"{folder}: is a file, not a folder; the plots go in this folder, so move the file away")
    written, failures = draw_figures(data, folder, format.value, replot=True, style=style.value)
    for path in written:
        out_console.print(f"wrote {shown_path(path)}", soft_wrap=True)
    if animate:
        try:
            gif, frames = save_animation(data, folder, style.value)
        except Exception as exc:  # noqa: BLE001 - reported with the plots that failed
            failures.append(Failure(f"{folder.name}/guesses.gif", exc))
        else:
            out_console.print(f"wrote {shown_path(gif)} ({frames} frames)", soft_wrap=True)
    if failures:
        complain(failed(failures, "the other plots were written" if written else "no plot was written"))
        raise typer.Exit(1)


@app.command()
@guarded
def report(
    run_dir: Annotated[Path, typer.Argument(help="A run folder written by `guessgame run`.", show_default=False)],
) -> None:
    """Re-write a saved run's report.html, the interactive page, from its files, without simulating again.

    Example: [bold]guessgame report runs/mse-20260101-120000[/]
    """
    from guessgame.report import write_report
    from guessgame.rundir import read_run
    from guessgame.rundir.layout import REPORT
    from guessgame.rundir.save import Failure

    data = read_run(run_dir)  # a damaged folder: exit 2 with the reader's message
    if (run_dir / REPORT).is_dir():
        fail(f"{run_dir / REPORT}: is a folder; the page is written to this path, so move the folder away")
    try:
        path = write_report(data, run_dir)
    except Exception as exc:  # noqa: BLE001 - one message naming the page, as for a run's plots
        fail(failed([Failure(REPORT, exc)], "the run's data is unchanged"), code=1)
    out_console.print(f"wrote {shown_path(path)} (open it in a browser; it needs no network)", soft_wrap=True)


@app.command()
@guarded
def landscape(
    loss: Annotated[list[str], typer.Option("--loss", help=escape(
        "A loss to draw, a name or a YAML mapping as in compare (--loss '{name: huber, delta: 2}'); "
        "repeat to overlay several."))],
    target: Annotated[float, typer.Option("--target", help="The answer.")] = 2.0,
    range_: Annotated[tuple[float, float], typer.Option("--range", help="Lowest and highest guess.")] = (-8.0, 12.0),
    out: Annotated[Path, typer.Option("--out", help="The image file to write (.png, .svg, .pdf).")] = Path(
        "landscape.png"),
) -> None:
    """Draw losses and their gradients over a range of guesses, as the notebook's "visualizing the loss".

    Example: [bold]guessgame landscape --loss l1 --loss mse --loss bad --target 2 --out landscape.png[/]
    """
    from guessgame.rundir.save import Failure, save_figure

    low, high = range_
    losses = _check_landscape(loss, target, low, high, out)
    from guessgame.viz import landscape_figure

    try:
        figure = landscape_figure(losses, target, low, high)
    except Exception as exc:  # noqa: BLE001 - one message naming the picture, as for a run's plots
        fail(failed([Failure(str(out), exc)], "nothing was written"), code=1)
    try:
        save_figure(figure, out)
    except OSError as exc:
        fail(f"--out: cannot write {str(out)!r} ({exc.strerror or exc})")
    out_console.print(f"wrote {shown_path(out.absolute())}", soft_wrap=True)


def _check_landscape(loss: list[str], target: float, low: float, high: float, out: Path) -> list:
    """The losses to draw, read as compare reads its --loss (a bare name: the loss at its defaults, else
    (name, options)); exit 2 naming the option on a mistake."""
    from guessgame.cli.sweep import grid_option
    from guessgame.config.schema import LOSSES

    if not math.isfinite(target):
        fail(f"--target: got {target:g}; the answer is a finite number, e.g. --target 2")
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
    game = load_config({"answer": target}, [grid_option("loss", loss)])
    items = dict(game.grid).get("loss", ((game.loss, game.loss_options),))
    return [name if options == LOSSES[name] else (name, options) for name, options in items]


@app.command()
@guarded
def explain(config: ConfigArg, set_: SetOpt = None) -> None:
    """Narrate the first attempt: the loss, the gradient and the optimizer's step, their shapes and formulas.

    Example: [bold]guessgame explain configs/l1.yaml --set reduction=sum[/]
    """
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

    from guessgame.play import DEFAULT_GAME
    from guessgame.play import play as play_game

    if seed is not None and not 0 <= seed < 2**63:
        fail(f"--seed: got {seed}; a whole number from 0 to {2**63 - 1:,}")
    chosen = seed if seed is not None else secrets.randbelow(2**31)
    overrides = list(set_ or []) + [Override(f"seed={chosen}", f"--seed {chosen}")]
    game = load_config(config if config is not None else DEFAULT_GAME, overrides)
    play_game(game, _read_typed, lambda text: out_console.print(text, markup=False, soft_wrap=True))
    if isinstance(game.answer, RandomAnswer):
        again = f"guessgame play{' ' + str(config) if config else ''} --seed {game.seed}"
        out_console.print(f"(seed {game.seed}: `{again}` replays this game)", markup=False, style="dim")


def _read_typed(prompt: str) -> str | None:
    """One line from the player, or None at the end of the input; piped input is echoed, as a terminal would."""
    out_console.print(prompt, end="", markup=False)
    out_console.file.flush()
    line = sys.stdin.readline()
    if not line:
        out_console.print()
        return None
    if not sys.stdin.isatty():
        out_console.print(line.rstrip("\n"), markup=False, highlight=False)
    return line
