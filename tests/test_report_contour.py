"""The report page's contour view, in headless Chromium: the loss's contours over a plane through the answer
and the selected run's path on it, for answers of 2 or more elements.

What the page draws is read back through its own axis ticks (as a reader reads it), never through the
page's code: each drawn point is checked against the projection written out here from attempts.csv with
numpy, the loss table against torch's own F.mse_loss with the weights and the rotation written out here.
"""

import math
import re
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from helpers.pages import Opened, losses, make_page, same, summary, value

RES = 10_000
RAVINE = ("ravine.yaml", "--set", "optimizer=sgd", "--set", "lr=[0.005, 0.0198, 0.021]", "--set", "attempts=300",
          "--no-plots")
FOLDERS = {
    "ravine": RAVINE,
    "rotated": (*RAVINE, "--set", "rotation=45"),
    "float16": (*RAVINE, "--set", "dtype=float16"),
    "games": (*RAVINE, "--set", "answer={random: {low: 0, high: 10, shape: [2]}}", "--set", "games=3"),
    "three": (*RAVINE, "--set", "answer=[2, 5, 9]", "--set", "weights=[3, 10, 1]"),
    "overflow": (*RAVINE, "--set", "lr=[0.01, 1, 30]", "--set", "attempts=400"),  # lr 30: to inf, then nan
    # runs that stop (converged at 898, diverged at 11) between the kept attempts, and some that stop on one
    "ends": (*RAVINE, "--set", "lr=[0.005, 0.0198, 0.021, 0.03]", "--set", "attempts=1200", "--set", "stop_early=true",
             "--set", "log_every=7"),
}

# The contour view as the page draws it: the axes' ticks (on the plot underneath, which carries them), the
# selected run's traces, the loss table's grid and the embedded loss values of the selected run's panel.
DRAWN = """(() => {
    const over = document.getElementById('contour'), under = document.getElementById('contour-under');
    const g = window.guessgame, run = g.data.runs[g.selected()], C = g.data.contour;
    const axis = (a) => ({vals: under.layout[a].tickvals, text: under.layout[a].ticktext});
    const trace = (t) => ({x: t.x, y: t.y, text: t.text, customdata: t.customdata,
                           symbol: t.marker && t.marker.symbol});
    const named = (n) => trace(over.data.find((t) => t.name === n));
    const maybe = (n) => (over.data.some((t) => t.name === n) ? named(n) : null);
    const grid = under.data[0];
    return {run: run.run, t: run.t, x: axis('xaxis'), y: axis('yaxis'), line: trace(over.data[1]),
            dots: named('its logged guesses'), exits: named('left the view here,<br>the way it went'),
            end: maybe('on to where it ended<br>(between kept attempts)'), ended: maybe('where it ended'),
            grid: {x0: grid.x0, dx: grid.dx, y0: grid.y0, dy: grid.dy}, panel: C.panels[C.cells[run.cell]]};
})()"""


@pytest.fixture(scope="module")
def folders(tmp_path_factory) -> dict[str, Path]:
    made = {}
    for name, (config, *extra) in FOLDERS.items():
        made[name] = make_page(tmp_path_factory.mktemp(name), config, *extra)
    return made


def opened(browser, folder: Path) -> Opened:
    return Opened(browser, folder / "report.html")


def reader(axis: dict) -> tuple[float, float]:
    """(a, b): the value at a place q along the axis is a + b q, read from its tick labels (each tick placed
    to the nearest 1/10000 of the axis, as every point: a value read back is good to about 1.5 b)."""
    ticks = [value(text) for text in axis["text"]]
    assert len(ticks) >= 2, axis
    b, a = np.polyfit(axis["vals"], ticks, 1)
    assert np.allclose(a + b * np.asarray(axis["vals"]), ticks, rtol=0, atol=abs(b))
    return a, b


def near(read: float, exact: float, b: float) -> bool:
    return abs(read - exact) <= 1.5 * abs(b)


def on_plane(name: str, guess: np.ndarray, answer: np.ndarray) -> np.ndarray:
    """Where a guess lies on the page's plane, written out: two elements are the plane itself (their errors
    when the runs have different answers); of [2, 5, 9] with weights [3, 10, 1], the stiffest element (1,
    weight 10) and the flattest (2, weight 1), the third held at the answer."""
    if name == "games":
        return guess - answer
    if name == "three":
        return guess[[1, 2]]
    return guess


def guesses(log: dict, run: int, attempt: int, n: int) -> np.ndarray:
    return np.array([float(log[run, attempt][f"guess_{i}"]) for i in range(n)])


def select_each_run(page) -> list[dict]:
    """Every lr of the page from the lr slider, as a user moves it; what the contour view draws at each."""
    page.focus("#lr")
    page.keyboard.press("Home")
    drawn = []
    for _ in range(int(page.get_attribute("#lr", "max")) + 1):
        page.evaluate("window.guessgame.ready")
        drawn.append(page.evaluate(DRAWN))
        page.keyboard.press("ArrowRight")
    return drawn


def test_the_contour_view_shows_for_two_or_more_elements_and_not_for_one(browser, folders, tmp_path):
    from guessgame import simulate
    from guessgame.report import figure

    one = figure(simulate({"answer": 2, "guess": 0, "loss": "mse", "lr": [0.1, 1.5, 4], "attempts": 30}))
    page = Opened(browser, one.save(tmp_path / "report.html"))
    assert page.page.locator("#contour, #contour-under").count() == 0
    assert page.page.evaluate("window.guessgame.data.contour") is None
    assert page.errors == [] and page.requests == []
    for name in ("ravine", "three"):
        page = opened(browser, folders[name])
        assert page.page.evaluate("document.getElementById('contour').data.length") == 7
        assert page.page.evaluate("document.getElementById('contour-under').data[0].type") == "contour"
        assert page.errors == [] and page.requests == []


@pytest.mark.parametrize("name", ["ravine", "rotated", "float16", "games", "three"])
def test_each_run_s_drawn_path_is_its_guesses_projected_onto_the_plane(browser, folders, name):
    """Every run, reached with the lr slider: each dot at its attempt's guess projected onto the plane (to
    the 1/10000 of the axis the page keeps), every kept guess inside the view drawn, its hover text the
    folder's; a new selection draws a new path."""
    folder = folders[name]
    log, runs, page = losses(folder), summary(folder)["runs"], opened(browser, folder)
    n = len(runs[0]["answer"]) if isinstance(runs[0]["answer"], list) else 1
    lines = []
    for drawn in select_each_run(page.page):
        (ax, bx), (ay, by) = reader(drawn["x"]), reader(drawn["y"])
        run = runs[drawn["run"]]
        answer = np.asarray(run["answer"], dtype=float).reshape(-1)
        at = {t: on_plane(name, guesses(log, run["run"], t, n), answer) for t in drawn["t"]}
        dots = drawn["dots"]
        assert dots["customdata"], drawn["run"]
        for t, qx, qy, text in zip(dots["customdata"], dots["x"], dots["y"], dots["text"]):
            assert near(ax + bx * qx, at[t][0], bx) and near(ay + by * qy, at[t][1], by), (t, qx, qy, at[t])
            found = re.fullmatch(r"attempt (\d+): guess \[(.*)\], loss (\S+)", text)
            assert int(found.group(1)) == t and same(found.group(3), log[run["run"], t]["loss"])
            assert all(same(g, log[run["run"], t][f"guess_{i}"]) for i, g in enumerate(found.group(2).split(", ")))
        well = (0.04 * RES, 0.96 * RES)  # well inside: clear of the margin where a guess past the view is marked
        inside = [t for t, (x, y) in at.items()
                  if well[0] < (x - ax) / bx < well[1] and well[0] < (y - ay) / by < well[1]]
        assert set(inside) <= set(dots["customdata"])
        lines.append((drawn["line"]["x"], drawn["line"]["y"]))
    assert len(lines) == 3 and all(a != b for k, a in enumerate(lines) for b in lines[k + 1:])
    assert page.errors == [] and page.requests == []


def test_the_attempt_slider_moves_the_mark_of_this_attempt_along_the_path(browser, folders):
    page = opened(browser, folders["ravine"]).page
    for row in (0, 3, 40):
        page.evaluate("(row) => { const s = document.getElementById('step'); s.value = row;"
                      " s.dispatchEvent(new Event('input')); return window.guessgame.drawn(); }", row)
        drawn = page.evaluate(DRAWN)
        mark = page.evaluate("(() => { const t = document.getElementById('contour').data.find("
                             "(t) => t.name === 'this attempt'); return [t.x[0], t.y[0]]; })()")
        dots = drawn["dots"]
        k = dots["customdata"].index(drawn["t"][row])
        assert mark == [dots["x"][k], dots["y"][k]]


@pytest.mark.parametrize(("name", "lr"), [("ravine", 0.021), ("overflow", 30)])
def test_a_diverging_run_leaves_through_the_edge_and_is_marked_there(browser, folders, name, lr):
    """Its line ends on the view's edge, where the segment from its last guess inside to the next logged
    guess crosses it (straight up for a guess lost to inf or nan), a triangle there pointing the way it
    went; the axes keep the view of the runs that stay, never a range blown up by the diverging one."""
    folder = folders[name]
    log, runs, page = losses(folder), summary(folder)["runs"], opened(browser, folder)
    k = next(k for k, r in enumerate(page.page.evaluate("window.guessgame.data.runs")) if r["lr"] == lr)
    page.page.evaluate("(k) => window.guessgame.select(k)", k)
    drawn = page.page.evaluate(DRAWN)
    run = runs[drawn["run"]]
    assert run["status"] == "diverged"
    (ax, bx), (ay, by) = reader(drawn["x"]), reader(drawn["y"])
    assert max(abs(value(t)) for t in drawn["x"]["text"] + drawn["y"]["text"]) < 100
    points = [(x, y) for x, y in zip(drawn["line"]["x"], drawn["line"]["y"]) if x is not None and y is not None]
    assert all(0 <= q <= RES for point in points for q in point)
    exits = drawn["exits"]
    assert exits["x"], "a run that leaves the view is marked where it leaves"
    exit = (exits["x"][0], exits["y"][0])
    line = list(zip(drawn["line"]["x"], drawn["line"]["y"]))
    k = line.index(exit)  # the path runs to the mark and stops there
    assert k == len(line) - 1 or line[k + 1] == (None, None)
    left = int(re.fullmatch(r"left the view at attempt (\d+)", exits["text"][0]).group(1))
    before = max(t for t in drawn["dots"]["customdata"] if t < left)
    p, q = (guesses(log, run["run"], t, 2) for t in (before, left))
    e = np.array([ax + bx * exit[0], ay + by * exit[1]])
    side = {"triangle-up": (1, 1), "triangle-down": (1, 0), "triangle-right": (0, 1), "triangle-left": (0, 0)}
    dim, high = side[exits["symbol"][0]]
    assert (exit[dim] >= 0.96 * RES) if high else (exit[dim] <= 0.04 * RES)  # at the edge it points past
    if np.isfinite(q).all():
        # where the segment to the first guess past the view crosses the axis's edge, or that guess itself
        # where it lies in the margin the axis keeps beyond the view for such marks
        s = (e - p) @ (q - p) / ((q - p) @ (q - p))
        closest = p + s * (q - p)
        assert 0 < s <= 1 and near(closest[0], e[0], bx) and near(closest[1], e[1], by), (p, q, e)
        assert s == pytest.approx(1, abs=1e-3) or RES in exit or 0 in exit
        assert (q[dim] > p[dim]) == bool(high)
    else:  # lost to inf or nan: straight up from the last guess inside
        assert exits["symbol"][0] == "triangle-up" and exit[1] == RES and near(e[0], p[0], bx)
    assert page.errors == [] and page.requests == []


def torch_ravine_loss(guess, answer, weights, degrees: float) -> float:
    """The game's loss as a PyTorch user writes it: (w * F.mse_loss(R (guess - answer), 0, 'none')).mean()."""
    error = torch.tensor(guess, dtype=torch.float64) - torch.tensor(answer, dtype=torch.float64)
    turn = math.radians(degrees)
    rotation = torch.tensor([[math.cos(turn), -math.sin(turn)], [math.sin(turn), math.cos(turn)]], dtype=torch.float64)
    error = rotation @ error
    each = F.mse_loss(error, torch.zeros(2, dtype=torch.float64), reduction="none")
    return float((torch.tensor(weights, dtype=torch.float64) * each).mean())


@pytest.mark.parametrize(("name", "degrees"), [("ravine", 0), ("rotated", 45)])
def test_the_contoured_loss_is_the_loss_torch_computes_there(browser, folders, name, degrees):
    """The loss table spans the drawn view (its ends where the tick labels put the axis's ends), at evenly
    spaced points between the ends the page carries; each value the loss torch computes at its point."""
    page = opened(browser, folders[name])
    drawn = page.page.evaluate(DRAWN)
    (ax, bx), (ay, by), grid, panel = reader(drawn["x"]), reader(drawn["y"]), drawn["grid"], drawn["panel"]
    z = panel["z"]
    assert len(z) >= 60 and len(z[0]) >= 60  # a table fine enough for a ravine's narrow valley
    assert grid["x0"] == grid["y0"] == 0
    assert grid["dx"] * (len(z[0]) - 1) == pytest.approx(RES) and grid["dy"] * (len(z) - 1) == pytest.approx(RES)
    (x0, x1), (y0, y1) = panel["x"]["view"]["limits"], panel["y"]["view"]["limits"]
    assert near(x0, ax, bx) and near(x1, ax + bx * RES, bx) and near(y0, ay, by) and near(y1, ay + by * RES, by)
    xs, ys = np.linspace(x0, x1, len(z[0])), np.linspace(y0, y1, len(z))
    last = len(z) - 1, len(z[0]) - 1
    for i, j in [(0, 0), last, (0, last[1]), (last[0] // 2, last[1] // 2), (11, 67), (70, 3)]:
        expected = torch_ravine_loss([xs[j], ys[i]], [3, 2], [1, 100], degrees)
        assert z[i][j] == pytest.approx(expected, rel=1e-12), (i, j, xs[j], ys[i])
    assert page.errors == [] and page.requests == []


def test_a_run_that_stopped_between_kept_attempts_is_drawn_on_to_the_guess_it_ended_with(browser, folders):
    """As the figure draws it: dotted from its last kept guess to the guess it ended with (summary.json's),
    with a dot there when that is inside the view, else to the view's edge; none for a run that ended on a
    kept attempt or played its whole budget."""
    folder = folders["ends"]
    log, runs, page = losses(folder), summary(folder)["runs"], opened(browser, folder)
    kept = sorted({t for _, t in log})
    ended_inside = 0
    for drawn in select_each_run(page.page):
        run = runs[drawn["run"]]
        if run["attempts_run"] == 1200 or run["attempts_run"] in kept:
            assert drawn["end"] is None and drawn["ended"] is None, run
            continue
        (ax, bx), (ay, by) = reader(drawn["x"]), reader(drawn["y"])
        final = np.asarray(run["final_guess"], dtype=float)
        inside = all(min(a, a + b * RES) <= v <= max(a, a + b * RES)
                     for v, a, b in ((final[0], ax, bx), (final[1], ay, by)))
        if drawn["end"] is None:  # the whole way past the view
            assert not inside and drawn["ended"] is None, run
            continue
        xs, ys = drawn["end"]["x"], drawn["end"]["y"]
        start = guesses(log, run["run"], max(t for t in kept if t <= run["attempts_run"]), 2)
        if all(0 < q < RES for q in (xs[0], ys[0])):
            assert near(ax + bx * xs[0], start[0], bx) and near(ay + by * ys[0], start[1], by), (run, xs, ys)
        if inside:
            ended_inside += 1
            assert near(ax + bx * xs[-1], final[0], bx) and near(ay + by * ys[-1], final[1], by), (run, xs, ys)
            assert [drawn["ended"]["x"][0], drawn["ended"]["y"][0]] == [xs[-1], ys[-1]]
        else:
            assert xs[-1] in (0, RES) or ys[-1] in (0, RES), (run, xs, ys)
            assert drawn["ended"] is None
    assert ended_inside >= 1
    assert page.errors == [] and page.requests == []
