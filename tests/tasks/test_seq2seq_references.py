"""Seq2Seq with several valid targets per source, `score_strip` and `score_greedy`; the scores
and the translation baselines (`LetterRules`, `CopySource`) that share them."""

from __future__ import annotations

import math

import pytest

from rnn_zoo.baselines import CopySource, LetterRules
from rnn_zoo.tasks import Seq2Seq
from rnn_zoo.tasks._seq2seq_scores import corpus_bleu, sequence_scores, strip_tokens
from tests.tasks.harness import one_line

# Words read letter by letter; "ab" and "ba" have two pronunciations, stress on the vowel.
WORDS = ["ab", "ba", "aab", "bba", "abb", "baa"]
PRONS = [["A1 B", "A0 B"], ["B A1", "B A2"], ["A1 A0 B"], ["B B A1"], ["A1 B B"], ["B A1 A0"]]


def tiny(**kwargs):
    return Seq2Seq(**{"source_level": "char", "target_level": "word",
                      "word_split": "whitespace", "units": 16, "embedding_dim": 16,
                      "dropout": 0.0, "epochs": 8, "patience": 8, "learning_rate": 3e-2,
                      "warmup_epochs": 0, "batch_size": 8, "min_count": 1, "num_buckets": 1,
                      "max_source_length": 6, "max_target_length": 6, "beam_size": 2,
                      "score_strip": "[0-9]$", "score_greedy": True, **kwargs})


@pytest.fixture(scope="module")
def trained():
    return tiny().fit(WORDS * 6, PRONS * 6, validation_data=(WORDS, PRONS), verbose=0)


def test_every_variant_is_a_training_pair(trained):
    # The token-sum loss is normalised over all (word, variant) pairs: 8 targets, +1 <end> each.
    lengths = [len(p.split()) + 1 for ps in PRONS for p in ps]
    assert trained.state["tokens_per_batch"] == pytest.approx(8 * sum(lengths) / len(lengths))
    assert {"A0", "A1", "A2", "B"} == set(trained.state["target_vocabulary"][4:])


def test_evaluate_matches_any_reference_and_reports_each_search(trained):
    scores = trained.evaluate(WORDS, PRONS)
    assert scores["examples"] == 6 and scores["search"]["beam_size"] == 2
    for prefix in ("", "greedy_"):
        for key in ("", "verbatim_"):
            rate = scores[f"{prefix}{key}exact_match"]
            assert rate == scores[f"{prefix}{key}exact_matches"] / 6
            assert 0 <= scores[f"{prefix}{key}token_error_rate"] <= 1
        # Stress removed can only help.
        assert scores[f"{prefix}exact_match"] >= scores[f"{prefix}verbatim_exact_match"]
    outputs = trained.predict(WORDS)
    by_hand = sequence_scores([o.split() for o in outputs], [[p.split() for p in ps]
                                                             for ps in PRONS],
                              strip="[0-9]$", bleu=True)
    assert {k: scores[k] for k in by_hand} == by_hand


def test_a_lone_string_is_one_reference(trained):
    one = trained.evaluate(WORDS, [ps[0] for ps in PRONS])
    assert one["examples"] == 6 and "greedy_exact_match" in one


@pytest.mark.parametrize(("y", "message"), [
    ([[]] + PRONS[1:], "`y[0]` is an empty list"),
    ([["A1 B", 3]] + PRONS[1:], "`y[0][1]` must be a str, got int"),
    ([["A1 B", ""]] + PRONS[1:], "`y[0][1]` is empty"),
    ([3] + PRONS[1:], "`y[0]` must be a str, got int"),
])
def test_bad_reference_lists_are_one_line_errors(trained, y, message):
    with pytest.raises((TypeError, ValueError)) as excinfo:
        trained.evaluate(WORDS, y)
    assert message in one_line(excinfo)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"score_strip": "["}, "`score_strip` '[' is not a regular expression"),
    ({"score_strip": ""}, "`score_strip` must be a non-empty regular expression"),
    ({"score_greedy": 1}, "`score_greedy` must be True or False"),
])
def test_bad_score_settings_are_one_line_errors(kwargs, message):
    with pytest.raises((TypeError, ValueError)) as excinfo:
        tiny(**kwargs)
    assert message in one_line(excinfo)


def test_sequence_scores_strip_and_pick_the_closest_reference():
    found = sequence_scores([["K", "AE0", "T"], ["B", "AE1", "T"]],
                            [[["K", "AE1", "T"]], [["B", "AE1", "D"], ["B", "AH0", "T", "S"]]],
                            strip="[0-9]$", bleu=False)
    assert found["exact_match"] == 0.5 and found["token_error_rate"] == pytest.approx(1 / 6)
    assert found["verbatim_exact_match"] == 0.0
    assert found["verbatim_token_error_rate"] == pytest.approx(2 / 6)
    assert strip_tokens(["AH0", "0"], "[0-9]$") == ["AH"]  # a token left empty is dropped


def test_corpus_bleu():
    ref = [["the", "cat", "sat", "on", "the", "mat"]]
    assert corpus_bleu(ref, [ref])["bleu"] == pytest.approx(1.0)
    assert corpus_bleu([["the", "cat"]], [ref])["bleu"] == 0.0  # no 3-/4-gram match
    short = corpus_bleu([["the", "cat", "sat", "on"]], [ref])
    assert short["bleu"] == pytest.approx(math.exp(1 - 6 / 4))  # brevity penalty only
    # A second reference adds n-grams to clip against and a closer length.
    two = corpus_bleu([["the", "cat", "sat", "on"]], [ref + [["the", "cat", "sat", "on"]]])
    assert two["bleu"] == pytest.approx(1.0)


def test_letter_rules_count_only_one_to_one_words():
    words = ["cat", "bat", "cab", "catt"]  # "catt": 4 letters, 3 phonemes, not counted
    prons = [["K AE1 T"], ["B AE1 T"], ["K AE1 B"], ["K AE1 T"]]
    baseline = LetterRules(score_strip="[0-9]$")
    assert baseline.rules(words, prons) == {"c": "K", "a": "AE1", "t": "T", "b": "B"}
    scored = baseline((words, prons), None, (["Tab", "tac"], [["T AE0 B"], ["T AE1 K S"]]))
    assert scored["exact_match"] == 0.5 and scored["verbatim_exact_match"] == 0.0
    assert scored["token_error_rate"] == pytest.approx(1 / 7)


def test_copy_source_tokenises_like_the_task():
    baseline = CopySource(target_lowercase=True)
    scored = baseline(None, None, (["O Rio , 2016 .", "obrigado"],
                                   [["o rio, 2016."], ["thank you", "thanks"]]))
    assert scored["exact_match"] == 0.5 and scored["examples"] == 2
    assert scored["token_error_rate"] == pytest.approx(1 / 6)  # 5 + 1 tokens, one wrong
    with pytest.raises(TypeError, match="unknown argument"):
        CopySource(units=3)
