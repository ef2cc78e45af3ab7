"""`uea_japanese_vowels`: UEA JapaneseVowels speaker identification."""

from rnn_zoo.datasets.uea_japanese_vowels.uea_japanese_vowels_dataset_builder import (
    UeaJapaneseVowels,
)

__all__ = ["UeaJapaneseVowels"]
