"""TextClassifier: raw strings in, class labels out; the tokenizer travels inside the model."""

from __future__ import annotations

import numpy as np
import pytest

from rnn_zoo.tasks import TextClassifier
from tests.tasks.harness import TaskCase, check_task, one_line

TEXTS = ["what a great film", "awful, boring plot", "great acting!", "boring.",
         "I loved it", "hated it so much"] * 10
LABELS = ["pos", "neg", "pos", "neg", "pos", "neg"] * 10


def tiny(**kwargs):
    return TextClassifier(**{"units": 8, "embedding_dim": 8, "epochs": 2, **kwargs})


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    case = TaskCase(
        make=lambda: tiny(epochs=4), x=TEXTS, y=LABELS,
        x_new=["a great plot", "", "ünïcödé 😀 http://x.io 42", "boring " * 500],
        bad_x=[("one text", "`x` must be a list of strings"), ([], "`x` is empty"),
               (["ok", 3], "`x[1]` must be a str")],
        outputs=lambda task, x: task.predict_proba(x))
    return check_task(case, tmp_path_factory.mktemp("text_classifier"))


def test_contract(trained):
    assert trained.classes == ["neg", "pos"]
    probabilities = trained.predict_proba(["great", "boring"])
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-6)


def test_learns_the_words(trained):
    # Separable by one word each: four epochs of a tiny model already get the training set.
    assert trained.evaluate(TEXTS, LABELS)["accuracy"] >= 0.9


def test_vocabulary_is_learnt_from_the_training_split_only(trained):
    vocabulary = trained.state["vocabulary"]
    assert vocabulary[:2] == ["", "[UNK]"] and "great" in vocabulary
    assert "ünïcödé" not in vocabulary  # only seen at predict time


def test_integer_labels_come_back_as_integers():
    task = tiny(epochs=1).fit(TEXTS, [int(v == "pos") for v in LABELS], verbose=0)
    assert set(task.predict(["great", "boring"])) <= {0, 1}


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"units": 0}, "`units` must be an int >= 1"),
    ({"pooling": "sum"}, "`pooling` must be one of"),
    ({"dropout": 1.5}, "`dropout` must be a float in [0, 1)"),
    ({"validation_split": 0.0}, "`validation_split` must be in (0, 1)"),
    ({"colour": "red"}, "unknown argument(s) colour"),
])
def test_bad_settings_are_one_line_errors(kwargs, message):
    with pytest.raises((TypeError, ValueError)) as excinfo:
        TextClassifier(**kwargs)
    assert message in one_line(excinfo)


@pytest.mark.parametrize(("x", "y", "message"), [
    (TEXTS, LABELS[:-1], "`y` has 59 labels for 60 texts"),
    (TEXTS, ["pos"] * 60, "a single class"),
    (TEXTS, [True] * 60, "`y[0]` must be a str or int class label"),
])
def test_bad_training_data_are_one_line_errors(x, y, message):
    with pytest.raises((TypeError, ValueError)) as excinfo:
        tiny().fit(x, y, verbose=0)
    assert message in one_line(excinfo)


def test_evaluate_refuses_unseen_classes(trained):
    with pytest.raises(ValueError) as excinfo:
        trained.evaluate(["great"], ["meh"])
    assert "not one of the classes seen in training" in one_line(excinfo)
