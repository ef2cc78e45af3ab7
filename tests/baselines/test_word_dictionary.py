"""`WordDictionary`: word-by-word translation with an IBM Model 1 dictionary of the training
pairs, scored like subword-level `Seq2Seq`."""

from __future__ import annotations

import pytest

from rnn_zoo.baselines import WordDictionary

SOURCES = ["A dog runs.", "A cat sleeps.", "The dog sleeps.", "The cat runs.", "A big dog."]
TARGETS = ["Ein Hund rennt.", "Eine Katze schläft.", "Der Hund schläft.", "Die Katze rennt.",
           "Ein großer Hund."]


def test_it_learns_aligned_words_not_the_most_frequent_ones():
    baseline = WordDictionary(source_language="en", target_language="de").fit(SOURCES, TARGETS)
    words = baseline.dictionary
    # 'dog' co-occurs with 'ein' as often as with 'hund'; the alignment model picks 'Hund'.
    assert words["dog"] == "Hund" and words["cat"] == "Katze" and words["runs"] == "rennt"
    assert words["."] == "."
    # Unknown words are copied; the first letter is capitalised; Moses detokenises.
    assert baseline.translate(["the dog runs , Rex ."]) == ["Der Hund rennt, Rex."]


def test_it_scores_like_the_task_and_fits_once_per_training_split():
    baseline = WordDictionary(source_language="en", target_language="de")
    train = (SOURCES, TARGETS)
    tokenised = [t.lower().replace(".", " .") for t in TARGETS]
    scores = baseline(train, None, (SOURCES, TARGETS, tokenised))
    assert {"bleu", "bleu_signature", "chrf", "lc_tok_bleu", "exact_match"} <= set(scores)
    assert "lc_tok_bleu" not in baseline(train, None, (SOURCES, TARGETS))
    fitted = baseline.dictionary
    baseline(train, None, (SOURCES[:2], TARGETS[:2]))
    assert baseline.dictionary is fitted  # the same training split: no refit


def test_bad_arguments_are_one_line_errors():
    with pytest.raises(ValueError, match="`target_language` must be a language code"):
        WordDictionary(target_language="german!")
    with pytest.raises(ValueError, match="not fitted yet"):
        WordDictionary().translate(["a dog"])
    with pytest.raises(ValueError, match="`targets` has 1 entries for 2 sources"):
        WordDictionary().fit(["a", "b"], ["c"])
