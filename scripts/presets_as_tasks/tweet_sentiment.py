"""Republish `saved_models/tweet_sentiment` as a task folder, with the same trained weights.

    python scripts/presets_as_tasks/tweet_sentiment.py [--presets-dir DIR]

The preset was trained by the recipe's former code (`python -m recipes.tweet_sentiment --profile
full`), whose `model.keras` takes token ids and whose tokenizer, @handle folding and vocabulary
lived in the recipe. This writes the task form: `task.json` (a `TextClassifier` with the recipe's
`full` settings and the recorded vocabulary, classes and bucket boundaries) and a `model.keras`
that takes raw tweets (`TweetStandardizer` -> `TextVectorization` -> `FitLength` -> the same
backbone weights, copied bit for bit). It then checks that the weights are identical and that
the task re-scores the test split to the recorded metrics, adds a `task` entry to
`metrics.json`, regenerates the card (with an example run here) and `checksums.sha256`.

Rerunnable: a second run takes the backbone from the task folder the first one wrote. The other
files (history.csv, the committed TFLite artifact, export.json, parity_cases.npz, vocabulary.txt,
which export.json names for the token-id artifacts) are kept as they are.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

NAME = "tweet_sentiment"
COMMAND = f"python scripts/presets_as_tasks/{NAME}.py"
EXAMPLES = ("@united lost my bag again, worst airline ever :(",
            "the flight leaves at 5pm from gate 22",
            "thank you @SouthwestAir, great crew!! :)")
# The headline scores are compared exactly; the per-example logits only move by float noise
# (padding to a different batch length), which never changes an argmax here.
EXACT = ("accuracy", "macro_f1", "f1", "confusion_matrix", "examples")


def _source_backbone(folder: Path):
    """The trained backbone: the task's (a rerun) or the id-input model the recipe saved."""
    from rnn_zoo._folders import TASK_FILE
    from rnn_zoo.saving import load_model_safely
    from rnn_zoo.tasks import load_task

    if (folder / TASK_FILE).is_file():
        return load_task(folder).backbone
    return load_model_safely(folder / "model.keras", compile=False, label=f"Preset {NAME!r}")


def build_task(folder: Path, metrics):
    """The `TextClassifier` around the preset's backbone weights (not saved yet)."""
    from recipes.tweet_sentiment import RECIPE
    from rnn_zoo.tasks import TextClassifier

    settings = RECIPE.settings("full")
    recorded = metrics["config"]
    for key in ("embedding_dim", "units", "num_layers", "dropout", "pooling", "min_count",
                "max_length", "num_buckets", "batch_size", "learning_rate", "epochs",
                "patience", "seed", "embedding_trainable", "cooccurrence_window",
                "token_dropout"):
        got = settings.get(key, TextClassifier.MODEL_DEFAULTS.get(key))
        if got != recorded[key]:
            raise SystemExit(f"The full profile's {key}={got!r} differs from the preset's "
                             f"recorded {recorded[key]!r}.")
    task = TextClassifier(**settings)
    task.state = {"classes": list(metrics["dataset"]["classes"]),
                  "vocabulary": list(metrics["dataset"]["vocabulary"]),
                  "bucket_boundaries": list(metrics["preprocessing"]["bucket_boundaries"])}
    source = _source_backbone(folder)
    backbone = task._build_backbone(steps_per_epoch=1)  # the architecture `fit` builds
    theirs, ours = source.get_weights(), backbone.get_weights()
    if [w.shape for w in theirs] != [w.shape for w in ours]:
        raise SystemExit("The task's backbone does not have the preset's weight shapes.")
    backbone.set_weights(theirs)
    if not all(np.array_equal(a, b) for a, b in zip(theirs, backbone.get_weights(),
                                                    strict=True)):
        raise SystemExit("The copied weights differ from the preset's.")
    task.model = task._assemble(backbone)
    return task


def check_scores(task, metrics, test) -> dict:
    found = task.evaluate(*test)
    for key in EXACT:
        if found[key] != metrics["test"][key]:
            raise SystemExit(f"The task's test {key} {found[key]!r} differs from the recorded "
                             f"{metrics['test'][key]!r}.")
    return found


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presets-dir", default=None)
    args = parser.parse_args(argv)

    from recipes.tweet_sentiment import RECIPE
    from rnn_zoo import _preset_folders, runner
    from rnn_zoo.tasks import load_task
    from rnn_zoo.training import write_json_atomic

    sys.path.insert(0, str(REPO / "scripts"))
    import publish_preset

    folder = _preset_folders.presets_dir(args.presets_dir) / NAME
    metrics = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))
    task = build_task(folder, metrics)
    test = runner.load_splits(RECIPE)["test"]
    check_scores(task, metrics, test)

    task.save(folder, overwrite=True)
    reloaded = load_task(folder)
    check_scores(reloaded, metrics, test)
    answers = reloaded.predict(list(EXAMPLES))
    metrics["task"] = {
        "class": "TextClassifier",
        "republished_by": COMMAND,
        "weights_from": metrics["command"],
        "note": "The recipe's former training code ran that command; the weights are "
                "unchanged, only the preprocessing moved into the model. `rnn-zoo train "
                "tweet_sentiment --profile full` trains the same settings through the runner "
                "today (not bit for bit).",
        "example": {"inputs": list(EXAMPLES), "outputs": answers},
    }
    write_json_atomic(folder / "metrics.json", metrics)
    publish_preset.rewrite_card(folder)  # the card and checksums.sha256, from metrics.json
    _preset_folders.verify_checksums(folder)
    for text, label in zip(EXAMPLES, answers, strict=True):
        print(f"{label}\t{text}")
    print(f"{folder}: task folder written; test accuracy {metrics['test']['accuracy']:.4f} "
          "reproduced exactly.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
