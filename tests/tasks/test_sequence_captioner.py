"""SequenceCaptioner: vectors or images in, sequences out (strings or token lists)."""

from __future__ import annotations

import doctest
import os
import subprocess
import sys

import numpy as np
import pytest

import rnn_zoo.tasks.sequence_captioner as module
from rnn_zoo.tasks import SequenceCaptioner
from tests.tasks.harness import TaskCase, check_task, one_line

# Four one-hot inputs, each with its own caption; the empty caption must come back empty.
CAPTIONS = ["ab", "ba", "abc", ""]
X = np.tile(np.eye(4, dtype=np.float32), (16, 1))
Y = CAPTIONS * 16


def tiny(**kwargs):
    # A high rate over few epochs: four captions are learnt in seconds.
    return SequenceCaptioner(**{"units": 32, "epochs": 12, "patience": 12, "batch_size": 8,
                                "learning_rate": 1e-2, "dropout": 0.0, **kwargs})


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    nan = X[:3].copy()
    nan[1, 2] = np.nan
    case = TaskCase(
        make=tiny, x=X, y=Y,
        # Edge cases with a defined answer: an all-zero vector and a far-away one.
        x_new=np.vstack([X[:4], np.zeros((1, 4)), np.full((1, 4), 1e6)]),
        bad_x=[("abc", "`x` must be feature vectors"), ([], "`x` is empty"),
               (X[0], "got shape (4,)"), (X[:, :3], "trained on (4,)"),
               (nan, "`x[1]` contains NaN"),
               ([[0, 0, 0, 0], [0, 0]], "`x[1]` has shape (2,)")],
        outputs=lambda task, x: task.predict_proba(x))
    return check_task(case, tmp_path_factory.mktemp("sequence_captioner"))


def test_learns_a_caption_per_input(trained):
    assert trained.predict(X[:4]) == CAPTIONS
    scores = trained.evaluate(X, Y)
    assert scores["exact_match"] == 1.0 and scores["token_error_rate"] == 0.0


def test_vocabulary_and_lengths(trained):
    # Special ids first (the zoo's convention), then tokens by training frequency.
    assert trained.vocabulary == ["[PAD]", "[UNK]", "<start>", "<end>", "a", "b", "c"]
    assert trained.state["max_length"] == 3  # the longest training target
    assert trained.predict_proba(X[:2]).shape == (2, 4, 7)  # 3 tokens + <end>
    answers = trained.predict(np.vstack([np.zeros((1, 4)), np.full((1, 4), 1e6)]))
    assert all(isinstance(a, str) and len(a) <= 3 and set(a) <= set("abc") for a in answers)


def test_scores_count_tokens_and_the_end(trained):
    # Outputs that spell "ab" where "abc" is right and "ba" where "ba" is: one exact match;
    # 2 of 4 positions (a, b, c, <end>) plus 3 of 3 right; one edit in 5 reference tokens.
    ids, _ = trained._target_ids(["ab", "ba"])
    outputs = np.eye(len(trained.vocabulary))[ids]
    scores = trained._scores(["abc", "ba"], outputs)
    assert scores["exact_match"] == 0.5
    assert scores["token_accuracy"] == pytest.approx(5 / 7)
    assert scores["token_error_rate"] == pytest.approx(1 / 5)


def test_max_length_cuts_the_answers():
    task = tiny(epochs=1, max_length=2).fit(X, Y, verbose=0)
    assert task.predict_proba(X[:1]).shape[1] == 3
    assert all(len(a) <= 2 for a in task.predict(X[:8]))


def test_word_level_targets_come_back_as_words():
    words = ["red square", "blue", "red circle", "green circle"]
    task = tiny(level="word").fit(X, words * 16, verbose=0)
    assert set(task.vocabulary[4:]) == {"red", "square", "blue", "circle", "green"}
    assert task.predict(X[:4]) == words


def test_fixed_length_answers_have_no_end_step():
    # Three-token codes: three steps over the tokens alone, no special ids, no <end>.
    codes = ["abc", "bca", "cab", "aab"]
    task = tiny(fixed_length=True).fit(X, codes * 16, verbose=0)
    assert task.vocabulary == ["a", "b", "c"] and task.state["max_length"] == 3
    assert task.predict_proba(X[:2]).shape == (2, 3, 3)
    assert task.predict(X[:4]) == codes
    # 2 of 3 tokens right and 3 of 3: the plain per-token accuracy, the end not counted.
    ids, weights = task._target_ids(["abb", "bca"])
    assert weights.tolist() == [[1, 1, 1], [1, 1, 1]]
    scores = task._scores(["abc", "bca"], np.eye(3)[ids])
    assert scores["exact_match"] == 0.5 and scores["token_accuracy"] == pytest.approx(5 / 6)
    # A validation target of another length or with an unseen token weighs 0 where it fails.
    _, weights = task._target_ids(["ab", "abz"])
    assert weights.tolist() == [[1, 1, 0], [1, 1, 0]]
    assert task.get_config()["fixed_length"] is True


def test_fixed_length_refuses_targets_of_several_lengths():
    with pytest.raises(ValueError) as excinfo:
        tiny(fixed_length=True).fit(X, Y, verbose=0)
    assert "fixed_length=True needs one length" in one_line(excinfo)
    with pytest.raises(ValueError) as excinfo:
        tiny(fixed_length=True, max_length=2).fit(X, ["abc"] * 64, verbose=0)
    assert "`y` has targets of 2, 3 tokens" in one_line(excinfo)


@pytest.mark.parametrize("image_shape", [(6, 8), (6, 8, 2)])
def test_images_to_token_lists(image_shape):
    rng = np.random.default_rng(0)
    images = rng.uniform(0, 255, size=(16, *image_shape)).astype(np.float32)
    tokens = [[int(v) for v in rng.integers(0, 3, size=int(rng.integers(0, 3)))]
              for _ in images]
    tokens[0] = [7, 7]
    task = tiny(epochs=1, filters=(4,)).fit(images, tokens, verbose=0)
    assert task.config["filters"] == [4]  # as task.json keeps it
    answers = task.predict(images[:3])
    assert all(isinstance(a, list) and all(isinstance(t, int) for t in a) for a in answers)
    assert 0 <= task.evaluate(images, tokens)["token_accuracy"] <= 1


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"level": "byte"}, "`level` must be one of"),
    ({"max_length": 0}, "`max_length` must be an int >= 1"),
    ({"filters": []}, "`filters` must be a non-empty list of ints"),
    ({"filters": [8, 0]}, "`filters[1]` must be an int >= 1"),
    ({"bidirectional": 1}, "`bidirectional` must be True or False"),
    ({"fixed_length": "yes"}, "`fixed_length` must be True or False"),
])
def test_bad_settings_are_one_line_errors(kwargs, message):
    with pytest.raises((TypeError, ValueError)) as excinfo:
        SequenceCaptioner(**kwargs)
    assert message in one_line(excinfo)


@pytest.mark.parametrize(("y", "message"), [
    (Y[:-1], "`y` has 63 targets for 64 examples"),
    ([""] * 64, "only empty targets"),
    (["ab", ["a", "b"]] * 32, "`y[1]` is a token list but the other targets are strings"),
    ([["a", 1]] * 64, "`y` mixes str and int tokens"),
    ([[True]] * 64, "`y[0][0]` must be a str or int token"),
    ([3] * 64, "`y[0]` must be a str or a list of tokens"),
    ("ab", "`y` must be a list of target sequences"),
])
def test_bad_targets_are_one_line_errors(y, message):
    with pytest.raises((TypeError, ValueError)) as excinfo:
        tiny().fit(X, y, verbose=0)
    assert message in one_line(excinfo)


def test_blank_strings_have_no_words():
    with pytest.raises(ValueError) as excinfo:
        tiny(level="word").fit(X, [" ", "\t"] * 32, verbose=0)
    assert "only empty targets" in one_line(excinfo)


def test_evaluate_wants_the_trained_form(trained):
    with pytest.raises(TypeError) as excinfo:
        trained.evaluate(X[:1], [["a", "b"]])
    assert "the task was trained on strings" in one_line(excinfo)


def test_docstring_example():
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    for test in doctest.DocTestFinder().find(module.SequenceCaptioner, "SequenceCaptioner"):
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.attempted > 0 and result.failed == 0


def test_export_saved_model_and_tflite_pass_parity(trained, tmp_path):
    result = trained.export(tmp_path / "export", formats=["saved_model", "tflite"])
    assert result.parity_ok is True
    assert result.manifest["metadata"]["vocabulary"] == trained.vocabulary


def test_imports_without_tensorflow():
    code = ("import sys, rnn_zoo.tasks.sequence_captioner; "
            "sys.exit('tensorflow' in sys.modules or 'keras' in sys.modules)")
    env = {**os.environ, "KERAS_BACKEND": "jax"}
    assert subprocess.run([sys.executable, "-c", code], env=env, timeout=120).returncode == 0
