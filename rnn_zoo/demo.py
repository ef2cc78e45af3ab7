"""A tour of the zoo: every registry model, one epoch on a real dataset, one table.

`python -m rnn_zoo.demo` (what `make demo` runs) builds each registered variant sized for a
dataset from `rnn_zoo.datasets`, fits it for one epoch on a small slice of the train split,
and prints its validation metric next to a trivial baseline computed on the same examples.
One epoch proves the wiring (data -> model -> train -> evaluate) for every topology; the
recipes train the real models.
"""

from __future__ import annotations

import argparse
import functools
import math
import time

import keras
import numpy as np
import tensorflow as tf

import rnn_zoo
import rnn_zoo.datasets as zoo_datasets
from rnn_zoo.data import (
    char_lm_pipeline,
    char_vectorizer,
    fit_normalization,
    seq2seq_pipeline,
    sliding_windows,
    target_vectorizer,
    target_vocabulary,
    text_classification_pipeline,
    vocabulary_of,
    with_context,
    word_vectorizer,
)
from rnn_zoo.datasets.cmudict import strip_stress

BATCH = 64
SEED = 0


def _arrays(name, split, *keys):
    ds = zoo_datasets.load(name, split=split)
    rows = list(ds.as_numpy_iterator())
    return [
        np.stack([row[k] for row in rows]) if k != "series" else [row[k] for row in rows]
        for k in keys
    ]


def _majority_accuracy(train_labels, val_labels):
    values, counts = np.unique(train_labels, return_counts=True)
    return float(np.mean(val_labels == values[np.argmax(counts)]))


def _classification():
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    return loss, [keras.metrics.SparseCategoricalAccuracy(name="accuracy")]


def tabular():
    x_tr, y_tr = _arrays("breast_cancer", "train", "features", "label")
    x_va, y_va = _arrays("breast_cancer", "validation", "features", "label")
    norm = fit_normalization(x_tr)
    return dict(
        train=(norm.apply(x_tr), y_tr),
        validation=(norm.apply(x_va), y_va),
        overrides={"input_dim": 30, "num_classes": 2},
        compile=_classification(),
        metric="accuracy",
        baseline=("majority class", _majority_accuracy(y_tr, y_va)),
    )


def digit_images(*, flatten):
    x_tr, y_tr = _arrays("digit_strings/k3", "train[:4000]", "image", "digits")
    x_va, y_va = _arrays("digit_strings/k3", "validation", "image", "digits")
    x_tr, x_va = x_tr.astype("float32") / 255.0, x_va.astype("float32") / 255.0
    if flatten:
        x_tr, x_va = x_tr.reshape(len(x_tr), -1), x_va.reshape(len(x_va), -1)
        overrides = {"input_dim": x_tr.shape[1], "steps": 3, "num_classes": 10}
    else:
        overrides = {"image_shape": x_tr.shape[1:], "steps": 3, "num_classes": 10}
    return dict(
        train=(x_tr, y_tr),
        validation=(x_va, y_va),
        overrides=overrides,
        compile=_classification(),
        metric="accuracy (per digit)",
        baseline=("majority digit", _majority_accuracy(y_tr.ravel(), y_va.ravel())),
    )


def tweets():
    train = zoo_datasets.load("tweet_sentiment", split="train[:6000]")
    val = zoo_datasets.load("tweet_sentiment", split="validation[:1500]")
    pairs = lambda ds: ds.map(lambda ex: (ex["text"], ex["label"]))  # noqa: E731
    vectorizer = word_vectorizer(pairs(train).map(lambda t, _: t), max_tokens=10_000)
    make = lambda ds: text_classification_pipeline(  # noqa: E731
        pairs(ds), vectorizer=vectorizer, batch_size=BATCH, max_length=64
    )
    y_tr = np.array([ex["label"] for ex in train.as_numpy_iterator()])
    y_va = np.array([ex["label"] for ex in val.as_numpy_iterator()])
    return dict(
        train=make(train),
        validation=make(val),
        overrides={"vocab_size": vectorizer.vocabulary_size(), "num_classes": 3},
        compile=_classification(),
        metric="accuracy",
        baseline=("majority class", _majority_accuracy(y_tr, y_va)),
    )


def vowels(*, per_frame):
    x_tr, y_tr = _arrays("uea_japanese_vowels", "train", "series", "label")
    x_va, y_va = _arrays("uea_japanese_vowels", "test", "series", "label")
    norm = fit_normalization(np.concatenate(x_tr))

    def pad(series, labels):
        x = keras.utils.pad_sequences(
            [norm.apply(s) for s in series], dtype="float32", padding="post", value=0.0
        )
        if not per_frame:
            return x, labels
        # Every frame carries its utterance's speaker; padded frames are masked by the model.
        return x, np.repeat(labels[:, None], x.shape[1], axis=1)

    return dict(
        train=pad(x_tr, y_tr),
        validation=pad(x_va, y_va),
        overrides={"input_dim": 12, "num_classes": 9},
        compile=_classification(),
        metric="accuracy (test split)" if not per_frame else "frame accuracy (test split)",
        baseline=("majority class", _majority_accuracy(y_tr, y_va)),
    )


def sunspots():
    (tr,), (va,) = (_arrays("sunspots", s, "value") for s in ("train", "validation"))
    tr, va = tr[0].reshape(-1, 1), va[0].reshape(-1, 1)
    norm, lookback = fit_normalization(tr), 12
    x_tr, y_tr = sliding_windows(norm.apply(tr), lookback=lookback)
    x_va, y_va = sliding_windows(
        norm.apply(with_context(va, context=tr, lookback=lookback)), lookback=lookback
    )
    y_tr, y_va = y_tr.reshape(len(y_tr), -1), y_va.reshape(len(y_va), -1)
    persistence = float(np.sqrt(np.mean((x_va[:, -1, :] - y_va) ** 2)) * norm.std[0])
    return dict(
        train=(x_tr, y_tr),
        validation=(x_va, y_va),
        scale=float(norm.std[0]),
        overrides={"input_dim": 1, "output_dim": 1},
        compile=("mse", [keras.metrics.RootMeanSquaredError(name="rmse")]),
        metric="RMSE (sunspot number)",
        baseline=("last value", persistence),
    )


def shakespeare():
    texts = {}
    for split in ("train", "validation"):
        (example,) = zoo_datasets.load("tiny_shakespeare", split=split).as_numpy_iterator()
        texts[split] = example["text"].decode("utf-8")
    train_text = texts["train"][:200_000]
    vectorizer = char_vectorizer([texts["train"]])
    make = lambda text: char_lm_pipeline(  # noqa: E731
        text, vectorizer=vectorizer, seq_len=100, batch_size=BATCH, seed=SEED
    )
    ids = np.asarray(vectorizer([train_text])).ravel()
    counts = np.bincount(ids[ids > 0], minlength=vectorizer.vocabulary_size()) + 1
    probs = counts / counts.sum()
    val_ids = np.asarray(vectorizer([texts["validation"]])).ravel()
    unigram = float(-np.mean(np.log(probs[val_ids[val_ids > 0]])))
    size = vectorizer.vocabulary_size()
    return dict(
        train=make(train_text),
        validation=make(texts["validation"]),
        overrides={"vocab_size": size, "num_classes": size},
        compile=_classification(),
        metric="val loss (nats/char)",
        baseline=("unigram model", unigram),
    )


def g2p():
    def pairs(split):
        ds = zoo_datasets.load("cmudict", split=split)
        rows = list(ds.as_numpy_iterator())
        words = [r["word"].decode() for r in rows]
        prons = [strip_stress(r["pronunciations"][0].decode()) for r in rows]
        return words, prons

    (w_tr, p_tr), (w_va, p_va) = pairs("train[:6000]"), pairs("validation[:1500]")
    source = char_vectorizer(w_tr)
    target = target_vectorizer(target_vocabulary(p_tr + p_va))
    make = lambda w, p: seq2seq_pipeline(  # noqa: E731
        tf.data.Dataset.from_tensor_slices((w, p)),
        source_vectorizer=source,
        target_vectorizer=target,
        batch_size=BATCH,
        boundaries=[8, 12],
    )
    phonemes = [t for p in p_tr for t in p.split()]
    values, counts = np.unique(phonemes, return_counts=True)
    val_tokens = [t for p in p_va for t in p.split()] + ["<end>"] * len(p_va)
    majority = float(np.mean(np.array(val_tokens) == values[np.argmax(counts)]))
    return dict(
        train=make(w_tr, p_tr),
        validation=make(w_va, p_va),
        overrides={
            "source_vocab_size": source.vocabulary_size(),
            "target_vocab_size": len(vocabulary_of(target)),
        },
        compile=_classification(),
        metric="phoneme accuracy (teacher forced)",
        baseline=("most frequent phoneme", majority),
    )


def task_for(spec: rnn_zoo.ModelSpec) -> tuple[str, functools.partial]:
    """Picks the real dataset each variant is sized for, and the function preparing it."""
    d, topology = spec.defaults, spec.topology
    if topology == "one_to_one":
        return "breast_cancer", functools.partial(tabular)
    if topology == "one_to_many":
        return "digit_strings/k3", functools.partial(digit_images, flatten="image_shape" not in d)
    if topology == "many_to_one":
        if "vocab_size" in d:
            return "tweet_sentiment", functools.partial(tweets)
        if "output_dim" in d:
            return "sunspots", functools.partial(sunspots)
        return "uea_japanese_vowels", functools.partial(vowels, per_frame=False)
    if topology == "many_to_many":
        if "vocab_size" in d:
            return "tiny_shakespeare", functools.partial(shakespeare)
        return "uea_japanese_vowels", functools.partial(vowels, per_frame=True)
    return "cmudict", functools.partial(g2p)


def _batches(data):
    if isinstance(data, tf.data.Dataset):
        return data
    x, y = data
    return tf.data.Dataset.from_tensor_slices((x, y)).shuffle(len(x), seed=SEED).batch(BATCH)


def run(pattern: str = "*", *, units: int | None = None, max_steps: int = 60) -> list[dict]:
    """Fits every registry model matching `pattern` for one epoch; returns the table rows."""
    keras.utils.set_random_seed(SEED)
    cache, rows = {}, []
    for name in rnn_zoo.list_models(pattern):
        spec = rnn_zoo.get_spec(name)
        dataset, make = task_for(spec)
        key = (make.func, tuple(sorted(make.keywords.items())))
        if key not in cache:  # models sized for the same data share one preparation
            cache[key] = make()
        task = cache[key]
        overrides = dict(task["overrides"])
        if units is not None:
            overrides["units"] = units
        model = rnn_zoo.get_model(name, **overrides)
        loss, metrics = task["compile"]
        model.compile(keras.optimizers.Adam(3e-3), loss, metrics=metrics)
        start = time.perf_counter()
        train = _batches(task["train"]).take(max_steps)
        model.fit(train, epochs=1, verbose=0, shuffle=False)  # the pipelines shuffle
        seconds = time.perf_counter() - start
        result = model.evaluate(_batches(task["validation"]), verbose=0, return_dict=True)
        value = (
            result["loss"]
            if "loss (nats" in task["metric"]
            else result[next(k for k in result if k != "loss")]
        )
        value *= task.get("scale", 1.0)
        rows.append(
            dict(
                model=name,
                dataset=dataset,
                metric=task["metric"],
                value=value,
                baseline_name=task["baseline"][0],
                baseline=task["baseline"][1],
                params=model.count_params(),
                seconds=seconds,
            )
        )
        print(
            f"  {name:34s} {task['metric']:36s} {value:8.3f}  (baseline {task['baseline'][1]:.3f})",
            flush=True,
        )
    return rows


def _print_table(rows):
    header = (
        f"| {'model':34s} | {'dataset':19s} | {'metric':36s} | {'1 epoch':>8s} | "
        f"{'baseline':>28s} | {'params':>9s} | {'fit s':>6s} |"
    )
    print("\n" + header)
    print("|" + "|".join("-" * (len(c)) for c in header.split("|")[1:-1]) + "|")
    for r in rows:
        base = f"{r['baseline_name']} {r['baseline']:.3f}"
        print(
            f"| {r['model']:34s} | {r['dataset']:19s} | {r['metric']:36s} | "
            f"{r['value']:8.3f} | {base:>28s} | {r['params']:9,d} | {r['seconds']:6.1f} |"
        )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rnn_zoo.demo", description=__doc__)
    parser.add_argument("--pattern", default="*", help="registry names to run (shell pattern)")
    parser.add_argument("--units", type=int, default=None, help="override units of every model")
    parser.add_argument("--max-steps", type=int, default=60, help="train batches per model")
    args = parser.parse_args(argv)
    if args.max_steps < 1:
        parser.error(f"--max-steps must be >= 1, got {args.max_steps}")
    if not rnn_zoo.list_models(args.pattern):
        parser.error(f"--pattern {args.pattern!r} matches no model; see rnn_zoo.list_models()")
    rows = run(args.pattern, units=args.units, max_steps=args.max_steps)
    _print_table(rows)
    if not all(math.isfinite(r["value"]) for r in rows):
        print("A model produced a non-finite metric.")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
