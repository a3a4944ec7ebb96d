"""report.html: written with every run, rebuilt by `guessgame report`, one offline page -- checked against
the config, summary.json and closed-form gradient descent. In a real browser: `test_report_browser`."""

import json
import math
import re
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from guessgame.cli import app

from helpers.files import CONFIGS
from helpers.pages import embedded, make_run

runner = CliRunner()


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
    game = data["cells"][0]["game"]
    assert "[2, 77, 91]" in game and "60 attempts" in game and "40 learning rates" in game
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


@pytest.mark.parametrize("config", [("lr_sweep.yaml",), ("l1_schedule.yaml",), ("ravine.yaml", "--set", "attempts=40"),
                                    ("random_games.yaml", "--set", "games=3")], ids=lambda c: c[0])
def test_the_page_run_writes_is_the_page_report_writes_from_the_folder(request, tmp_path, config):
    """`run` writes its page from the game it played; `report` from the folder alone: the same bytes."""
    run_dir = request.getfixturevalue("sweep") if config == ("lr_sweep.yaml",) else make_run(tmp_path, *config)
    written = (run_dir / "report.html").read_bytes()
    (run_dir / "report.html").unlink()
    assert runner.invoke(app, ["report", str(run_dir)]).exit_code == 0
    assert (run_dir / "report.html").read_bytes() == written


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


def test_each_cell_of_a_schedule_grid_has_a_game_sentence_naming_its_own_schedule():
    from guessgame import load_config
    from guessgame.report.words import game_sentence

    from helpers.files import CONFIGS

    given = yaml.safe_load((CONFIGS / "l1_schedule.yaml").read_text())["schedule"]
    sentences = [game_sentence(cell) for cell in load_config(CONFIGS / "l1_schedule.yaml").cells]
    assert len(set(sentences)) == len(given) == 3
    for schedule, sentence in zip(given, sentences):
        if schedule == "none":
            assert "scheduled" not in sentence
        else:
            assert f"scheduled by {schedule['name']} (gamma {schedule['gamma']})" in sentence
