"""The generic recipe runner: a recipe declared in a few lines trains, reports and re-scores."""

from __future__ import annotations

import json

import pytest

from rnn_zoo import runner
from rnn_zoo.recipe import Bar, Data, Recipe
from rnn_zoo.tasks import load_task

TINY = Recipe(
    name="tiny_tweets", summary="three-class tweet sentiment, a slice", task="TextClassifier",
    data=Data(dataset="tweet_sentiment", x="text", y="label",
              splits={"train": "train[:240]", "validation": "validation[:60]",
                      "test": "test[:60]"},
              reports={"test_head": "test[:30]"}),
    profiles={"quick": {"epochs": 2, "units": 8, "embedding_dim": 8}},
    baselines={"majority_class": "rnn_zoo.baselines:MajorityClass"},
    bars=(Bar(metric="accuracy", higher_is_better=True, baseline="majority_class"),
          Bar(metric="accuracy", higher_is_better=True, value=0.0, split="test_head")),
    trivial="majority_class")


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("tfds")
    out = tmp_path_factory.mktemp("runs") / "tiny"
    metrics = runner.train(TINY, profile="quick", out_dir=out, data_dir=data_dir, verbose=0)
    return out, metrics, data_dir


def test_writes_metrics_next_to_the_saved_task(run):
    out, metrics, data_dir = run
    assert json.loads((out / runner.METRICS).read_text()) == metrics
    assert metrics["recipe"] == "tiny_tweets" and metrics["profile"] == "quick"
    assert metrics["dataset"]["classes"] == ["negative", "neutral", "positive"]
    assert metrics["dataset"]["examples"] == {"train": 240, "validation": 60, "test": 60}
    assert set(metrics["baselines"]) == {"majority_class"}
    assert metrics["bar"]["metric"] == "accuracy" and metrics["training"]["epochs_run"] == 2
    assert metrics["command"].startswith("rnn-zoo train tiny_tweets --profile quick --out ")
    test = runner.load_splits(TINY, data_dir=data_dir)["test"]
    assert load_task(out).evaluate(*test)["accuracy"] == metrics["test"]["accuracy"]


def test_evaluate_rescores_the_run(run):
    out, metrics, data_dir = run
    evaluation = runner.evaluate(TINY, out_dir=out, data_dir=data_dir)
    assert evaluation["test"] == metrics["test"] == evaluation["recorded_test"]


def test_a_finished_run_is_not_trained_over(run):
    out, _, _ = run
    with pytest.raises(ValueError, match="overwrite"):
        runner.train(TINY, profile="quick", out_dir=out, verbose=0)


def test_unknown_profile_is_one_line():
    with pytest.raises(ValueError, match="Unknown profile 'ful'"):
        runner.train(TINY, profile="ful", out_dir="unused")


def test_reports_score_the_model_and_the_baselines_on_their_split(run):
    out, metrics, data_dir = run
    report = metrics["reports"]["test_head"]
    assert report["split"] == "test[:30]" and report["examples"] == 30
    head = runner.load_splits(TINY, data_dir=data_dir)["test_head"]
    assert len(head[0]) == 30
    assert load_task(out).evaluate(*head)["accuracy"] == report["metrics"]["accuracy"]
    assert set(report["baselines"]) == {"majority_class"}
    # The second bar sits on the report and says so; the headline bar stays on the test split.
    assert metrics["bars"][1]["split"] == "test_head"
    assert metrics["bars"][1]["value"] == report["metrics"]["accuracy"]
    assert "split" not in metrics["bars"][0]
    assert "test_head accuracy >= 0.0" in metrics["bar"]["rule"]
    assert runner.evaluate(TINY, out_dir=out, data_dir=data_dir)["reports"]["test_head"] == \
        report["metrics"]


def test_a_bar_on_an_undeclared_report_is_refused():
    with pytest.raises(ValueError, match="split 'nope', which is not in `data.reports`"):
        Recipe(name="r", summary="s", task="TextClassifier",
               data=Data(dataset="tweet_sentiment", x="text", y="label"),
               profiles={"quick": {}}, baselines={"m": "rnn_zoo.baselines:MajorityClass"},
               bars=(Bar(metric="accuracy", higher_is_better=True, value=0.5, split="nope"),),
               trivial="m")
    with pytest.raises(ValueError, match="`reports` maps a new name"):
        Data(dataset="tweet_sentiment", x="text", y="label", reports={"test": "test[:5]"})


def test_settings_override_epochs_and_seed_with_one_line_errors():
    assert TINY.settings("quick") == {"epochs": 2, "units": 8, "embedding_dim": 8}
    assert TINY.settings("quick", epochs=5, seed=0) == {
        "epochs": 5, "units": 8, "embedding_dim": 8, "seed": 0}
    with pytest.raises(ValueError, match="`seed` must be an int >= 0"):
        TINY.settings("quick", seed=-1)
    with pytest.raises(TypeError, match="`seed`"):
        TINY.settings("quick", seed=1.5)
    assert runner.command("r", profile="full", out_dir="runs/r", seed=3) == (
        "rnn-zoo train r --profile full --out runs/r --seed 3")


@pytest.mark.parametrize("batch_size", [2, 4096])
def test_splits_are_read_in_batches_as_tfds_yields_them_one_by_one(batch_size):
    """`load_splits` reads a split in ragged batches; each feature's rows are the values
    `tfds.as_numpy` gives example by example (dtype, shape and order), batch edges included;
    nested or doubly variable features fall back to reading an example at a time."""
    import numpy as np
    import tensorflow as tf
    import tensorflow_datasets as tfds

    rows = [{"text": "a", "words": ["x"], "series": np.ones((1, 2), "float32"), "label": 0},
            {"text": "bc", "words": [], "series": np.zeros((3, 2), "float32"), "label": 2},
            {"text": "d", "words": ["y", "z"], "series": np.full((2, 2), 5, "float32"),
             "label": 1}]
    ds = tf.data.Dataset.from_generator(lambda: iter(rows), output_signature={
        "text": tf.TensorSpec([], tf.string), "words": tf.TensorSpec([None], tf.string),
        "series": tf.TensorSpec([None, 2], tf.float32), "label": tf.TensorSpec([], tf.int64)})
    grid = tf.data.Dataset.from_generator(
        lambda: iter([np.ones((1, 2)), np.ones((2, 3))]),
        output_signature=tf.TensorSpec([None, None], tf.float64))
    for data, names in ((ds, list(rows[0])), (grid.map(lambda g: {"grid": g}), ["grid"])):
        found = runner._columns(data, names, batch_size=batch_size)
        expected = list(tfds.as_numpy(data))
        for name in names:
            assert len(found[name]) == len(expected)
            for got, want in zip(found[name], expected, strict=True):
                want = want[name]
                assert type(got) is type(want) and np.asarray(got).dtype == np.asarray(want).dtype
                assert np.array_equal(np.asarray(got), np.asarray(want)), name
