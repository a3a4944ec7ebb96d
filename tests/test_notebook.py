"""examples/guessing_game.ipynb runs from top to bottom, shows its figures, and says what it claims."""

import nbformat
from nbclient import NotebookClient

from helpers.files import ROOT


def test_the_example_notebook_runs_and_shows_its_figures(tmp_path):
    notebook = nbformat.read(ROOT / "examples" / "guessing_game.ipynb", as_version=4)
    NotebookClient(notebook, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()  # raises on any error
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    outputs = [output for cell in code for output in cell.get("outputs", [])]
    figure_cells = [cell for cell in code if "_figure(" in cell.source.strip().splitlines()[0]
                    or "_figure(" in cell.source.strip().splitlines()[-1]]
    assert len(figure_cells) >= 7
    for cell in figure_cells:  # the returned Figure is shown inline
        assert any("image/png" in output.get("data", {}) for output in cell.outputs), cell.source
    assert not [output for output in outputs if output.get("name") == "stderr"]  # no warnings
    report = next(cell for cell in code if "guessgame.report import figure" in cell.source)  # the page, inline
    assert any("srcdoc=" in output.get("data", {}).get("text/html", "") for output in report.outputs)
    text = "".join(output.get("text", "") + output.get("data", {}).get("text/plain", "") for output in outputs)
    # the hand-made loop prints 20 attempts; the notebook's lr 10 game diverges, as theory says
    assert text.count("tensor([") >= 20
    assert "['diverged'] at attempt" in text and "critical_lr=3.0" in text
    assert "critical lr 3.0 best lr 1.5" in text
