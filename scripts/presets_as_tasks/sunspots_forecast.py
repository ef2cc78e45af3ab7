"""Republish `saved_models/sunspots_forecast/` in the task form, with the same trained weights.

    python scripts/presets_as_tasks/sunspots_forecast.py

The preset's GRU was trained by the recipe's former script (the command in its `metrics.json`)
on windows of 24 standardised years. This builds the `Forecaster` of the recipe's `full` profile
around it: the train split's mean and std (recorded in `metrics.json`) in a `SeriesNormalizer`
before the GRU and a `Denormalizer` after it, and, as `contiguous=True` keeps, the last 24 years
before the test period (1939-1962) as the backtest's context; the backbone's weights are copied
bit for bit. It writes `task.json` and `model.keras` (24 raw yearly values in, next year's
sunspot number out), checks that the backbone answers exactly as the trained network, re-scores
the test split (every year 1963-2008), records that in `metrics.json` (`task`), refreshes the
card's file sizes and rewrites `checksums.sha256`. Rerunnable: on a preset already in the task
form it takes the backbone of the saved task.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from recipes.sunspots_forecast import RECIPE  # noqa: E402
from rnn_zoo import runner  # noqa: E402
from rnn_zoo._atomic import copy_atomic, write_text_atomic  # noqa: E402
from rnn_zoo._folders import TASK_FILE  # noqa: E402
from rnn_zoo._preset_folders import write_checksums  # noqa: E402
from rnn_zoo.saving import load_model_safely  # noqa: E402
from rnn_zoo.tasks import Forecaster, load_task  # noqa: E402

PRESET = REPO / "saved_models" / RECIPE.name
COMMAND = f"python scripts/presets_as_tasks/{RECIPE.name}.py"
# Float noise allowed between the recorded RMSE (float64 de-standardisation in NumPy) and the
# task's (float32, inside the model).
TOLERANCE = 1e-4


def trained_network(folder: Path):
    """The trained network: the preset's model, or the backbone of the task it became."""
    if (folder / TASK_FILE).is_file():
        return load_task(folder).backbone
    return load_model_safely(folder / "model.keras", compile=False, label="sunspots_forecast")


def refresh_card(folder: Path) -> None:
    """The card's `## Size` section for the files as they are now (the card's own size and
    that of the checksums to come included), and where it names the loader."""
    card = folder / "README.md"
    text = card.read_text(encoding="utf-8").replace(
        "`rnn_zoo.load_pretrained` refuses the preset", "`Task.from_preset` refuses the preset")
    head, rest = text.split("## Size\n", 1)
    tail = rest[rest.index("## Limitations"):]
    names = sorted({p.name for p in folder.iterdir()} | {"checksums.sha256"})
    sizes = {n: (folder / n).stat().st_size for n in names
             if n not in ("README.md", "checksums.sha256")}
    sizes["checksums.sha256"] = sum(64 + 2 + len(n) + 1 for n in names
                                    if n != "checksums.sha256")
    sizes["README.md"] = 0
    for _ in range(5):  # the card's size is in the card: iterate to the fixed point
        total = sum(sizes.values())
        human = f"{total / 1024:.1f} KiB" if total < 1024 ** 2 else f"{total / 1024 ** 2:.2f} MiB"
        lines = [f"The preset is {total:,} bytes ({human}), all files included:", ""]
        lines += [f"- `{n}`: {sizes[n]:,} bytes" for n in sorted(sizes)]
        text = head + "## Size\n\n" + "\n".join(lines) + "\n\n" + tail
        if len(text.encode("utf-8")) == sizes["README.md"]:
            break
        sizes["README.md"] = len(text.encode("utf-8"))
    write_text_atomic(card, text)


def main() -> int:
    metrics = json.loads((PRESET / "metrics.json").read_text(encoding="utf-8"))
    network = trained_network(PRESET)
    splits = runner.load_splits(RECIPE)
    stats = metrics["preprocessing"]["standardize"]
    train = np.asarray(splits["train"][0][0], np.float64)
    # The recorded statistics are the train split's (stored as float32).
    assert abs(train.mean() - stats["mean"]) < 1e-5, (train.mean(), stats["mean"])
    assert abs(train.std() - stats["std"]) < 1e-5, (train.std(), stats["std"])

    task = Forecaster(**RECIPE.settings("full"))
    lookback = task.config["lookback"]
    assert lookback == metrics["preprocessing"]["lookback"]
    validation = np.asarray(splits["validation"][0][0], np.float32)
    task.state = {"num_features": 1, "mean": [stats["mean"]], "std": [stats["std"]],
                  "context": [validation[-lookback:, None].tolist()]}
    backbone = task._build_backbone(steps_per_epoch=1)
    backbone.set_weights(network.get_weights())
    probe = np.random.default_rng(0).normal(size=(4, lookback, 1)).astype(np.float32)
    np.testing.assert_array_equal(np.asarray(backbone(probe)), np.asarray(network(probe)))
    task.model = task._assemble(backbone)
    task.training = metrics["training"]

    test = task.evaluate(splits["test"][0])
    recorded = metrics["test"]
    first, last = recorded["years"]
    assert test["examples"] == last - first + 1  # every test year forecast
    for metric in ("rmse", "mae"):
        assert abs(test[metric] - recorded[metric]) < TOLERANCE, (metric, test, recorded)

    with tempfile.TemporaryDirectory() as tmp:
        saved = task.save(Path(tmp) / "task")
        for name in ("model.keras", TASK_FILE):
            copy_atomic(saved / name, PRESET / name)
    metrics["task"] = {
        "class": "Forecaster",
        "republished_by": COMMAND,
        "weights": f"unchanged: trained by `{metrics['command']}` (the recipe's former "
                   "script; `command` above)",
        "test": {k: test[k] for k in ("rmse", "mae", "r2", "examples")},
    }
    write_text_atomic(PRESET / "metrics.json", json.dumps(metrics, indent=2) + "\n")
    refresh_card(PRESET)
    write_checksums(PRESET)
    reloaded = load_task(PRESET).evaluate(splits["test"][0])
    print(f"{RECIPE.name}: task form written; test RMSE {reloaded['rmse']:.6f} (recorded "
          f"{recorded['rmse']:.6f}), MAE {reloaded['mae']:.6f} (recorded {recorded['mae']:.6f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
