"""Render guessgame's figures for a fixed set of hard cases into a folder, to look at by eye.

    python benchmarks/gallery.py OUT/ [--only NAME ...]

Each case is simulated, saved to a run folder and read back (as `guessgame plot` does), then every
figure it has is written as OUT/<case>-<figure>.png at plots.DPI, with a few GIFs and landscapes.
The time each figure took is printed.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MSE, CONFIGS = str(ROOT / "configs" / "mse.yaml"), ROOT / "configs"

# name -> (config file or dict, overrides)
CASES: dict[str, tuple[object, list[str]]] = {
    "across-critical": (MSE, ["lr=[0.5, 1.5, 2.9, 3.1, 10]", "attempts=150"]),  # docs/loss.png
    "critical-2000": (MSE, ["lr=[0.5, 2.9, 3.1, 6]", "attempts=2000"]),
    "lr6-650": (MSE, ["lr=6", "attempts=650"]),
    "mse-200": (MSE, ["attempts=200"]),
    "sum-2000": (MSE, ["reduction=sum", "lr=[0.3, 0.9, 1.1]", "attempts=2000"]),
    "sum-0.99-1.01": (MSE, ["reduction=sum", "lr=[0.99, 1.01]", "attempts=400"]),
    "float16": (str(CONFIGS / "float16.yaml"), []),
    "games-lr1-1game": (str(CONFIGS / "random_games.yaml"), ["lr=1", "games=1"]),
    "sweep-190": (str(CONFIGS / "lr_sweep.yaml"), ["attempts=190"]),
    "lr3.1-5000": (MSE, ["lr=3.1", "attempts=5000"]),
    "nesterov": (MSE, ["optimizer={name: sgd, momentum: 0.9, nesterov: true}", "lr=[0.5, 2.9, 3, 3.1, 6]",
                       "attempts=1000"]),
    "all-zero": ({"answer": 5, "guess": 5, "loss": "mse", "lr": [0.1, 1]}, []),
    "lr1.5-10": (MSE, ["lr=[1.5, 10]"]),
    "bad-loss": (str(CONFIGS / "bad_loss.yaml"), []),
    "l1": (str(CONFIGS / "l1.yaml"), []),
    "l1-sweep": (str(CONFIGS / "l1.yaml"), ["lr={logspace: [0.1, 3, 8]}"]),
    "scales": ({"answer": [[1, -3000, 2], [0.5, 7, 1e4]], "guess": 0, "loss": "mse", "lr": [0.5, 3], "attempts": 60},
               []),
    "random-games": (str(CONFIGS / "random_games.yaml"), []),
    "adam": (str(CONFIGS / "adam.yaml"), []),
    "huber-matrix": ({"answer": [[1, 2], [3, 40]], "guess": 0, "loss": {"name": "huber", "delta": 2}, "lr": [1, 4, 9],
                      "attempts": 80}, []),
    "early-stop": (MSE, ["lr={linspace: [0.2, 4, 12]}", "attempts=300", "stop_early=true", "log_every=7"]),
    "20000-lrs": (MSE, ["lr={logspace: [0.001, 10, 20000]}", "attempts=100"]),
    "256x256": ({"answer": [[float(i * 256 + j) for j in range(256)] for i in range(256)], "guess": 0,
                 "loss": "mse", "lr": 0.5, "attempts": 20}, []),
    **{f"dtype-{d}": (MSE, [f"dtype={d}", "lr=[1.5, 2.9, 10]", "attempts=40"])
       for d in ("float16", "bfloat16", "float32", "float64")},
}
GIFS = ("critical-2000", "random-games", "bad-loss", "l1")
LANDSCAPES = {"landscape": (["l1", "mse", "bad"], 2.0, -8.0, 12.0), "landscape-1e6": (["l1", "mse"], 2.0, 0.0, 1e6),
              "landscape-1e300": (["l1", "mse", "huber"], 2.0, -1e300, 1e300)}


def render(name: str, out: Path, scratch: Path) -> None:
    from guessgame import plots, simulate
    from guessgame.config import load_config
    from guessgame.rundir import create_run_dir, read_run, write_run

    source, overrides = CASES[name]
    result = simulate(load_config(source, overrides))
    run_dir = create_run_dir(scratch, name)
    write_run(run_dir, result)
    run = read_run(run_dir)
    for figure, make in plots.FIGURES.items():
        if figure == "score" and run.games == 1:
            continue
        start = time.perf_counter()
        make(run).savefig(out / f"{name}-{figure}.png", dpi=plots.DPI)
        print(f"{name}-{figure}.png  {time.perf_counter() - start:.2f} s")
    if name in GIFS:
        start = time.perf_counter()
        frames = plots.animate(run, out / f"{name}.gif")
        print(f"{name}.gif  {frames} frames  {time.perf_counter() - start:.2f} s")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--only", nargs="*", help="case names (default: all)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    warnings.simplefilter("error")  # a figure that warns is a figure that lies somewhere
    from guessgame import plots

    with tempfile.TemporaryDirectory() as scratch:
        for name in args.only or [*CASES, *LANDSCAPES]:
            if name in LANDSCAPES:
                start = time.perf_counter()
                plots.landscape_figure(*LANDSCAPES[name]).savefig(args.out / f"{name}.png", dpi=plots.DPI)
                print(f"{name}.png  {time.perf_counter() - start:.2f} s")
            else:
                render(name, args.out, Path(scratch))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
