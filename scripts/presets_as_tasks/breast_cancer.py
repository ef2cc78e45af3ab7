"""Republishes `saved_models/breast_cancer` as a `TabularClassifier` folder, weights unchanged.

    python scripts/presets_as_tasks/breast_cancer.py [--data-dir DIR]

The preset's backbone (`one_to_one_gru`, trained on standardised features) goes unchanged into
the task's `one_to_one` backbone; the task's `Normalization` layer applies the recipe's
standardisation: the train mean and standard deviation recorded in `metrics.json`, the
variance chosen so that its float32 square root is that standard deviation exactly, so the
raw-input model computes bitwise the features the backbone was trained and scored on. The
class order is the backbone's (dataset label ids: malignant, benign). The script checks that
the task's logits on the raw test split equal the old model's on the standardised one, and
that `evaluate` gives the recorded test accuracy, then swaps the new preset into place
(rerunnable: a republished preset's backbone is the same weights).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _republish import PRESETS, copy_weights, republish, trained_backbone  # noqa: E402

from recipes.breast_cancer import RECIPE  # noqa: E402
from rnn_zoo import runner  # noqa: E402
from rnn_zoo.tasks import TabularClassifier  # noqa: E402

NAME = "breast_cancer"
COMMAND = "python scripts/presets_as_tasks/breast_cancer.py"
CLASSES = ["malignant", "benign"]  # the backbone's outputs: the dataset's label ids 0, 1


def exact_variance(std: np.ndarray) -> np.ndarray:
    """Per feature, a float32 variance whose float32 square root is exactly `std` (float32)."""
    std = std.astype(np.float32)
    variance = (std.astype(np.float64) ** 2).astype(np.float32)
    for i, s in enumerate(std):
        v = variance[i]
        # The correctly rounded square root is monotone: step v towards s**2 until it lands.
        for _ in range(8):
            root = np.sqrt(v)
            if root == s:
                break
            v = np.nextafter(v, np.float32(np.inf) if root < s else np.float32(0))
        if np.sqrt(v) != s:
            raise ValueError(f"No float32 variance has sqrt == std {s!r} (feature {i}).")
        variance[i] = v
    return variance


def build(folder: Path, splits: dict) -> tuple[TabularClassifier, dict]:
    metrics = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))
    stats = metrics["preprocessing"]["standardize"]
    mean = np.asarray(stats["mean"], np.float32)
    std = np.asarray(stats["std"], np.float32)
    std = np.where(std > 0, std, np.float32(1.0))  # the recipe's rule: constant -> centred
    old = trained_backbone(folder)

    task = TabularClassifier(**RECIPE.settings("full"))
    x_train, y_train = splits["train"]
    task._adapt(np.asarray(x_train, np.float32), y_train)  # what fit learns ...
    assert sorted(task.state["classes"]) == sorted(CLASSES)
    # ... replaced by what the backbone was trained with.
    task.state.update(classes=CLASSES, mean=mean.astype(np.float64).tolist(),
                      variance=exact_variance(std).astype(np.float64).tolist())
    backbone = task._build_backbone(steps_per_epoch=1)
    copy_weights(backbone, old)
    task.model = task._assemble(backbone)

    x_test, y_test = splits["test"]
    raw = np.asarray(x_test, np.float32)
    want = np.asarray(old.predict((raw - mean) / std, verbose=0))
    got = task._run(raw, batch_size=len(raw))
    diff = float(np.max(np.abs(got - want)))
    scores = task.evaluate(x_test, y_test)
    if scores["accuracy"] != metrics["test"]["accuracy"]:
        raise ValueError(f"The task's test accuracy {scores['accuracy']} is not the recorded "
                         f"{metrics['test']['accuracy']}.")
    record = {"test": scores, "max_abs_logit_diff": diff,
              "standardize": "metrics.json's preprocessing.standardize, inside model.keras"}
    return task, record


def usage(task, splits) -> str:
    from sklearn.datasets import load_breast_cancer

    rows = load_breast_cancer().data[:3]  # the card's example, run here
    answers = task.predict(rows)
    probabilities = [[round(float(p), 3) for p in row] for row in task.predict_proba(rows)]
    x_test, y_test = splits["test"]
    return f"""A `TabularClassifier` task: raw rows of the 30 Wisconsin features (scikit-learn's
order) in, `"malignant"` / `"benign"` out; the standardisation is inside `model.keras`.

```python
from sklearn.datasets import load_breast_cancer
from rnn_zoo.tasks import TabularClassifier, load_task

task = TabularClassifier.from_preset("breast_cancer")  # verifies checksums.sha256
# or: load_task("saved_models/breast_cancer")
rows = load_breast_cancer().data[:3]  # three raw rows (malignant tumours)
task.predict(rows)        # {answers!r}
task.predict_proba(rows)  # {probabilities!r}
task.classes              # {task.classes!r}
```

Test split, `task.evaluate(*rnn_zoo.runner.load_splits(RECIPE)["test"])` with `RECIPE` from
`recipes/breast_cancer.py`: accuracy {task.evaluate(x_test, y_test)["accuracy"]:.4f}, the
recorded value. The committed TFLite artifacts (and `export.json`, `parity_cases.npz`) are the
backbone alone, exported before the task form: standardised features in, `(x - mean) /
sqrt(variance)` with `task.state`; `task.export(DIR)` exports the raw-input model."""


ARCHITECTURE = """- task: `TabularClassifier` (`task.json`: settings and the learnt state: classes,
  mean, variance); `model.keras`: `Normalization` -> the backbone
- backbone (`task.backbone`): `one_to_one` GRU, `units=64`, `num_layers=1`, `dropout=0.3`,
  30 features in, 2 logits out: the registry model `one_to_one_gru` that the command below
  trained, its weights unchanged
- parameters: 18,562 (backbone)
- republished as a task by `python scripts/presets_as_tasks/breast_cancer.py`: the task's
  logits on the raw test split equal the old model's on the standardised split (max abs
  difference in `metrics.json` `task.max_abs_logit_diff`)"""


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=None, help="TFDS data dir (default TFDS's)")
    args = parser.parse_args(argv)
    splits = runner.load_splits(RECIPE, data_dir=args.data_dir)
    task, record = build(PRESETS / NAME, splits)
    limitations = RECIPE.limitations
    folder = republish(NAME, task, record, command=COMMAND, usage=usage(task, splits),
                       architecture=ARCHITECTURE, limitations=limitations)
    print(f"{folder}: accuracy {record['test']['accuracy']:.4f}, max abs logit diff "
          f"{record['max_abs_logit_diff']:.3g}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
