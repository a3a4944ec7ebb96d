"""Run folders made through the command line, and what the report page's tests ask of its charts."""

from pathlib import Path

from typer.testing import CliRunner

from guessgame.cli import app

from helpers.files import CONFIGS

runner = CliRunner()


def make_run(out: Path, config: str = "lr_sweep.yaml", *extra: str) -> Path:
    result = runner.invoke(app, ["run", str(CONFIGS / config), "--out", str(out), "--quiet", *extra])
    assert result.exit_code == 0, result.output
    (run_dir,) = [p for p in out.iterdir() if p.is_dir()]
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
