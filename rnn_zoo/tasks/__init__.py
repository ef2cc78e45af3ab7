"""Tasks: trainable models for the lecture's jobs, over raw inputs, preprocessing inside.

| lecture topology | task |
|---|---|
| one-to-one: binary classification | `TabularClassifier` |
| one-to-many: image captioning | `SequenceCaptioner` |
| many-to-one: sentiment analysis | `TextClassifier` |

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
    "SequenceCaptioner": "rnn_zoo.tasks.sequence_captioner",
    "TabularClassifier": "rnn_zoo.tasks.tabular_classifier",
    "TextClassifier": "rnn_zoo.tasks.text_classifier",
}
_EXPORTS = {**TASK_MODULES, "Task": "rnn_zoo.tasks.task", "TaskConfig": "rnn_zoo.tasks.task",
            "load_task": "rnn_zoo.tasks.task"}

__all__ = ["SequenceCaptioner", "TabularClassifier", "Task", "TaskConfig", "TextClassifier",
           "load_task"]  # = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'rnn_zoo.tasks' has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})


if TYPE_CHECKING:
    from rnn_zoo.tasks.sequence_captioner import SequenceCaptioner
    from rnn_zoo.tasks.tabular_classifier import TabularClassifier
    from rnn_zoo.tasks.task import Task, TaskConfig, load_task
    from rnn_zoo.tasks.text_classifier import TextClassifier
