"""`digit_strings`: K scikit-learn digits side by side, labelled with the digit string."""

from rnn_zoo.datasets.digit_strings.digit_strings_dataset_builder import (
    DigitStrings,
    DigitStringsConfig,
    source_split,
)

__all__ = ["DigitStrings", "DigitStringsConfig", "source_split"]
