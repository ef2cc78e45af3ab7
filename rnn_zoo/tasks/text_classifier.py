"""`TextClassifier`: many-to-one over raw strings (the lecture's sentiment analysis)."""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np

from rnn_zoo._validation import check_bool, check_choice, check_int, check_rate
from rnn_zoo.tasks._budget import BudgetedFit
from rnn_zoo.tasks._classes import _label, softmax, stratified_split
from rnn_zoo.tasks.task import Task, check_sequence

__all__ = ["TextClassifier"]


class TextClassifier(BudgetedFit, Task):
    """Classifies raw texts: a word-level recurrent classifier with its tokenizer inside.

    On `fit` it learns a vocabulary from the training texts (words and punctuation, lower-cased,
    URLs and numbers folded; tokens seen at least `min_count` times, at most `max_tokens`) and
    the class names from the labels, then trains a bidirectional LSTM over length-bucketed
    batches (masked padding, max-pooled over time) with a warm-up + cosine schedule and early
    stopping on a validation split. The trained model takes strings: standardisation and
    vocabulary lookup are layers inside `model.keras`. It needs the TensorFlow backend (string
    ops); the cuDNN kernel is used on a GPU.

    Small corpora (tens of thousands of short texts) gain from the settings below the model's:
    the tweet tokenizer, word vectors initialised from the training texts' co-occurrences and
    kept frozen (trained embeddings overfit such a set within a few epochs), word dropout, and
    early stopping on validation accuracy.

    Args:
        embedding_dim: word vector size.
        units: LSTM units per direction.
        num_layers: stacked recurrent layers.
        cell: `"lstm"`, `"gru"` or `"simple_rnn"`.
        bidirectional: read each text in both directions.
        dropout: dropout after each recurrent layer.
        pooling: `"max"`, `"mean"` or `"last"` over the steps.
        max_tokens: vocabulary cap (padding and OOV included).
        min_count: least occurrences in the training texts for a token to get its own id.
        max_length: tokens read per text (the first ones).
        num_buckets: length buckets of the training batches.
        tokenizer: `"standard"` (`rnn_zoo.preprocessing.text_standardizer`: words and
            punctuation) or `"tweet"` (`rnn_zoo.preprocessing.tweet_tokenizer`: also emoticons,
            @handles, runs of `!`/`?`; an @handle seen fewer than `min_count` times becomes
            `<user>`).
        embedding_init: `"random"` (Keras' default) or `"ppmi_svd"`: vectors from the SVD of
            the training texts' positive PMI co-occurrence matrix (nothing pretrained; needs
            scikit-learn).
        cooccurrence_window: tokens before each token that count as its context for
            `"ppmi_svd"`.
        embedding_trainable: train the word vectors (False keeps the initial ones).
        token_dropout: share of the training tokens replaced by OOV, drawn anew each batch
            (word dropout; 0 turns it off).
        label_smoothing: share of each training target spread evenly over all classes
            (`rnn_zoo.losses.SmoothedSparseCrossentropy`; 0: plain cross-entropy).
        monitor: what early stopping watches and the best weights are kept by: validation
            `"loss"` (lowest) or `"accuracy"` (highest).
        budget: `"fast"` (default) trains one model; `"accurate"` also trains a variant with
            frozen `"ppmi_svd"` word vectors and one with word dropout 0.1 on the same
            validation split and keeps the best by `monitor` (about 3x the time;
            `training["search"]` lists them, `state["selected"]` names the kept settings).
        ensemble: models averaged (1: one). More trains that many seeds (`seed`, `seed + 1`,
            ...) of the kept settings on the same split and averages their logits in one saved
            model: about N times the training time, size and inference time
            (`training["members"]` lists them; `stream()` refuses an ensemble).
        epochs, batch_size, learning_rate, warmup_epochs, patience, validation_split, seed:
            see `rnn_zoo.tasks.TaskConfig`.

    Example:

    >>> from rnn_zoo.tasks import TextClassifier
    >>> texts = ["what a great film", "awful, boring plot", "great acting!", "boring."] * 8
    >>> labels = ["pos", "neg", "pos", "neg"] * 8
    >>> task = TextClassifier(units=8, embedding_dim=8, epochs=2).fit(texts, labels, verbose=0)
    >>> task.predict(["a great plot"])[0] in ("pos", "neg")
    True

    Tweets, with frozen co-occurrence vectors and early stopping on accuracy:

    >>> tweets = ["@united lost my bag :(", "love it!!! :)", "@united worst. ever", "so good :)"]
    >>> task = TextClassifier(tokenizer="tweet", embedding_init="ppmi_svd", embedding_dim=4,
    ...                       embedding_trainable=False, monitor="accuracy", units=8, epochs=1,
    ...                       min_count=1).fit(tweets * 8, ["neg", "pos", "neg", "pos"] * 8,
    ...                                        verbose=0)
    >>> task.predict(["@someone so good :)"])[0] in ("pos", "neg")
    True
    """

    MODEL_DEFAULTS = {
        "embedding_dim": 128,
        "units": 64,
        "num_layers": 1,
        "cell": "lstm",
        "bidirectional": True,
        "dropout": 0.3,
        "pooling": "max",
        "max_tokens": 20_000,
        "min_count": 2,
        "max_length": 200,
        "num_buckets": 4,
        "tokenizer": "standard",
        "embedding_init": "random",
        "cooccurrence_window": 4,
        "embedding_trainable": True,
        "token_dropout": 0.0,
        "label_smoothing": 0.0,
        "monitor": "loss",
        "budget": "fast",
        "ensemble": 1,
    }
    # What the tweet recipe found on a small corpus, tried under `budget="accurate"`.
    _VARIANTS = ({"embedding_init": "ppmi_svd", "embedding_trainable": False},
                 {"token_dropout": 0.1})
    MONITOR = ("val_loss", "min")
    _MONITORS = {"loss": ("val_loss", "min"), "accuracy": ("val_accuracy", "max")}

    def __init__(self, **config):
        super().__init__(**config)
        # What `Task.fit` reads: the instance's setting shadows the class default.
        self.MONITOR = self._MONITORS[self._config["monitor"]]
        self._initial_embeddings = None  # `fit`'s "ppmi_svd" vectors, for `_build_backbone`

    def _check_config(self, config):
        for name in ("embedding_dim", "units", "num_layers", "max_length", "min_count"):
            check_int(name, config[name])
        check_int("max_tokens", config["max_tokens"], minimum=3)
        check_int("num_buckets", config["num_buckets"])
        check_choice("cell", config["cell"], ("lstm", "gru", "simple_rnn"))
        check_choice("pooling", config["pooling"], ("max", "mean", "last"))
        check_rate("dropout", config["dropout"])
        check_bool("bidirectional", config["bidirectional"])
        check_choice("tokenizer", config["tokenizer"], ("standard", "tweet"))
        check_choice("embedding_init", config["embedding_init"], ("random", "ppmi_svd"))
        check_int("cooccurrence_window", config["cooccurrence_window"])
        check_bool("embedding_trainable", config["embedding_trainable"])
        check_rate("token_dropout", config["token_dropout"])
        check_rate("label_smoothing", config["label_smoothing"])
        check_choice("monitor", config["monitor"], tuple(self._MONITORS))
        self._check_budget(config)
        if (config["embedding_init"] == "ppmi_svd"
                and config["embedding_dim"] >= config["max_tokens"]):
            raise ValueError(f"`embedding_dim` must be below `max_tokens` for 'ppmi_svd' vectors, "
                             f"got {config['embedding_dim']} and {config['max_tokens']}.")

    # --- inputs -----------------------------------------------------------------------------

    def _check_xy(self, x, y, *, x_name, y_name, fitting):
        texts = check_sequence(x_name, x, what="strings")
        for i, text in enumerate(texts):
            if not isinstance(text, str):
                raise TypeError(f"`{x_name}[{i}]` must be a str, got {type(text).__name__}.")
        if y is None:
            return texts, None
        labels = check_sequence(y_name, y, what="labels")
        if len(labels) != len(texts):
            raise ValueError(f"`{y_name}` has {len(labels)} labels for {len(texts)} texts in "
                             f"`{x_name}`; give one label per text.")
        labels = [_label(v, f"{y_name}[{i}]") for i, v in enumerate(labels)]
        if fitting and len(set(labels)) < 2:
            raise ValueError(f"`{y_name}` has a single class {labels[0]!r}; a classifier needs "
                             "at least two.")
        if not fitting and self.state.get("classes"):
            known = set(self.state["classes"])
            for i, label in enumerate(labels):
                if label not in known:
                    raise ValueError(f"`{y_name}[{i}]` is {label!r}, not one of the classes "
                                     f"seen in training: {sorted(known, key=str)}.")
        return texts, labels

    def _carve(self, x, y, fraction, seed):
        return stratified_split(x, y, fraction, seed)

    # --- preprocessing ----------------------------------------------------------------------

    def _adapt(self, x, y):
        from rnn_zoo.data.bucketing import quantile_boundaries
        from rnn_zoo.tasks._metrics import class_order

        config = self._config
        tokens = self._tokens(x, handles=None)
        if config["tokenizer"] == "tweet":
            from rnn_zoo.preprocessing.tweet_standardizer import fold_handles

            # Handles rare in training become `<user>` before the vocabulary is counted.
            counts = Counter(token for row in tokens for token in row)
            handles = {t for t, n in counts.items() if t[0] == "@" and n >= config["min_count"]}
            tokens = [fold_handles(row, handles) for row in tokens]
        counts = Counter(token for row in tokens for token in row)
        kept = sorted((t for t, n in counts.items() if n >= config["min_count"]),
                      key=lambda t: (-counts[t], t))[:config["max_tokens"] - 2]
        lengths = np.asarray([min(max(len(row), 1), config["max_length"]) for row in tokens])
        self.state = {
            "classes": class_order(y),
            "vocabulary": ["", "[UNK]", *kept],
            "bucket_boundaries": quantile_boundaries(lengths,
                                                     num_buckets=config["num_buckets"]),
        }
        self._initial_embeddings = None
        if config["embedding_init"] == "ppmi_svd":
            from rnn_zoo.tasks._embeddings import ppmi_svd_embeddings

            self._initial_embeddings = ppmi_svd_embeddings(
                tokens, self.state["vocabulary"], dim=config["embedding_dim"],
                window=config["cooccurrence_window"], seed=config["seed"])

    def _tokens(self, x, *, handles="state") -> list[list[str]]:
        """The tokens of each text, as the model's standardize layer splits them."""
        import tensorflow as tf

        joined = self._standardizer(handles=handles)(tf.constant(x, tf.string)).numpy()
        return [t.decode("utf-8").split() for t in joined]

    def _standardizer(self, *, handles="state"):
        """The layer raw strings go through first (`handles="state"`: the trained handles)."""
        if self._config["tokenizer"] == "standard":
            from rnn_zoo.preprocessing.text_standardizer import TextStandardizer

            return TextStandardizer(name="standardize")
        from rnn_zoo.preprocessing.tweet_standardizer import TweetStandardizer

        if handles == "state":
            handles = [t for t in self.state["vocabulary"][2:] if t[0] == "@"]
        return TweetStandardizer(handles=handles, name="standardize")

    def _vectorizer(self):
        import keras

        # `vocabulary` without the padding and OOV entries, which the layer adds itself.
        return keras.layers.TextVectorization(
            standardize=None, split="whitespace", vocabulary=self.state["vocabulary"][2:],
            name="vectorize")

    def _datasets(self, x, y, *, training):
        import tensorflow as tf

        from rnn_zoo.data.tasks import text_classification_pipeline

        config = self._config
        index = {c: i for i, c in enumerate(self.state["classes"])}
        ds = tf.data.Dataset.from_tensor_slices(
            (self._standardizer()(tf.constant(x, tf.string)),
             tf.constant([index[v] for v in y], tf.int32)))
        ds = text_classification_pipeline(
            ds, vectorizer=self._vectorizer(), batch_size=config["batch_size"],
            boundaries=self.state["bucket_boundaries"] if training else None,
            max_length=config["max_length"], shuffle_buffer=len(x) if training else None,
            seed=config["seed"])
        rate, seed = config["token_dropout"], config["seed"]
        if training and rate > 0:
            ds = ds.map(lambda ids, labels: (_token_dropout(ids, rate, seed), labels))
        return ds

    # --- model ------------------------------------------------------------------------------

    def _build_backbone(self, *, steps_per_epoch):
        from rnn_zoo.tasks._compile import compile_classifier
        from rnn_zoo.topologies import many_to_one

        config = self._config
        backbone = many_to_one(
            vocab_size=len(self.state["vocabulary"]), embedding_dim=config["embedding_dim"],
            cell=config["cell"], units=config["units"], num_layers=config["num_layers"],
            bidirectional=config["bidirectional"], dropout=config["dropout"],
            pooling=config["pooling"], num_classes=len(self.state["classes"]),
            name="backbone")
        embedding = backbone.get_layer("embedding")
        if self._initial_embeddings is not None:
            embedding.set_weights([self._initial_embeddings])
        embedding.trainable = config["embedding_trainable"]
        return compile_classifier(backbone, config, steps_per_epoch=steps_per_epoch)

    def _assemble(self, backbone):
        import keras

        from rnn_zoo.preprocessing.fit_length import FitLength

        text = keras.Input(shape=(), dtype="string", name="text")
        ids = self._vectorizer()(self._standardizer()(text))
        ids = FitLength(max_length=self._config["max_length"], name="fit_length")(ids)
        return keras.Model(text, backbone(ids), name="text_classifier")

    def _batch(self, x):
        import tensorflow as tf

        return tf.constant(x, tf.string)

    # --- outputs ----------------------------------------------------------------------------

    def predict_proba(self, x, *, batch_size: int | None = None) -> np.ndarray:
        """Class probabilities `(len(x), classes)`, columns in the order of `classes`."""
        logits = self._outputs(x, batch_size=batch_size, name="x")
        return softmax(logits)

    @property
    def classes(self) -> list:
        """The class labels, in the order of the model's outputs."""
        self._require_model("classes")
        return list(self.state["classes"])

    def _answers(self, outputs):
        classes = self.state["classes"]
        return [classes[i] for i in np.argmax(outputs, axis=-1)]

    def _scores(self, y_true, outputs) -> dict[str, Any]:
        from rnn_zoo.tasks._metrics import classification_scores

        index = {c: i for i, c in enumerate(self.state["classes"])}
        return classification_scores(np.asarray([index[v] for v in y_true]),
                                     np.argmax(outputs, axis=-1), self.state["classes"])

    def servable(self):
        """Raw strings in (SavedModel), token ids in (TFLite, ONNX: the backbone)."""
        import tensorflow as tf

        from rnn_zoo.exporters.text import _text_servable

        self._require_model("export")
        model = self.model
        standardize = model.get_layer("standardize")
        vectorize = model.get_layer("vectorize")
        fit_length = model.get_layer("fit_length")
        classes = [str(c) for c in self.state["classes"]]
        class_tensor = tf.constant(classes, tf.string)

        def vectorize_graph(texts):
            return tf.cast(fit_length(vectorize(standardize(texts))), tf.int32)

        def vectorize_python(text):
            ids = vectorize(standardize(tf.constant([text], tf.string))).numpy()[0]
            return [int(i) for i in ids[ids > 0]][:self._config["max_length"]]

        def respond_graph(ids, logits):
            best = tf.argmax(logits, axis=-1, output_type=tf.int32)
            return {"logits": logits, "label": tf.gather(class_tensor, best)}

        def respond_python(ids, logits):
            return {"logits": logits,
                    "label": np.asarray([classes[i] for i in logits.argmax(-1)], dtype=object)}

        return _text_servable(
            self.backbone, name="text_classifier", vectorize_graph=vectorize_graph,
            vectorize_python=vectorize_python, respond_graph=respond_graph,
            respond_python=respond_python,
            examples=["A short example text.", "Another one, with punctuation!!",
                      "ünïcödé and numbers 42", ""],
            track=[standardize, vectorize, fit_length],
            metadata={"task": "TextClassifier", "classes": classes,
                      "serving_default": "raw strings -> class logits and label",
                      "serve_tokens": "token ids (task.json vocabulary; 0 padding, 1 OOV) "
                                      "-> logits",
                      "vocabulary": self.state["vocabulary"]})


def _token_dropout(ids, rate: float, seed: int):
    """Word dropout: each real token (id > 1) becomes OOV (id 1) with probability `rate`."""
    import tensorflow as tf

    noise = tf.random.uniform(tf.shape(ids), seed=seed)
    return tf.where((ids > 1) & (noise < rate), tf.ones_like(ids), ids)
