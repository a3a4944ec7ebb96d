"""One attempt narrated the way the notebook prints it, with the formula behind each number.

The attempt is the notebook's code: autograd for the gradient and the configured `torch.optim`
optimizer for the step, so the step shown is that optimizer's, as in the run's attempts.csv.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from guessgame.config import Config
from guessgame.formatting import held_note
from guessgame.losses import LOSSES
from guessgame.optimizers import OPTIMIZERS
from guessgame.status.reach import still_from


def step_formula(optimizer: str, options: dict[str, Any]) -> str:
    """What `optimizer` changes on its first attempt, in terms of the gradient g and the guess: its
    record's formula. On the first attempt every optimizer's state is fresh: momentum buffers hold g
    itself, Adam's bias-corrected averages are g and g^2, RMSprop's and Adagrad's sums hold one g^2."""
    return OPTIMIZERS[optimizer].formula(options)


def explain(config: Config) -> list[str]:
    """The lines of the first attempt: loss, gradient and step, with their ndim, shape and formula."""
    answer, guess, loss, grad, step, after, note, each = first_attempt(config)
    lr = config.lr[0]
    if config.scheduled:  # the first attempt's lr, as the schedule set it
        from guessgame.schedules import lrs

        first = float(lrs(config.schedule, config.schedule_options, [lr], config.attempts)[0, 0])
        note = "; ".join(filter(None, [f"lr {first:g} on the first attempt: the {config.schedule} schedule's, "
                                       f"from the run's lr {lr:g}", note]))
        lr = first
    loss_options = ", ".join(f"{k}={v:g}" for k, v in config.loss_options.items())
    options = "".join(f", {k}={_show(v)}" for k, v in config.optimizer_options.items()
                      if v != OPTIMIZERS[config.optimizer].defaults[k])
    target = "answer" if config.noise is None else "observations"
    return [
        *_which_cell(config),
        *_given(config, answer, guess),
        *_ravine(config, loss_options, each),
        "",
        *([f"loss = {config.loss}({_guessed(config)}, {target}{', ' + loss_options if loss_options else ''}, "
           f"reduction='{config.reduction}')"] if each is None else
          [f"loss = each.{config.reduction}()   (reduction='{config.reduction}')"]),
        f"loss Dimensions: {loss.ndim}",
        f"loss Shape: {loss.shape}",
        f"{loss!s}",
        "",
        f"gradient g = d loss / d guess = {_gradient_text(config)}   (N = {config.numel}"
        + (f", B = {config.noise.batch})" if config.noise else ")"),
        f"Gradient Dimensions: {grad.ndim}",
        f"Gradient Shape: {grad.shape}",
        f"{grad!s}",
        "",
        f"step = {config.optimizer}(lr={lr:g}{options}) on its first attempt = "
        f"{step_formula(config.optimizer, config.optimizer_options)}",
        *([note] if note else []),
        f"Step Dimensions: {step.ndim}",
        f"Step Shape: {step.shape}",
        f"{step!s}",
        "",
        f"next guess = guess - step = {after!s}",
        *_standing(config, guess, grad, after),
    ]


def _ravine(config: Config, loss_options: str, each) -> list[str]:
    """A ravine's weights and rotation, and each element's weighted loss before it is reduced."""
    if each is None:
        return []
    from guessgame import ravine

    turn = ravine.rotation(config)
    error = "error = guess - answer" if turn is None else "error = (guess - answer).reshape(-1) @ R.T"
    if config.noise is not None:
        error = f"error = {_guessed(config)} - observations"
    options = f", {loss_options}" if loss_options else ""
    lines = [f"weights = {config.weights}"]
    if turn is not None:
        lines += [f"rotation = {_rotation_text(config)}: R =", f"{turn.to(each.dtype)!s}"]
    return [*lines, "", error, f"each = weights * {config.loss}(error, 0{options}, reduction='none')",
            f"each Dimensions: {each.ndim}", f"each Shape: {each.shape}", f"{each!s}"]


def _rotation_text(config: Config) -> str:
    turn = config.rotation
    return f"{turn:g} degrees" if isinstance(turn, float) else f"a random orthogonal basis from seed {turn.seed}"


def _gradient_text(config: Config) -> str:
    """The gradient's formula: the loss's own, each element times its weight, turned back with a rotation."""
    from guessgame import ravine

    text = LOSSES[config.loss].gradient_text(config.reduction)
    if config.noise is not None:
        text = (f"the sum over the {config.noise.batch} observations of "
                + text.replace("answer", "observation").replace("/ N", "/ (B N)"))
    if not ravine.is_ravine(config):
        return text
    text = text.replace("(guess - answer)", "error").replace("guess - answer", "error")
    return f"weights * {text}" if config.rotation is None else f"R.T @ (weights * {text})"


def _given(config: Config, answer, guess) -> list[str]:
    """The answer and the first guess as the dtype holds them, and what it could not hold exactly; with noisy
    hints, the first attempt's observations of the answer (`answer` holds them)."""
    held = held_note(config)
    if config.noise is not None:
        noise = config.noise
        return [f"observations = answer + {noise.std:g} * N(0, 1): attempt 1's {noise.batch} of the first game's "
                f"answer, as the run draws them (hint: their mean)", f"{answer!s}", f"guess  = {guess!s}",
                *([f"({held})"] if held else [])]
    return [f"answer = {answer!s}", f"guess  = {guess!s}", *([f"({held})"] if held else [])]


def _guessed(config: Config) -> str:
    """The guess as the loss takes it: with noisy hints, expanded to the batch."""
    if config.noise is None:
        return "guess"
    return f"guess.expand({config.noise.batch}, {', '.join(map(str, config.shape))})"


def _standing(config: Config, guess, grad, after) -> list[str]:
    """Where a step that is not 0 rounds away, a line that says so."""
    import torch

    if not bool((grad != 0).any()) or not torch.equal(after, guess.detach()):
        return []
    return [f"the step is below half the spacing of {config.dtype} around the guess in every element, so it rounds "
            "back to the guess: it stands still" + (", for good (stalled)" if still_from(config) == 0 else "")]


def _which_cell(config: Config) -> list[str]:
    """For a grid, which of its cells is narrated (the first), and how to narrate another."""
    if not config.grid:
        return []
    from guessgame.config.schema import item_label

    key, items = config.grid[0]
    name, options = items[1]
    label = item_label(key, name, options).split(" ")
    other = name if len(label) == 1 else "{" + ", ".join([f"name: {name}", *(
        part.replace("=", ": ") for part in label[1:])]) + "}"
    keys = " and ".join(k for k, _ in config.grid)
    return [f"cell 1 of {config.cell_count} of the grid ({config.cell_labels()[0]}): the first is narrated; for "
            f"another, give {keys} one value with --set, e.g. --set \"{key}={other}\"", ""]


class Attempt(NamedTuple):
    answer: Any  # tensors of the answer's shape, in the config's dtype
    guess: Any
    loss: Any  # 0-d
    grad: Any
    step: Any  # guess - next guess
    after: Any  # the next guess
    note: str | None  # why the step is not torch.optim's, when it could not be
    each: Any = None  # a ravine's weighted elements' losses before they are reduced; None for the plain game


def first_attempt(config: Config) -> Attempt:
    """The notebook's first attempt at the first lr and game.

    `loss.backward()` gives the gradient and the configured `torch.optim` optimizer takes the step.
    torch.optim refuses a learning rate (or weight decay) past the range of a float16 guess; the
    run then keeps lr in float32, as a Python float times a half tensor does, and so does this.
    """
    import torch

    from guessgame import ravine
    from guessgame.engine import hidden_answers
    from guessgame.engine.optimizer import optimizer_for, torch_optimizer
    from guessgame.losses import functional, weighted

    dtype = getattr(torch, config.dtype)
    lr = config.lr[0]
    answer = hidden_answers(config, dtype)[0].reshape(config.shape)
    param = torch.tensor(config.guess, dtype=dtype).expand(config.shape).clone().requires_grad_()
    guess = param.detach().clone()
    turned = ravine.of(config, dtype)
    each = None
    if config.noise is not None:
        answer, loss, each = _noisy(config, param, turned)
    elif turned is None:
        loss = functional(config.loss, config.loss_options, config.reduction)(param, answer)
    else:
        loss, each = weighted.functional(config.loss, config.loss_options, config.reduction, turned)(param, answer)
        each = each.detach()
    loss.backward()
    note = None
    try:
        reference = torch_optimizer(config, [param], lr)  # held: a scheduler's step() refers to it weakly
        reference.step()
        after = param.detach()
    except RuntimeError as exc:
        wide = torch.float32 if dtype in (torch.float16, torch.bfloat16) else dtype
        update = optimizer_for(config, torch.tensor([[lr]], dtype=torch.float64))
        flat = guess.reshape(1, -1)
        after = update.update(param.grad.reshape(1, -1), flat, update.init(flat))[0].reshape(config.shape)
        note = (f"torch.optim cannot take this step in {config.dtype} ({exc}); shown is the run's step, "
                f"with lr kept in {str(wide).removeprefix('torch.')}")
    return Attempt(answer, guess, loss.detach(), param.grad, guess - after, after, note, each)


def _noisy(config: Config, param, turned):
    """With noisy hints, the first attempt's B observations of the first game's answer (drawn as the run draws
    them), and the minibatch loss against them: F.<loss>(guess.expand(B, *shape), observations), with weights
    each observation's unreduced loss weighed first (returned as `each`)."""

    from guessgame.engine.hints import Hints
    from guessgame.losses import functional

    weights = None if turned is None else turned.weights
    observations = Hints.of(config, param.dtype).draw(1)[0].view(config.noise.batch, *config.shape)
    guesses = param.expand(config.noise.batch, *config.shape)
    if weights is None:
        return observations, functional(config.loss, config.loss_options, config.reduction)(guesses, observations), None
    each = weights.reshape(config.shape) * functional(config.loss, config.loss_options, "none")(guesses, observations)
    return observations, each.mean() if config.reduction == "mean" else each.sum(), each.detach()


def _show(value: Any) -> str:
    return format(value, "g") if isinstance(value, float) else str(value)
