"""Rich renderables for the terminal: the notebook's attempt print-out and the summary table.

Builds tables only; the CLI decides what to print and where. Every cell is a `Text`, never a
markup string: `[inf, -inf, nan]` would otherwise be read as a markup tag and vanish.
"""

from __future__ import annotations

from typing import Any

from rich.table import Table
from rich.text import Text

STATUS_STYLE = {"converged": "bold green", "oscillating": "bold yellow", "unfinished": "bold blue",
                "diverged": "bold red"}
HEAD, TAIL = 10, 5  # attempts shown at each end of a long run


def number(x: float) -> str:
    return f"{x:.7g}"


def vector(values: list) -> str:
    if not isinstance(values, list):
        return number(values)
    flat = _flatten(values)
    shown = ", ".join(number(v) for v in flat[:6]) + (", ..." if len(flat) > 6 else "")
    return f"[{shown}]"


def _flatten(values) -> list[float]:
    if isinstance(values, list):
        return [x for v in values for x in _flatten(v)]
    return [values]


def attempts_table(result, run: int) -> Table:
    """attempt, guess, loss, gradient, step: the notebook's `print(attempt+1, guess, loss, grad, step)`."""
    lr = float(result.lr[run])
    status = result.status[run]
    table = Table(title=Text.assemble(f"run {run}: lr = {number(lr)}  ->  ", (status, STATUS_STYLE[status])),
                  title_justify="left", header_style="bold")
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


def summary_table(runs: list[dict[str, Any]], limit: int = 40) -> Table:
    """lr, status, attempts, final loss, theory's prediction: one row per run."""
    table = Table(title="summary", title_justify="left", header_style="bold")
    games = any(r.get("game", 0) for r in runs)
    columns = ["run", "lr"] + (["game"] if games else []) + ["status", "attempts", "final loss", "theory predicts"]
    for name in columns:
        table.add_column(name, justify="left" if name in ("status", "theory") else "right")
    shown = runs if len(runs) <= limit else runs[: limit // 2] + [None] + runs[-limit // 2:]
    for run in shown:
        if run is None:
            table.add_row(*_texts("...", f"({len(runs) - 2 * (limit // 2)} runs not shown)",
                                  *[""] * (len(columns) - 2)))
            continue
        attempts = str(run["attempts_run"])
        if run["converged_at"]:
            attempts = f"converged at {run['converged_at']}"
            if run.get("left_at"):
                attempts += f", left at {run['left_at']}"
        elif run["diverged_at"]:
            attempts = f"diverged at {run['diverged_at']}"
        cells = _texts(str(run["run"]), number(run["lr"]), *([str(run["game"])] if games else []))
        cells += [Text(run["status"], style=STATUS_STYLE[run["status"]]),
                  *_texts(attempts, number(run["final_loss"]), theory_text(run["theory"]))]
        table.add_row(*cells)
    return table


def score_table(scores: list[dict[str, Any]]) -> Table:
    """Random games scored per lr: shares of each status and the attempts its games took to converge."""
    table = Table(title="score: attempts to converge, per learning rate", title_justify="left",
                  header_style="bold")
    for name in ("lr", "games", "converged", "diverged", "other", "median attempts", "middle half",
                 "fewest-most"):
        table.add_column(name, justify="right")
    for s in scores:
        shares, took = s["shares"], s["attempts_to_converge"]
        other = shares["oscillating"] + shares["unfinished"]
        cells = [*_texts(number(s["lr"]), str(s["games"])),
                 Text(f"{shares['converged']:.0%}", style=STATUS_STYLE["converged"] if shares["converged"] else ""),
                 Text(f"{shares['diverged']:.0%}", style=STATUS_STYLE["diverged"] if shares["diverged"] else ""),
                 Text(f"{other:.0%}")]
        if took:
            cells += _texts(f"{took['median']:g}", f"{took['q1']:g}-{took['q3']:g}", f"{took['min']}-{took['max']}")
        else:
            cells += _texts("-", "-", "-")
        table.add_row(*cells)
    return table


def _texts(*cells: str) -> list[Text]:
    return [Text(cell) for cell in cells]


def theory_text(theory: dict[str, Any]) -> str:
    if not theory or theory.get("predicted") is None:
        return (theory or {}).get("note") or "no closed form"
    parts = [theory["predicted"]]
    if theory.get("predicted_converged_at"):
        parts[0] += f" at {theory['predicted_converged_at']}"
    if theory.get("critical_lr") is not None:
        parts.append(f"critical lr {number(theory['critical_lr'])}")
    if theory.get("rate") is not None:
        parts.append(f"rate {theory['rate']:.3g}")
    if theory.get("predicted_diverged_at"):
        parts[0] += f" at {theory['predicted_diverged_at']}"
    if theory.get("band") is not None:
        reached = theory.get("band_reached_at")
        parts.append(f"band {number(theory['band'])}" + (f" from {reached}" if reached else ""))
    return ", ".join(parts)
