"""Republishes `saved_models/digit_captions` as a `SequenceCaptioner` folder, weights unchanged.

    python scripts/presets_as_tasks/digit_captions.py [--data-dir DIR]

The preset's backbone (`one_to_many_gru_cnn`: 8x24x1 pixels in [0, 1] -> 3 steps of 10 digit
logits) goes unchanged into the backbone of a `SequenceCaptioner(fixed_length=True)` (exactly
three tokens, no end step, outputs over the tokens). The task's `Normalization` layer applies
the recipe's scaling, uint8 / 255 (mean 0, variance 255**2: float32 division by 255, as
before), and the tokens are the backbone's classes, the digits "0".."9" in order. The script
checks the task's logits on the raw test images against the old model's on the scaled ones
and that `evaluate` gives the recorded whole-string and per-digit accuracies (`exact_match`,
`token_accuracy`), then swaps the new preset into place (rerunnable: a republished preset's
backbone is the same weights).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _republish import PRESETS, copy_weights, republish, trained_backbone  # noqa: E402

from recipes.digit_captions import RECIPE  # noqa: E402
from rnn_zoo import runner  # noqa: E402
from rnn_zoo.tasks import SequenceCaptioner  # noqa: E402

NAME = "digit_captions"
COMMAND = "python scripts/presets_as_tasks/digit_captions.py"
TOKENS = [str(d) for d in range(10)]  # the backbone's classes: digit d is class d
# The recorded metric -> the task's name for the same number.
RENAMED = {"string_accuracy": "exact_match", "digit_accuracy": "token_accuracy"}


def build(folder: Path, splits: dict) -> tuple[SequenceCaptioner, dict]:
    metrics = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))
    old = trained_backbone(folder)

    task = SequenceCaptioner(**RECIPE.settings("full"))
    x_train, y_train = splits["train"]
    task._adapt(np.stack(x_train).astype(np.float32), y_train)  # what fit learns ...
    assert sorted(task.state["tokens"]) == TOKENS and task.state["max_length"] == 3
    # ... replaced by what the backbone was trained with: pixels / 255, digits in class order.
    task.state.update(tokens=TOKENS, mean=[0.0], variance=[255.0 ** 2])
    backbone = task._build_backbone(steps_per_epoch=1)
    copy_weights(backbone, old)
    task.model = task._assemble(backbone)

    x_test, y_test = splits["test"]
    raw = np.stack(x_test).astype(np.float32)
    want = np.asarray(old.predict(raw / 255.0, verbose=0, batch_size=256))
    got = task._run(raw, batch_size=256)
    diff = float(np.max(np.abs(got - want)))
    scores = task.evaluate(x_test, y_test)
    for recorded, name in RENAMED.items():
        if scores[name] != metrics["test"][recorded]:
            raise ValueError(f"The task's test {name} {scores[name]} is not the recorded "
                             f"{recorded} {metrics['test'][recorded]}.")
    record = {"test": scores, "max_abs_logit_diff": diff,
              "recorded_as": {name: recorded for recorded, name in RENAMED.items()},
              "pixels": "uint8 / 255, inside model.keras (Normalization: mean 0, variance 255**2)"}
    return task, record


def usage(task, splits) -> str:
    x_test, y_test = splits["test"]
    images = np.stack(x_test[:3])
    answers = task.predict(images)
    scores = task.evaluate(x_test, y_test)
    return f"""A `SequenceCaptioner` task (`fixed_length=True`): a raw 8x24 image of three digits
(uint8 pixels, `(8, 24, 1)`) in, the three-digit string out; the pixel scaling is inside
`model.keras`.

```python
import numpy as np
from recipes.digit_captions import RECIPE
from rnn_zoo import runner
from rnn_zoo.tasks import SequenceCaptioner, load_task

task = SequenceCaptioner.from_preset("digit_captions")  # verifies checksums.sha256
# or: load_task("saved_models/digit_captions")
images, strings = runner.load_splits(RECIPE)["test"]
task.predict(np.stack(images[:3]))  # {answers!r} (true: {list(y_test[:3])!r})
scores = task.evaluate(images, strings)
scores["exact_match"], scores["token_accuracy"]  # ({scores["exact_match"]}, \
{scores["token_accuracy"]})
```

`exact_match` and `token_accuracy` are the recorded `string_accuracy` and `digit_accuracy`
(`metrics.json` `task.test`). The committed TFLite artifact (and `export.json`,
`parity_cases.npz`) is the backbone alone, exported before the task form: pixels / 255 in,
`(batch, 3, 10)` digit logits out; `task.export(DIR)` exports the raw-input model."""


ARCHITECTURE = """- task: `SequenceCaptioner` with `fixed_length=True` (`task.json`: settings and
  the learnt state: tokens "0".."9", `max_length` 3, input shape, scaling); `model.keras`:
  `Normalization` (pixels / 255) -> the backbone
- backbone (`task.backbone`): `conv_encoder` CNN (`filters=[32, 64]`) -> RepeatVector(3) ->
  GRU (`units=128`, `dropout=0.2`) -> 10 digit logits per step: the registry model
  `one_to_many_gru_cnn` that the command below trained, its weights unchanged
- parameters: 1,249,962 (backbone)
- republished as a task by `python scripts/presets_as_tasks/digit_captions.py`: the task's
  logits on the raw test images match the old model's on the scaled images (max abs
  difference in `metrics.json` `task.max_abs_logit_diff`)"""


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=None, help="TFDS data dir (default TFDS's)")
    args = parser.parse_args(argv)
    splits = runner.load_splits(RECIPE, data_dir=args.data_dir)
    task, record = build(PRESETS / NAME, splits)
    folder = republish(NAME, task, record, command=COMMAND, usage=usage(task, splits),
                       architecture=ARCHITECTURE, limitations=RECIPE.limitations)
    print(f"{folder}: exact_match {record['test']['exact_match']:.4f}, token_accuracy "
          f"{record['test']['token_accuracy']:.4f}, max abs logit diff "
          f"{record['max_abs_logit_diff']:.3g}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
