"""A grid's report page (optimizers side by side; schedules at one lr), in headless Chromium: every cell's
runs are reached with the page's own controls, from the keyboard -- the cell selector, then the lr
slider -- and what the page then says of a run (its name, sentence, the game and theory's note of its
cell) is what summary.json says of it; the comparison chart tells the cells apart, each point still in
its status's colour; the summary table shows one cell at a time."""

from pathlib import Path

import pytest

from guessgame.viz.style import STATUS_COLORS

from helpers.pages import SHOWN, checked, make_page, summary

COLORS = {status.value: color for status, color in STATUS_COLORS.items()}
GRIDS = {
    "optimizers": ("optimizers.yaml", "--set", "lr=[0.01, 0.3, 1, 3, 10, 30]", "--set", "attempts=100"),
    "schedules": ("l1_schedule.yaml",),  # three schedules at one lr: the lr slider has one position
}


@pytest.fixture(scope="module", params=list(GRIDS))
def grid(request, tmp_path_factory) -> Path:
    config, *extra = GRIDS[request.param]
    return make_page(tmp_path_factory.mktemp(request.param), config, *extra)


@pytest.fixture
def opened(browser, grid):
    with checked(browser, grid / "report.html") as page:
        yield page


def reach_every_run(opened) -> list[dict]:
    """Each cell from the cell selector, each lr of it from the lr slider, by key presses: what the page
    shows at every stop."""
    page = opened.page
    assert page.locator("#cell").count() == 1, "a grid's page has a cell selector beside the lr slider"
    seen = []
    for c in range(page.locator("#cell option").count()):
        page.focus("#cell")
        page.keyboard.press("Home" if c == 0 else "ArrowDown")
        page.focus("#lr")
        page.keyboard.press("Home")
        while True:
            seen.append(page.evaluate(SHOWN))
            if seen[-1]["slider"]["value"] == seen[-1]["slider"]["max"]:
                break
            page.keyboard.press("ArrowRight")
    return seen


def named(folder: dict, run: dict) -> str:
    """A run's name as every output of a grid gives it: its lr and its cell."""
    return f"lr {run['lr']:.4g} ({folder['cells'][run['cell']]['label']})"


def test_every_cell_s_runs_are_reached_and_described_as_summary_json_says(opened, grid):
    folder = summary(grid)
    by_name = {named(folder, run): run for run in folder["runs"]}
    reached = []
    for shown in reach_every_run(opened):
        run = by_name[shown["name"]]
        reached.append(run["run"])
        cell = folder["cells"][run["cell"]]
        assert shown["sentence"].startswith(shown["name"]) and run["status"] in shown["sentence"]
        assert shown["status"] == run["status"]
        for key in ("converged_at", "diverged_at"):
            if run[key]:
                assert f"{key.split('_')[0]} at {run[key]}" in shown["sentence"]
        note = run["theory"]["note"]
        assert shown["note"] == (f"Theory: {note}." if note else None)  # the cell's own, not the first cell's
        optimizer = cell["optimizer"]
        if optimizer["name"] == "sgd" and not optimizer.get("momentum"):
            assert "plain SGD" in shown["game"]
        else:
            assert optimizer["name"] in shown["game"]
            if optimizer.get("momentum"):
                assert f"momentum {optimizer['momentum']:g}" in shown["game"]
        lrs = {r["lr"] for r in folder["runs"] if r["cell"] == run["cell"]}
        assert shown["slider"]["max"] == len(lrs) - 1  # the slider runs over this cell's lrs
    assert sorted(reached) == [run["run"] for run in folder["runs"]]  # every run of every cell, each once


def test_theory_s_lines_on_the_comparison_chart_are_the_selected_cell_s(opened, grid):
    folder = summary(grid)
    lrs = [run["lr"] for run in folder["runs"]]
    assert opened.page.locator("#cell").count() == 1
    for c, cell in enumerate(folder["cells"]):
        opened.page.select_option("#cell", index=c)
        notes = opened.page.evaluate("document.getElementById('compare').layout.annotations.map(a => a.text)")
        critical = next((r["theory"]["critical_lr"] for r in folder["runs"]
                         if r["cell"] == c and r["theory"]["critical_lr"]), None)
        shown = critical is not None and min(lrs) <= critical <= max(lrs)
        assert [text for text in notes if "critical" in text] == (
            [f"theory for {cell['label']}: critical lr {critical:.4g}"] if shown else [])


def test_the_comparison_chart_tells_cells_apart_and_colours_each_point_by_status(opened, grid):
    folder = summary(grid)
    traces = opened.page.evaluate("""(() => {
        const runs = window.guessgame.data.runs;
        return document.getElementById('compare').data.filter((t) => t.customdata && t.customdata.length)
            .map((t) => ({runs: t.customdata.map((k) => runs[k].run),  // a colour for each point, or one for all
                          colors: t.customdata.map((_, i) => (Array.isArray(t.marker.color) ? t.marker.color[i]
                                                                                           : t.marker.color)),
                          look: t.line && t.line.color}));
    })()""")
    looks: dict[int, set] = {}
    for trace in traces:
        cells = {folder["runs"][r]["cell"] for r in trace["runs"]}
        look = trace["look"]  # the line joining a cell's points, along its lrs
        for r, color in zip(trace["runs"], trace["colors"]):
            assert color == COLORS[folder["runs"][r]["status"]]  # the status still shows, as its colour
        assert len(cells) == 1
        looks.setdefault(cells.pop(), set()).add(look)
    assert sorted(looks) == list(range(len(folder["cells"])))  # every cell is drawn
    assert all(len(drawn) == 1 for drawn in looks.values())
    drawn = [next(iter(look)) for look in looks.values()]
    assert len(set(drawn)) == len(drawn)  # each cell drawn its own way
    assert None not in drawn and not set(drawn) & set(COLORS.values())  # in no status's colour


def test_the_summary_table_shows_one_cell_at_a_time(opened, grid):
    folder = summary(grid)
    assert opened.page.locator("#summary-cell").count() == 1
    header = opened.page.locator("#summary th").all_inner_texts()
    column = header.index("cell")
    for c, cell in enumerate(folder["cells"]):
        opened.page.select_option("#summary-cell", label=cell["label"])
        rows = opened.page.evaluate("[...document.querySelectorAll('#summary tbody tr')].map("
                                    "(tr) => [...tr.querySelectorAll('td')].map((td) => td.innerText))")
        assert sorted(int(row[0]) for row in rows) == [r["run"] for r in folder["runs"] if r["cell"] == c]
        assert {row[column] for row in rows} == {cell["label"]}
    opened.page.select_option("#summary-cell", index=0)  # every cell again
    assert opened.page.locator("#summary tbody tr").count() == len(folder["runs"])
