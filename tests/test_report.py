"""report.html: written with every run, rebuilt by `guessgame report`, one offline page -- checked against
the config, summary.json and closed-form gradient descent, and driven in a real browser (headless
Chromium through Playwright): the slider, a click on the comparison chart, the play button."""

import json
import math
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from guessgame.cli import app

from helpers.files import CONFIGS
from helpers.pages import FIRST_CONVERGED_POINT, make_run

runner = CliRunner()
CHROMIUM = Path("/usr/bin/chromium")
INSTALL = ("needs headless Chromium and Playwright for Python: apt-get install -y chromium && "
           "pip install -e '.[test]'  (CI=true makes a missing browser a failure)")


def embedded(page: str, name: str = "guessgame-data") -> dict:
    """The page's JSON, read strictly: a NaN or Infinity in it is not JSON and fails here."""
    found = re.search(f'<script type="application/json" id="{name}">(.*?)</script>', page, re.S)

    def refuse(constant):
        raise AssertionError(f"{constant} in the page's JSON")

    return json.loads(found.group(1).replace("<\\/", "</"), parse_constant=refuse)


def value_of(axis: dict, q: int) -> float:
    """A kept position back to its value, on a log axis: the page's format, 0..10000 along the axis."""
    view = axis["view"]
    low, high = view["limits"]
    return 10 ** (low + q / 10_000 * (high - low))


# --- the run folder and the command ---------------------------------------------------------------

@pytest.fixture(scope="module")
def sweep(tmp_path_factory) -> Path:
    return make_run(tmp_path_factory.mktemp("sweep"))


def test_run_writes_one_self_contained_page_after_the_plots(sweep):
    page = (sweep / "report.html").read_text(encoding="utf-8")
    assert (sweep / "report.html").stat().st_mtime >= max(p.stat().st_mtime for p in (sweep / "plots").iterdir())
    assert not re.search(r"<(script|link|img|iframe)[^>]*\s(src|href)=", page)  # every script and style inline
    assert page.count("<script>") == 2 and 'id="guessgame-data"' in page
    ours = re.sub(r"<script>.*?</script>", "", page, count=1, flags=re.S)  # plotly.js's own links are never followed
    assert "plotly.js" in page[:page.index("<script>")]
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", ours)
    data = embedded(page)
    summary = json.loads((sweep / "summary.json").read_text())["runs"]
    assert [r["status"] for r in data["runs"]] == [r["status"] for r in summary]
    assert [r["lr"] for r in data["runs"]] == [r["lr"] for r in summary]
    assert "[2, 77, 91]" in data["game"] and "60 attempts" in data["game"] and "40 learning rates" in data["game"]
    assert yaml.safe_load(data["config"])["answer"] == [2, 77, 91]
    for run, saved in zip(data["runs"], summary):
        assert run["sentence"].startswith(f"lr {saved['lr']:.4g}") and saved["status"] in run["sentence"]


def test_the_page_s_loss_curves_follow_the_closed_form(sweep):
    """mse with mean over N = 3, plain SGD: loss(t) = loss(1) (1 - 2 lr / 3)^(2 (t - 1))."""
    data = embedded((sweep / "report.html").read_text(encoding="utf-8"))
    axis = data["axes"]["loss"]
    low, high = axis["view"]["inside"]
    first = ((50 - 2) ** 2 + (50 - 77) ** 2 + (50 - 91) ** 2) / 3
    checked = 0
    for run in data["runs"]:
        attempts = [sum(run["a"][: k + 1]) for k in range(len(run["a"]))]
        for t, q in zip(attempts, run["loss"]):
            exact = first * (1 - 2 * run["lr"] / 3) ** (2 * (t - 1))
            if q is None or exact < 1e-12 or not low + 0.01 <= math.log10(exact) <= high - 0.01:
                continue  # a gap, past the view, or where float64's rounding of the guess takes over
            assert math.log10(value_of(axis, q)) == pytest.approx(math.log10(exact), abs=(high - low) / 5000)
            checked += 1
    assert checked > 500


def test_diverged_and_exact_zero_runs_are_marked_never_dropped(sweep):
    data = embedded((sweep / "report.html").read_text(encoding="utf-8"))
    summary = json.loads((sweep / "summary.json").read_text())["runs"]
    diverged = [k for k, r in enumerate(summary) if r["status"] == "diverged"]
    assert diverged and all(data["runs"][k]["diverged"][0] == summary[k]["diverged_at"] for k in diverged)
    assert all(data["runs"][k]["loss_exits"] for k in diverged)  # each leaves the view: marked at the edge
    assert all(data["runs"][k]["final"][1] == 1 for k in diverged if summary[k]["final_loss"] in ("inf", "nan"))
    zeros = [k for k, r in enumerate(summary) if r["final_loss"] == 0]
    assert zeros and "0 (exact)" in data["axes"]["final"]["ticktext"]
    assert all(data["runs"][k]["final"][2] == "0" for k in zeros)


def test_float16_overflow_is_marked_on_the_page(tmp_path):
    run_dir = make_run(tmp_path, "float16.yaml")
    data = embedded((run_dir / "report.html").read_text(encoding="utf-8"))
    summary = json.loads((run_dir / "summary.json").read_text())["runs"]
    assert [r["status"] for r in summary] == ["converged", "diverged"]
    overflow = data["runs"][1]
    assert overflow["diverged"][0] == summary[1]["diverged_at"]
    assert any(side == 1 and not finite for _, side, finite in overflow["loss_exits"])  # inf/nan: past the top
    assert overflow["final"][1] == 1 and overflow["final"][0] == 10_000  # drawn at the top edge, marked


def test_no_plots_writes_no_report(tmp_path):
    run_dir = make_run(tmp_path, "l1.yaml", "--no-plots")
    assert not (run_dir / "report.html").exists()


def test_report_rebuilds_the_page_without_simulating(tmp_path, monkeypatch):
    run_dir = make_run(tmp_path, "l1.yaml", "--no-plots")
    import guessgame.engine

    monkeypatch.setattr(guessgame.engine, "simulate", lambda *a, **k: pytest.fail("report must not simulate"))
    result = runner.invoke(app, ["report", str(run_dir)])
    assert result.exit_code == 0, result.output
    assert "report.html" in result.output
    data = embedded((run_dir / "report.html").read_text(encoding="utf-8"))
    assert data["runs"][0]["status"] == "oscillating" and "band 0.3 from 14" in data["runs"][0]["sentence"]


@pytest.mark.parametrize("damage", ["missing", "not a run", "cut short"])
def test_report_refuses_a_missing_or_damaged_folder_with_one_message(tmp_path, damage):
    run_dir = tmp_path / "nope"
    if damage != "missing":
        run_dir = make_run(tmp_path, "l1.yaml", "--no-plots")
        if damage == "not a run":
            for name in ("config.yaml", "attempts.csv", "summary.json"):
                (run_dir / name).unlink()
        else:
            text = (run_dir / "summary.json").read_text()
            (run_dir / "summary.json").write_text(text[: len(text) // 2])
    result = runner.invoke(app, ["report", str(run_dir)])
    assert result.exit_code == 2
    assert result.output.count("error:") == 1 and "Traceback" not in result.output
    assert not (run_dir / "report.html").exists()


def test_a_report_that_fails_keeps_the_data_and_says_so(tmp_path, monkeypatch):
    import guessgame.report.page

    def broken(*args, **kwargs):
        raise RuntimeError("no room for the page")

    monkeypatch.setattr(guessgame.report.page, "render", broken)
    result = runner.invoke(app, ["run", str(CONFIGS / "l1.yaml"), "--out", str(tmp_path)])
    assert result.exit_code == 1
    (run_dir,) = list(tmp_path.iterdir())
    assert {"config.yaml", "attempts.csv", "summary.json", "plots"} <= {p.name for p in run_dir.iterdir()}
    assert not list(run_dir.glob("*report.html*"))  # no half page, not even a temporary file
    message = " ".join(result.output.split())
    assert "report.html could not be written: RuntimeError: no room for the page" in message
    assert "retry with: guessgame report" in message


def test_import_and_help_do_not_load_plotly():
    code = ("import sys, guessgame, guessgame.cli; print(sorted(m for m in sys.modules "
            "if m.split('.')[0] in ('plotly', 'torch', 'matplotlib')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.strip() == "[]", done.stdout + done.stderr


def test_a_thousand_lrs_by_a_thousand_attempts_stay_under_10_mb():
    from guessgame import simulate
    from guessgame.report import figure

    result = simulate({"answer": [2, 77, 91], "guess": 50, "loss": "mse", "attempts": 1000,
                       "lr": {"logspace": [0.01, 10, 1000]}})
    page = figure(result).html
    assert len(page.encode()) <= 10 * 2**20
    data = embedded(page)
    assert len(data["runs"]) == 1000  # every run is on the page
    assert [r["status"] for r in data["runs"]] == [str(s) for s in result.status]
    for run, k in ((data["runs"][k], k) for k in range(0, 1000, 97)):  # thinned, but every event kept
        attempts = set(_cumulative(run["a"]))
        for at in (result.converged_at[k], result.diverged_at[k]):
            assert at is None or at in attempts
        assert 1 in attempts and max(attempts) == result.attempts_run[k]


def _cumulative(steps: list[int]) -> list[int]:
    out, total = [], 0
    for step in steps:
        total += step
        out.append(total)
    return out


# --- in a real browser -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def browser():
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
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM))  # fails under CI if missing
        yield chromium
        chromium.close()


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


@pytest.fixture
def opened(browser, sweep):
    page = Opened(browser, sweep / "report.html")
    yield page
    assert page.requests == []  # nothing but the file itself was asked for
    assert page.errors == []
    page.page.close()


def test_the_slider_changes_the_selected_run_s_sentence_and_loss(opened, sweep):
    summary = json.loads((sweep / "summary.json").read_text())["runs"]
    lrs = sorted(r["lr"] for r in summary)
    before, curve = opened.sentence(), opened.loss_curve()
    index = int(opened.page.input_value("#lr"))
    opened.page.focus("#lr")
    for _ in range(len(lrs) - 1 - index):
        opened.page.keyboard.press("ArrowRight")  # as a user drags it: to the largest lr
    opened.page.wait_for_function("window.guessgame.selected() !== null")
    after = opened.sentence()
    largest = next(r for r in summary if r["lr"] == lrs[-1])
    assert after != before and after.startswith(f"lr {largest['lr']:.4g}")
    assert f"diverged at {largest['diverged_at']}" in after and largest["status"] == "diverged"
    assert opened.loss_curve() != curve


def test_clicking_a_comparison_point_selects_its_run(opened, sweep):
    summary = json.loads((sweep / "summary.json").read_text())["runs"]
    point = opened.page.evaluate(FIRST_CONVERGED_POINT)
    opened.page.mouse.click(point["x"], point["y"])
    opened.page.wait_for_timeout(200)
    run = min(summary, key=lambda r: abs(r["lr"] - point["lr"]))
    assert run["status"] == "converged"
    assert re.match(rf"lr {run['lr']:.4g}( \(. critical\))?: converged at {run['converged_at']}\b", opened.sentence())


def test_the_play_button_advances_the_attempt(opened):
    assert opened.page.inner_text("#attempt").startswith("attempt 1 of 60")
    opened.page.click("#play")
    opened.page.wait_for_function("window.guessgame.row() >= 3", timeout=10_000)
    opened.page.click("#play")  # pause
    row = opened.page.evaluate("window.guessgame.row()")
    shown = int(re.match(r"attempt (\d+) of 60", opened.page.inner_text("#attempt")).group(1))
    assert shown == row + 1 > 3  # every attempt of 60 is kept: row k is attempt k + 1


def test_the_summary_table_sorts_and_selects(opened):
    opened.page.click("#summary th[data-key='final loss']")
    first = opened.page.inner_text("#summary tbody tr:first-child td:nth-child(3)")
    assert first == "converged"  # the smallest final losses: exact zeros of converged runs
    opened.page.click("#summary tbody tr:nth-child(2)")
    assert "converged" in opened.sentence()


def test_slider_redraw_is_quick_for_a_thousand_runs(browser, tmp_path):
    from guessgame import simulate
    from guessgame.report import figure

    result = simulate({"answer": [2, 77, 91], "guess": 50, "loss": "mse", "attempts": 1000,
                       "lr": {"logspace": [0.01, 10, 1000]}})
    path = figure(result).save(tmp_path / "report.html")
    opened = Opened(browser, path)
    times = [opened.page.evaluate("""async (k) => { const t = performance.now();
        await window.guessgame.selectLr(k); await new Promise(r => requestAnimationFrame(() => r()));
        return performance.now() - t; }""", k) for k in (100, 300, 500, 700, 900)]
    assert min(times) < 1000, times  # the fastest of five: the redraw itself, not a busy machine's other work
    assert opened.requests == [] and opened.errors == []


@pytest.mark.skipif(shutil.which("chromium") is None and os.environ.get("CI", "").lower() != "true",
                    reason=INSTALL)
def test_random_games_page_has_a_game_selector_and_the_score(browser, tmp_path):
    run_dir = make_run(tmp_path, "random_games.yaml", "--set", "games=5", "--set", "attempts=100")
    opened = Opened(browser, run_dir / "report.html")
    summary = json.loads((run_dir / "summary.json").read_text())["runs"]
    assert opened.page.locator("#score tbody tr").count() == 9
    opened.page.fill("#game", "3")
    opened.page.dispatch_event("#game", "input")
    sentence = opened.sentence()
    lr = float(re.match(r"lr ([\d.]+), game 3", sentence).group(1))
    run = next(r for r in summary if r["game"] == 3 and f"{r['lr']:.4g}" == f"{lr:.4g}")
    assert run["status"] in sentence
    assert opened.requests == [] and opened.errors == []


HOSTILE = "</script><!--<script> </script>\u2028\u2029 & <b>"


def test_text_that_looks_like_html_cannot_change_how_the_page_parses(browser, tmp_path):
    """<!--, <script>, </script>, U+2028 and & in every text field of a folder (config.yaml's comments,
    each run's theory note): the page still draws every chart, and shows the text as text."""
    run_dir = make_run(tmp_path, "optimizers.yaml", "--set", "attempts=30")
    config = run_dir / "config.yaml"
    comment = HOSTILE.replace("\u2028\u2029", "")  # YAML reads U+2028 as a line break: not in a comment
    config.write_text(f"# {comment}\n" + config.read_text().replace("\n", f"  # {comment}\n", 3), encoding="utf-8")
    summary = json.loads((run_dir / "summary.json").read_text())
    for run in summary["runs"]:
        run["theory"]["note"] = HOSTILE
    (run_dir / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    result = runner.invoke(app, ["report", str(run_dir)])
    assert result.exit_code == 0, result.output
    opened = Opened(browser, run_dir / "report.html")
    drawn = opened.page.evaluate("['loss', 'trajectory', 'path', 'compare'].map("
                                 "(id) => document.getElementById(id).data.length)")
    assert all(count > 0 for count in drawn), drawn
    assert comment in opened.page.text_content("#config")
    assert opened.page.locator("script").count() == 4  # plotly, the data, the figures, the glue: none added
    assert opened.requests == [] and opened.errors == []
