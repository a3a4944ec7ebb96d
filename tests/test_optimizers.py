"""Each optimizer's batched update against `torch.optim` stepping each run's guess alone."""

import pytest
import torch

from guessgame import load_config
from guessgame.engine.optimizer import optimizer_for
from guessgame.optimizers import NoState

from helpers.reference import OPTIMIZERS as TORCH

CASES = [  # plain SGD is the notebook's update, not torch.optim.SGD's: see the last tests
    ("sgd", {"weight_decay": 0.1}),
    ("sgd", {"momentum": 0.9}),
    ("sgd", {"momentum": 0.5, "nesterov": True, "weight_decay": 0.01}),
    ("sgd", {"momentum": 0.9, "dampening": 0.3}),
    ("adam", {}),
    ("adam", {"amsgrad": True, "weight_decay": 0.1, "betas": [0.8, 0.99]}),
    ("adamw", {}),
    ("adamw", {"weight_decay": 0.3, "amsgrad": True}),
    ("rmsprop", {}),
    ("rmsprop", {"momentum": 0.9, "centered": True, "weight_decay": 0.05}),
    ("adagrad", {"lr_decay": 0.01, "initial_accumulator_value": 0.1}),
    ("nadam", {}),
    ("nadam", {"weight_decay": 0.1, "momentum_decay": 0.01, "betas": [0.8, 0.99]}),
    ("nadam", {"weight_decay": 0.3, "decoupled_weight_decay": True}),
    ("adamax", {}),
    ("adamax", {"weight_decay": 0.1, "betas": [0.8, 0.99], "eps": 1e-3}),
]
LRS = [0.01, 0.3, 2.5]


def test_the_cases_step_every_optimizer_guessgame_has():
    assert {name for name, _ in CASES} == set(TORCH)


def gradients(attempts, n, dtype):
    """A fixed sequence of gradients, the same for every run (independent of the guess)."""
    generator = torch.Generator().manual_seed(7)
    return [torch.randn(n, generator=generator, dtype=torch.float64).to(dtype) for _ in range(attempts)]


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32, torch.float16], ids=str)
@pytest.mark.parametrize(("name", "options"), CASES, ids=[f"{n}-{o}" for n, o in CASES])
def test_each_run_steps_as_torch_optim_steps_it_alone(name, options, dtype):
    config = load_config({"answer": [1.0, 2.0, 3.0], "optimizer": {"name": name, **options}, "lr": LRS,
                          "dtype": str(dtype).removeprefix("torch.")})
    optimizer = optimizer_for(config, torch.tensor(LRS, dtype=torch.float64).unsqueeze(1))
    start = torch.tensor([[0.5, -1.0, 4.0]], dtype=dtype).expand(len(LRS), 3).clone()
    grads = gradients(6, 3, dtype)
    guess, state = start, optimizer.init(start)
    for grad in grads:
        new_guess, step, state = optimizer.update(grad.expand(len(LRS), 3).clone(), guess, state)
        assert torch.equal(step, guess - new_guess)
        guess = new_guess
    for r, lr in enumerate(LRS):
        param = start[r].clone().requires_grad_()
        reference = TORCH[name]([param], lr=lr, **config.optimizer_options)
        for grad in grads:
            param.grad = grad.clone()
            reference.step()
        assert torch.equal(guess[r], param.detach()), (r, guess[r], param)


@pytest.mark.parametrize(("name", "options"), CASES[1:], ids=[f"{n}-{o}" for n, o in CASES[1:]])
def test_state_is_a_named_tuple_the_update_returns_anew(name, options):
    config = load_config({"answer": [1.0, 2.0], "optimizer": {"name": name, **options}, "lr": 0.1})
    optimizer = optimizer_for(config, torch.tensor([[0.1]], dtype=torch.float64))
    guess = torch.tensor([[3.0, -3.0]], dtype=torch.float64)
    state = optimizer.init(guess)
    assert isinstance(state, tuple) and hasattr(state, "_fields")
    _, _, after = optimizer.update(torch.ones_like(guess), guess, state)
    assert type(after) is type(state)
    if "count" in state._fields:
        assert (state.count, after.count) == (0, 1)


def test_plain_sgd_is_the_notebook_update():
    config = load_config({"answer": [1.0, 2.0], "lr": [0.1, 3.0]})
    lr = torch.tensor([[0.1], [3.0]], dtype=torch.float64)
    guess, grad = torch.tensor([[5.0, -7.0], [5.0, -7.0]], dtype=torch.float64), torch.tensor([[0.3, -1.1]] * 2,
                                                                                              dtype=torch.float64)
    new_guess, step, _ = optimizer_for(config, lr).update(grad, guess, NoState())
    for r, value in enumerate([0.1, 3.0]):
        notebook = guess[r].clone()
        notebook_step = value * grad[r]
        notebook -= notebook_step
        assert torch.equal(step[r], notebook_step) and torch.equal(new_guess[r], notebook)


def test_weight_decay_is_one_piece_in_front_of_the_optimizer():
    """Chained decay equals the same optimizer fed g + weight_decay * guess by hand."""
    config = load_config({"answer": [1.0], "optimizer": {"name": "rmsprop", "weight_decay": 0.2}, "lr": 0.5})
    bare = load_config({"answer": [1.0], "optimizer": {"name": "rmsprop"}, "lr": 0.5})
    lr = torch.tensor([[0.5]], dtype=torch.float64)
    guess, grad = torch.tensor([[4.0]], dtype=torch.float64), torch.tensor([[1.5]], dtype=torch.float64)
    decayed = optimizer_for(config, lr)
    plain = optimizer_for(bare, lr)
    by_hand = plain.update(grad + 0.2 * guess, guess, plain.init(guess))[0]
    assert torch.equal(decayed.update(grad, guess, decayed.init(guess))[0], by_hand)
