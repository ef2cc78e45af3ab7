"""KneserNey: hand-checked probabilities on a tiny corpus, distributions that sum to 1 for every
context, the LanguageModel's own tokens and targets, and a 3-gram that beats the unigram."""

from __future__ import annotations

import doctest
import math

import numpy as np
import pytest

from rnn_zoo.baselines import KneserNey, kneser_ney
from rnn_zoo.baselines.kneser_ney import KneserNeyCounts
from rnn_zoo.tasks import LanguageModel

START = KneserNeyCounts.START


def test_tiny_corpus_matches_the_hand_computed_bigram_model():
    # Sentences "0 1" and "0 1 1", end id 2, one discount D = 0.5.
    # Bigram counts: START -> {0: 2}; 0 -> {1: 2}; 1 -> {2: 2, 1: 1}.
    # Unigram continuation counts (distinct left neighbours): 0: 1 (START), 1: 2 (0, 1),
    # 2: 1 (1); total 4, three types, gamma = 3 * 0.5 / 4 = 0.375, uniform 1/3:
    #   P(0) = 0.5/4 + 0.375/3 = 0.25, P(1) = 1.5/4 + 0.125 = 0.5, P(2) = 0.25.
    # After START: total 2, one type, gamma = 0.5/2 = 0.25:
    #   P(0|START) = 1.5/2 + 0.25 * 0.25 = 0.8125, P(1|START) = 0.125, P(2|START) = 0.0625.
    # After 1: total 3, two types, gamma = 2 * 0.5 / 3 = 1/3: P(1|1) = 0.5/3 + 0.5/3 = 1/3,
    #   P(2|1) = 1.5/3 + 0.25/3 = 7/12, P(0|1) = 0.25/3 = 1/12.
    counts = KneserNeyCounts([[0, 1], [0, 1, 1]], size=3, end=2, order=2, discount=0.5)
    np.testing.assert_allclose(counts.distribution([]), [0.25, 0.5, 0.25])
    np.testing.assert_allclose(counts.distribution([START]), [0.8125, 0.125, 0.0625])
    np.testing.assert_allclose(counts.distribution([1]), [1 / 12, 1 / 3, 7 / 12])
    # An unseen context backs off to the unigram distribution unchanged.
    np.testing.assert_allclose(counts.distribution([2]), [0.25, 0.5, 0.25])


def test_start_ngrams_keep_raw_counts_and_lower_orders_continuation_counts():
    counts = KneserNeyCounts([[3, 4, 3], [4, 3]], size=5, end=0, order=3, discount=0.5)
    assert counts.counts[1][(START,)] == {3: 1, 4: 1}  # raw: START is never preceded
    assert counts.counts[2][(START, 3)] == {4: 1}
    # "3" follows START once and 4 twice: two distinct left neighbours.
    assert counts.counts[0][()][3] == 2


@pytest.mark.parametrize("discount", [None, 0.3, 1.0])
def test_distributions_sum_to_one_for_every_context(discount):
    rng = np.random.default_rng(0)
    sentences = [rng.integers(1, 40, size=rng.integers(0, 12)).tolist() for _ in range(300)]
    counts = KneserNeyCounts(sentences, size=40, end=0, order=3, discount=discount)
    contexts = [[], [START], [START, 5], [7, 9], [39, 39], [1, 2, 3, 4], [START, 1, 2]]
    contexts += [s[:2] for s in sentences[:50] if len(s) >= 2]
    for context in contexts:
        p = counts.distribution(context)
        assert p.shape == (40,) and (p > 0).all() and math.isclose(p.sum(), 1.0, rel_tol=1e-12)


def test_modified_discounts_come_from_the_count_of_counts():
    rng = np.random.default_rng(1)
    # Zipf-like words: enough singletons, doubletons, ... for three discounts per order.
    sentences = [rng.zipf(1.5, size=10).clip(1, 300).tolist() for _ in range(2_000)]
    counts = KneserNeyCounts(sentences, size=301, end=0, order=3)
    for d1, d2, d3 in counts.discounts:
        assert 0 < d1 <= 1 and 0 < d2 <= 2 and 0 < d3 <= 3 and d1 < d2 <= d3 + 1e-9


TRAIN = ["a man in a red shirt .", "a dog in a red car .", "a man on a blue bike .",
         "a woman in a red dress .", "two dogs in the snow .", "a man in a blue car ."] * 4
TEST = ["a man in a red car .", "a dog on a bike .", "a zebra in a red shirt ."]


def test_scores_the_language_models_tokens_and_targets():
    lm = LanguageModel(level="word", min_count=2)
    lm._adapt(TRAIN, None)
    _, targets = lm._windows(TEST, name="x")
    scores = KneserNey(order=3)((TRAIN, None), None, (TEST, None))
    # The same targets: every word, each sentence end but the last's ("zebra" is [UNK]).
    assert scores["tokens"] == int((targets > 0).sum()) == 8 + 7 + 8 - 1
    assert set(scores) == {"loss", "bits_per_token", "perplexity", "accuracy", "tokens"}
    assert scores["perplexity"] == pytest.approx(math.exp(scores["loss"]))
    assert scores["bits_per_token"] == pytest.approx(scores["loss"] / math.log(2))


def test_the_trigram_beats_the_unigram():
    trigram = KneserNey(order=3)((TRAIN, None), None, (TEST, None))
    unigram = KneserNey(order=1)((TRAIN, None), None, (TEST, None))
    assert trigram["perplexity"] < 0.5 * unigram["perplexity"], (trigram, unigram)
    assert trigram["accuracy"] > unigram["accuracy"]


@pytest.mark.parametrize(("kwargs", "error", "message"), [
    ({"order": 0}, ValueError, "order"),
    ({"order": 2.0}, TypeError, "order"),
    ({"level": "byte"}, ValueError, "level"),
    ({"min_count": 0}, ValueError, "min_count"),
    ({"discount": 1.5}, ValueError, "`discount` must be None or a number in"),
    ({"discount": True}, ValueError, "`discount` must be None or a number in"),
])
def test_bad_arguments_are_one_line_errors(kwargs, error, message):
    with pytest.raises(error, match=message) as e:
        KneserNey(**kwargs)
    assert "\n" not in str(e.value)


def test_bad_counts_input_is_a_one_line_error():
    with pytest.raises(ValueError, match="outside"):
        KneserNeyCounts([[0, 7]], size=3, end=2)
    with pytest.raises(ValueError, match="empty"):
        KneserNeyCounts([], size=3, end=2)


def test_docstring_examples_run():
    result = doctest.testmod(kneser_ney, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 4 and result.failed == 0
