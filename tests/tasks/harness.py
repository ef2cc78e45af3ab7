"""What every task must do, checked the same way for each (keras-hub's TestCase idea).

A task's test module builds a tiny task and data (`TaskCase`) and calls `check_task(case,
tmp_path)`: fit -> predict -> evaluate -> save -> load gives the same outputs -> the saved
folder holds exactly task.json and model.keras, and bad inputs are one-line errors.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from rnn_zoo.tasks import load_task


@dataclasses.dataclass
class TaskCase:
    make: Callable[[], Any]  # a fresh, untrained, tiny task
    x: Any  # raw training inputs
    y: Any  # training targets
    x_new: Any  # raw inputs for predict (may include edge cases)
    bad_x: list[tuple[Any, str]]  # (bad input, substring of its one-line error)
    outputs: Callable[[Any, Any], np.ndarray]  # (task, x) -> NumPy outputs to compare


def one_line(excinfo) -> str:
    text = str(excinfo.value)
    assert "\n" not in text, text
    return text


def check_task(case: TaskCase, tmp_path) -> Any:
    task = case.make()
    with pytest.raises(ValueError, match="not trained"):
        task.predict(case.x_new)
    assert task.fit(case.x, case.y, verbose=0) is task
    assert task.history and len(next(iter(task.history.values()))) >= 1
    answers = task.predict(case.x_new)
    assert len(answers) == len(case.x_new)
    scores = task.evaluate(case.x, case.y)
    assert scores and all(np.isfinite(v) for v in scores.values()
                          if isinstance(v, float)), scores
    folder = task.save(tmp_path / "saved")
    assert sorted(p.name for p in folder.iterdir()) == ["model.keras", "task.json"]
    record = json.loads((folder / "task.json").read_text())
    assert record["task"] == type(task).__name__ and record["config"] == task.config
    with pytest.raises(ValueError, match="already holds a saved task"):
        task.save(folder)
    loaded = load_task(folder)
    assert type(loaded) is type(task) and loaded.config == task.config
    np.testing.assert_allclose(case.outputs(loaded, case.x_new),
                               case.outputs(task, case.x_new), rtol=1e-5, atol=1e-6)
    again = loaded.predict(case.x_new)
    if isinstance(answers, np.ndarray):  # values (regressors, forecasters), not labels
        np.testing.assert_allclose(again, answers, rtol=1e-5, atol=1e-6)
    else:
        assert again == answers or np.array_equal(np.asarray(again), np.asarray(answers))
    for bad, message in case.bad_x:
        with pytest.raises((TypeError, ValueError)) as excinfo:
            task.predict(bad)
        assert message in one_line(excinfo), one_line(excinfo)
    return task
