"""Baselines a recipe's model is measured against, fitted on the same training split and
scored on the same test split in the same run, with the metrics the matching task reports.

A baseline is a callable `baseline(train, validation, test) -> metrics`, each split an `(x, y)`
pair of raw examples (validation may be None). One baseline per file.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "CopySource": "rnn_zoo.baselines.copy_source",
    "LetterRules": "rnn_zoo.baselines.letter_rules",
    "MajorityClass": "rnn_zoo.baselines.majority_class",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'rnn_zoo.baselines' has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value
