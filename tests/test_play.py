"""`guessgame play`, driven through its standard input as a player would, checked against autograd and
the notebook's loop."""

import re
import subprocess
import sys

import torch
import torch.nn.functional as F

from helpers.files import CONFIGS
from helpers.reference import loss_fn, notebook_loop, settled_at


def play(*args, typed: str, cwd=None):
    done = subprocess.run([sys.executable, "-m", "guessgame", "play", *map(str, args)], input=typed,
                          capture_output=True, text=True, timeout=120, cwd=cwd)
    return done.returncode, done.stdout, done.stderr


def autograd(fn, guess, answer):
    guess = torch.tensor(guess, dtype=torch.float64, requires_grad=True)
    loss = fn(guess, torch.tensor(answer, dtype=torch.float64))
    loss.backward()
    return loss.item(), guess.grad.tolist()


def shown(values):
    values = values if isinstance(values, list) else [values]
    return "[" + ", ".join(f"{v:.7g}" for v in values) + "]" if len(values) > 1 else f"{values[0]:.7g}"


def sgd_attempts(answer, lr, loss="mse", attempts=20):
    """Attempts the notebook's loop needs to reach loss <= 1e-12 for good, or None."""
    _, losses, _, _ = notebook_loop(answer, 50.0, loss_fn(loss), lr, attempts)
    return settled_at(losses.tolist())


def test_each_guess_shows_the_loss_and_gradient_autograd_gives(tmp_path):
    answer = [2.0, 77.0, 91.0]
    config = tmp_path / "hidden.yaml"
    config.write_text(f"answer: {answer}\nguess: 50\nloss: mse\nlr: [1, 10]\nattempts: 20\n")
    guesses = [[50.0] * 3, [10.0, 70.0, 100.0], [2.5, 77.0, 90.0], answer]
    typed = "50\n10, 70, 100\n[2.5 77 90]\n[2, 77, 91]\n"
    code, out, err = play(config, typed=typed)
    assert code == 0, err
    for guess in guesses:
        loss, grad = autograd(lambda g, a: F.mse_loss(g, a), guess, answer)
        assert f"loss {loss:.7g}   gradient {shown(grad)}" in out
    assert "You found it in 4 attempts" in out
    assert f"Plain SGD at lr 1 from 50 needed {sgd_attempts(answer, 1.0)} attempts." in out
    assert sgd_attempts(answer, 10.0) is None and "Plain SGD at lr 10 from 50 diverged" in out
    assert "seed" not in out  # a fixed answer has nothing to replay


def test_the_default_game_is_replayed_by_its_seed_and_reveals_the_answer(tmp_path):
    code, out, err = play("--seed", 11, typed="50\nq\n")
    assert code == 0, err
    answer = int(re.search(r"The answer was (-?\d+)", out).group(1))
    assert 0 <= answer <= 100
    loss, grad = autograd(F.l1_loss, 50.0, float(answer))
    assert f"loss {loss:.7g}   gradient {grad:.7g}" in out
    assert "You stopped after 1 attempt." in out
    # lr 1 on the l1 loss walks one unit per attempt: |50 - answer| steps, then it stands on the answer
    assert f"needed {sgd_attempts(float(answer), 1.0, 'l1', 100)} attempts" in out
    assert "--seed 11` replays this game" in out

    code, out, _ = play("--seed", 11, typed=f"50\n{answer}\n")
    assert code == 0 and "You found it in 2 attempts" in out


def test_bad_input_is_explained_and_not_counted_and_end_of_input_stops(tmp_path):
    config = tmp_path / "hidden.yaml"
    config.write_text("answer: [[1, 2], [3, 4]]\nloss: l1\nlr: 0.5\n")
    code, out, err = play(config, typed="abc\n1 2 3\nnan\n0\n")
    assert code == 0, err
    assert "not a guess: 'abc'" in out and "got 3 numbers; type 4 numbers" in out and "finite" in out
    assert out.count("  loss ") == 1
    assert "You stopped after 1 attempt. The answer was [1, 2, 3, 4]" in out
    assert "Traceback" not in err


def test_running_out_of_attempts(tmp_path):
    config = tmp_path / "hidden.yaml"
    config.write_text("answer: 7\nloss: l1\nlr: 0.5\nattempts: 2\n")
    code, out, _ = play(config, typed="1\n2\n3\n")
    assert code == 0
    assert out.count("  loss ") == 2 and "Out of attempts (2). The answer was 7." in out


def test_a_bad_config_exits_2_with_a_message(tmp_path):
    config = tmp_path / "hidden.yaml"
    config.write_text("answer: 7\nloss: l3\n")
    code, out, err = play(config, typed="")
    assert code == 2 and "loss: got 'l3'" in err and "Traceback" not in err


def test_the_game_plays_from_python_with_input_and_print_style_callbacks():
    from guessgame import load_config
    from guessgame.play import play as play_game

    typed = iter(["7", "3", "5"])

    def read(prompt):
        return next(typed)  # raises StopIteration if the game asked for more than it should

    def read_to_the_end(prompt):
        raise EOFError  # what `input` does at the end of its input

    lines = []
    played = play_game(load_config({"answer": 5, "loss": "mse", "lr": 0.25, "attempts": 10}), read, lines.append)
    assert played.found and played.attempts == 3 and played.answer == 5.0
    assert [line.strip() for line in lines[1:4]] == [f"loss {(g - 5) ** 2:.7g}   gradient {2 * (g - 5):.7g}"
                                                     for g in (7, 3, 5)]
    # lr 0.25 on a one-element mse halves the error each attempt: 10 attempts from 0 are not enough
    _, losses, _, _ = notebook_loop(5.0, 0.0, loss_fn("mse"), 0.25, 10)
    assert losses[-1] > 1e-12 and losses[-1] < losses[-2]
    assert played.sgd[0]["status"] == "unfinished" and played.sgd[0]["attempts_run"] == 10

    played = play_game(load_config({"answer": 5}), read_to_the_end, lines.append)
    assert played.attempts == 0 and not played.found


def test_the_bad_loss_never_says_found_at_a_wrong_guess(tmp_path):
    # the notebook's bad-loss game: its loss is exactly 0 at the first guess, which is wrong
    loss, _ = autograd(lambda g, a: (g - a).mean(), [-2.0, 5.0, 13.0], [2.0, 5.0, 9.0])
    assert loss == 0
    code, out, err = play(CONFIGS / "bad_loss.yaml", typed="-2 5 13\n2 5 9\n")
    assert code == 0, err
    assert "You found it in 2 attempts" in out  # only the answer itself is found
    assert "needed" not in out and "Plain SGD at lr 0.3 from [-2, 5, 13] diverged" in out
