"""report.html: one self-contained page -- plotly.js, the glue, the styles and the data all inline, so
it opens from file:// on a machine with no network and asks nothing of any server."""

from __future__ import annotations

import html
import json
import re
from functools import lru_cache
from importlib import resources
from typing import Any

from guessgame.report import charts
from guessgame.report.payload import page_data
from guessgame.rundata import RunData
from guessgame.status import Status

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; img-src data: blob:; font-src data:">
<title>@TITLE@ — guessgame report</title>
<style>@CSS@</style>
</head>
<body>
<main>
<h1>@TITLE@</h1>
<p class="game" id="game-sentence">@GAME@</p>
<p class="note" id="note"@NOTE_HIDDEN@>@NOTE@</p>
@SHOWN@
<details><summary>the resolved config (config.yaml)</summary><pre id="config">@CONFIG@</pre></details>
<div class="controls">
  <label for="lr">learning rate <input type="range" id="lr" min="0" max="0" step="1" value="0"></label>
  <span id="lr-value"></span>
  @CELLS@
  @GAMES@
  <button id="play" type="button">▶ play</button>
  <label for="step">attempt <input type="range" id="step" min="0" max="0" step="1" value="0"></label>
  <span id="attempt"></span>
  <span id="status" class="status"></span>
</div>
<p id="sentence"></p>
<div class="grid">
  <div class="chart stack"><div id="loss-all"></div><div id="loss"></div></div>
  <div id="trajectory" class="chart"></div>
  <div id="path" class="chart"></div>
  @CONTOUR@
  <div>
    <h2>its attempts: the first and the last</h2>
    <table id="attempts"><thead><tr><th>attempt</th><th>guess</th><th>loss</th></tr></thead>
    <tbody id="attempts-table"></tbody></table>
  </div>
</div>
<h2>learning rates compared</h2>
<div id="compare" class="chart"></div>
@SCORE@
<h2>summary (click a column to sort, a row to select its run)</h2>
@FILTER@
<div class="scroll"><table id="summary"><thead><tr>@HEADER@</tr></thead><tbody></tbody></table></div>
<footer>Written by guessgame from this run folder's config.yaml, attempts.csv and summary.json;
plotly.js @PLOTLY_VERSION@ is inlined, so the page needs no network.</footer>
</main>
<script>@PLOTLY@</script>
<script type="application/json" id="guessgame-data">@DATA@</script>
<script type="application/json" id="guessgame-figures">@FIGURES@</script>
<script>@GLUE@</script>
</body>
</html>
"""


# the contours drawn once underneath, the selected run on a see-through plot above (as the loss chart)
_CONTOUR = '<div class="chart stack"><div id="contour-under"></div><div id="contour"></div></div>'


def render(run: RunData, config_text: str) -> str:
    """The page of one run, as HTML text."""
    data = page_data(run, config_text)
    data["start"] = _start(run)
    figures = charts.figures(data)
    grid = len(data["cells"]) > 1
    columns = ["run", "lr", *(["cell"] if grid else []), *(["game"] if run.games > 1 else []), "status",
               "attempts", "final loss", "theory"]
    header = "".join(f'<th data-key="{name}">{name if name != "theory" else "theory predicts"}</th>'
                     for name in columns)
    cell = data["cells"][int(run.cells[data["start"]])]  # the page opens on the start run's cell
    labels = [c["label"] for c in data["cells"]]
    parts = {
        "@TITLE@": html.escape(run.name), "@GAME@": html.escape(cell["game"]),
        "@NOTE@": html.escape(cell["note"] or ""), "@NOTE_HIDDEN@": "" if cell["note"] else " hidden",
        "@CELLS@": _select("cell", "cell", labels, int(run.cells[data["start"]])) if grid else "",
        "@FILTER@": f'<p class="filter">{_select("summary-cell", "show", ["every cell", *labels], 0)}</p>' if grid else "",
        "@SHOWN@": _shown(run, data), "@CONFIG@": html.escape(config_text), "@GAMES@": _games(run),
        "@SCORE@": _score(data["score"]), "@HEADER@": header, "@CSS@": _asset("report.css"),
        "@PLOTLY_VERSION@": _plotly()[0], "@PLOTLY@": _plotly()[1], "@DATA@": _json(data),
        "@FIGURES@": _json(figures), "@GLUE@": _asset("report.js"),
        "@CONTOUR@": _CONTOUR if data["contour"] else "",
    }
    return re.sub("@[A-Z_]+@", lambda found: parts[found.group()], _PAGE)  # one pass: nothing inserted is searched


def _json(value: Any) -> str:
    """JSON for inside a <script> element, inert whatever text it carries: no NaN (it is not JSON), and
    `<`, `>`, `&` and the line separators U+2028 and U+2029 written as \\u escapes, so no `</script>`,
    `<!--` or `<script>` in a name, a label or a config can change how the page parses."""
    text = json.dumps(value, allow_nan=False, separators=(",", ":"), ensure_ascii=False)
    return text.translate(_INERT)


_INERT = {ord(c): f"\\u{ord(c):04x}" for c in "<>&\u2028\u2029"}
PLOTLY = "plotly-cartesian.min.js"  # npm's plotly.js-cartesian-dist-min, with its plotly-LICENSE.txt


@lru_cache(maxsize=1)
def _plotly() -> tuple[str, str]:
    """plotly.js's version and its bundle: the minified cartesian one (scatter and contour traces among its
    few), shipped in this folder with its licence: a third of the full bundle's size, and a page opens
    about a second sooner."""
    bundle = _asset(PLOTLY)
    version = re.search(r"plotly\.js \(cartesian - minified\) v(\S+)", bundle[:200]).group(1)
    return version, bundle.replace("</script", "<\\/script")


@lru_cache(maxsize=None)
def _asset(name: str) -> str:
    return resources.files("guessgame.report").joinpath(name).read_text(encoding="utf-8")


def _start(run: RunData) -> int:
    """The run selected when the page opens: the middle learning rate's first game."""
    lrs = sorted(set(run.lr.tolist()))
    middle = lrs[(len(lrs) - 1) // 2]
    return next(r for r in range(run.runs) if run.lr[r] == middle)


def _shown(run: RunData, data: dict[str, Any]) -> str:
    carried = len(data["runs"])
    if carried == run.runs:
        return ""
    return (f'<p class="note shown">This page carries {carried:,} of the {run.runs:,} runs, picked across the '
            "learning rates and statuses; summary.json and attempts.csv hold them all.</p>")


def _select(name: str, label: str, options: list[str], chosen: int) -> str:
    """A labelled <select> of `options`, each valued by its position."""
    items = "".join(f'<option value="{k}"{" selected" if k == chosen else ""}>{html.escape(text)}</option>'
                    for k, text in enumerate(options))
    return f'<label for="{name}">{label} <select id="{name}">{items}</select></label>'


def _games(run: RunData) -> str:
    if run.games <= 1:
        return ""
    return (f'<label for="game">game <input type="number" id="game" min="0" max="{run.games - 1}" step="1" '
            f'value="0" style="width:5em"></label><span>of {run.games} random answers</span>')


def _score(rows: list[list[str]] | None) -> str:
    if not rows:
        return ""
    header = ["lr", "games", Status.CONVERGED.value, Status.DIVERGED.value, "other", "median attempts", "middle half",
              "fewest–most"]
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows)
    return ("<h2>score: attempts to converge, per learning rate (random games)</h2>"
            f'<table id="score"><thead><tr>{"".join(f"<th>{h}</th>" for h in header)}</tr></thead>'
            f"<tbody>{body}</tbody></table>")
