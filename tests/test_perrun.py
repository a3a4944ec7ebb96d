"""Per-run scalars against torch's own in-place updates with a Python float, one run at a time."""

import itertools

import pytest
import torch

from guessgame import perrun

DTYPES = [torch.float64, torch.float32, torch.float16, torch.bfloat16]
# Short runs stay in torch's scalar tail; 32 and more reach the vectorised body of half precision add.
LENGTHS = [1, 3, 15, 31, 32, 33, 70]
RUNS = 300


def batch(dtype, n, seed):
    """Three (runs, n) tensors spanning five decades, the last positive, and one lr per run."""
    generator = torch.Generator().manual_seed(seed)

    def spread(shape):
        scale = 10.0 ** torch.randint(-2, 3, shape, generator=generator)
        return torch.randn(shape, dtype=torch.float64, generator=generator) * scale

    a, b, c = spread((RUNS, n)).to(dtype), spread((RUNS, n)).to(dtype), (spread((RUNS, n)).abs() + 0.01).to(dtype)
    lr = torch.rand(RUNS, 1, dtype=torch.float64, generator=generator) * 10.0 ** torch.randint(-3, 2, (RUNS, 1),
                                                                                                generator=generator)
    return a, b, c, lr


def each_run(expected):
    return torch.stack([expected(run) for run in range(RUNS)])


@pytest.mark.parametrize(("dtype", "n"), list(itertools.product(DTYPES, LENGTHS)),
                         ids=[f"{str(d)[6:]}-{n}" for d, n in itertools.product(DTYPES, LENGTHS)])
def test_each_run_is_rounded_as_torch_rounds_that_run_with_a_python_float(dtype, n):
    a, b, c, lr = batch(dtype, n, seed=n)
    lrs = lr[:, 0].tolist()
    assert torch.equal(perrun.add(a, b, -lr), each_run(lambda r: a[r].add(b[r], alpha=-lrs[r])))
    assert torch.equal(perrun.add(a, b, 0.1), each_run(lambda r: a[r].add(b[r], alpha=0.1)))
    assert torch.equal(perrun.mul(a, 1 - lr * 0.3), each_run(lambda r: a[r].mul(1 - lrs[r] * 0.3)))
    assert torch.equal(perrun.addcdiv(a, b, c, -(lr / 0.271)),
                       each_run(lambda r: a[r].addcdiv(b[r], c[r], value=-(lrs[r] / 0.271))))
    assert torch.equal(perrun.addcdiv(a, b, c, 0.5), each_run(lambda r: a[r].addcdiv(b[r], c[r], value=0.5)))


def test_the_result_keeps_the_dtype_and_leaves_its_inputs_alone():
    a, b, c, lr = batch(torch.float16, 3, seed=0)
    before = a.clone()
    for out in (perrun.add(a, b, -lr), perrun.mul(a, lr), perrun.addcdiv(a, b, c, -lr)):
        assert out.dtype == torch.float16 and out.shape == a.shape
    assert torch.equal(a, before)
