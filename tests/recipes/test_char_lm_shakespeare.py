"""char_lm_shakespeare: the quick profile end to end through the runner on the real text (beats
the unigram model, the bigram model beats the unigram, the run folder is a LanguageModel that
generates and re-scores), and the n-gram baselines reproduce the numbers recorded by the
recipe's original run on the same text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from recipes.char_lm_shakespeare import RECIPE
from rnn_zoo import runner
from rnn_zoo.baselines import CharNgram
from rnn_zoo.tasks import LanguageModel, load_task

PRESET_METRICS = Path(__file__).resolve().parents[2] / "saved_models" / RECIPE.name / \
    "metrics.json"


@pytest.fixture(scope="module")
def quick_run(recipe_data_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("char_lm_shakespeare") / "run"
    metrics = runner.train(RECIPE, profile="quick", out_dir=out, data_dir=recipe_data_dir,
                           verbose=0)
    return out, metrics


def test_quick_profile_beats_the_unigram_model(quick_run):
    _, metrics = quick_run
    test, baselines = metrics["test"], metrics["baselines"]
    assert metrics["beats_trivial_baseline"] == {"baseline": "unigram", "metric": "loss",
                                                 "met": True}
    assert test["loss"] < 0.9 * baselines["unigram"]["loss"], (test, baselines)
    assert baselines["bigram"]["loss"] < baselines["unigram"]["loss"]
    assert metrics["bar"]["rule"] == "< 1.45" and metrics["model"]["task"] == "LanguageModel"
    # nanoGPT's validation set: the TFDS validation and test texts together.
    combined = metrics["reports"]["validation+test"]
    assert combined["split"] == "validation+test" and combined["examples"] == 2
    assert metrics["bar"]["split"] == "validation+test"
    assert metrics["bar"]["value"] == combined["metrics"]["loss"]
    # The two texts are one stream (no boundary tokens): 111,540 characters, scored in 435
    # windows of 256 (`eval_seq_len`, nanoGPT's blocks), though training reads 100.
    assert combined["metrics"]["tokens"] == 435 * 256
    assert metrics["config"]["seq_len"] == 100 and metrics["config"]["eval_seq_len"] == 256
    assert combined["baselines"]["bigram"]["tokens"] == 2 * (55_770 - 1)


def test_every_character_is_scored_once_in_whole_windows(quick_run):
    _, metrics = quick_run
    assert metrics["dataset"]["examples"] == {"train": 1, "validation": 1, "test": 1}
    # 55,770 test characters: 217 windows of 256 next characters; the last 217 dropped.
    assert metrics["test"]["tokens"] == 217 * 256
    assert metrics["baselines"]["bigram"]["tokens"] == 55_770 - 1


def test_the_run_folder_is_a_language_model_that_generates(quick_run):
    out, metrics = quick_run
    lm = load_task(out)
    assert isinstance(lm, LanguageModel) and lm.config == metrics["model"]["settings"]
    assert "<s>" not in lm.vocabulary and len(lm.vocabulary) == 67
    text = lm.generate("ROMEO:", length=40, temperature=0.8, seed=0)
    assert text.startswith("ROMEO:") and len(text) == len("ROMEO:") + 40
    assert text == lm.generate("ROMEO:", length=40, temperature=0.8, seed=0)


def test_evaluate_rescores_the_run(quick_run, recipe_data_dir):
    out, metrics = quick_run
    evaluation = runner.evaluate(RECIPE, out_dir=out, data_dir=recipe_data_dir)
    assert evaluation["test"] == pytest.approx(metrics["test"], rel=1e-6)
    assert json.loads((out / runner.EVALUATION).read_text())["recipe"] == RECIPE.name


def test_ngram_baselines_reproduce_the_recorded_run(recipe_data_dir):
    """The same estimator as the run that trained the preset, on the same text."""
    recorded = json.loads(PRESET_METRICS.read_text())["baselines"]
    splits = runner.load_splits(RECIPE, data_dir=recipe_data_dir)
    for name, order in (("unigram", 1), ("bigram", 2)):
        for split in ("validation", "test"):
            found = CharNgram(order=order)(splits["train"], None, splits[split])
            assert found["loss"] == pytest.approx(recorded[name][f"{split}_loss"], rel=1e-9)


@pytest.mark.parametrize("order", [0, 1.5, True])
def test_bad_ngram_order_is_a_one_line_error(order):
    with pytest.raises(ValueError, match="`order` must be an int >= 1"):
        CharNgram(order=order)
