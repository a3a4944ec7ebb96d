"""examples/guessing_game.ipynb runs from top to bottom, shows its figures, and says what it claims."""

import re

import nbformat
import torch
import torch.nn.functional as F
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
    live = next(cell for cell in code if "explore(" in cell.source)  # the widget, as a front end shows it
    assert any("application/vnd.jupyter.widget-view+json" in output.get("data", {}) for output in live.outputs)
    assert "lr 0.021 (> critical): diverged at 35" in text


def test_the_float16_section_says_the_true_arithmetic():
    """Section 5's numbers, against the notebook's own loop played in float16: the second guess, its
    errors and their squares, which of them is past float16's largest, and when inf and nan come."""
    notebook = nbformat.read(ROOT / "examples" / "guessing_game.ipynb", as_version=4)
    text = " ".join(next(c.source for c in notebook.cells if c.source.startswith("## 5. float16")).split())
    answer = torch.tensor([2, 77, 91], dtype=torch.float16)
    guess = torch.tensor([50, 50, 50], dtype=torch.float16, requires_grad=True)
    guesses, losses = [], []
    for _ in range(10):
        loss = F.mse_loss(guess, answer)
        loss.backward()
        guesses.append(guess.data.clone())
        losses.append(loss.item())
        guess.data -= 10 * guess.grad.data
        guess.grad = None
    largest = torch.finfo(torch.float16).max
    errors = (guesses[1] - answer).double().tolist()
    assert f"`[{', '.join(f'{g:g}' for g in guesses[1].tolist())}]`" in text  # [-270, 230, 323.25]
    for e in errors:  # each square, and on which side of 65504 the text puts it
        said = f"{abs(e):g}² = {e * e:,.0f}"
        assert said in text
        assert (e * e > largest) == (f"{said}, is past {largest:g}" in text)
    squares = [float(a.replace(",", "")) for a in re.findall(r"= ([\d,]+)", text)]
    bases = [float(b) for b in re.findall(r"([\d.]+)²", text)]
    assert sorted(bases) == sorted(abs(e) for e in errors) and len(squares) >= len(bases)
    infinite = next(k for k, v in enumerate(losses, start=1) if v == float("inf"))
    nan = next(k for k, v in enumerate(losses, start=1) if v != v)
    lost = next(k for k, g in enumerate(guesses, start=1) if not torch.isfinite(g).all())
    mean = sum(e * e for e in errors) / len(errors)
    assert f"`inf` from attempt {infinite}" in text and f"`nan` from attempt {nan}" in text
    assert f"overflows at attempt {lost}" in text
    assert mean <= largest and f"the mean of the three squares, {mean:,.0f}, would fit" in text


def test_the_live_section_says_what_the_widget_shows():
    """Section 8's numbers, read off the widget as a user moves its controls."""
    from guessgame.notebook import explore

    notebook = nbformat.read(ROOT / "examples" / "guessing_game.ipynb", as_version=4)
    text = " ".join(next(c.source for c in notebook.cells if c.source.startswith("## 8.")).split())
    widget = explore({"answer": [3, 2], "guess": 0, "loss": "mse", "lr": 0.0198, "weights": [1, 100],
                      "attempts": 1000})
    controls = widget.knobs.controls
    info = widget.result.summary()[0]
    assert f"at lr 0.0198 plain SGD converges at attempt {info.converged_at}, and theory says so" in text
    assert info.theory.predicted_converged_at == info.converged_at
    controls["lr"].value = 0.021
    assert f"(at 0.021, at attempt {widget.result.diverged_at[0]})" in text and widget.result.status == ["diverged"]
    controls[("sgd", "momentum")].value = 0.6694
    controls["lr"].value = 0.03306
    assert f"momentum 0.6694 at lr 0.03306 and it converges at {widget.result.converged_at[0]};" in text
    controls["optimizer"].value = "adam"
    about = int(re.search(r"from lr 0.1 to 1 it converges at about (\d+)", text)[1])
    for lr in (0.1, 0.2, 0.5, 1):
        controls["lr"].value = lr
        assert abs(widget.result.converged_at[0] - about) <= 5, lr
