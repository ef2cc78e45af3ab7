"""multi30k_next_word: the quick profile end to end through the runner on the real captions
(perplexities next to the Kneser-Ney and unigram baselines on the same tokens, the bar record),
and the run folder answers the next words after a prompt."""

from __future__ import annotations

import math

import pytest

from recipes import describe_recipe, get_recipe
from recipes.multi30k_next_word import RECIPE
from rnn_zoo import runner
from rnn_zoo.tasks import LanguageModel, load_task


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("multi30k_next_word")
    metrics = runner.train(RECIPE, profile="quick", epochs=1, out_dir=root / "run",
                           data_dir=str(root / "tfds"), verbose=0)
    return root / "run", metrics


def test_the_recipe_is_registered():
    assert get_recipe("multi30k_next_word").RECIPE is RECIPE
    assert describe_recipe("multi30k_next_word")["summary"].rstrip(".") == RECIPE.summary


def test_perplexities_are_on_the_same_tokens_as_the_baselines(quick_run):
    _, metrics = quick_run
    test, baselines = metrics["test"], metrics["baselines"]
    assert metrics["dataset"] == {"name": "multi30k/en_de",
                                  "examples": {"train": 29_000, "validation": 1_014,
                                               "test": 1_000}}
    assert set(baselines) == {"kneser_ney_3gram", "unigram"}
    for scores in (test, *baselines.values()):
        assert scores["tokens"] == test["tokens"]
        assert scores["perplexity"] == pytest.approx(math.exp(scores["loss"]))
    assert baselines["kneser_ney_3gram"]["perplexity"] < 0.5 * baselines["unigram"]["perplexity"]
    assert metrics["training"]["epochs_run"] == 1


def test_the_bar_record_compares_with_kneser_ney(quick_run):
    _, metrics = quick_run
    test, kn = metrics["test"], metrics["baselines"]["kneser_ney_3gram"]
    assert metrics["bar"] == {"metric": "perplexity", "rule": "< baselines.kneser_ney_3gram",
                              "target": kn["perplexity"], "value": test["perplexity"],
                              "met": test["perplexity"] < kn["perplexity"]}
    # One epoch is far from the bar, but well past the unigram model.
    assert metrics["beats_trivial_baseline"] == {"baseline": "unigram", "metric": "perplexity",
                                                 "met": True}


def test_the_run_answers_the_next_words(quick_run):
    out, metrics = quick_run
    lm = load_task(out)
    assert isinstance(lm, LanguageModel) and lm.config == metrics["model"]["settings"]
    ranked = lm.next_tokens("a man in a", top_k=5)
    words, probabilities = [w for w, _ in ranked], [p for _, p in ranked]
    assert len(ranked) == 5 and len(set(words)) == 5
    assert not {"", "[UNK]", "<s>"} & set(words) and all(w.strip() == w != "" for w in words)
    assert probabilities == sorted(probabilities, reverse=True)
    assert all(0 < p < 1 for p in probabilities) and sum(probabilities) <= 1
    line = lm.answer(["a man in a"])
    assert line.startswith("a man in a\t") and repr(words[0]) in line
