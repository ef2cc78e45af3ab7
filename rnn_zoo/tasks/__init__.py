"""Tasks: trainable models for the lecture's jobs, over raw inputs, preprocessing inside.

| lecture topology | task |
|---|---|
| one-to-one: binary classification | `TabularClassifier` |
| one-to-many: image captioning | `SequenceCaptioner` |
| many-to-one: sentiment analysis | `TextClassifier` |
| many-to-one: series classification | `SeriesClassifier` |
| many-to-one: series regression | `SeriesRegressor` |
| many-to-one: forecasting | `Forecaster` |
| many-to-many (synced): next character / next word | `LanguageModel` |
| many-to-many (synced): tagging | `SequenceTagger` |
| many-to-many: translation (encoder-decoder) | `Seq2Seq` |

Every task offers `fit`, `evaluate`, `predict`, `save`, `load`/`from_preset` and `export`
(see `rnn_zoo.tasks.task.Task`). Imported lazily: `import rnn_zoo.tasks` loads neither Keras
models nor TensorFlow.

>>> from rnn_zoo.tasks import TextClassifier
>>> task = TextClassifier(units=32)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# Task class -> its module (one task per file).
TASK_MODULES = {
    "TabularClassifier": "rnn_zoo.tasks.tabular_classifier",
    "SequenceCaptioner": "rnn_zoo.tasks.sequence_captioner",
    "TextClassifier": "rnn_zoo.tasks.text_classifier",
    "SeriesClassifier": "rnn_zoo.tasks.series_classifier",
    "SeriesRegressor": "rnn_zoo.tasks.series_regressor",
    "Forecaster": "rnn_zoo.tasks.forecaster",
    "LanguageModel": "rnn_zoo.tasks.language_model",
    "SequenceTagger": "rnn_zoo.tasks.sequence_tagger",
    "Seq2Seq": "rnn_zoo.tasks.seq2seq",
}
_EXPORTS = {**TASK_MODULES, "Task": "rnn_zoo.tasks.task", "TaskConfig": "rnn_zoo.tasks.task",
            "load_task": "rnn_zoo.tasks.task"}

__all__ = [  # = sorted(_EXPORTS)
    "Forecaster",
    "LanguageModel",
    "Seq2Seq",
    "SequenceCaptioner",
    "SequenceTagger",
    "SeriesClassifier",
    "SeriesRegressor",
    "TabularClassifier",
    "Task",
    "TaskConfig",
    "TextClassifier",
    "load_task",
]


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'rnn_zoo.tasks' has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})


if TYPE_CHECKING:
    from rnn_zoo.tasks.forecaster import Forecaster
    from rnn_zoo.tasks.language_model import LanguageModel
    from rnn_zoo.tasks.seq2seq import Seq2Seq
    from rnn_zoo.tasks.sequence_captioner import SequenceCaptioner
    from rnn_zoo.tasks.sequence_tagger import SequenceTagger
    from rnn_zoo.tasks.series_classifier import SeriesClassifier
    from rnn_zoo.tasks.series_regressor import SeriesRegressor
    from rnn_zoo.tasks.tabular_classifier import TabularClassifier
    from rnn_zoo.tasks.task import Task, TaskConfig, load_task
    from rnn_zoo.tasks.text_classifier import TextClassifier

