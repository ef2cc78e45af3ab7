"""Republish `saved_models/japanese_vowels/` in the task form, with the same trained weights.

    python scripts/presets_as_tasks/japanese_vowels.py

The preset's network was trained by the recipe's former script (the command in its
`metrics.json`) on standardised, zero-padded 12-channel frames. This builds the
`SeriesClassifier` of the recipe's `full` profile around it: the training frames' mean and std
(recorded in `metrics.json`) in a `SeriesNormalizer` layer, `mask_channel=False` (padding
becomes all-zero frames, as in training), the nine speakers "1".."9", and the backbone with the
trained weights copied bit for bit. It writes `task.json` and `model.keras` (raw NaN-padded
series in, logits out), checks that the backbone answers exactly as the trained network, re-
scores the test split, records that in `metrics.json` (`task`), refreshes the card's file sizes
and rewrites `checksums.sha256`. Rerunnable: on a preset already in the task form it takes the
backbone of the saved task.
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

from recipes.japanese_vowels import RECIPE  # noqa: E402
from rnn_zoo import runner  # noqa: E402
from rnn_zoo._atomic import copy_atomic, write_text_atomic  # noqa: E402
from rnn_zoo._folders import TASK_FILE  # noqa: E402
from rnn_zoo._preset_folders import write_checksums  # noqa: E402
from rnn_zoo.data.bucketing import quantile_boundaries  # noqa: E402
from rnn_zoo.saving import load_model_safely  # noqa: E402
from rnn_zoo.tasks import SeriesClassifier, load_task  # noqa: E402

PRESET = REPO / "saved_models" / RECIPE.name
COMMAND = f"python scripts/presets_as_tasks/{RECIPE.name}.py"


def trained_network(folder: Path):
    """The trained network: the preset's model, or the backbone of the task it became."""
    if (folder / TASK_FILE).is_file():
        return load_task(folder).backbone
    return load_model_safely(folder / "model.keras", compile=False, label="japanese_vowels")


def training_part(splits, metrics):
    """The 243 training utterances of the recorded run: the same stratified, seeded 90 % of
    the official train split (`sklearn.model_selection.train_test_split`, seed 1)."""
    from sklearn.model_selection import train_test_split

    series, labels = splits["train"]
    rows, _ = train_test_split(np.arange(len(labels)), test_size=0.1, stratify=labels,
                               random_state=metrics["config"]["seed"])
    assert len(rows) == metrics["dataset"]["examples"]["train"]
    return [np.asarray(series[i], np.float32) for i in rows]


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
    train = training_part(splits, metrics)
    frames = np.concatenate(train)
    # The recorded statistics are those of the training frames (float32 NumPy, as trained).
    np.testing.assert_allclose(frames.mean(axis=0), stats["mean"], rtol=0, atol=1e-6)
    np.testing.assert_allclose(frames.std(axis=0), stats["std"], rtol=0, atol=1e-6)

    task = SeriesClassifier(**RECIPE.settings("full"))
    task.state = {
        "num_features": 12, "mean": stats["mean"], "std": stats["std"],
        "bucket_boundaries": quantile_boundaries(np.asarray([len(s) for s in train]),
                                                 num_buckets=task.config["num_buckets"]),
        "classes": splits["classes"],
    }
    backbone = task._recurrent_backbone(num_classes=len(splits["classes"]))
    backbone.set_weights(network.get_weights())
    probe = np.random.default_rng(0).normal(size=(3, 20, 12)).astype(np.float32)
    probe[1, 12:] = 0.0  # a right-padded row
    np.testing.assert_array_equal(np.asarray(backbone(probe)), np.asarray(network(probe)))
    task.model = task._assemble(backbone)
    task.training = metrics["training"]

    test = task.evaluate(*splits["test"])
    recorded = metrics["test"]
    assert test["examples"] == recorded["examples"]
    assert test["accuracy"] == recorded["accuracy"], (test["accuracy"], recorded["accuracy"])

    with tempfile.TemporaryDirectory() as tmp:
        saved = task.save(Path(tmp) / "task")
        for name in ("model.keras", TASK_FILE):
            copy_atomic(saved / name, PRESET / name)
    metrics["task"] = {
        "class": "SeriesClassifier",
        "republished_by": COMMAND,
        "weights": f"unchanged: trained by `{metrics['command']}` (the recipe's former "
                   "script; `command` above)",
        "test": {k: test[k] for k in ("accuracy", "macro_f1", "examples")},
    }
    write_text_atomic(PRESET / "metrics.json", json.dumps(metrics, indent=2) + "\n")
    refresh_card(PRESET)
    write_checksums(PRESET)
    reloaded = load_task(PRESET).evaluate(*splits["test"])
    print(f"{RECIPE.name}: task form written; test accuracy {reloaded['accuracy']:.6f} "
          f"(recorded {recorded['accuracy']:.6f}), macro-F1 {reloaded['macro_f1']:.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
