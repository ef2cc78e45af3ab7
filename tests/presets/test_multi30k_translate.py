"""The multi30k_translate preset is the Seq2Seq task `rnn-zoo train multi30k_translate --profile
full` saved (English -> German over subword pieces, beam search in the graph): it loads by name
with its checksums verified, maps raw English sentences to raw, cased German ones, shows the
published anchors next to its numbers, and re-scores its recorded test BLEU (sacreBLEU on the
detokenised cased output and lower-cased tokenised BLEU against the dataset's references) on
the 1,000 test_2016_flickr sentences."""

from __future__ import annotations

import re

import pytest

from recipes.multi30k_translate import RECIPE
from rnn_zoo import runner
from rnn_zoo.presets import get_preset
from rnn_zoo.tasks import Seq2Seq, Task

NAME = "multi30k_translate"


@pytest.fixture(scope="module")
def task():
    return Seq2Seq.from_preset(NAME)


@pytest.fixture(scope="module")
def metrics():
    return get_preset(NAME).metrics


def test_loads_by_name_as_the_recipes_task(task, metrics):
    assert isinstance(Task.from_preset(NAME), Seq2Seq)
    assert metrics["model"]["task"] == "Seq2Seq"
    assert metrics["dataset"]["name"] == "multi30k/en_de"
    assert metrics["test"]["examples"] == 1_000
    assert task.config == {**task.config, **RECIPE.settings("full")}
    assert task.config["source_level"] == task.config["target_level"] == "subword"
    assert int(task.backbone.count_params()) == metrics["model"]["params"]


def test_card_shows_the_signatures_and_the_second_test_set(metrics):
    """(What every runner-trained card shows is checked in tests/test_presets.py.)"""
    card = (get_preset(NAME).path / "README.md").read_text(encoding="utf-8")
    assert metrics["test"]["bleu_signature"] in card  # sacreBLEU's signature beside its score
    report = metrics["reports"]["test_2017_flickr"]  # the second test set, same run
    assert report["examples"] == 1_000
    assert f"**{report['metrics']['lc_tok_bleu']:.4f}**" in card


def test_translates_raw_sentences(task):
    sentences = ["A man in an orange hat starring at something.",
                 "Two dogs are playing in the snow."]
    found = task.predict(sentences)
    assert found == ["Ein Mann mit orangefarbenem Hut starrt auf etwas.",
                     "Zwei Hunde spielen im Schnee."]
    # `predict` is the beam search inside model.keras; `translate` builds the same one, and
    # greedy search agrees on these two.
    assert task.translate(sentences, beam_size=task.config["beam_size"]) == found
    assert task.translate(sentences) == found


def test_bad_sentences_get_one_line_errors_or_defined_outputs(task):
    cap = task.config["max_source_length"]
    for bad, message in (([""], "`x[0]` is empty"), (["a dog", "   "], "`x[1]` is '   '"),
                         (["a dog " * cap], f"at most max_source_length={cap}"),
                         (["bad \udc80"], "`x[0]` is not valid UTF-8")):
        with pytest.raises(ValueError, match=re.escape(message)) as error:
            task.predict(bad)
        assert "\n" not in str(error.value)
    # Characters the training sentences never had read as [UNK] pieces: a German sentence still.
    assert task.predict(["A dog ☃ runs on the beach."]) == ["Ein Hund läuft am Strand entlang."]


def test_rescores_the_recorded_test_metrics(task, metrics):
    sources, targets, references = runner.load_splits(RECIPE)["test"]
    found = task.evaluate(sources, targets, references=references)
    recorded = metrics["test"]
    assert found["examples"] == recorded["examples"] == len(sources) == 1_000
    assert found["bleu_signature"] == recorded["bleu_signature"]
    for search in ("", "greedy_"):
        for key in ("bleu", "chrf", "lc_tok_bleu"):
            assert found[search + key] == pytest.approx(recorded[search + key], abs=1e-9), key
