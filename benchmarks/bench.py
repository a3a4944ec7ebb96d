"""guessgame's speed, measured side by side in one process and printed as ratios.

    python benchmarks/bench.py            # the full benchmark (about a minute)
    python benchmarks/bench.py --quick    # smaller sizes, for a smoke test

1. Sweep: 1000 lrs x 1000 attempts, N = 3, float64, every attempt kept, through `simulate`,
   against the notebook's loop (one lr at a time, autograd each attempt; timed on a sample of lrs
   and scaled) and against a bare closed-form batched loop (the floor on this CPU).
2. Start-up: `guessgame --help` and a whole `guessgame run configs/l1.yaml` against
   `python -c "import torch"` and `python -c "import torch, matplotlib.pyplot"`.
3. Scale: 100,000 runs x 1,000 attempts, with its peak memory.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from guessgame import simulate  # noqa: E402

ANSWER = [2.0, 77.0, 91.0]


def best_of(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def notebook_loop(lr: float, attempts: int) -> None:
    answer = torch.tensor(ANSWER, dtype=torch.float64)
    guess = torch.tensor([50.0, 50.0, 50.0], dtype=torch.float64)
    guess.requires_grad_()
    log = []
    for _ in range(attempts):
        loss = F.mse_loss(guess, answer)
        loss.backward()
        step = lr * guess.grad.data
        log.append((guess.data.clone(), loss.data.clone(), guess.grad.data.clone(), step.clone()))
        guess.data -= step
        guess.grad = None


def floor_loop(lrs: torch.Tensor, attempts: int) -> None:
    answer = torch.tensor(ANSWER, dtype=torch.float64)
    g = torch.full((len(lrs), 3), 50.0, dtype=torch.float64)
    lr = lrs.unsqueeze(1)
    for _ in range(attempts):
        g.sub_(lr * (g - answer) * 2 / 3)


def sweep(runs: int, attempts: int, sample: int) -> None:
    lrs = torch.logspace(-3, 1, runs, dtype=torch.float64)
    config = {"answer": ANSWER, "guess": 50, "loss": "mse", "lr": lrs.tolist(), "attempts": attempts}
    simulate(config)  # warm-up
    ours = best_of(lambda: simulate(config), 3)
    floor = best_of(lambda: floor_loop(lrs, attempts), 3)
    picked = lrs[:: max(1, runs // sample)].tolist()[:sample]
    start = time.perf_counter()
    for lr in picked:
        notebook_loop(lr, attempts)
    notebook = (time.perf_counter() - start) / len(picked) * runs
    print(f"sweep {runs} lrs x {attempts} attempts (N=3, float64, every attempt kept)")
    print(f"  simulate            {ours * 1e3:9.1f} ms")
    print(f"  notebook loop       {notebook * 1e3:9.1f} ms  (timed on {len(picked)} lrs, scaled to {runs})")
    print(f"  bare batched loop   {floor * 1e3:9.1f} ms")
    print(f"  => {notebook / ours:7.0f}x faster than the notebook loop (goal >= 300x)")
    print(f"  => {ours / floor:7.2f}x the bare closed-form loop (goal <= 5x)")


def command_time(args: list[str], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def startup(repeat: int) -> None:
    exe = sys.executable
    torch_import = command_time([exe, "-c", "import torch"], repeat)
    both_import = command_time([exe, "-c", "import torch, matplotlib.pyplot"], repeat)
    help_time = command_time([exe, "-m", "guessgame", "--help"], repeat)
    with tempfile.TemporaryDirectory() as out:
        run_time = command_time([exe, "-m", "guessgame", "run", "configs/l1.yaml", "--out", out, "--quiet"], repeat)
    bare = subprocess.run([exe, "-c", "import guessgame, sys; print(sorted(m for m in ('torch', 'matplotlib') "
                                      "if m in sys.modules))"], capture_output=True, text=True, cwd=ROOT).stdout.strip()
    print("start-up (median of %d)" % repeat)
    print(f"  import guessgame loads {bare or '[]'} of torch/matplotlib")
    print(f"  python -c 'import torch'                     {torch_import * 1e3:7.0f} ms")
    print(f"  python -c 'import torch, matplotlib.pyplot'  {both_import * 1e3:7.0f} ms")
    print(f"  guessgame --help                             {help_time * 1e3:7.0f} ms"
          f"  => {help_time / torch_import:.2f}x import torch (goal <= 0.3x)")
    print(f"  guessgame run configs/l1.yaml (with plots)   {run_time * 1e3:7.0f} ms"
          f"  => {run_time / both_import:.2f}x import torch+matplotlib (goal <= 1.6x)")


def scale(runs: int, attempts: int) -> None:
    config = {"answer": ANSWER, "guess": 50, "loss": "mse", "lr": {"logspace": [1e-3, 10, runs]},
              "attempts": attempts, "log_every": 10}
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    result = simulate(config)
    took = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    statuses = {s: result.status.count(s) for s in sorted(set(result.status))}
    print(f"scale: {runs:,} runs x {attempts:,} attempts (log_every 10)")
    print(f"  {took:.1f} s, peak memory {peak / 1024:.0f} MiB (was {before / 1024:.0f} MiB before); {statuses}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke test")
    args = parser.parse_args()
    torch.set_num_threads(torch.get_num_threads())
    if args.quick:
        sweep(100, 100, 5)
        startup(1)
        scale(2000, 100)
    else:
        sweep(1000, 1000, 20)
        startup(5)
        scale(100_000, 1000)


if __name__ == "__main__":
    main()
