"""Batched losses and gradients against torch.nn.functional with autograd, one run at a time, bit for bit."""

import itertools

import pytest
import torch

from guessgame import losses

from helpers.reference import loss_fn

LOSSES = [("l1", {}), ("mse", {}), ("huber", {"delta": 1.5}), ("huber", {"delta": 0.3}),
          ("smooth_l1", {"beta": 0.7}), ("smooth_l1", {"beta": 2.5}), ("smooth_l1", {"beta": 0.0}), ("bad", {})]
SHAPES = [(), (1,), (3,), (3, 5), (40,), (7, 11)]
DTYPES = [torch.float64, torch.float32, torch.float16, torch.bfloat16]
CASES = list(itertools.product(LOSSES, ["mean", "sum"], SHAPES, DTYPES))


def autograd(name, options, reduction, guess, answer):
    """The loss and gradient of one run, from torch.nn.functional and autograd."""
    guess = guess.clone().requires_grad_()
    value = loss_fn(name, options, reduction)(guess, answer)
    value.backward()
    return value.detach(), guess.grad.reshape(-1)


def games(shape, dtype, runs, answers, edge=1.0, seed=0):
    """`runs` guesses around `answers` hidden answers, with an exact hit and one element `edge` off."""
    generator = torch.Generator().manual_seed(seed)
    answer = torch.randn(answers, *shape, dtype=torch.float64, generator=generator).to(dtype)
    guess = (torch.randn(runs, *shape, dtype=torch.float64, generator=generator) * 3).to(dtype)
    guess[0] = answer[0]  # an exact hit: sign(0) = 0
    if shape:  # at delta or beta itself, where the loss changes formula
        guess[1].view(-1)[0] = answer[1 % answers].view(-1)[0] + edge
    return guess, answer


@pytest.mark.parametrize(("loss", "reduction", "shape", "dtype"), CASES,
                         ids=[f"{o[0]}{''.join(f'_{v:g}' for v in o[1].values())}-{r}-{s}-{str(d)[6:]}"
                              for o, r, s, d in CASES])
def test_loss_and_gradient_of_every_run_equal_autograd(loss, reduction, shape, dtype):
    name, options = loss
    for answers in (1, 3):  # one hidden answer for all runs, or one per game (run r plays r % 3)
        guess, answer = games(shape, dtype, 6, answers, edge=options.get("delta", options.get("beta", 1.0)))
        value, grad = losses.loss_and_grad(name, options, guess.reshape(6, -1), answer.reshape(answers, -1),
                                           reduction)
        for run in range(6):
            expected_value, expected_grad = autograd(name, options, reduction, guess[run], answer[run % answers])
            assert torch.equal(value[run], expected_value), (answers, run)
            assert torch.equal(grad[run], expected_grad), (answers, run)


@pytest.mark.parametrize(("dtype", "n", "runs"), [(torch.float64, 11, 3001), (torch.float32, 23, 1501)],
                         ids=["float64-3001x11", "float32-1501x23"])
@pytest.mark.parametrize("loss", [("huber", {"delta": 0.3}), ("smooth_l1", {"beta": 0.3})], ids=["huber", "smooth_l1"])
def test_a_batch_too_big_for_one_thread_still_equals_each_run_alone(loss, dtype, n, runs):
    # Over 32768 elements torch splits one loop across threads; with two threads this batch would be
    # cut inside the middle run, whose pieces would then round like neither its vectorised body nor its tail.
    name, options = loss
    guess, answer = games((n,), dtype, runs, 1, seed=1)
    middle = slice(runs // 2 - 3, runs // 2 + 4)  # around delta/beta, where the two halves of a kernel round apart
    noise = torch.rand(7, n, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    guess[middle] = answer[0] + (noise * 0.9 - 0.45).to(dtype)
    value, grad = losses.loss_and_grad(name, options, guess, answer, "mean")
    for run in [*range(0, runs, 97), *range(runs // 2 - 3, runs // 2 + 4)]:
        expected_value, expected_grad = autograd(name, options, "mean", guess[run], answer[0])
        assert torch.equal(value[run], expected_value), run
        assert torch.equal(grad[run], expected_grad), run


BOUND = list(itertools.product(LOSSES, ["mean", "sum"], DTYPES))


@pytest.mark.parametrize(("loss", "reduction", "dtype"), BOUND,
                         ids=[f"{o[0]}{''.join(f'_{v:g}' for v in o[1].values())}-{r}-{str(d)[6:]}"
                              for o, r, d in BOUND])
def test_a_bound_gradient_equals_the_gradient(loss, reduction, dtype):
    # the loop's shortcut (a loss's own one-game gradient where it offers one) against the plain kernel
    from guessgame.losses import batched

    name, options = loss
    for answers in (1, 3):
        guess, answer = games((7,), dtype, 6, answers, edge=options.get("delta", options.get("beta", 1.0)))
        bound = batched.bind(name, options, answer, reduction)
        expected = losses.grad(name, options, guess, answer, reduction)
        assert torch.equal(bound.at(guess), expected) and torch.equal(bound.grad(guess), expected), answers
        assert bound.at(guess).data_ptr() not in (guess.data_ptr(), answer.data_ptr())  # the caller's to write over


def test_bad_loss_gradient_ignores_the_answer():
    guess = torch.tensor([[-38.0, 2.0, 42.0]], dtype=torch.float64)
    value, grad = losses.loss_and_grad("bad", {}, guess, torch.tensor([[2.0, 2.0, 2.0]], dtype=torch.float64), "mean")
    assert value.item() == 0.0
    assert torch.equal(grad, torch.full_like(guess, 1 / 3))


def test_a_loss_without_a_closed_form_gets_theory_that_says_so(monkeypatch):
    """A loss whose record names no closed form is played like any other; theory's fields are null and
    its note says there is none (its width, inf by default, once sent it to mse's closed form, which
    has no curvature for it to read)."""
    from guessgame import simulate

    mse = losses.LOSSES["mse"]
    monkeypatch.setitem(losses.LOSSES, "square", losses.Loss("square", mse.formula, mse.curve, "mse_loss", mse.build))
    game = {"answer": [2.0, 77.0, 91.0], "guess": 50.0, "lr": [0.1, 1.0, 4.0], "attempts": 12}
    result = simulate({**game, "loss": "square"})
    assert result.status == simulate({**game, "loss": "mse"}).status
    for theory in result.theory:
        assert theory.note == "no closed form for square"
        assert all(value is None for key, value in vars(theory).items() if key != "note")
    scheduled = simulate({**game, "loss": "square", "schedule": {"name": "exponential", "gamma": 0.9}})
    assert all(t.predicted is None and "no closed form for square" in t.note for t in scheduled.theory)
