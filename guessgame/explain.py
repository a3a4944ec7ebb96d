"""One attempt narrated the way the notebook prints it, with the formula behind each number."""

from __future__ import annotations

import torch

from guessgame.config import Config, RandomAnswer

FORMULAS = {
    ("l1", "mean"): "sign(guess - answer) / N",
    ("l1", "sum"): "sign(guess - answer)",
    ("mse", "mean"): "2 (guess - answer) / N",
    ("mse", "sum"): "2 (guess - answer)",
    ("huber", "mean"): "clamp(guess - answer, -delta, delta) / N",
    ("huber", "sum"): "clamp(guess - answer, -delta, delta)",
    ("smooth_l1", "mean"): "clamp((guess - answer) / beta, -1, 1) / N",
    ("smooth_l1", "sum"): "clamp((guess - answer) / beta, -1, 1)",
    ("bad", "mean"): "1 / N for every element, whatever the answer",
    ("bad", "sum"): "1 for every element, whatever the answer",
}


def explain(config: Config) -> list[str]:
    """The lines of the first attempt: loss, gradient and step, with their ndim, shape and formula."""
    from guessgame.losses import functional

    dtype = getattr(torch, config.dtype)
    if isinstance(config.answer, RandomAnswer):
        from guessgame.engine import simulate

        answer = simulate(config, ["attempts=1", "lr=1", "games=1"]).answer[0]
    else:
        answer = torch.tensor(config.answer, dtype=dtype)
    guess = torch.tensor(config.guess, dtype=dtype).expand(answer.shape).clone().requires_grad_()
    loss = functional(config.loss, config.loss_options, config.reduction)(guess, answer)
    loss.backward()
    lr = config.lr[0]
    step = lr * guess.grad.data
    n = answer.numel()
    options = ", ".join(f"{k}={v:g}" for k, v in config.loss_options.items())
    lines = [
        f"answer = {answer!s}",
        f"guess  = {guess.data!s}",
        "",
        f"loss = {config.loss}(guess, answer{', ' + options if options else ''}, reduction='{config.reduction}')",
        f"loss Dimensions: {loss.ndim}",
        f"loss Shape: {loss.shape}",
        f"{loss.detach()!s}",
        "",
        f"gradient = d loss / d guess = {FORMULAS[config.loss, config.reduction]}   (N = {n})",
        f"Gradient Dimensions: {guess.grad.ndim}",
        f"Gradient Shape: {guess.grad.shape}",
        f"{guess.grad!s}",
        "",
        f"step = lr * gradient   (lr = {lr:g}"
        + (f"; {config.optimizer} would scale it differently" if config.optimizer != "sgd" else "") + ")",
        f"Step Dimensions: {step.ndim}",
        f"Step Shape: {step.shape}",
        f"{step!s}",
        "",
        f"next guess = guess - step = {guess.data - step!s}",
    ]
    return lines
