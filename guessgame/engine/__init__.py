"""The batched simulation: every run of a config (learning rates x games) as one tensor.

Attempt t does, for all runs at once, what the notebook's loop does for one:

    loss, grad = loss_fn(guess, answer)           # equal to torch.nn.functional's and autograd's
    guess, step = optimizer(grad, guess)          # plain SGD: step = lr * grad; guess -= step

and records the guess before its step, the loss, the gradient and the step.

    loop      `simulate`: the attempts, one update line
    log       what is kept of them (`Log`), and the losses and lost guesses read from it
    stopping  `stop_early`: each run stops at the attempt that decided its verdict
    result    `Result`: the log with each run's verdict and theory's prediction
    answers   the hidden answers, and whether the log fits in memory
"""

from guessgame.engine.answers import hidden_answers, log_bytes
from guessgame.engine.loop import simulate
from guessgame.engine.result import Interrupted, Result

__all__ = ["Interrupted", "Result", "hidden_answers", "log_bytes", "simulate"]
