"""report.html in Firefox: Debian's headless Firefox ESR, driven over WebDriver BiDi (`firefox.py`). The page
opens from file:// asking for nothing else, logs no error, and the slider, a click on the comparison
chart and the play button work as they do in Chromium; a grid's cells are reached from the keyboard, and
the attempt readout is the run folder's loss."""

import json
import os
import re
from pathlib import Path

import pytest

from helpers.firefox import ARROW_DOWN, ARROW_RIGHT, Firefox, executable
from helpers.pages import FIRST_CONVERGED_POINT, READOUTS, SHOWN, losses, make_page, same, summary

INSTALL = ("needs headless Firefox and the websockets package: apt-get install -y firefox-esr && "
           "pip install -e '.[test]'  (CI=true makes a missing browser a failure)")


@pytest.fixture(scope="module")
def firefox():
    if os.environ.get("CI", "").lower() != "true":  # under CI a missing browser fails below
        try:
            import websockets  # noqa: F401
        except ImportError:
            pytest.skip(INSTALL)
        if executable() is None:
            pytest.skip(INSTALL)
    with Firefox.start() as browser:
        yield browser


@pytest.fixture(scope="module")
def sweep(tmp_path_factory) -> Path:
    return make_page(tmp_path_factory.mktemp("sweep"))


@pytest.fixture(scope="module")
def schedules(tmp_path_factory) -> Path:
    return make_page(tmp_path_factory.mktemp("schedules"), "l1_schedule.yaml")  # three cells at one lr


@pytest.fixture
def page(firefox, sweep):
    yield from opened(firefox, sweep)


def opened(firefox, run_dir: Path):
    page = firefox.open(run_dir / "report.html")
    page.wait_for("window.guessgame !== undefined")
    page.evaluate("window.guessgame.ready.then(() => true)")
    yield page
    # Nothing but the file itself (and the fonts inlined in it as data: URIs) was asked for; no error.
    assert [url for url in page.requests() if not url.startswith(("file:", "data:"))] == []
    assert page.errors() == []
    page.close()


def sentence(page) -> str:
    return page.evaluate("document.getElementById('sentence').innerText")


def loss_curve(page) -> list:
    return page.evaluate("document.getElementById('loss').data.find(t => t.name === 'this run').y")


def test_the_slider_changes_the_selected_run_s_sentence_and_loss(page, sweep):
    summary = json.loads((sweep / "summary.json").read_text())["runs"]
    lrs = sorted(r["lr"] for r in summary)
    before, curve = sentence(page), loss_curve(page)
    index = int(page.evaluate("document.getElementById('lr').value"))
    page.keys("#lr", [ARROW_RIGHT] * (len(lrs) - 1 - index))  # as a user moves it: to the largest lr
    page.wait_for("window.guessgame.selected() !== null")
    after = sentence(page)
    largest = next(r for r in summary if r["lr"] == lrs[-1])
    assert after != before and after.startswith(f"lr {largest['lr']:.4g}")
    assert f"diverged at {largest['diverged_at']}" in after and largest["status"] == "diverged"
    assert loss_curve(page) != curve


def test_clicking_a_comparison_point_selects_its_run(page, sweep):
    summary = json.loads((sweep / "summary.json").read_text())["runs"]
    point = page.evaluate(FIRST_CONVERGED_POINT)
    page.click(point["x"], point["y"])
    run = min(summary, key=lambda r: abs(r["lr"] - point["lr"]))
    assert run["status"] == "converged"
    page.wait_for(f"document.getElementById('sentence').innerText.startsWith('lr {run['lr']:.4g}')")
    assert re.match(rf"lr {run['lr']:.4g}( \(. critical\))?: converged at {run['converged_at']}\b", sentence(page))


def test_the_play_button_advances_the_attempt(page):
    page.click_on("#play")
    page.wait_for("window.guessgame.row() >= 3")
    page.click_on("#play")  # pause
    row = page.evaluate("window.guessgame.row()")
    shown = int(re.match(r"attempt (\d+) of 60", page.evaluate("document.getElementById('attempt').innerText"))
                .group(1))
    assert shown == row + 1 > 3  # every attempt of 60 is kept: row k is attempt k + 1


def test_every_cell_of_a_grid_is_reached_from_the_keyboard_and_read_exactly(firefox, schedules):
    folder, log = summary(schedules), losses(schedules)
    for page in opened(firefox, schedules):
        assert page.evaluate("document.getElementById('cell') !== null"), "a grid's page has a cell selector"
        reached = []
        for c, cell in enumerate(folder["cells"]):
            if c:
                page.keys("#cell", [ARROW_DOWN])  # the next cell, as a user picks it
            page.wait_for(f"document.getElementById('lr-value').innerText.endsWith({json.dumps(cell['label'] + ')')})")
            shown = page.evaluate(SHOWN)
            (run,) = [r for r in folder["runs"] if r["cell"] == c]
            reached.append(run["run"])
            assert shown["sentence"].startswith(f"lr {run['lr']:.4g} ({cell['label']})")
            assert shown["status"] == run["status"] and run["status"] in shown["sentence"]
            assert shown["note"] == f"Theory: {run['theory']['note']}."
            for text in page.evaluate(f"({READOUTS})(30)"):
                found = re.fullmatch(r"attempt (\d+) of (\d+): loss (\S+)", text)
                assert found and same(found.group(3), log[run["run"], int(found.group(1))]["loss"]), text
        assert reached == [r["run"] for r in folder["runs"]]
