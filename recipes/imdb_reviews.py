"""imdb_reviews: many-to-one binary sentiment of movie reviews (needs the network or the archive).

Data: the TFDS catalog dataset `imdb_reviews` (Maas et al. 2011; 25,000 train / 25,000 test
reviews, balanced), downloaded by TFDS or read from the exact upstream archive in a manual dir
(`--manual-dir`, `$RNN_ZOO_MANUAL_DIR`). A stratified, seeded part of the official train split is
held out for early stopping; the test split is used once, for the reported numbers. Words become
ids with a word `TextVectorization` adapted on the training part only (lower-cased, punctuation
stripped, the `max_tokens` most frequent words); each review keeps its first `max_length` words
and batches are bucketed by length (`text_classification_pipeline`, as `imdb_reviews_pipeline`).
Model: `many_to_one_bilstm` from the registry (BiLSTM stack, masked max pooling, 2 logits).
Baselines on the same test split, fitted in the same run on the same training part: the
majority class, and TF-IDF (word n-grams) + logistic regression.
Published anchor: keras.io's "Bidirectional LSTM on IMDB" example (2 x BiLSTM(64) on the first
200 words, 20k vocabulary) reaches 0.843 validation accuracy.
Bar (`full`): test accuracy >= 0.843.

    python -m recipes.imdb_reviews --profile quick --out runs/imdb_reviews
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import tensorflow as tf

import rnn_zoo
from recipes import _common
from rnn_zoo.data import text_classification_pipeline, word_vectorizer

NAME = "imdb_reviews"
DATASET = "imdb_reviews"
NUM_CLASSES = 2


@dataclasses.dataclass(frozen=True)
class Config:
    model: str = "many_to_one_bilstm"
    max_tokens: int = 20_000
    max_length: int = 400
    boundaries: tuple[int, ...] = (64, 128, 192, 256, 320)
    embedding_dim: int = 128
    units: int = 64
    num_layers: int = 2
    dropout: float = 0.3
    pooling: str = "max"
    learning_rate: float = 1e-3
    batch_size: int = 64
    epochs: int = 8
    patience: int = 2
    validation_fraction: float = 0.1
    train_examples: int | None = None  # a seeded subset of the training part (quick runs)
    tfidf_ngrams: int = 2
    tfidf_min_df: int = 2
    seed: int = 0


PROFILES = {
    "quick": Config(max_tokens=5_000, max_length=128, boundaries=(32, 64, 96), embedding_dim=32,
                    units=16, num_layers=1, dropout=0.0, learning_rate=3e-3, epochs=2,
                    patience=1, train_examples=4_000, tfidf_ngrams=1, tfidf_min_df=1),
    "full": Config(),
}

BAR = _common.Bar(metric="accuracy", higher_is_better=True, value=0.843)


def _texts(split: str, data_dir, manual_dir) -> tuple[list[str], np.ndarray]:
    from rnn_zoo import datasets

    ds = datasets.load(DATASET, split=split, data_dir=data_dir, manual_dir=manual_dir,
                       as_supervised=True)
    texts, labels = [], []
    for text, label in ds.as_numpy_iterator():
        texts.append(text.decode("utf-8"))
        labels.append(int(label))
    return texts, np.asarray(labels, np.int64)


def load_data(config: Config, data_dir=None, manual_dir=None) -> dict:
    """{"train", "validation", "test"}: (texts, labels), validation a stratified seeded hold-out."""
    from sklearn.model_selection import train_test_split

    texts, labels = _texts("train", data_dir, manual_dir)
    rows = np.arange(len(labels))
    train_rows, validation_rows = train_test_split(
        rows, test_size=config.validation_fraction, stratify=labels, random_state=config.seed)
    if config.train_examples is not None and config.train_examples < len(train_rows):
        train_rows = np.random.default_rng(config.seed).choice(
            train_rows, config.train_examples, replace=False)
    return {
        "train": ([texts[i] for i in train_rows], labels[train_rows]),
        "validation": ([texts[i] for i in validation_rows], labels[validation_rows]),
        "test": _texts("test", data_dir, manual_dir),
    }


def _dataset(texts, labels, vectorizer, config: Config, *, train: bool) -> tf.data.Dataset:
    pairs = tf.data.Dataset.from_tensor_slices((tf.constant(texts, tf.string),
                                                tf.constant(labels, tf.int64)))
    return text_classification_pipeline(
        pairs, vectorizer=vectorizer, batch_size=config.batch_size,
        boundaries=list(config.boundaries), max_length=config.max_length,
        shuffle_buffer=len(labels) if train else None, seed=config.seed)


def _score(model, data: dict, vectorizer, config: Config) -> dict:
    # evaluate() needs no alignment of predictions with labels (bucketing reorders examples).
    result = model.evaluate(_dataset(*data["test"], vectorizer, config, train=False),
                            verbose=0, return_dict=True)
    examples = len(data["test"][1])
    return {"accuracy": float(result["accuracy"]), "loss": float(result["loss"]),
            "errors": int(round((1.0 - float(result["accuracy"])) * examples)),
            "examples": examples}


def baselines(data: dict, config: Config) -> dict:
    """Majority class of train, and TF-IDF + logistic regression fitted on the training part."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    (train_x, train_y), (test_x, test_y) = data["train"], data["test"]
    majority = int(np.bincount(train_y, minlength=NUM_CLASSES).argmax())
    tfidf = make_pipeline(
        TfidfVectorizer(ngram_range=(1, config.tfidf_ngrams), min_df=config.tfidf_min_df,
                        sublinear_tf=True, max_features=200_000),
        LogisticRegression(C=4.0, max_iter=2_000),
    )
    tfidf.fit(train_x, train_y)
    return {
        "majority_class": {"accuracy": float(np.mean(test_y == majority)), "class": majority},
        "tfidf_logistic_regression": {
            "accuracy": float(np.mean(tfidf.predict(test_x) == test_y)),
            "ngram_range": [1, config.tfidf_ngrams],
        },
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
    vectorizer = word_vectorizer(data["train"][0], max_tokens=config.max_tokens)
    overrides = {"vocab_size": vectorizer.vocabulary_size(), "num_classes": NUM_CLASSES,
                 "embedding_dim": config.embedding_dim, "units": config.units,
                 "num_layers": config.num_layers, "dropout": config.dropout,
                 "pooling": config.pooling}

    def build_and_compile():
        model = rnn_zoo.get_model(config.model, **overrides)
        return _common.sparse_classifier(model, config.learning_rate)

    return _common.train_and_report(
        recipe=NAME, profile=profile, config=config, out_dir=out,
        command=_common.reproduce_command(
            NAME, profile=profile, out_dir=out_dir, epochs=epochs, data_dir=data_dir,
            manual_dir=manual_dir, strategy=strategy, mixed_precision=mixed_precision),
        build_and_compile=build_and_compile,
        train=_dataset(*data["train"], vectorizer, config, train=True),
        validation=_dataset(*data["validation"], vectorizer, config, train=False),
        score=lambda model: _score(model, data, vectorizer, config),
        baselines=lambda: baselines(data, config),
        bar=BAR, trivial="majority_class",
        model_info={"name": config.model, "overrides": overrides},
        dataset={"name": DATASET, "examples": {s: len(data[s][1])
                                               for s in ("train", "validation", "test")},
                 "validation": f"stratified {config.validation_fraction:.0%} of the official "
                               f"train split, seed {config.seed}",
                 "vocabulary_size": vectorizer.vocabulary_size()},
        verbose=verbose, strategy=strategy, mixed_precision=mixed_precision,
        callbacks=callbacks, overwrite=overwrite,
        preprocessing={"standardize": "lower_and_strip_punctuation", "split": "whitespace",
                       "max_tokens": config.max_tokens, "max_length": config.max_length},
    )


def evaluate(*, out_dir, data_dir=None, manual_dir=None, verbose: int = 0) -> dict:
    """Re-scores the trained run in `out_dir` on the test split; writes `evaluation.json`."""
    metrics, model = _common.load_run(out_dir)
    config = _common.config_of(Config, metrics, NAME)
    data = load_data(config, data_dir, manual_dir)
    vectorizer = word_vectorizer(data["train"][0], max_tokens=config.max_tokens)
    return _common.report_evaluation(Path(out_dir), metrics,
                                     _score(model, data, vectorizer, config))


if __name__ == "__main__":
    raise SystemExit(_common.main_for(NAME))
