"""Rich tables for the terminal: the notebook's attempt print-out, the summary and the score.

Builds tables only; the CLI decides what to print and where. Every cell is a `Text`, never a
markup string: `[inf, -inf, nan]` would otherwise be read as a markup tag and vanish.
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from guessgame.config import Config
from guessgame.formatting import attempts_text, held_note, number, ravine_notes, status_text, theory_text, vector
from guessgame.records import RunSummary, Score
from guessgame.score import others
from guessgame.status import Status

STATUS_STYLE = {Status.CONVERGED: "bold green", Status.OSCILLATING: "bold yellow", Status.UNFINISHED: "bold blue",
                Status.DIVERGED: "bold red", Status.STALLED: "bold magenta", Status.SETTLED: "bold cyan"}
LEFT_STYLE = "green"  # converged, then left tolerance: not the bold green of a run that stayed
HEAD, TAIL = 10, 5  # attempts shown at each end of a long run


def attempts_table(result, run: int) -> Table:
    """attempt, guess, loss, gradient, step: the notebook's `print(attempt+1, guess, loss, grad, step)`."""
    summary = result.summary()[run]
    said = attempts_text(summary) if summary.left_at or summary.stalled_at or summary.settled_at \
        else status_text(summary)
    table = Table(title=Text.assemble(f"run {run}: lr = {number(summary.lr)}  ->  ", _status(summary, said)),
                  title_justify="left", header_style="bold", caption=held_note(result.config),
                  caption_justify="left")
    for name in ("attempt", "guess", "loss", "gradient", "step"):
        table.add_column(name, justify="right" if name in ("attempt", "loss") else "left")
    rows = len(result.attempt)
    index = list(range(rows)) if rows <= HEAD + TAIL + 2 else [*range(HEAD), None, *range(rows - TAIL, rows)]
    for i in index:
        if i is None:
            table.add_row(*_texts("...", f"({rows - HEAD - TAIL} attempts not shown; all are in attempts.csv)",
                                  "", "", ""))
            continue
        table.add_row(*_texts(str(int(result.attempt[i])), vector(result.guess[i, run].tolist()),
                              number(float(result.loss[i, run])), vector(result.grad[i, run].tolist()),
                              vector(result.step[i, run].tolist())))
    return table


def summary_table(runs: list[RunSummary], limit: int = 40, cells: list[str] | None = None,
                  config: Config | None = None) -> Table:
    """lr, status, attempts, final loss, theory's prediction: one row per run; a grid's runs grouped by
    cell (`cells`: each cell's label), one section each; under it, what the config's dtype holds of an
    answer or guess it cannot hold exactly, and for a ravine what theory says of its runs alike (`config`,
    where given)."""
    notes = [] if config is None else [held_note(config), ravine_notes(runs, config)]
    table = Table(title="summary", title_justify="left", header_style="bold",
                  caption="\n".join(note for note in notes if note) or None, caption_justify="left")
    games = any(run.game for run in runs)
    grid = cells is not None and len(cells) > 1
    columns = (["run"] + (["cell"] if grid else []) + ["lr"] + (["game"] if games else [])
               + ["status", "attempts", "final loss", "theory predicts"])
    for name in columns:
        table.add_column(name, justify="left" if name in ("status", "theory") else "right")
    shown = runs if len(runs) <= limit else runs[: limit // 2] + [None] + runs[-limit // 2:]
    for k, run in enumerate(shown):
        if run is None:
            table.add_row(*_texts("...", f"({len(runs) - 2 * (limit // 2)} runs not shown)",
                                  *[""] * (len(columns) - 2)))
            continue
        row = _texts(str(run.run), *([cells[run.cell]] if grid else []), number(run.lr),
                     *([str(run.game)] if games else []))
        row += [_status(run), *_texts(attempts_text(run), number(run.final_loss), theory_text(run.theory))]
        following = shown[k + 1] if k + 1 < len(shown) else None
        table.add_row(*row, end_section=grid and following is not None and following.cell != run.cell)
    return table


def score_table(scores: list[Score], cells: list[str] | None = None) -> Table:
    """Random games scored per lr (per cell of a grid): shares of each status and the attempts its games
    took to converge."""
    table = Table(title="score: attempts to converge, per learning rate", title_justify="left",
                  header_style="bold")
    grid = cells is not None and len(cells) > 1
    if grid:
        table.add_column("cell")
    for name in ("lr", "games", Status.CONVERGED.value, Status.DIVERGED.value, "other", "median attempts",
                 "middle half", "fewest-most"):
        table.add_column(name, justify="right")
    for score in scores:
        shares, took = score.shares, score.attempts_to_converge
        converged, diverged = shares[Status.CONVERGED], shares[Status.DIVERGED]
        row = [*_texts(*([cells[score.cell]] if grid else []), number(score.lr), str(score.games)),
                 Text(f"{converged:.0%}", style=STATUS_STYLE[Status.CONVERGED] if converged else ""),
                 Text(f"{diverged:.0%}", style=STATUS_STYLE[Status.DIVERGED] if diverged else ""),
                 Text(f"{others(shares):.0%}")]
        if took:
            row += _texts(f"{took.median:g}", f"{took.q1:g}-{took.q3:g}", f"{took.min}-{took.max}")
        else:
            row += _texts("-", "-", "-")
        table.add_row(*row)
    return table


def _texts(*cells: str) -> list[Text]:
    return [Text(cell) for cell in cells]


def _status(run: RunSummary, text: str | None = None) -> Text:
    """The status (or `text`) in its style; a converged run that left tolerance later is not shown as
    plainly converged."""
    return Text(text or status_text(run), style=LEFT_STYLE if run.left_at else STATUS_STYLE[run.status])
