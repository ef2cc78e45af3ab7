"""tweet_sentiment: the quick profile end to end on the real data (beats the majority class, records
both baselines with accuracy and macro-F1, keeps a vocabulary that scores raw strings), and the
baselines, metrics, tokenizer and multi-bar check on tiny hand-made cases."""

from __future__ import annotations

import json

import numpy as np
import pytest

from recipes import _common
from recipes import tweet_sentiment as ts

BASELINES = ("tfidf_logreg", "vader", "majority_class")


@pytest.fixture(scope="module")
def quick_run(recipe_data_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("tweet_sentiment")
    metrics = ts.run(profile="quick", out_dir=out, data_dir=recipe_data_dir, verbose=0)
    return out, metrics


def test_quick_profile_beats_the_majority_class(quick_run):
    _, metrics = quick_run
    majority = metrics["baselines"]["majority_class"]
    for metric in ("accuracy", "macro_f1"):
        assert metrics["test"][metric] > majority[metric] + 0.15, (metric, metrics["test"])
    assert metrics["beats_trivial_baseline"] == {"baseline": "majority_class",
                                                 "metric": "accuracy", "met": True}


def test_metrics_json_has_both_baselines_and_every_bar(quick_run):
    out, metrics = quick_run
    on_disk = json.loads((out / _common.METRICS).read_text())
    assert on_disk == metrics
    assert set(on_disk["baselines"]) == set(BASELINES)
    for name in BASELINES:
        values = on_disk["baselines"][name]
        for metric in ("accuracy", "macro_f1"):
            assert 0.0 <= values[metric] <= 1.0, (name, metric)
        assert values["examples"] == on_disk["dataset"]["examples"]["test"]
    assert on_disk["baselines"]["tfidf_logreg"]["C"] in ts.PROFILES["quick"].tfidf_c
    checks = on_disk["bars"]
    assert [(c["metric"], c["rule"]) for c in checks] == [
        (b.metric, f">= baselines.{b.baseline}") for b in ts.BAR]
    for check in checks:
        baseline = check["rule"].removeprefix(">= baselines.")
        assert check["target"] == on_disk["baselines"][baseline][check["metric"]]
        assert check["value"] == on_disk["test"][check["metric"]]
    assert on_disk["bar"]["met"] == all(c["met"] for c in checks)
    assert on_disk["dataset"]["classes"] == list(ts.CLASS_NAMES)


def test_vocabulary_is_saved_and_scores_raw_strings(quick_run, recipe_data_dir):
    out, metrics = quick_run
    vocabulary = ts.read_vocabulary(out)
    assert vocabulary == metrics["dataset"]["vocabulary"]
    assert vocabulary[:2] == ["", "[UNK]"] and "<user>" in vocabulary and "<url>" in vocabulary
    assert metrics["preprocessing"]["vocabulary_size"] == len(vocabulary)
    predictions = ts.classify(out, ["@united worst flight ever, lost my bag :(",
                                    "thank you @SouthwestAir, great crew!! :)"])
    assert predictions == ["negative", "positive"]
    evaluation = ts.evaluate(out_dir=out, data_dir=recipe_data_dir)
    for metric in ("accuracy", "macro_f1"):
        assert evaluation["test"][metric] == pytest.approx(metrics["test"][metric], abs=1e-6)


def test_vader_baseline_uses_the_standard_thresholds():
    texts = ["I love this, it is wonderful!", "This is terrible and I hate it.",
             "The flight leaves at 5."]
    assert ts.vader_predict(texts).tolist() == [ts.CLASS_NAMES.index(c) for c in
                                                ("positive", "negative", "neutral")]


def test_tfidf_logreg_baseline_on_a_separable_toy_case():
    train = (["good great day", "great good fun", "bad awful day", "awful bad mess",
              "the flight at noon", "a flight at the gate"], np.array([2, 2, 0, 0, 1, 1]))
    test = (["good great", "awful bad", "flight at the gate"], np.array([2, 0, 1]))
    result = ts.tfidf_logreg(train, train, test, c_grid=(10.0, 100.0))
    assert result["accuracy"] == 1.0 and result["macro_f1"] == 1.0
    assert result["C"] in (10.0, 100.0) and set(result["tuning"]) == {"10.0", "100.0"}
    assert result["confusion_matrix"] == [[1, 0, 0], [0, 1, 0], [0, 0, 1]]


def test_classification_metrics_by_hand():
    found = ts.classification_metrics([0, 1, 2, 2], [0, 1, 2, 1])
    assert found["accuracy"] == 0.75
    assert found["f1"] == pytest.approx({"negative": 1.0, "neutral": 2 / 3, "positive": 2 / 3})
    assert found["macro_f1"] == pytest.approx(7 / 9)


def test_tokenize_keeps_emoticons_punctuation_handles_and_hashtags():
    assert ts.tokenize("@United Sooooo GOOD!!!! :) #DeflateGate http://t.co/x 2 &amp; :-(") == [
        "@united", "sooo", "good", "!!!", ":)", "#", "deflategate", "<url>", "<num>", "&", ":-("]
    known = {"@united"}
    assert ts.prepare_texts(["@united @someone hi"], known) == ["@united <user> hi"]


def test_several_bars_must_all_be_met():
    bars = (_common.Bar("accuracy", True, baseline="a"), _common.Bar("macro_f1", True, value=0.5))
    base = {"a": {"accuracy": 0.7}}
    combined, checks = _common.check_bars(bars, {"accuracy": 0.8, "macro_f1": 0.4}, base)
    assert [c["met"] for c in checks] == [True, False] and combined["met"] is False
    assert combined["metric"] == "accuracy" and combined["target"] == 0.7
    assert combined["rule"] == ">= baselines.a and macro_f1 >= 0.5"
    single, none = _common.check_bars(bars[0], {"accuracy": 0.8}, base)
    assert none is None and single == checks[0]
