"""Analytic losses and gradients against torch.nn.functional with autograd."""

import itertools

import pytest
import torch

from guessgame import losses

LOSSES = [("l1", {}), ("mse", {}), ("huber", {"delta": 1.5}), ("smooth_l1", {"beta": 0.7}),
          ("smooth_l1", {"beta": 0.0}), ("bad", {})]
SHAPES = [(), (1,), (3,), (3, 5), (40,), (7, 11)]
CASES = list(itertools.product(LOSSES, ["mean", "sum"], SHAPES))


@pytest.mark.parametrize(("loss", "reduction", "shape"), CASES,
                         ids=[f"{l[0]}{l[1] or ''}-{r}-{s}" for l, r, s in CASES])
def test_loss_and_gradient_equal_autograd(loss, reduction, shape):
    name, options = loss
    generator = torch.Generator().manual_seed(0)
    guess = torch.randn(5, *shape, dtype=torch.float64, generator=generator) * 3
    answer = torch.randn(5, *shape, dtype=torch.float64, generator=generator)
    guess[0] = answer[0]  # an exact hit: sign(0) = 0
    if shape:
        guess[1].view(-1)[0] = answer[1].view(-1)[0] + options.get("delta", options.get("beta", 1.0))
    value, grad = losses.loss_and_grad(name, options, (guess - answer).reshape(5, -1), reduction)
    fn = losses.functional(name, options, reduction)
    for run in range(5):
        g = guess[run].clone().requires_grad_()
        expected = fn(g, answer[run])
        expected.backward()
        assert torch.equal(value[run], expected.detach())
        if name == "smooth_l1" and options["beta"]:
            # torch rounds (norm * x) / beta in its scalar tail and (x / beta) * norm in its vector body
            torch.testing.assert_close(grad[run], g.grad.reshape(-1), rtol=2.3e-16, atol=0)
        else:
            assert torch.equal(grad[run], g.grad.reshape(-1))


def test_bad_loss_gradient_ignores_the_answer():
    diff = torch.tensor([[-40.0, 0.0, 40.0]], dtype=torch.float64)
    value, grad = losses.loss_and_grad("bad", {}, diff, "mean")
    assert value.item() == 0.0
    assert torch.equal(grad, torch.full_like(diff, 1 / 3))
