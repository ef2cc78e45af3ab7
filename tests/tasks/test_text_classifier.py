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


# --- the small-corpus settings: tweet tokenizer, co-occurrence vectors, word dropout, monitor --

TWEETS = ["@united lost my bag :( #fail", "love it!!!! :)", "@united worst. day. ever :(",
          "sooooo good :) http://t.co/x", "@united thanks, great crew :)"] * 8 + [
    f"@rare{i} meh :(" for i in range(8)]  # each handle once: all become `<user>`
MOODS = ["neg", "pos", "neg", "pos", "pos"] * 8 + ["neg"] * 8


@pytest.fixture(scope="module")
def tweets(tmp_path_factory):
    task = tiny(tokenizer="tweet", embedding_init="ppmi_svd", embedding_dim=4,
                embedding_trainable=False, monitor="accuracy", min_count=5, epochs=1)
    task.fit(TWEETS, MOODS, verbose=0)
    return task, task.save(tmp_path_factory.mktemp("tweets") / "task")


def test_tweet_tokenizer_keeps_emoticons_and_folds_rare_handles(tweets):
    task, _ = tweets
    vocabulary = task.state["vocabulary"]
    assert {":)", ":(", "@united", "<user>", "<url>", "sooo", "#", "!!!"} <= set(vocabulary)
    assert not [t for t in vocabulary if t.startswith("@rare")]
    ids = task.model.get_layer("vectorize")(task.model.get_layer("standardize")(
        np.asarray(["@united @nobody :)"])))
    index = {t: i for i, t in enumerate(vocabulary)}
    assert np.asarray(ids)[0].tolist() == [index["@united"], index["<user>"], index[":)"]]


def test_ppmi_svd_vectors_start_the_frozen_embedding(tweets):
    from rnn_zoo.tasks._embeddings import ppmi_svd_embeddings

    task, _ = tweets
    # The same carve `fit` made, then the tokens its vectorizer reads.
    (x, _), _ = task._carve(TWEETS, MOODS, task.config["validation_split"], task.config["seed"])
    expected = ppmi_svd_embeddings(task._tokens(x), task.state["vocabulary"], dim=4, window=4)
    embedding = task.backbone.get_layer("embedding")
    assert embedding.trainable is False
    np.testing.assert_array_equal(np.asarray(embedding.embeddings), expected)
    assert not expected[0].any() and np.allclose(
        np.linalg.norm(expected[2:], axis=1)[np.linalg.norm(expected[2:], axis=1) > 0],
        0.05 * np.sqrt(4), rtol=1e-5)


def test_monitor_accuracy_keeps_the_best_validation_accuracy(tweets):
    task, _ = tweets
    assert (task.training["monitor"], task.training["mode"]) == ("val_accuracy", "max")
    assert task.training["best_value"] == max(task.history["val_accuracy"])


def test_saved_tweet_task_takes_raw_tweets(tweets):
    from rnn_zoo.tasks import load_task

    task, folder = tweets
    loaded = load_task(folder)
    texts = ["@united lost my bag :(", "", "SOOOO good!!! :-) http://x.io"]
    np.testing.assert_allclose(loaded.predict_proba(texts), task.predict_proba(texts),
                               rtol=1e-6, atol=1e-6)
    assert loaded.config["tokenizer"] == "tweet" and loaded.MONITOR == ("val_accuracy", "max")


def test_token_dropout_replaces_training_tokens_with_oov():
    task = tiny(token_dropout=0.5, min_count=1)
    task.state = {"classes": ["neg", "pos"], "vocabulary": ["", "[UNK]", *"abcdefgh"],
                  "bucket_boundaries": [4]}
    texts, labels = [" ".join("abcdefgh")] * 64, ["pos", "neg"] * 32
    dropped = np.concatenate([np.asarray(x).ravel() for x, _ in
                              task._datasets(texts, labels, training=True)])
    kept = np.concatenate([np.asarray(x).ravel() for x, _ in
                           task._datasets(texts, labels, training=False)])
    assert (kept > 1).all()  # validation batches are never dropped
    share = float(np.mean(dropped == 1))
    assert 0.4 < share < 0.6, share


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"tokenizer": "bpe"}, "`tokenizer` must be one of 'standard', 'tweet'"),
    ({"embedding_init": "glove"}, "`embedding_init` must be one of 'random', 'ppmi_svd'"),
    ({"embedding_trainable": "no"}, "`embedding_trainable` must be True or False"),
    ({"token_dropout": 1.0}, "`token_dropout` must be a float in [0, 1)"),
    ({"label_smoothing": 1.0}, "`label_smoothing` must be a float in [0, 1)"),
    ({"monitor": "f1"}, "`monitor` must be one of 'loss', 'accuracy'"),
    ({"cooccurrence_window": 0}, "`cooccurrence_window` must be an int >= 1"),
    ({"embedding_init": "ppmi_svd", "embedding_dim": 64, "max_tokens": 64},
     "`embedding_dim` must be below `max_tokens`"),
])
def test_bad_small_corpus_settings_are_one_line_errors(kwargs, message):
    with pytest.raises((TypeError, ValueError)) as excinfo:
        TextClassifier(**kwargs)
    assert message in one_line(excinfo)
