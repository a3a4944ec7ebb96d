"""Every number the report page prints is the run folder's own, in headless Chromium: the attempt readout
at each kept attempt, the hover texts of every chart, the attempt table and the summary table, read
from the page as a reader sees them and checked against attempts.csv and summary.json to the seven
significant digits the page prints -- never a value read back from where a point is drawn."""

import math
import re
from pathlib import Path

import numpy as np
import pytest
import yaml

from helpers.pages import HOVERS, READOUTS, SHOWN, checked, losses, make_page, numbers, same, summary

PAGES = {
    "sweep": ("lr_sweep.yaml",),  # 60 attempts each, every one kept; overflows to inf and nan
    "schedules": ("l1_schedule.yaml",),  # a grid
    "thinned": ("lr_sweep.yaml", "--set", "lr={logspace: [0.01, 10, 100]}", "--set", "attempts=1000"),
    # more rows than the page carries: some attempts kept, the events among them
}


@pytest.fixture(scope="module", params=list(PAGES))
def folder(request, tmp_path_factory) -> Path:
    config, *extra = PAGES[request.param]
    return make_page(tmp_path_factory.mktemp(request.param), config, *extra)


@pytest.fixture
def opened(browser, folder):
    with checked(browser, folder / "report.html") as page:
        yield page


def some_runs(opened, folder) -> list[tuple[int, dict]]:
    """(index on the page, run) for a spread of runs and one of each status."""
    runs = summary(folder)["runs"]
    carried = opened.page.evaluate("window.guessgame.data.runs.map((r) => r.run)")
    picked = set(range(0, len(carried), max(1, len(carried) // 8)))
    picked |= {next(k for k, r in enumerate(carried) if runs[r]["status"] == s) for s in {r["status"] for r in runs}}
    return [(k, runs[carried[k]]) for k in sorted(picked)]


def select(opened, k: int) -> None:
    opened.page.evaluate("(k) => window.guessgame.select(k)", k)


def test_every_readout_and_table_cell_is_the_run_folder_s(opened, folder):
    """The attempt readout at the kept attempts, the sentence and the attempt table of each run, the summary
    table."""
    log, runs = losses(folder), summary(folder)["runs"]
    for k, run in some_runs(opened, folder):
        select(opened, k)
        check_readouts(opened.page.evaluate(READOUTS, 60), log, run)
        shown = opened.page.evaluate(SHOWN)
        assert shown["sentence"].startswith(f"lr {run['lr']:.4g}") and run["status"] in shown["sentence"]
        for key in ("converged_at", "diverged_at"):
            assert not run[key] or f"{key[:-3]} at {run[key]}" in shown["sentence"]
        for attempt, guess, loss in shown["table"]:
            row = log[run["run"], int(attempt)]
            assert same(loss, row["loss"])
            assert all(same(g, row[f"guess_{i}"]) for i, g in enumerate(numbers(guess)))
    check_summary_table(opened, runs)


def check_readouts(readouts: list[str], log: dict, run: dict) -> None:
    attempts = []
    for text in readouts:
        found = re.fullmatch(r"attempt (\d+) of (\d+): loss (\S+)", text)
        assert found, text
        t, last, loss = int(found.group(1)), int(found.group(2)), found.group(3)
        assert last == run["attempts_run"]
        assert same(loss, log[run["run"], t]["loss"]), (run["run"], t, loss, log[run["run"], t]["loss"])
        attempts.append(t)
    assert attempts[0] == 1 and attempts[-1] == run["attempts_run"] and attempts == sorted(set(attempts))


def check_summary_table(opened, runs: list[dict]) -> None:
    header = opened.page.locator("#summary th").all_inner_texts()
    rows = opened.page.evaluate("[...document.querySelectorAll('#summary tbody tr')].map("
                                "(tr) => [...tr.querySelectorAll('td')].map((td) => td.innerText))")
    assert len(rows) == len(runs)
    for row in rows:
        cells = dict(zip(header, row))
        run = runs[int(cells["run"])]
        assert same(cells["lr"], run["lr"]) and cells["status"] == run["status"]
        assert same(cells["final loss"], run["final_loss"])
        at = re.match(r"(\w+) at (\d+)", cells["attempts"])  # a verdict's attempt: converged at 12
        assert int(at.group(2)) == run[f"{at.group(1)}_at"] if at else int(cells["attempts"]) == run["attempts_run"]


def test_every_hover_text_is_the_run_folder_s_value(opened, folder):
    log, runs = losses(folder), summary(folder)["runs"]
    loss = yaml.safe_load((folder / "config.yaml").read_text())["loss"]
    l1 = (loss["name"] if isinstance(loss, dict) else loss) == "l1"  # the path's error is ‖guess − answer‖₁
    for k, run in some_runs(opened, folder):
        select(opened, k)
        hovers = opened.page.evaluate(HOVERS)
        r = run["run"]
        (loss,) = [t for t in hovers["loss"] if t["name"] == "this run"]
        assert all(same(text, log[r, t]["loss"]) for t, text in zip(loss["x"], loss["text"]))
        for e, trace in enumerate(hovers["trajectory"]):  # where the page carries the guesses
            assert all(same(text, log[r, t][f"guess_{e}"]) for t, text in zip(trace["x"], trace["text"]))
        (path,) = hovers["path"]
        for text in path["text"]:
            found = re.fullmatch(r"attempt (\d+): (?:error (\S+), )?loss (\S+)", text)
            t = int(found.group(1))
            assert same(found.group(3), log[r, t]["loss"])
            if found.group(2):  # the size of the error, as the loss measures it: ‖guess − answer‖
                error = np.array([float(log[r, t][f"guess_{i}"]) for i in range(len(run["answer"]))]) - run["answer"]
                assert same(found.group(2).lstrip("-"), np.abs(error).sum() if l1 else math.hypot(*error))
    if len(runs) <= 50:  # a small page spells every value it draws
        assert len(hovers["trajectory"]) == len(run["answer"]) and "error" in path["text"][0]
    for trace in hovers["compare"]:
        for text, k in zip(trace["text"], trace["customdata"]):
            run = runs[opened.page.evaluate("(k) => window.guessgame.data.runs[k].run", k)]
            final = re.search(r"final loss (\S+)$", text)
            if final:
                assert same(final.group(1), run["final_loss"])
            else:
                at = int(re.search(r"attempt (\d+)$", text).group(1))
                assert at == (run.get(f"{run['status']}_at") or run["attempts_run"])  # its verdict's, or its last
