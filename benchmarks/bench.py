"""guessgame's speed and memory, measured side by side and printed as ratios.

    python benchmarks/bench.py            # the full benchmark (a few minutes)
    python benchmarks/bench.py --quick    # smaller sizes, a smoke test: ratios only, no goals

Every ratio is measured in alternation with its baseline, several times, and printed as the median
with the min and max. Baselines are the fastest honest way to do the same work:

1. Sweep: 1000 lrs x 1000 attempts, N = 3, float64, every attempt kept, through `simulate`, against
   the strict floor -- the batched loop with the fewest kernels, `g.sub_(lr * (g - answer) * (2 / N))`
   on 2 threads -- and against the notebook's loop (one lr at a time, autograd each attempt; timed on
   a sample of lrs and scaled).
   Weighted sweep: a sweep with weights [1, 10, 100] against the same sweep without (lrs 1e-5 to 0.1, either
   side of the ravine's critical lr 0.03).
   Noisy sweep: the sweep with noisy hints (std 2, batch 1) against the same sweep without; and 100 lrs x 1000
   games x 200 attempts of it, timed alone.
2. Long run: one lr for 1,000,000 attempts against the bare loop of the same length doing the same
   update; and the time from `simulate` to its first attempt.
3. Start-up: `guessgame --help` and a whole `guessgame run configs/l1.yaml` (plots included) against
   `python -c "import torch"` and `python -c "import torch, matplotlib.pyplot"`.
4. The notebook's explorer: from a control's change to its figures redrawn, for one run x 1000 attempts,
   in a Jupyter kernel (the widgets' messages sent as they are to a front end), for each kind of control,
   against `simulate` of the same game alone.
5. Memory: the peak of a process running each size against the log size the check before a run
   predicts (`engine.log_bytes`), for the sweep, the long run and 100,000 runs x 1,000 attempts
   (log_every 10); and of a whole `guessgame compare` of 1,000,000 runs writing its run folder.
"""

from __future__ import annotations

import argparse
import json
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

from guessgame import load_config, simulate  # noqa: E402
from guessgame.engine import log_bytes  # noqa: E402

ANSWER = [2.0, 77.0, 91.0]
SHOW_GOALS = True


def goal(text: str) -> str:
    return f"  (goal {text})" if SHOW_GOALS else ""


def spread(ratios: list[float]) -> str:
    return f"{statistics.median(ratios):.2f}x (min {min(ratios):.2f}, max {max(ratios):.2f})"


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def side_by_side(*fns, repeat: int) -> list[list[float]]:
    """The times of each of `fns`, run in turn, `repeat` rounds."""
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(repeat):
        for fn, kept in zip(fns, times):
            kept.append(timed(fn))
    return times


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
    """The strict floor: four kernels per attempt, nothing kept."""
    answer = torch.tensor(ANSWER, dtype=torch.float64)
    g = torch.full((len(lrs), 3), 50.0, dtype=torch.float64)
    lr = lrs.unsqueeze(1)
    for _ in range(attempts):
        g.sub_(lr * (g - answer) * (2 / 3))


def keeping_floor(lrs: torch.Tensor, attempts: int) -> torch.Tensor:
    """The same four kernels writing every guess into a log made for the call, one row of runs per
    element (the quickest layout), the step worked out in place in its one new tensor: what keeping
    every attempt costs at least, page faults of fresh memory included."""
    answer = torch.tensor(ANSWER, dtype=torch.float64)
    log = torch.empty(3, attempts + 1, len(lrs), dtype=torch.float64).permute(1, 2, 0)  # (attempts + 1, runs, 3)
    log[0] = 50.0
    lr, g = lrs.unsqueeze(1), log[0]
    for t in range(1, attempts + 1):
        after = log[t]
        torch.sub(g, (g - answer).mul_(2 / 3).mul_(lr), out=after)
        g = after
    return log


def sweep_config(runs: int, attempts: int) -> dict:
    return {"answer": ANSWER, "guess": 50, "loss": "mse", "lr": {"logspace": [1e-3, 10, runs]}, "attempts": attempts}


def sweep(runs: int, attempts: int, sample: int, repeat: int) -> None:
    config = sweep_config(runs, attempts)
    lrs = torch.tensor(load_config(config).lr, dtype=torch.float64)
    simulate(config)  # warm-up
    mine, floor, keeping = side_by_side(lambda: simulate(config), lambda: floor_loop(lrs, attempts),
                                        lambda: keeping_floor(lrs, attempts), repeat=repeat)
    picked = lrs[:: max(1, runs // sample)].tolist()[:sample]
    notebook = timed(lambda: [notebook_loop(lr, attempts) for lr in picked]) / len(picked) * runs
    print(f"sweep: {runs} lrs x {attempts} attempts (N=3, float64, every attempt kept; {repeat} rounds)")
    print(f"  simulate {statistics.median(mine) * 1e3:.1f} ms, strict floor {statistics.median(floor) * 1e3:.1f} ms, "
          f"notebook loop {notebook * 1e3:.0f} ms (timed on {len(picked)} lrs, scaled to {runs})")
    print(f"  simulate / strict floor: {spread([m / f for m, f in zip(mine, floor)])}" + goal("<= 2x"))
    print(f"  (the same kernels keeping every guess in a fresh log, one row of runs per element, the step "
          f"worked out in place: {statistics.median(keeping) * 1e3:.1f} ms, "
          f"{spread([k / f for k, f in zip(keeping, floor)])} the strict floor; "
          f"simulate / that: {spread([m / k for m, k in zip(mine, keeping)])})")
    print(f"  notebook loop / simulate: {spread([notebook / m for m in mine])}" + goal(">= 1000x"))


def weighted_sweep(runs: int, attempts: int, repeat: int) -> None:
    """A ravine's sweep against the same sweep with no weights: what weighing each element costs."""
    plain = {**sweep_config(runs, attempts), "lr": {"logspace": [1e-5, 0.1, runs]}}  # either side of the ravine's cliff
    weighted = {**plain, "weights": [1, 10, 100]}
    simulate(weighted)  # warm-up
    ravine, same = side_by_side(lambda: simulate(weighted), lambda: simulate(plain), repeat=repeat)
    print(f"weighted sweep: {runs} lrs x {attempts} attempts, weights [1, 10, 100] (N=3, float64)")
    print(f"  weighted {statistics.median(ravine) * 1e3:.1f} ms, no weights {statistics.median(same) * 1e3:.1f} ms")
    print(f"  weighted / no weights: {spread([r / s for r, s in zip(ravine, same)])}" + goal("<= 1.3x"))


def noisy_sweep(runs: int, attempts: int, repeat: int, games: tuple[int, int, int]) -> None:
    """Noisy hints against the same sweep without noise (lrs below the cliff, so every run plays to the end), and
    many games of few lrs: what drawing each attempt's hints, and the loss each attempt saw, cost."""
    plain = {**sweep_config(runs, attempts), "lr": {"logspace": [1e-3, 2.9, runs]}}
    noisy = {**plain, "noise": {"std": 2.0, "batch": 1}}
    simulate(noisy)  # warm-up
    seen, same, read = side_by_side(lambda: simulate(noisy), lambda: simulate(plain),
                                    lambda: simulate(noisy).loss, repeat=repeat)
    print(f"noisy sweep: {runs} lrs x {attempts} attempts, noise std 2, batch 1 (N=3, float64)")
    print(f"  noisy {statistics.median(seen) * 1e3:.1f} ms, no noise {statistics.median(same) * 1e3:.1f} ms")
    print(f"  noisy / no noise: {spread([n / p for n, p in zip(seen, same)])}" + goal("<= 2x"))
    print(f"  (the loss each attempt saw is worked out when first read, as a sweep's gradients and steps are; "
          f"reading it too: {statistics.median(read) * 1e3:.1f} ms, {spread([r / p for r, p in zip(read, same)])})")
    lrs, count, steps = games
    many = {**noisy, "lr": {"logspace": [1e-2, 2.9, lrs]}, "games": count, "attempts": steps}
    took = timed(lambda: simulate(many))
    print(f"  {lrs} lrs x {count} games x {steps} attempts: {took:.2f} s" + goal("seconds, not minutes"))


def long_run(attempts: int, repeat: int) -> None:
    config = {"answer": ANSWER, "guess": 50, "loss": "mse", "lr": 0.01, "attempts": attempts}
    lrs = torch.tensor([0.01], dtype=torch.float64)
    first = []

    def ours():
        start = time.perf_counter()
        simulate(config, progress=lambda t, total: first.append(time.perf_counter() - start) if t == 1 else None)

    mine, bare = side_by_side(ours, lambda: floor_loop(lrs, attempts), repeat=repeat)
    print(f"long run: one lr x {attempts:,} attempts (every attempt kept)")
    print(f"  simulate {statistics.median(mine):.2f} s, bare loop {statistics.median(bare):.2f} s; "
          f"first attempt after {statistics.median(first) * 1e3:.0f} ms")
    print(f"  simulate / bare loop: {spread([m / b for m, b in zip(mine, bare)])}" + goal("<= 2x"))


# Run in a Jupyter kernel: each change of a control, timed from setting its value to the redrawn figures'
# messages sent, and `simulate` of the game it then shows, timed alone, in alternation.
EXPLORER = """
import json, statistics, time
from guessgame import simulate
from guessgame.notebook import explore
game = {{"answer": [2, 77, 91], "guess": 50, "loss": "mse", "lr": 1, "attempts": {attempts}}}
moves = {{"lr": [0.5, 2.9, 3.5, 10, 0.01], ("sgd", "momentum"): [0.5, 0.9, 0], "loss": ["huber", "l1", "mse"],
          "noise": [2, 4, 0], "condition": [100, 10, 1], "dtype": ["float32", "float16", "float64"],
          "schedule": ["cosine", "step", "none"], "optimizer": ["adam", "rmsprop", "sgd"]}}
widgets = {{"": explore(game), " (adam)": explore({{**game, "optimizer": "adam"}})}}
took, alone = {{}}, {{}}
for _ in range({repeat}):
    for named, widget in widgets.items():
        for key, values in (moves.items() if not named else [("lr", moves["lr"])]):
            for value in values:
                start = time.perf_counter()
                widget.knobs.controls[key].value = value
                took.setdefault(str(key) + named, []).append(time.perf_counter() - start)
                config = widget.result.config
                start = time.perf_counter()
                simulate(config)
                alone.setdefault(str(key) + named, []).append(time.perf_counter() - start)
print(json.dumps({{"took": took, "alone": alone}}))
"""


def explorer(attempts: int, repeat: int) -> None:
    from jupyter_client.manager import start_new_kernel

    manager, client = start_new_kernel(kernel_name="python3")
    try:
        out = []
        reply = client.execute_interactive(EXPLORER.format(attempts=attempts, repeat=repeat), timeout=600,
                                           output_hook=lambda msg: out.append(msg["content"].get("text", "")))
        if reply["content"]["status"] != "ok":
            raise RuntimeError(f"the explorer's benchmark failed in its kernel: {reply['content']}")
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    times = json.loads("".join(out))
    print(f"explorer: one run x {attempts} attempts in a Jupyter kernel, control changed -> figures redrawn "
          f"({repeat} rounds of each change)")
    every = [t for values in times["took"].values() for t in values]
    for key, values in times["took"].items():
        ratio = [t / a for t, a in zip(values, times["alone"][key])]
        print(f"  {key}: median {statistics.median(values) * 1e3:.1f} ms, max {max(values) * 1e3:.1f} ms; "
              f"/ simulate alone {spread(ratio)}")
    print(f"  every change: median {statistics.median(every) * 1e3:.1f} ms, 90% within "
          f"{statistics.quantiles(every, n=10)[-1] * 1e3:.1f} ms, max {max(every) * 1e3:.1f} ms" + goal("<= 100 ms"))


def command_time(args: list[str]) -> float:
    return timed(lambda: subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                        cwd=ROOT))


def startup(repeat: int) -> None:
    exe = sys.executable
    with tempfile.TemporaryDirectory() as out:
        torch_import, both_import, helps, runs = [], [], [], []
        for _ in range(repeat):
            torch_import.append(command_time([exe, "-c", "import torch"]))
            helps.append(command_time([exe, "-m", "guessgame", "--help"]))
            both_import.append(command_time([exe, "-c", "import torch, matplotlib.pyplot"]))
            runs.append(command_time([exe, "-m", "guessgame", "run", "configs/l1.yaml", "--out", out, "--quiet"]))
    bare = subprocess.run([exe, "-c", "import guessgame, sys; print(sorted(m for m in ('torch', 'matplotlib') "
                                      "if m in sys.modules))"], capture_output=True, text=True, cwd=ROOT).stdout.strip()
    print(f"start-up ({repeat} pairs): import guessgame loads {bare or '[]'} of torch/matplotlib")
    print(f"  guessgame --help / import torch: {spread([h / t for h, t in zip(helps, torch_import)])}"
          + goal("<= 0.3x"))
    print(f"  guessgame run configs/l1.yaml / import torch, matplotlib.pyplot: "
          f"{spread([r / b for r, b in zip(runs, both_import)])}" + goal("<= 1.3x"))


_PEAK = """
import json, sys
sys.path.insert(0, sys.argv[1])
from guessgame import simulate, load_config
load_config(json.loads(sys.argv[2]))
import torch  # loaded before the measurement starts, as simulate would load it


def status(key):
    with open("/proc/self/status") as lines:
        return next(int(line.split()[1]) for line in lines if line.startswith(key + ":"))


with open("/proc/self/clear_refs", "w") as reset:  # the peak (VmHWM) starts again from now
    reset.write("5")
before = status("VmRSS")
simulate(json.loads(sys.argv[2]))
print(json.dumps([before, status("VmHWM")]))
"""


def memory(sizes: dict[str, dict]) -> None:
    """Each size in a fresh process: its peak above what the process held before `simulate`."""
    print("memory: peak of simulate against the log the check predicts")
    for name, config in sizes.items():
        done = subprocess.run([sys.executable, "-c", _PEAK, str(ROOT), json.dumps(config)], capture_output=True,
                              text=True, check=True)
        before, peak = json.loads(done.stdout)
        used = (peak - before) * 1024
        predicted = log_bytes(load_config(config))
        print(f"  {name}: peak {used / 2**20:.0f} MiB, log {predicted / 2**20:.0f} MiB => {used / predicted:.2f}x"
              + goal("<= 1.5x"))


def command_memory(runs: int) -> None:
    """`guessgame compare configs/mse.yaml --lrs 0.01:10:RUNS --no-plots` (20 attempts), the run folder
    written too: its peak above the same command's for two runs, against what the check predicts."""
    def peak(count: int) -> int:
        command = [sys.executable, "-c", "import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, "
                   "stdout=subprocess.DEVNULL); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)",
                   sys.executable, "-m", "guessgame", "compare", "configs/mse.yaml", "--lrs", f"0.01:10:{count}",
                   "--no-plots", "--quiet", "--out", out]
        return int(subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT).stdout) * 1024

    with tempfile.TemporaryDirectory() as out:
        used = peak(runs) - peak(2)
    predicted = log_bytes(load_config(str(ROOT / "configs/mse.yaml"), [f"lr={{logspace: [0.01, 10, {runs}]}}"]))
    print(f"  {runs:,} runs x 20, the whole command with its run folder (--no-plots): peak {used / 2**20:.0f} MiB, "
          f"log {predicted / 2**20:.0f} MiB => {used / predicted:.2f}x" + goal("<= 1.5x"))


def main() -> None:
    global SHOW_GOALS
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke test")
    args = parser.parse_args()
    torch.set_num_threads(2)
    SHOW_GOALS = not args.quick
    if args.quick:
        sweep(100, 100, 5, 5)
        weighted_sweep(100, 100, 3)
        noisy_sweep(100, 100, 3, (10, 100, 50))
        long_run(20_000, 2)
        startup(1)
        explorer(1000, 1)
        memory({"sweep 100 x 1000": sweep_config(100, 1000)})
        command_memory(20_000)
        return
    sweep(1000, 1000, 20, 15)
    weighted_sweep(1000, 1000, 9)
    noisy_sweep(1000, 1000, 9, (100, 1000, 200))
    long_run(1_000_000, 3)
    startup(5)
    explorer(1000, 5)
    memory({"sweep 1000 x 1000": sweep_config(1000, 1000),
            "one lr x 1,000,000": {"answer": ANSWER, "guess": 50, "lr": 0.01, "attempts": 1_000_000},
            "100,000 runs x 1,000 (log_every 10)": {**sweep_config(100_000, 1000), "log_every": 10}})
    command_memory(1_000_000)


if __name__ == "__main__":
    main()
