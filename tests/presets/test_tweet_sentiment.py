"""The tweet_sentiment preset stands alone as a task: it loads through `Task.from_preset`
(checksums verified), is the recipe's full profile (three seeds averaged in one model),
answers raw tweets, and re-scores its recorded test metrics exactly, above TF-IDF + logistic
regression on the same split."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import tensorflow_datasets as tfds

from recipes.tweet_sentiment import RECIPE
from rnn_zoo import datasets
from rnn_zoo.tasks import Task, TextClassifier

# Clear cases (the model still reads "not bad, actually pretty fun" as negative).
SENTENCES = ["I love this phone, best purchase this year!",
             "This is not good at all. Worst service ever :(",
             "The train leaves at 9am from platform 2.", "ugh, stuck in traffic again"]
EXPECTED = ["positive", "negative", "neutral", "negative"]
FOLDER = Path(__file__).resolve().parents[2] / "saved_models" / "tweet_sentiment"
METRICS = json.loads((FOLDER / "metrics.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def task():
    return TextClassifier.from_preset("tweet_sentiment", presets_dir=FOLDER.parent)


def test_loads_as_the_recipes_full_profile(task):
    assert isinstance(Task.from_preset("tweet_sentiment", presets_dir=FOLDER.parent),
                      TextClassifier)
    assert task.classes == METRICS["dataset"]["classes"] == ["negative", "neutral", "positive"]
    assert task.config == TextClassifier(**RECIPE.settings("full")).config
    assert task.state["ensemble"] == 3
    assert [m["seed"] for m in METRICS["training"]["members"]] == [0, 1, 2]
    assert task.backbone.count_params() == METRICS["model"]["params"]


def test_answers_raw_tweets(task):
    assert task.predict(SENTENCES) == EXPECTED
    probabilities = task.predict_proba(["", "ünïcödé 😀 &amp; <3", "so good " * 500])
    assert probabilities.shape == (3, 3)


def test_rescores_the_recorded_test_metrics_exactly(task):
    ds, info = datasets.load("tweet_sentiment", split="test", with_info=True)
    names = info.features["label"].names
    rows = list(tfds.as_numpy(ds))
    texts = [r["text"].decode("utf-8") for r in rows]
    labels = [names[int(r["label"])] for r in rows]
    found = task.evaluate(texts, labels)
    for key in ("accuracy", "macro_f1", "f1", "confusion_matrix", "examples"):
        assert found[key] == METRICS["test"][key], key
    tfidf = METRICS["baselines"]["tfidf_logreg"]
    assert found["accuracy"] > tfidf["accuracy"] and found["macro_f1"] > tfidf["macro_f1"]
    assert all(bar["met"] for bar in METRICS["bars"])


def test_a_tampered_file_is_refused(tmp_path):
    copy = tmp_path / "tweet_sentiment"
    copy.mkdir()
    for path in FOLDER.iterdir():
        (copy / path.name).symlink_to(path)
    (copy / "README.md").unlink()
    (copy / "README.md").write_text("edited\n")
    with pytest.raises(ValueError, match="checksum of 'README.md' differs"):
        TextClassifier.from_preset("tweet_sentiment", presets_dir=tmp_path)
