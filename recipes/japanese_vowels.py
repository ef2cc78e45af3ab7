"""japanese_vowels: many-to-one classification of variable-length 12-channel series (9 speakers).

Data: `uea_japanese_vowels` (rnn_zoo.datasets; UEA JapaneseVowels, official 270 train / 370 test
utterances of 7 to 29 frames of 12 LPC cepstrum coefficients). A stratified, seeded part of the
official train split is held out for early stopping. Each channel is standardised with the
statistics of the training frames only; series are right-padded with 0.0 per batch and the
model masks padding (`mask_value=0.0`). Model: `many_to_one_lstm_series` from the registry
(cell, pooling over states, depth and direction set by the profile). Optional training-only
regularisation: seeded gaussian noise on the real (unpadded) frames of each train batch, AdamW
weight decay, and a cosine learning-rate schedule.
Baseline on the same test split: the majority class of train.
Bar (`full`): test accuracy >= 0.99 (InceptionTime reports 0.992).

    python -m recipes.japanese_vowels --profile quick --out runs/japanese_vowels
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

NAME = "japanese_vowels"
DATASET = "uea_japanese_vowels"
NUM_CLASSES = 9
CHANNELS = 12


@dataclasses.dataclass(frozen=True)
class Config:
    model: str = "many_to_one_lstm_series"
    cell: str = "lstm"
    units: int = 64
    num_layers: int = 1
    bidirectional: bool = False
    dropout: float = 0.0
    pooling: str = "last"  # "last", "mean" or "max" over the recurrent states
    learning_rate: float = 3e-3
    schedule: str = "constant"  # or "cosine" (`_common.cosine_schedule`, over `epochs`)
    weight_decay: float = 0.0  # > 0: AdamW instead of Adam
    noise_std: float = 0.0  # gaussian noise on the standardised train frames (not on padding)
    batch_size: int = 16
    epochs: int = 100
    patience: int = 20
    validation_fraction: float = 0.1
    seed: int = 1


PROFILES = {
    "quick": Config(units=32, epochs=15, patience=15, learning_rate=5e-3),
    # Chosen among 8 configs by the lowest validation loss (the test split was not consulted).
    "full": Config(units=64, num_layers=2, bidirectional=True, dropout=0.3, pooling="mean",
                   learning_rate=3e-3, schedule="cosine", noise_std=0.15, epochs=150,
                   patience=40),
}

LIMITATIONS = (
    "Nine male speakers, one vowel, 370 test utterances: every error moves accuracy by about "
    "0.003. The model selection split has 27 utterances, too few to tell good configurations "
    "apart at this level."
)

BAR = _common.Bar(metric="accuracy", higher_is_better=True, value=0.99)


def _split(split: str, data_dir, manual_dir) -> tuple[list[np.ndarray], np.ndarray]:
    from rnn_zoo import datasets

    ds = datasets.load(DATASET, split=split, data_dir=data_dir, manual_dir=manual_dir)
    series, labels = [], []
    for example in tfds.as_numpy(ds):
        series.append(np.asarray(example["series"], np.float32))
        labels.append(int(example["label"]))
    return series, np.asarray(labels, np.int32)


def load_data(config: Config, data_dir=None, manual_dir=None) -> dict:
    """Standardised series per split (train stats only) with the stratified validation part."""
    from sklearn.model_selection import train_test_split

    official, labels = _split("train", data_dir, manual_dir)
    rows = np.arange(len(labels))
    train_rows, validation_rows = train_test_split(
        rows, test_size=config.validation_fraction, stratify=labels,
        random_state=config.seed)
    parts = {
        "train": ([official[i] for i in train_rows], labels[train_rows]),
        "validation": ([official[i] for i in validation_rows], labels[validation_rows]),
        "test": _split("test", data_dir, manual_dir),
    }
    frames = np.concatenate(parts["train"][0])
    mean, std = frames.mean(axis=0), frames.std(axis=0)
    std = np.where(std > 0, std, 1.0).astype(np.float32)
    data = {s: ([(x - mean) / std for x in xs], y) for s, (xs, y) in parts.items()}
    data["stats"] = {"mean": mean, "std": std}
    return data


def _dataset(series, labels, config: Config, *, train: bool) -> tf.data.Dataset:
    ds = tf.data.Dataset.from_generator(
        lambda: zip(series, labels, strict=True),
        output_signature=(tf.TensorSpec((None, CHANNELS), tf.float32),
                          tf.TensorSpec((), tf.int32)))
    ds = ds.apply(tf.data.experimental.assert_cardinality(len(labels)))
    # `finish` caches, shuffles (seeded) and right-pads each batch with 0.0 (the mask value).
    ds = finish(ds, batch_size=config.batch_size,
                shuffle_buffer=len(labels) if train else None, seed=config.seed)
    if train and config.noise_std > 0:
        ds = _add_noise(ds, config)
    return ds


def _add_noise(ds: tf.data.Dataset, config: Config) -> tf.data.Dataset:
    """Gaussian noise on the real frames of each batch; padded frames stay exactly 0.0.

    Each batch draws from a stateless generator keyed by a seeded stream that is re-drawn every
    epoch, so the noise differs between epochs but is the same on every run.
    """
    keys = tf.data.Dataset.random(seed=config.seed, rerandomize_each_iteration=True).batch(2)

    def noisy(batch, key):
        x, y = batch
        real = tf.reduce_any(tf.not_equal(x, 0.0), axis=-1, keepdims=True)
        noise = tf.random.stateless_normal(tf.shape(x), seed=key, stddev=config.noise_std)
        return x + noise * tf.cast(real, x.dtype), y

    return (tf.data.Dataset.zip(ds, keys).map(noisy, num_parallel_calls=tf.data.AUTOTUNE)
            .prefetch(tf.data.AUTOTUNE))


def _compile(model, config: Config, steps_per_epoch: int):
    """Adam (AdamW when `weight_decay` > 0) on a constant or cosine learning rate."""
    learning_rate = config.learning_rate
    if config.schedule == "cosine":
        learning_rate = _common.cosine_schedule(
            config.learning_rate, steps_per_epoch=steps_per_epoch, epochs=config.epochs)
    elif config.schedule != "constant":
        raise ValueError(f"`schedule` must be 'constant' or 'cosine', got {config.schedule!r}.")
    return _common.sparse_classifier(model, learning_rate, weight_decay=config.weight_decay)


def _score(model, data: dict, config: Config) -> dict:
    series, labels = data["test"]
    logits = model.predict(_dataset(series, labels, config, train=False).map(lambda x, y: x),
                           verbose=0)
    return {"accuracy": float(np.mean(np.argmax(logits, axis=-1) == labels)),
            "errors": int(np.sum(np.argmax(logits, axis=-1) != labels)),
            "examples": len(labels)}


def baselines(data: dict) -> dict:
    majority = int(np.bincount(data["train"][1]).argmax())
    return {"majority_class": {"accuracy": float(np.mean(data["test"][1] == majority)),
                               "class": majority}}


def run(*, profile: str = "quick", out_dir, epochs: int | None = None, data_dir=None,
        manual_dir=None, verbose: int = 1, strategy: str = "default",
        mixed_precision: bool = False, callbacks=(), overwrite: bool = False) -> dict:
    """Trains the recipe and writes `out_dir/metrics.json` and `out_dir/model.keras`."""
    config = _common.resolve_profile(PROFILES, profile, epochs)
    out = _common.check_run_args(out_dir=out_dir, verbose=verbose, strategy=strategy,
                                 mixed_precision=mixed_precision)
    _common.seed_everything(config.seed)
    data = load_data(config, data_dir, manual_dir)
    overrides = {"cell": config.cell, "units": config.units, "num_layers": config.num_layers,
                 "bidirectional": config.bidirectional, "dropout": config.dropout,
                 "pooling": config.pooling, "input_dim": CHANNELS, "mask_value": 0.0,
                 "num_classes": NUM_CLASSES}
    steps_per_epoch = -(-len(data["train"][1]) // config.batch_size)

    def build_and_compile():
        model = rnn_zoo.get_model(config.model, **overrides)
        return _compile(model, config, steps_per_epoch)

    return _common.train_and_report(
        recipe=NAME, profile=profile, config=config, out_dir=out,
        command=_common.reproduce_command(
            NAME, profile=profile, out_dir=out_dir, epochs=epochs, data_dir=data_dir,
            manual_dir=manual_dir, strategy=strategy, mixed_precision=mixed_precision),
        build_and_compile=build_and_compile,
        train=_dataset(*data["train"], config, train=True),
        validation=_dataset(*data["validation"], config, train=False),
        score=lambda model: _score(model, data, config),
        baselines=lambda: baselines(data),
        bar=BAR, trivial="majority_class",
        model_info={"name": config.model, "overrides": overrides},
        dataset={"name": DATASET, "examples": {s: len(data[s][1])
                                               for s in ("train", "validation", "test")},
                 "validation": f"stratified {config.validation_fraction:.0%} of the official "
                               f"train split, seed {config.seed}"},
        verbose=verbose, strategy=strategy, mixed_precision=mixed_precision,
        callbacks=callbacks, overwrite=overwrite,
        preprocessing={"standardize": data["stats"], "pad_value": 0.0},
    )


def evaluate(*, out_dir, data_dir=None, manual_dir=None, verbose: int = 0) -> dict:
    """Re-scores the trained run in `out_dir` on the test split; writes `evaluation.json`."""
    metrics, model = _common.load_run(out_dir)
    config = _common.config_of(Config, metrics, NAME)
    data = load_data(config, data_dir, manual_dir)
    return _common.report_evaluation(Path(out_dir), metrics, _score(model, data, config))


if __name__ == "__main__":
    raise SystemExit(_common.main_for(NAME))
