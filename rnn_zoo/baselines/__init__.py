"""Baselines a recipe's model is measured against, fitted on the same training split and
scored on the same test split in the same run, with the metrics the matching task reports.

A baseline is a callable `baseline(train, validation, test) -> metrics`, each split an `(x, y)`
pair of raw examples (validation may be None). One baseline per file.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "Arima": "rnn_zoo.baselines.arima",
    "CharNgram": "rnn_zoo.baselines.char_ngram",
    "CopySource": "rnn_zoo.baselines.copy_source",
    "KneserNey": "rnn_zoo.baselines.kneser_ney",
    "LastValue": "rnn_zoo.baselines.last_value",
    "LetterRules": "rnn_zoo.baselines.letter_rules",
    "MajorityClass": "rnn_zoo.baselines.majority_class",
    "MajoritySequence": "rnn_zoo.baselines.majority_sequence",
    "PerSliceLogisticRegression": "rnn_zoo.baselines.per_slice_logistic_regression",
    "TabularLogisticRegression": "rnn_zoo.baselines.tabular_logistic_regression",
    "TfidfLogisticRegression": "rnn_zoo.baselines.tfidf_logistic_regression",
    "Vader": "rnn_zoo.baselines.vader",
    "WordDictionary": "rnn_zoo.baselines.word_dictionary",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'rnn_zoo.baselines' has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value
