"""breast_cancer: one-to-one classification of the Wisconsin diagnostic breast-cancer features.

Data: `breast_cancer` (rnn_zoo.datasets; scikit-learn's 569 tumours, 30 features, stratified
train 399 / validation 57 / test 113). Features are standardised with the train split's mean and
std. Model: `one_to_one_gru` from the registry (the vector is one recurrent step). Baselines on
the same test split, computed in the same run: scikit-learn `LogisticRegression` on the same
standardised features (fitted on train) and the majority class of train.
Bar (`full`): test accuracy >= logistic regression.

    python -m recipes.breast_cancer --profile quick --out runs/breast_cancer
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import numpy as np
import tensorflow as tf
import tensorflow_datasets as tfds

import rnn_zoo
from recipes import _common
from rnn_zoo.data import finish

NAME = "breast_cancer"
DATASET = "breast_cancer"


@dataclasses.dataclass(frozen=True)
class Config:
    model: str = "one_to_one_gru"
    units: int = 32
    num_layers: int = 1
    dropout: float = 0.0
    learning_rate: float = 3e-3
    batch_size: int = 32
    epochs: int = 60
    patience: int = 15
    seed: int = 1


PROFILES = {
    "quick": Config(units=16, epochs=30, patience=30, learning_rate=1e-2),
    "full": Config(units=64, dropout=0.3, epochs=300, patience=60, learning_rate=2e-3),
}

LIMITATIONS = (
    "569 tumours in all; the 113-example test split moves accuracy in steps of about 0.009, so "
    "small differences to the logistic-regression baseline are within noise. Inputs are the 30 "
    "Wisconsin features in scikit-learn's order, standardised with the train statistics stored "
    "in metrics.json. Not a medical device."
)

BAR = _common.Bar(metric="accuracy", higher_is_better=True, baseline="logistic_regression")


def _split(split: str, data_dir, manual_dir) -> tuple[np.ndarray, np.ndarray]:
    from rnn_zoo import datasets

    batch = tfds.as_numpy(datasets.load(DATASET, split=split, data_dir=data_dir,
                                        manual_dir=manual_dir, batch_size=-1))
    return batch["features"].astype(np.float32), batch["label"].astype(np.int32)


def load_data(data_dir=None, manual_dir=None) -> dict:
    """Standardised numpy arrays per split (stats from train only), plus the stats."""
    raw = {s: _split(s, data_dir, manual_dir) for s in ("train", "validation", "test")}
    mean = raw["train"][0].mean(axis=0)
    std = raw["train"][0].std(axis=0)
    std = np.where(std > 0, std, 1.0).astype(np.float32)
    data = {s: ((x - mean) / std, y) for s, (x, y) in raw.items()}
    data["stats"] = {"mean": mean, "std": std}
    return data


def _dataset(x, y, config: Config, *, train: bool) -> tf.data.Dataset:
    ds = tf.data.Dataset.from_tensor_slices((x, y))
    return finish(ds, batch_size=config.batch_size, shuffle_buffer=len(x) if train else None,
                  seed=config.seed)


def _score(model, x, y) -> dict:
    logits = model.predict(x, verbose=0, batch_size=256)
    return {"accuracy": float(np.mean(np.argmax(logits, axis=-1) == y)), "examples": len(y)}


def baselines(data: dict, seed: int) -> dict:
    """Logistic regression (standardised features, fitted on train) and the majority class."""
    from sklearn.linear_model import LogisticRegression

    (x_train, y_train), (x_test, y_test) = data["train"], data["test"]
    logreg = LogisticRegression(max_iter=5000, random_state=seed).fit(x_train, y_train)
    majority = int(np.bincount(y_train).argmax())
    return {
        "logistic_regression": {
            "accuracy": float(np.mean(logreg.predict(x_test) == y_test)),
            "model": "sklearn LogisticRegression(C=1.0, lbfgs), standardised features",
        },
        "majority_class": {"accuracy": float(np.mean(y_test == majority)), "class": majority},
    }


def run(*, profile: str = "quick", out_dir, epochs: int | None = None, data_dir=None,
        manual_dir=None, verbose: int = 1, strategy: str = "default",
        mixed_precision: bool = False, callbacks=(), overwrite: bool = False) -> dict:
    """Trains the recipe and writes `out_dir/metrics.json` and `out_dir/model.keras`."""
    config = _common.resolve_profile(PROFILES, profile, epochs)
    out = _common.check_run_args(out_dir=out_dir, verbose=verbose, strategy=strategy,
                                 mixed_precision=mixed_precision)
    _common.seed_everything(config.seed)
    data = load_data(data_dir, manual_dir)
    overrides = {"units": config.units, "num_layers": config.num_layers,
                 "dropout": config.dropout, "input_dim": 30, "num_classes": 2}

    def build_and_compile():
        model = rnn_zoo.get_model(config.model, **overrides)
        return _common.sparse_classifier(model, config.learning_rate)

    return _common.train_and_report(
        recipe=NAME, profile=profile, config=config, out_dir=out,
        command=_common.reproduce_command(
            NAME, profile=profile, out_dir=out_dir, epochs=epochs, data_dir=data_dir,
            manual_dir=manual_dir, strategy=strategy, mixed_precision=mixed_precision),
        build_and_compile=build_and_compile,
        train=_dataset(*data["train"], config, train=True),
        validation=_dataset(*data["validation"], config, train=False),
        score=lambda model: _score(model, *data["test"]),
        baselines=lambda: baselines(data, config.seed),
        bar=BAR, trivial="majority_class",
        model_info={"name": config.model, "overrides": overrides},
        dataset={"name": DATASET, "examples": {s: len(data[s][1])
                                               for s in ("train", "validation", "test")}},
        verbose=verbose, strategy=strategy, mixed_precision=mixed_precision,
        callbacks=callbacks, overwrite=overwrite, preprocessing={"standardize": data["stats"]},
    )


def predict(model, preset, inputs, **options) -> str:
    """`rnn-zoo predict breast_cancer F1 ... F30`: the class of one tumour, with probabilities.

    A zero `std` in the stored statistics reads as 1, the rule `load_data` trains with (a
    constant feature is only centred). A feature too large to standardize in float32 is
    refused, naming it.
    """
    from rnn_zoo.inputs import check_text

    if options:
        raise ValueError(f"Preset {preset.name!r} takes no "
                         f"{', '.join('--' + k for k in sorted(options))} option(s).")
    stats = preset.metrics["preprocessing"]["standardize"]
    mean = np.asarray(stats["mean"], np.float64)
    std = np.asarray(stats["std"], np.float64)
    if mean.shape != std.shape or mean.ndim != 1 or not (
            np.all(np.isfinite(mean)) and np.all(np.isfinite(std)) and np.all(std >= 0)):
        raise ValueError(f"Preset {preset.name!r}: metrics.json's preprocessing.standardize "
                         "must hold equally long lists of finite means and stds >= 0.")
    std = np.where(std > 0, std, 1.0)
    for number, item in enumerate(inputs, 1):
        check_text(item, name=f"INPUT {number}")
    values = [v for item in inputs for v in re.split(r"[,\s]+", item.strip()) if v]
    if len(values) != mean.size:
        raise ValueError(f"Preset {preset.name!r} needs the {mean.size} raw features of one "
                         f"tumour (comma- or space-separated, scikit-learn's order), got "
                         f"{len(values)}.")
    try:
        x = np.asarray([float(v) for v in values], np.float64)
    except ValueError:
        raise ValueError(f"Preset {preset.name!r}: the features must be numbers, got "
                         f"{' '.join(values)[:80]!r}.") from None
    if not np.all(np.isfinite(x)):
        raise ValueError(f"Preset {preset.name!r}: the features must be finite numbers.")
    # In float64, then range-checked: a float32 cast of 1e308 (or of a standardized 3e38)
    # overflows to inf with a RuntimeWarning, and the model answers p=nan.
    with np.errstate(over="ignore"):  # an overflow is inf here, refused just below
        z = (x - mean) / std
    limit = float(np.finfo(np.float32).max)
    too_large = np.flatnonzero(~(np.abs(z) <= limit))
    if too_large.size:
        i = int(too_large[0])
        raise ValueError(f"Preset {preset.name!r}: feature {i + 1} ({values[i]}) is too large: "
                         f"standardized it exceeds float32's range (|value| <= {limit:.3g}).")
    logits = np.asarray(model.predict(z.astype(np.float32)[None], verbose=0), np.float64)[0]
    if not np.all(np.isfinite(logits)):
        raise ValueError(f"Preset {preset.name!r}: the features are too extreme for the model "
                         "(its outputs are not finite); give values in the features' range.")
    probs = np.exp(logits - logits.max())
    probs /= probs.sum()
    names = ("malignant", "benign")  # sklearn's target order (rnn_zoo.datasets.breast_cancer)
    best = int(np.argmax(probs))
    return f"{names[best]} (p={probs[best]:.3f}; " + ", ".join(
        f"{n} {p:.3f}" for n, p in zip(names, probs, strict=True)) + ")"


def evaluate(*, out_dir, data_dir=None, manual_dir=None, verbose: int = 0) -> dict:
    """Re-scores the trained run in `out_dir` on the test split; writes `evaluation.json`."""
    metrics, model = _common.load_run(out_dir)
    _common.config_of(Config, metrics, NAME)
    data = load_data(data_dir, manual_dir)
    return _common.report_evaluation(Path(out_dir), metrics, _score(model, *data["test"]))


if __name__ == "__main__":
    raise SystemExit(_common.main_for(NAME))
