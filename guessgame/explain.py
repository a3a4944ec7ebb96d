"""One attempt narrated the way the notebook prints it, with the formula behind each number.

The attempt is the notebook's code: autograd for the gradient and the configured `torch.optim`
optimizer for the step, so the step shown is that optimizer's, as in the run's attempts.csv.
"""

from __future__ import annotations

from typing import Any

from guessgame.config import Config
from guessgame.schema import OPTIMIZERS

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


def step_formula(optimizer: str, options: dict[str, Any]) -> str:
    """What `optimizer` changes on its first attempt, in terms of the gradient g and the guess.

    On the first attempt every optimizer's state is fresh: momentum buffers hold g itself, Adam's
    bias-corrected averages are g and g^2, RMSprop's and Adagrad's sums hold one g^2.
    """
    decay = options.get("weight_decay", 0)
    g = "(g + weight_decay * guess)" if decay and optimizer != "adamw" else "g"
    if optimizer == "sgd":
        if options["momentum"] and options["nesterov"]:
            return f"lr * (1 + momentum) * {g}   (the momentum buffer starts as {g})"
        return f"lr * {g}" + ("   (the momentum buffer starts as the gradient)" if options["momentum"] else "")
    if optimizer in ("adam", "adamw"):
        shrink = "lr * weight_decay * guess + " if optimizer == "adamw" and decay else ""
        return (f"{shrink}lr * {g} / (|{g}| + eps)   (Adam's first step: the bias-corrected averages "
                f"are {g} and {g}^2, so each element moves by about lr)")
    if optimizer == "rmsprop":
        square = f"(1 - alpha) {g}^2" + (f" - ((1 - alpha) {g})^2" if options["centered"] else "")
        return f"lr * {g} / (sqrt({square}) + eps)"
    if optimizer == "adagrad":
        return f"lr * {g} / (sqrt(initial_accumulator_value + {g}^2) + eps)"
    raise ValueError(f"no first-step formula for {optimizer!r}")


def explain(config: Config) -> list[str]:
    """The lines of the first attempt: loss, gradient and step, with their ndim, shape and formula."""
    answer, guess, loss, grad, step, after = first_attempt(config)
    lr = config.lr[0]
    loss_options = ", ".join(f"{k}={v:g}" for k, v in config.loss_options.items())
    defaults = OPTIMIZERS[config.optimizer]
    options = "".join(f", {k}={_show(v)}" for k, v in config.optimizer_options.items() if v != defaults[k])
    return [
        f"answer = {answer!s}",
        f"guess  = {guess!s}",
        "",
        f"loss = {config.loss}(guess, answer{', ' + loss_options if loss_options else ''}, "
        f"reduction='{config.reduction}')",
        f"loss Dimensions: {loss.ndim}",
        f"loss Shape: {loss.shape}",
        f"{loss!s}",
        "",
        f"gradient g = d loss / d guess = {FORMULAS[config.loss, config.reduction]}   (N = {answer.numel()})",
        f"Gradient Dimensions: {grad.ndim}",
        f"Gradient Shape: {grad.shape}",
        f"{grad!s}",
        "",
        f"step = {config.optimizer}(lr={lr:g}{options}) on its first attempt = "
        f"{step_formula(config.optimizer, config.optimizer_options)}",
        f"Step Dimensions: {step.ndim}",
        f"Step Shape: {step.shape}",
        f"{step!s}",
        "",
        f"next guess = guess - step = {after!s}",
    ]


def first_attempt(config: Config):
    """The notebook's first attempt at the first lr and game: (answer, guess, loss, grad, step, next guess).

    `loss.backward()` gives the gradient and the configured `torch.optim` optimizer takes the step.
    """
    import torch

    from guessgame.engine import hidden_answers
    from guessgame.losses import functional
    from guessgame.optimizers import reference

    dtype = getattr(torch, config.dtype)
    answer = hidden_answers(config, dtype)[0].reshape(config.shape)
    param = torch.tensor(config.guess, dtype=dtype).expand(config.shape).clone().requires_grad_()
    guess = param.detach().clone()
    loss = functional(config.loss, config.loss_options, config.reduction)(param, answer)
    loss.backward()
    reference(config.optimizer, config.optimizer_options, [param], config.lr[0]).step()
    after = param.detach()
    return answer, guess, loss.detach(), param.grad, guess - after, after


def _show(value: Any) -> str:
    return format(value, "g") if isinstance(value, float) else str(value)
