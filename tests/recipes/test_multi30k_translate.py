"""multi30k_translate (en->de) and multi30k_translate_de_en: the declarations (data, references,
bars, anchors), and the quick profile end to end through the runner on a slice of the real
captions (a tiny model, so it takes seconds): sacreBLEU with its signature, chrF and the
lowercased tokenised BLEU against the dataset's references, on the test split and the 2017
report, next to the copy-source and word-by-word dictionary baselines; and the run folder
exported as raw sentences in, raw sentences out (SavedModel; TFLite on piece ids)."""

from __future__ import annotations

import dataclasses

import pytest

from recipes import get_recipe
from recipes.multi30k_translate import RECIPE
from recipes.multi30k_translate_de_en import RECIPE as DE_EN
from rnn_zoo import runner
from rnn_zoo.tasks import Seq2Seq, load_task


def test_the_declarations_hold_the_issues_protocol_and_bars():
    assert get_recipe("multi30k_translate").RECIPE is RECIPE
    assert get_recipe("multi30k_translate_de_en").RECIPE is DE_EN
    for recipe, (source, target), bar in ((RECIPE, ("en", "de"), 36.9),
                                          (DE_EN, ("de", "en"), 36.5)):
        data = recipe.data
        assert (data.dataset, data.x, data.y) == (f"multi30k/{source}_{target}", source, target)
        assert data.splits["test"] == "test_2016_flickr"
        assert data.reports == {"test_2017_flickr": "test_2017_flickr"}
        assert data.references == (f"multi30k/{source}_{target}_tok", f"{target}_tok")
        assert [(b.metric, b.value, b.split) for b in recipe.bars] == [
            ("lc_tok_bleu", bar, "test")]
        assert set(recipe.baselines) == {"copy_source", "word_dictionary"}
        full = recipe.profiles["full"]
        assert full["source_level"] == full["target_level"] == "subword"
        assert full["bidirectional"] and full["attention"] and full["beam_size"] > 1
        assert full["target_language"] == target
    anchors = {(a["split"], a["value"]) for a in RECIPE.anchors}
    assert {("test", 36.9), ("test", 39.0), ("test_2017_flickr", 31.25),
            ("test", 41.02)} == anchors
    assert all("lowercased, tokenised" in a["protocol"] for a in RECIPE.anchors)
    assert {a["value"] for a in DE_EN.anchors} == {28.1, 29.0, 36.52}


# The quick profile on a slice of every split, with a tiny model: the flow, in seconds.
SMALL = dataclasses.replace(
    RECIPE,
    data=dataclasses.replace(
        RECIPE.data,
        splits={"train": "train[:2000]", "validation": "val[:100]",
                "test": "test_2016_flickr[:100]"},
        reports={"test_2017_flickr": "test_2017_flickr[:100]"}),
    profiles={"quick": {**RECIPE.profiles["quick"], "max_source_tokens": 300,
                        "max_target_tokens": 300, "units": 16, "embedding_dim": 16}})


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("multi30k_translate")
    data_dir = str(root / "tfds")
    metrics = runner.train(SMALL, profile="quick", epochs=1, out_dir=root / "run",
                           data_dir=data_dir, verbose=0)
    return root / "run", data_dir, metrics


def test_every_test_set_is_scored_with_every_metric_next_to_both_baselines(quick_run):
    _, _, metrics = quick_run
    assert metrics["dataset"]["examples"] == {"train": 2000, "validation": 100, "test": 100}
    report = metrics["reports"]["test_2017_flickr"]
    assert report["examples"] == 100
    for scores in (metrics["test"], report["metrics"], *metrics["baselines"].values(),
                   *report["baselines"].values()):
        assert scores["bleu_signature"].startswith("nrefs:1|case:mixed|eff:no|tok:13a|")
        assert scores["lc_tok_bleu_signature"].startswith("nrefs:1|case:mixed|eff:no|tok:none|")
        assert 0 <= scores["bleu"] <= 100 and 0 <= scores["chrf"] <= 100
        assert scores["examples"] == 100
    for baselines in (metrics["baselines"], report["baselines"]):
        # Word for word gets far more of the German right than the English sentence does.
        assert baselines["word_dictionary"]["lc_tok_bleu"] > \
            3 * baselines["copy_source"]["lc_tok_bleu"]
    assert metrics["test"]["search"]["beam_size"] == 2
    assert metrics["bar"]["metric"] == "lc_tok_bleu" and metrics["bar"]["target"] == 36.9


def test_the_run_folder_translates_raw_sentences_to_raw_sentences(quick_run):
    out, _, metrics = quick_run
    task = load_task(out)
    assert isinstance(task, Seq2Seq) and task.config == metrics["model"]["settings"]
    found = task.predict(["A man in an orange hat starring at something.", "Zwei ✓ Hunde"])
    assert all(isinstance(t, str) and "\u2581" not in t and t == t.strip() for t in found)
    # The pieces of each side come from that side's training sentences only.
    assert "ä" in task.state["target_subwords"]


def test_evaluate_rescores_the_run(quick_run):
    out, data_dir, metrics = quick_run
    evaluation = runner.evaluate(SMALL, out_dir=out, data_dir=data_dir)
    assert evaluation["test"] == metrics["test"] == evaluation["recorded_test"]
    assert evaluation["reports"]["test_2017_flickr"] == \
        metrics["reports"]["test_2017_flickr"]["metrics"]


def test_the_run_folder_exports_raw_sentences_to_raw_sentences(quick_run, tmp_path):
    """The subword pieces, the beam search and the detokeniser travel inside the SavedModel;
    TFLite serves the search on piece ids with builtin ops only; both pass the fresh-process
    parity check."""
    import tensorflow as tf

    out, _, _ = quick_run
    task = load_task(out)
    result = task.export(tmp_path / "export", formats=["saved_model", "tflite"])
    assert result.parity_ok, result.manifest["parity"]
    served = tf.saved_model.load(str(result.path("saved_model")))
    sentences = ["Two dogs are playing in the snow.", "Ein Mann ✓", ""]
    found = served.signatures["serving_default"](text=tf.constant(sentences))
    texts = [t.decode("utf-8") for t in found["text"].numpy()]
    assert texts == [*task.predict(sentences[:2]), ""]  # an empty sentence: an empty output
    record = result.artifacts["tflite"]
    assert record["endpoints"] == ["serve_ids"] and record["select_tf_ops"] is False
    assert not record["flex_ops"] and "WHILE" in record["ops"]
