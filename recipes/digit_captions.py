"""digit_captions: one-to-many captioning, an image of K handwritten digits -> the K digits.

Data: `digit_strings/k3` (rnn_zoo.datasets; scikit-learn's 8x8 digits composed three side by
side into 8x24 images; the source images are split before composing, so test strings use only
images never seen in training). Pixels are scaled to [0, 1]. Model: `one_to_many_gru_cnn` (a
small CNN encoder -> RepeatVector(3) -> GRU -> a digit per step) from the registry.
Metrics on the test split: whole-string accuracy (all three digits right) and per-digit accuracy.
Baselines in the same run, same test split: a per-digit classifier composed over the string
(scikit-learn `LogisticRegression` on the 8x8 source digits of the train split, applied to each
8x8 slice of a test image) and the majority string of train.
Bar (`full`): whole-string accuracy >= 0.95.

    python -m recipes.digit_captions --profile quick --out runs/digit_captions
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import tensorflow as tf
import tensorflow_datasets as tfds

import rnn_zoo
from recipes import _common
from rnn_zoo.data import finish

NAME = "digit_captions"
DIGIT = 8  # each digit is an 8x8 slice of the image


@dataclasses.dataclass(frozen=True)
class Config:
    model: str = "one_to_many_gru_cnn"
    config: str = "k3"
    units: int = 64
    filters: tuple = (32, 64)
    dropout: float = 0.0
    learning_rate: float = 2e-3
    batch_size: int = 64
    epochs: int = 30
    patience: int = 8
    train_examples: int | None = None  # None: the whole train split
    seed: int = 1


PROFILES = {
    "quick": Config(units=64, filters=(16, 32), epochs=12, patience=12, train_examples=8000,
                    learning_rate=3e-3),
    "full": Config(units=128, filters=(32, 64), dropout=0.2, learning_rate=2e-3, epochs=40,
                   patience=8),
}

LIMITATIONS = (
    "Strings of 3 scikit-learn 8x8 digits laid side by side with no overlap, noise or spacing "
    "changes: a controlled one-to-many task, not real handwriting recognition. Test strings use "
    "unseen source images, but the 360 test images are reused across the 2,000 test strings."
)

BAR = _common.Bar(metric="string_accuracy", higher_is_better=True, value=0.95)


def _split(config: Config, split: str, data_dir, manual_dir) -> dict:
    from rnn_zoo import datasets

    batch = tfds.as_numpy(datasets.load(f"digit_strings/{config.config}", split=split,
                                        data_dir=data_dir, manual_dir=manual_dir,
                                        batch_size=-1))
    return {
        "image": batch["image"].astype(np.float32) / 255.0,
        "digits": batch["digits"].astype(np.int32),
        "label": np.asarray([s.decode() for s in batch["label"]]),
        "source_indices": batch["source_indices"].astype(np.int64),
    }


def load_data(config: Config, data_dir=None, manual_dir=None) -> dict:
    train_split = ("train" if config.train_examples is None
                   else f"train[:{config.train_examples}]")
    return {"train": _split(config, train_split, data_dir, manual_dir),
            "validation": _split(config, "validation", data_dir, manual_dir),
            "test": _split(config, "test", data_dir, manual_dir)}


def _dataset(part: dict, config: Config, *, train: bool) -> tf.data.Dataset:
    ds = tf.data.Dataset.from_tensor_slices((part["image"], part["digits"]))
    return finish(ds, batch_size=config.batch_size,
                  shuffle_buffer=len(part["digits"]) if train else None, seed=config.seed)


def _string_scores(predicted: np.ndarray, digits: np.ndarray) -> dict:
    return {"string_accuracy": float(np.mean(np.all(predicted == digits, axis=-1))),
            "digit_accuracy": float(np.mean(predicted == digits)),
            "examples": len(digits)}


def _score(model, data: dict) -> dict:
    test = data["test"]
    logits = model.predict(test["image"], verbose=0, batch_size=256)
    return _string_scores(np.argmax(logits, axis=-1), test["digits"])


def _slices(images: np.ndarray) -> np.ndarray:
    """(N, 8, 8K, 1) images -> (N, K, 64) flattened 8x8 digits, left to right."""
    n, height, width, _ = images.shape
    k = width // DIGIT
    return images[..., 0].reshape(n, height, k, DIGIT).transpose(0, 2, 1, 3).reshape(n, k, -1)


def baselines(data: dict, seed: int) -> dict:
    """Per-digit logistic regression composed over the string, and the majority string."""
    from sklearn.linear_model import LogisticRegression

    train, test = data["train"], data["test"]
    # The distinct 8x8 source digits of the train split (strings reuse them).
    pieces = _slices(train["image"]).reshape(-1, DIGIT * DIGIT)
    classes = train["digits"].reshape(-1)
    _, first = np.unique(train["source_indices"].reshape(-1), return_index=True)
    classifier = LogisticRegression(max_iter=2000, C=1.0, random_state=seed)
    classifier.fit(pieces[first], classes[first])
    test_pieces = _slices(test["image"])
    predicted = classifier.predict(test_pieces.reshape(-1, DIGIT * DIGIT))
    composed = _string_scores(predicted.reshape(test["digits"].shape), test["digits"])
    labels, counts = np.unique(train["label"], return_counts=True)
    majority = labels[np.argmax(counts)]
    majority_digits = np.asarray([int(c) for c in majority])
    return {
        "per_digit_logistic_regression": {
            **composed, "source_digits": len(first),
            "model": "sklearn LogisticRegression on the train split's distinct 8x8 digits, "
                     "applied to each 8x8 slice"},
        "majority_string": {
            **_string_scores(np.broadcast_to(majority_digits, test["digits"].shape),
                             test["digits"]),
            "string": str(majority)},
    }


def run(*, profile: str = "quick", out_dir, epochs: int | None = None, data_dir=None,
        manual_dir=None, verbose: int = 1, strategy: str = "default",
        mixed_precision: bool = False, callbacks=(), overwrite: bool = False) -> dict:
    """Trains the recipe and writes `out_dir/metrics.json` and `out_dir/model.keras`."""
    config = _common.resolve_profile(PROFILES, profile, epochs)
    out = _common.check_run_args(out_dir=out_dir, verbose=verbose, strategy=strategy,
                                 mixed_precision=mixed_precision)
    _common.seed_everything(config.seed)
    data = load_data(config, data_dir, manual_dir)
    steps = data["train"]["digits"].shape[1]
    overrides = {"units": config.units, "filters": tuple(config.filters),
                 "dropout": config.dropout, "image_shape": data["train"]["image"].shape[1:],
                 "steps": steps, "num_classes": 10}
    steps_per_epoch = -(-len(data["train"]["digits"]) // config.batch_size)

    def build_and_compile():
        model = rnn_zoo.get_model(config.model, **overrides)
        schedule = _common.cosine_schedule(config.learning_rate, steps_per_epoch=steps_per_epoch,
                                           epochs=config.epochs)
        return _common.sparse_classifier(model, schedule, clipnorm=1.0,
                                         accuracy_name="digit_accuracy")

    return _common.train_and_report(
        recipe=NAME, profile=profile, config=config, out_dir=out,
        command=_common.reproduce_command(
            NAME, profile=profile, out_dir=out_dir, epochs=epochs, data_dir=data_dir,
            manual_dir=manual_dir, strategy=strategy, mixed_precision=mixed_precision),
        build_and_compile=build_and_compile,
        train=_dataset(data["train"], config, train=True),
        validation=_dataset(data["validation"], config, train=False),
        score=lambda model: _score(model, data),
        baselines=lambda: baselines(data, config.seed),
        bar=BAR, trivial="majority_string",
        model_info={"name": config.model,
                    "overrides": {**overrides, "image_shape": list(overrides["image_shape"])}},
        dataset={"name": f"digit_strings/{config.config}",
                 "examples": {s: len(data[s]["digits"]) for s in ("train", "validation", "test")},
                 "pixels": "uint8 / 255"},
        verbose=verbose, strategy=strategy, mixed_precision=mixed_precision,
        callbacks=callbacks, overwrite=overwrite,
    )


def evaluate(*, out_dir, data_dir=None, manual_dir=None, verbose: int = 0) -> dict:
    """Re-scores the trained run in `out_dir` on the test split; writes `evaluation.json`."""
    metrics, model = _common.load_run(out_dir)
    config = _common.config_of(Config, metrics, NAME)
    test = _split(config, "test", data_dir, manual_dir)
    return _common.report_evaluation(Path(out_dir), metrics, _score(model, {"test": test}))


if __name__ == "__main__":
    raise SystemExit(_common.main_for(NAME))
