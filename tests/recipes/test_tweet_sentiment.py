"""tweet_sentiment: the quick profile end to end through the runner on the real data (beats the
majority class, records both baselines with accuracy and macro-F1 and every bar, saves a task
that scores raw tweets, re-scores to the same numbers)."""

from __future__ import annotations

import json

import pytest

from recipes.tweet_sentiment import RECIPE
from rnn_zoo import runner
from rnn_zoo.tasks import load_task

BASELINES = ("tfidf_logreg", "vader", "majority_class")


@pytest.fixture(scope="module")
def quick_run(recipe_data_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("tweet_sentiment") / "run"
    metrics = runner.train(RECIPE, profile="quick", out_dir=out, data_dir=recipe_data_dir,
                           verbose=0)
    return out, metrics


def test_quick_profile_beats_the_majority_class(quick_run):
    _, metrics = quick_run
    majority = metrics["baselines"]["majority_class"]
    for metric in ("accuracy", "macro_f1"):
        assert metrics["test"][metric] > majority[metric] + 0.15, (metric, metrics["test"])
    assert metrics["beats_trivial_baseline"] == {"baseline": "majority_class",
                                                 "metric": "accuracy", "met": True}


def test_metrics_json_has_every_baseline_and_bar(quick_run):
    out, metrics = quick_run
    on_disk = json.loads((out / runner.METRICS).read_text())
    assert on_disk == metrics and set(on_disk["baselines"]) == set(BASELINES)
    for name in BASELINES:
        values = on_disk["baselines"][name]
        for metric in ("accuracy", "macro_f1"):
            assert 0.0 <= values[metric] <= 1.0, (name, metric)
        assert values["examples"] == on_disk["dataset"]["examples"]["test"]
    assert on_disk["baselines"]["tfidf_logreg"]["C"] in (1.0, 2.0, 4.0)
    assert [(c["metric"], c["rule"]) for c in on_disk["bars"]] == [
        (b.metric, f">= baselines.{b.baseline}") for b in RECIPE.bars]
    for check in on_disk["bars"]:
        baseline = check["rule"].removeprefix(">= baselines.")
        assert check["target"] == on_disk["baselines"][baseline][check["metric"]]
        assert check["value"] == on_disk["test"][check["metric"]]
    assert on_disk["bar"]["met"] == all(c["met"] for c in on_disk["bars"])
    assert on_disk["dataset"]["classes"] == ["negative", "neutral", "positive"]
    assert on_disk["training"]["monitor"] == "val_accuracy"


def test_saved_task_scores_raw_tweets_and_rescores(quick_run, recipe_data_dir):
    out, metrics = quick_run
    task = load_task(out)
    assert task.config["tokenizer"] == "tweet" and task.config["embedding_init"] == "ppmi_svd"
    vocabulary = task.state["vocabulary"]
    assert vocabulary[:2] == ["", "[UNK]"] and {"<user>", "<url>", ":)"} <= set(vocabulary)
    assert task.predict(["@united worst flight ever, lost my bag :(",
                         "thank you @SouthwestAir, great crew!! :)"]) == ["negative", "positive"]
    evaluation = runner.evaluate(RECIPE, out_dir=out, data_dir=recipe_data_dir)
    assert evaluation["test"] == metrics["test"]
