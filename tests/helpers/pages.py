"""Run folders made through the command line, the report page read as a browser shows it, and what the
run folder itself says, for the report page's tests."""

import contextlib
import csv
import json
import math
import os
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from guessgame.cli import app

from helpers.files import CONFIGS

runner = CliRunner()
CHROMIUM = Path("/usr/bin/chromium")
INSTALL = ("needs headless Chromium and Playwright for Python: apt-get install -y chromium && "
           "pip install -e '.[test]'  (CI=true makes a missing browser a failure)")


def make_run(out: Path, config: str = "lr_sweep.yaml", *extra: str) -> Path:
    result = runner.invoke(app, ["run", str(CONFIGS / config), "--out", str(out), "--quiet", *extra])
    assert result.exit_code == 0, result.output
    (run_dir,) = [p for p in out.iterdir() if p.is_dir()]
    return run_dir


def make_page(out: Path, config: str = "lr_sweep.yaml", *extra: str) -> Path:
    """A run folder with its page and no figures: `run --no-plots`, then `report` (the page `run` writes,
    byte for byte: test_report.py), for the tests of the page alone."""
    run_dir = make_run(out, config, "--no-plots", *extra)
    result = runner.invoke(app, ["report", str(run_dir)])
    assert result.exit_code == 0, result.output
    return run_dir


# Where the first converged run's point of the comparison chart is on screen, and its lr.
FIRST_CONVERGED_POINT = """(() => {
    const gd = document.getElementById('compare');
    const k = gd.data.findIndex(t => t.name.startsWith('converged'));
    const node = gd.querySelectorAll('.scatterlayer .trace')[k].querySelectorAll('path.point');
    node[0].scrollIntoView({block: "center"});
    const box = node[0].getBoundingClientRect();
    return {x: box.x + box.width / 2, y: box.y + box.height / 2, lr: node[0].__data__.x};
})()"""


def embedded(page: str, name: str = "guessgame-data") -> dict:
    """The page's JSON, read strictly: a NaN or Infinity in it is not JSON and fails here."""
    found = re.search(f'<script type="application/json" id="{name}">(.*?)</script>', page, re.S)

    def refuse(constant):
        raise AssertionError(f"{constant} in the page's JSON")

    return json.loads(found.group(1).replace("<\\/", "</"), parse_constant=refuse)


# --- headless Chromium -------------------------------------------------------------------------------

@contextlib.contextmanager
def chromium():
    """Headless Chromium through Playwright; the test is skipped without them, unless CI=true."""
    ci = os.environ.get("CI", "").lower() == "true"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if ci:
            raise
        pytest.skip(INSTALL)
    if not CHROMIUM.exists() and not ci:
        pytest.skip(INSTALL)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM))  # fails under CI if missing
        yield browser
        browser.close()


class Opened:
    """A page loaded from file:// with every other request aborted, remembering what was tried."""

    def __init__(self, browser, path: Path) -> None:
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.page = browser.new_page(viewport={"width": 1400, "height": 1000})
        self.page.route("**/*", self._route)
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.goto(path.as_uri())
        self.page.wait_for_function("window.guessgame !== undefined")
        self.page.evaluate("window.guessgame.ready")

    def _route(self, route) -> None:
        if route.request.url.startswith("file:"):
            route.continue_()
        else:
            self.requests.append(route.request.url)
            route.abort()

    def sentence(self) -> str:
        return self.page.inner_text("#sentence")

    def loss_curve(self) -> list:
        return self.page.evaluate("(() => { const d = document.getElementById('loss').data; "
                                  "return d.find(t => t.name === 'this run').y; })()")


@contextlib.contextmanager
def checked(browser, path: Path):
    """The page at `path`, opened; on leaving, nothing but the file itself was asked for, no error was
    logged, and the page is closed."""
    page = Opened(browser, path)
    yield page
    assert page.requests == []  # nothing but the file itself was asked for
    assert page.errors == []
    page.page.close()


# What the page shows of the selected run, as a reader sees it: the words, the readout, the tables.
SHOWN = """(() => {
    const text = (id) => { const e = document.getElementById(id); return e && !e.hidden ? e.innerText : null; };
    const rows = (selector) => [...document.querySelectorAll(selector)].map(
        (tr) => [...tr.querySelectorAll('td')].map((td) => td.innerText));
    return {name: text('lr-value'), sentence: text('sentence'), game: text('game-sentence'), note: text('note'),
            status: text('status'), attempt: text('attempt'), table: rows('#attempts-table tr:not(.gap)'),
            slider: {value: +document.getElementById('lr').value, max: +document.getElementById('lr').max}};
})()"""

# The readout of the selected run at its kept attempts (at most about `most` of them, the first and the
# last always), moving the attempt slider as a user does.
READOUTS = """(most) => {
    const step = document.getElementById('step'), out = [], last = +step.max;
    for (let i = 0; i <= last; i = i < last ? Math.min(last, i + Math.max(1, Math.floor(last / most))) : last + 1) {
        step.value = i;
        step.dispatchEvent(new Event('input'));
        out.push(document.getElementById('attempt').innerText);
    }
    return out;
}"""

# The hover texts of the selected run's traces, with the attempts (x) they belong to.
HOVERS = """(() => {
    const of = (id) => document.getElementById(id).data.filter((t) => Array.isArray(t.text) && t.text.length)
        .map((t) => ({name: t.name, x: t.x, text: t.text, customdata: t.customdata}));
    return {loss: of('loss'), trajectory: of('trajectory'), path: of('path'), compare: of('compare')};
})()"""


# --- what the run folder says --------------------------------------------------------------------------

def summary(run_dir: Path) -> dict:
    return json.loads((run_dir / "summary.json").read_text())


def losses(run_dir: Path) -> dict[tuple[int, int], dict[str, str]]:
    """attempts.csv by (run, attempt): each row's columns as written."""
    with (run_dir / "attempts.csv").open(newline="") as f:
        return {(int(row["run"]), int(row["attempt"])): row for row in csv.DictReader(f)}


def value(text: str) -> float:
    return float(text.replace("−", "-"))


def same(printed: str, exact) -> bool:
    """A printed number is the run folder's value to the 7 significant digits the page prints: no
    approximation, no value read back from a place on an axis."""
    shown, exact = value(printed), float(exact)
    if math.isnan(exact) or math.isinf(exact) or exact == 0:
        return shown == exact or (math.isnan(shown) and math.isnan(exact))
    return abs(shown - exact) <= 5e-7 * abs(exact) * (1 + 1e-9)


def numbers(text: str) -> list[str]:
    """The numbers in a text such as `[1.5, -2, inf]`."""
    return re.findall(r"-?(?:inf|nan|\d[\d.]*(?:e[-+]\d+)?)", text)
