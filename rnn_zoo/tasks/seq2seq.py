"""`Seq2Seq`: an encoder-decoder over raw strings (the lecture's many-to-many translation)."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import numpy as np

from rnn_zoo._validation import check_bool, check_choice, check_int, check_rate
from rnn_zoo.tasks.task import Task, check_sequence

__all__ = ["Seq2Seq"]

START, END = "<start>", "<end>"
LEVELS = ("char", "word", "subword")
WORD_SPLITS = ("standard", "whitespace")
ATTENTIONS = ("bahdanau", "luong", None)
# Target ids below this are not text: padding, OOV, start, end (`target_vectorizer`).
RESERVED_TARGET_IDS = 4


class Seq2Seq(Task):
    """Maps raw strings to raw strings: an attentive encoder-decoder with its tokenizers inside.

    On `fit(sources, targets)` it tokenises both sides (characters, words or subwords,
    `source_level` / `target_level`), learns a vocabulary per side from the training pairs (id 0
    padding, 1 OOV; the target side adds `<start>` 2 and `<end>` 3), then trains a
    bidirectional-encoder, attention-decoder `rnn_zoo.topologies.encoder_decoder` with teacher
    forcing over length-bucketed batches, every batch's token cross-entropy summed over one
    fixed token count (`rnn_zoo.losses.TokenSumCrossentropy`), a warm-up + cosine schedule with
    clipping, and early stopping on the validation token accuracy. The trained `model` takes
    strings and returns strings: standardisation, vocabulary lookup, the beam search (in the
    graph) and detokenisation are layers inside `model.keras`. Needs the TensorFlow backend
    (string ops).

    Words are the tokens of `rnn_zoo.preprocessing.text_standardizer` (words, numbers and each
    punctuation mark; `word_split="standard"`) or the text's own whitespace-separated tokens
    (`"whitespace"`, for text that is already tokenised, e.g. phonemes). Outputs are the target
    tokens joined with spaces at word level and without at char level.

    Subwords (`"subword"`) are pieces learned from the training side alone
    (`rnn_zoo.preprocessing.subword`: byte-pair-encoding merges, greedy longest-match splitting
    in the graph), `max_source_tokens` / `max_target_tokens` of them with the reserved ids; the
    spacing is part of the pieces, so subword outputs are detokenised, cased text (what
    sacreBLEU reads), and `evaluate` scores them as text (`bleu`, `chrf`, and `lc_tok_bleu`
    given `references`: `rnn_zoo.tasks._translation_scores`).

    A target may be one string or a list of valid ones (a word's pronunciation variants, a
    sentence's reference translations, as a dataset's sequence feature gives them): `fit`
    trains on every `(source, variant)` pair, and `evaluate` counts an output as an exact
    match when it equals any of them and its token errors against the closest one.

    Args:
        source_level: `"char"`, `"word"` or `"subword"` tokens of the sources.
        target_level: `"char"`, `"word"` or `"subword"` tokens of the targets.
        word_split: `"standard"` or `"whitespace"` (see above), for word-level sides.
        source_lowercase: lower-case the sources (Unicode) before tokenising.
        target_lowercase: lower-case the targets (the outputs are then lower case).
        embedding_dim: token vector size (both sides).
        units: encoder units per direction (the decoder has twice as many when
            `bidirectional`).
        num_layers: stacked layers in the encoder and in the decoder.
        cell: `"lstm"`, `"gru"` or `"simple_rnn"`.
        bidirectional: read each source in both directions.
        attention: `"bahdanau"` (additive), `"luong"` (dot) or None.
        dropout: dropout after each recurrent layer.
        label_smoothing: the share of each target token's probability spread over the whole
            target vocabulary in the training loss (`rnn_zoo.losses.TokenSumCrossentropy`);
            0: plain cross-entropy.
        max_source_tokens: source vocabulary cap (padding and OOV included); at subword
            level also the size of the learned piece vocabulary.
        max_target_tokens: target vocabulary cap (padding, OOV, start and end included); at
            subword level also the size of the learned piece vocabulary.
        min_count: least occurrences in the training pairs for a word to get its own id
            (characters all get one).
        max_source_length: most tokens in a source; a longer one is refused (a one-line
            error), and the model itself reads only that many.
        max_target_length: most tokens in a training target, and in a decoded output.
        beam_size: the beam of `predict` (1: greedy), at most the target vocabulary size
            (a smaller vocabulary caps it).
        length_penalty: beam search's length normalisation exponent (>= 0).
        num_buckets: length buckets of the training batches (1: none).
        score_strip: a regular expression removed from every target token, of the outputs
            and the references, before `evaluate` scores them (tokens left empty are dropped),
            e.g. `"[0-9]$"` scores ARPAbet phonemes without their stress digits; the scores of
            the tokens as they are come too, prefixed `verbatim_`. None: score them as they
            are.
        target_language: the targets' language code (e.g. `"de"`), for the Moses tokeniser
            of the subword-level text scores.
        score_greedy: `evaluate` also scores greedy search (`greedy_`-prefixed metrics) when
            `beam_size` > 1, which shows what the beam adds (one more decoding pass).
        epochs, batch_size, learning_rate, warmup_epochs, patience, validation_split, seed:
            see `rnn_zoo.tasks.TaskConfig`.

    Example:

    >>> from rnn_zoo.tasks import Seq2Seq
    >>> words = ["abc", "bca", "cab", "aab"] * 8
    >>> task = Seq2Seq(source_level="char", target_level="char", units=8, embedding_dim=8,
    ...                epochs=2).fit(words, [w[::-1] for w in words], verbose=0)
    >>> isinstance(task.translate(["abc"], beam_size=2)[0], str)
    True
    """

    MODEL_DEFAULTS = {
        "source_level": "word",
        "target_level": "word",
        "word_split": "standard",
        "source_lowercase": True,
        "target_lowercase": False,
        "embedding_dim": 128,
        "units": 128,
        "num_layers": 1,
        "cell": "lstm",
        "bidirectional": True,
        "attention": "bahdanau",
        "dropout": 0.2,
        "label_smoothing": 0.0,
        "max_source_tokens": 20_000,
        "max_target_tokens": 20_000,
        # Words seen once read as [UNK], so the [UNK] vector is trained for unseen words.
        "min_count": 2,
        "max_source_length": 200,
        "max_target_length": 200,
        # The G2P recipe's measured beam: quality saturates far below wider beams.
        "beam_size": 5,
        "length_penalty": 0.0,
        "num_buckets": 4,
        "score_strip": None,
        "target_language": "en",
        "score_greedy": False,
    }
    TRAINING_DEFAULTS = {"batch_size": 64, "patience": 5}
    # Token accuracy, not loss (the G2P recipe's finding): past the loss minimum the validation
    # loss rises as confident mistakes cost more, while accuracy, which tracks the exact-match
    # rate, still improves for several epochs.
    MONITOR = ("val_accuracy", "max")

    def _check_config(self, config):
        for side in ("source", "target"):
            check_choice(f"{side}_level", config[f"{side}_level"], LEVELS)
            check_bool(f"{side}_lowercase", config[f"{side}_lowercase"])
            check_int(f"max_{side}_length", config[f"max_{side}_length"])
        check_choice("word_split", config["word_split"], WORD_SPLITS)
        for name in ("embedding_dim", "units", "num_layers", "min_count", "beam_size",
                     "num_buckets"):
            check_int(name, config[name])
        check_int("max_source_tokens", config["max_source_tokens"], minimum=3)
        check_int("max_target_tokens", config["max_target_tokens"], minimum=5)
        check_choice("cell", config["cell"], ("lstm", "gru", "simple_rnn"))
        check_choice("attention", config["attention"], ATTENTIONS)
        check_rate("dropout", config["dropout"])
        check_rate("label_smoothing", config["label_smoothing"])
        check_bool("bidirectional", config["bidirectional"])
        check_bool("score_greedy", config["score_greedy"])
        language = config["target_language"]
        if not isinstance(language, str) or not language.isalpha() or len(language) not in (2, 3):
            raise ValueError(f"`target_language` must be a language code such as 'de', got "
                             f"{language!r}.")
        strip = config["score_strip"]
        if strip is not None:
            if not isinstance(strip, str) or not strip:
                raise ValueError(f"`score_strip` must be a non-empty regular expression (str) "
                                 f"or None, got {strip!r}.")
            try:
                re.compile(strip)
            except re.error as e:
                raise ValueError(f"`score_strip` {strip!r} is not a regular expression ({e})."
                                 ) from None
        penalty = config["length_penalty"]
        if isinstance(penalty, bool) or not isinstance(penalty, (int, float)) or penalty < 0:
            raise ValueError(f"`length_penalty` must be a number >= 0, got {penalty!r}.")

    # --- tokenisation (the same TensorFlow ops as the model's layers) ----------------------

    def _standardize(self, texts, side: str):
        """Strings -> the strings the side's vectorizer splits (TensorFlow ops)."""
        import tensorflow as tf

        from rnn_zoo.preprocessing.lowercase import lowercase_texts
        from rnn_zoo.preprocessing.text_standardizer import standardize_texts

        config = self._config
        texts = tf.constant(texts, tf.string) if not tf.is_tensor(texts) else texts
        lowercase = config[f"{side}_lowercase"]
        if config[f"{side}_level"] == "subword":
            from rnn_zoo.preprocessing.subword import pretokenize, subword_texts

            pieces = self.state.get(f"{side}_subwords")
            if pieces is None:  # before `fit` learns the pieces: the words they split
                return tf.strings.reduce_join(pretokenize(texts, lowercase=lowercase, tf=tf),
                                              axis=1, separator=" ")
            return subword_texts(texts, vocabulary=pieces, lowercase=lowercase, tf=tf)
        if config[f"{side}_level"] == "word" and config["word_split"] == "standard":
            return standardize_texts(texts, lowercase=lowercase, tf=tf)
        return lowercase_texts(texts, tf=tf) if lowercase else texts

    def _split(self, texts, side: str):
        import tensorflow as tf

        if self._config[f"{side}_level"] == "char":
            return tf.strings.unicode_split(texts, "UTF-8")
        return tf.strings.split(texts)

    def _tokens(self, texts: list[str], side: str) -> list[list[str]]:
        """Each text's tokens, as the model's preprocessing sees them."""
        rows = self._split(self._standardize(texts, side), side).to_list()
        return [[t.decode("utf-8") for t in row] for row in rows]

    def _standardizer_layers(self, side: str) -> list:
        from rnn_zoo.preprocessing.lowercase import Lowercase
        from rnn_zoo.preprocessing.text_standardizer import TextStandardizer

        config = self._config
        lowercase = config[f"{side}_lowercase"]
        if config[f"{side}_level"] == "subword":
            from rnn_zoo.preprocessing.subword import SubwordTokenizer

            return [SubwordTokenizer(vocabulary=self.state[f"{side}_subwords"],
                                     lowercase=lowercase, name=f"{side}_subwords")]
        if config[f"{side}_level"] == "word" and config["word_split"] == "standard":
            return [TextStandardizer(lowercase=lowercase, name=f"{side}_standardize")]
        return [Lowercase(name=f"{side}_lowercase")] if lowercase else []

    def _vectorizer_split(self, side: str) -> str:
        return "character" if self._config[f"{side}_level"] == "char" else "whitespace"

    # --- inputs -----------------------------------------------------------------------------

    def _check_texts(self, texts, name: str, side: str, *, names=None) -> list[str]:
        """`texts` checked; errors call `texts[i]` `names[i]` (default `name[i]`)."""
        from rnn_zoo.inputs import check_text

        texts = check_sequence(name, texts, what="strings")
        names = [f"{name}[{i}]" for i in range(len(texts))] if names is None else names
        for i, text in enumerate(texts):
            if not isinstance(text, str):
                raise TypeError(f"`{names[i]}` must be a str, got {type(text).__name__}.")
            check_text(text, name=f"`{names[i]}`")
        cap_name = f"max_{side}_length"
        cap = self._config[cap_name]
        unit = {"char": "character", "word": "token", "subword": "piece"}[
            self._config[f"{side}_level"]]
        whitespace_words = self._config[f"{side}_level"] == "word" and \
            self._config["word_split"] == "whitespace"
        for i, tokens in enumerate(self._tokens(texts, side)):
            if not tokens:
                what = "empty" if not texts[i] else f"{texts[i][:20]!r}, which has no {unit}s"
                raise ValueError(f"`{names[i]}` is {what}; give a non-empty string.")
            if len(tokens) > cap:
                raise ValueError(f"`{names[i]}` ({texts[i][:20]!r}...) has {len(tokens)} "
                                 f"{unit}s; this task reads at most {cap_name}={cap}.")
            if side == "target" and whitespace_words and {START, END} & set(tokens):
                raise ValueError(f"`{names[i]}` holds {START!r} or {END!r}, the decoder's own "
                                 "start and end tokens; remove them from the targets.")
        return texts

    def _check_xy(self, x, y, *, x_name, y_name, fitting):
        """-> the sources, and for each source the list of its valid targets (one or more)."""
        sources = self._check_texts(x, x_name, "source")
        if y is None:
            return sources, None
        y = check_sequence(y_name, y, what="targets (strings, or lists of valid strings)")
        if len(y) != len(sources):
            raise ValueError(f"`{y_name}` has {len(y)} targets for {len(sources)} sources "
                             f"in `{x_name}`; give one target per source.")
        flat, names, sizes = [], [], []
        for i, target in enumerate(y):
            if isinstance(target, str):
                flat.append(target)
                names.append(f"{y_name}[{i}]")
                sizes.append(1)
                continue
            if isinstance(target, (list, tuple, np.ndarray)) and len(target) == 0:
                raise ValueError(f"`{y_name}[{i}]` is an empty list; give at least one valid "
                                 "target.")
            if not isinstance(target, (list, tuple, np.ndarray)):
                raise TypeError(f"`{y_name}[{i}]` must be a str, got {type(target).__name__} "
                                "(or a list of str: the source's valid targets).")
            flat.extend(target)
            names.extend(f"{y_name}[{i}][{j}]" for j in range(len(target)))
            sizes.append(len(target))
        self._check_texts(flat, y_name, "target", names=names)
        targets, begin = [], 0
        for size in sizes:
            targets.append(list(flat[begin:begin + size]))
            begin += size
        return sources, targets

    @staticmethod
    def _references(y) -> list[list[str]]:
        """Each source's list of valid targets (a lone string is a list of one)."""
        return [[t] if isinstance(t, str) else list(t) for t in y]

    def _pairs(self, x, y):
        """One `(source, target)` pair per valid target of each source."""
        y = self._references(y)
        return [s for s, ts in zip(x, y, strict=True) for _ in ts], [t for ts in y for t in ts]

    # --- preprocessing ----------------------------------------------------------------------

    def _kept(self, rows: list[list[str]], side: str, cap: int) -> list[str]:
        counts = Counter(token for row in rows for token in row)
        least = self._config["min_count"] if self._config[f"{side}_level"] == "word" else 1
        special = {"", "[UNK]", START, END}
        return sorted((t for t, n in counts.items() if n >= least and t not in special),
                      key=lambda t: (-counts[t], t))[:cap]

    def _adapt(self, x, y):
        from rnn_zoo.data.bucketing import quantile_boundaries
        from rnn_zoo.losses import expected_tokens_per_batch
        from rnn_zoo.preprocessing.subword import learn_subwords

        config = self._config
        x, y = self._pairs(x, y)
        # Subword pieces are learned from the training texts of their side only (a text of
        # several pairs counted once), before the token vocabularies are counted.
        self.state = {}
        for side, texts, reserved in (("source", x, 2), ("target", y, RESERVED_TARGET_IDS)):
            if config[f"{side}_level"] == "subword":
                self.state[f"{side}_subwords"] = learn_subwords(
                    list(dict.fromkeys(texts)), vocab_size=config[f"max_{side}_tokens"]
                    - reserved, lowercase=config[f"{side}_lowercase"])
        sources, targets = self._tokens(x, "source"), self._tokens(y, "target")
        for side, rows in (("source", sources), ("target", targets)):
            cap = config[f"max_{side}_length"]
            longest = max(map(len, rows))
            if config[f"{side}_level"] == "subword" and longest > cap:
                raise ValueError(f"A training {side} has {longest} subword pieces; this task "
                                 f"reads at most max_{side}_length={cap}: raise it.")
        target_lengths = [len(t) + 1 for t in targets]  # the end token included
        lengths = np.asarray([max(len(s), n) for s, n in zip(sources, target_lengths,
                                                             strict=True)])
        boundaries = (quantile_boundaries(lengths, num_buckets=config["num_buckets"])
                      if config["num_buckets"] > 1 else None)
        target_vocabulary = ["", "[UNK]", START, END,
                             *self._kept(targets, "target", config["max_target_tokens"] - 4)]
        if len(target_vocabulary) == RESERVED_TARGET_IDS:
            raise ValueError(f"`y` has no target token seen at least min_count="
                             f"{config['min_count']} times; lower min_count.")
        self.state = {
            **self.state,
            "source_vocabulary": ["", "[UNK]", *self._kept(sources, "source",
                                                           config["max_source_tokens"] - 2)],
            "target_vocabulary": target_vocabulary,
            "bucket_boundaries": boundaries,
            "tokens_per_batch": expected_tokens_per_batch(target_lengths,
                                                          batch_size=config["batch_size"]),
            # Output steps (the end token included). Outputs may be longer than any training
            # target (a longer source), but a model that never emits the end token must still
            # stop: twice the longest, capped.
            "decode_length": min(config["max_target_length"],
                                 2 * max(map(len, targets))) + 1,
        }

    def _source_vectorizer(self):
        import keras

        # The vocabulary without padding and OOV, which the layer adds itself.
        return keras.layers.TextVectorization(
            standardize=None, split=self._vectorizer_split("source"),
            vocabulary=self.state["source_vocabulary"][2:], name="source_vectorize")

    def _datasets(self, x, y, *, training):
        import tensorflow as tf

        from rnn_zoo.data.tasks import seq2seq_pipeline
        from rnn_zoo.data.text import target_vectorizer

        config = self._config
        x, y = self._pairs(x, y)
        pairs = tf.data.Dataset.from_tensor_slices(
            (self._standardize(x, "source"), self._standardize(y, "target")))
        targets = target_vectorizer(self.state["target_vocabulary"][RESERVED_TARGET_IDS:],
                                    start_token=START, end_token=END,
                                    split=self._vectorizer_split("target"))
        return seq2seq_pipeline(
            pairs, source_vectorizer=self._source_vectorizer(), target_vectorizer=targets,
            batch_size=config["batch_size"],
            boundaries=self.state["bucket_boundaries"] if training else None,
            start_token=START, end_token=END,
            shuffle_buffer=len(x) if training else None, seed=config["seed"])

    # --- model ------------------------------------------------------------------------------

    def _build_backbone(self, *, steps_per_epoch):
        import keras

        from rnn_zoo.losses import TokenSumCrossentropy
        from rnn_zoo.tasks._compile import _optimizer
        from rnn_zoo.topologies.encoder_decoder import encoder_decoder

        config = self._config
        backbone = encoder_decoder(
            source_vocab_size=len(self.state["source_vocabulary"]),
            target_vocab_size=len(self.state["target_vocabulary"]),
            embedding_dim=config["embedding_dim"], cell=config["cell"], units=config["units"],
            num_layers=config["num_layers"], bidirectional=config["bidirectional"],
            dropout=config["dropout"], attention=config["attention"], name="backbone")
        # Summed over a fixed token count: with length buckets, a per-batch mean would weigh a
        # token of a short batch more than one of a long batch. XLA off: every bucket shape
        # would compile anew.
        backbone.compile(
            optimizer=_optimizer(config, steps_per_epoch),
            loss=TokenSumCrossentropy(tokens_per_batch=self.state["tokens_per_batch"],
                                      label_smoothing=config["label_smoothing"]),
            metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
            jit_compile=False)
        return backbone

    def _default_beam(self) -> int:
        return min(self._config["beam_size"], len(self.state["target_vocabulary"]))

    def _assemble(self, backbone):
        import keras

        from rnn_zoo.decoding.search_decoder import SearchDecoder
        from rnn_zoo.preprocessing.detokenizer import Detokenizer
        from rnn_zoo.preprocessing.fit_length import FitLength

        config = self._config
        text = keras.Input(shape=(), dtype="string", name="text")
        x = text
        for layer in self._standardizer_layers("source"):
            x = layer(x)
        ids = self._source_vectorizer()(x)
        ids = FitLength(max_length=config["max_source_length"], name="fit_length")(ids)
        found = SearchDecoder(backbone, beam_size=self._default_beam(),
                              max_length=self.state["decode_length"],
                              length_penalty=config["length_penalty"], name="decode")(ids)
        detokenize = Detokenizer(
            vocabulary=self.state["target_vocabulary"], reserved=RESERVED_TARGET_IDS,
            separator="" if config["target_level"] == "char" else " ", name="detokenize")
        words = detokenize(found["ids"])
        if config["target_level"] == "subword":
            from rnn_zoo.preprocessing.subword import SubwordDetokenizer

            words = SubwordDetokenizer(name="subword_detokenize")(words)
        outputs = {"text": words, "ids": found["ids"], "scores": found["scores"]}
        return keras.Model(text, outputs, name="seq2seq")

    @property
    def backbone(self):
        """The trained teacher-forced encoder-decoder (token ids in), inside `self.model`."""
        self._require_model("backbone")
        return self.model.get_layer("decode").backbone

    def _decoder_model(self, beam_size: int, max_length: int):
        """The raw-string model with another search (shares every layer of `self.model`)."""
        import keras

        from rnn_zoo.decoding.search_decoder import SearchDecoder

        decode = self.model.get_layer("decode")
        if (beam_size, max_length) == (decode.beam_size, decode.max_length):
            return self.model
        cache = self.__dict__.setdefault("_decoders", {})
        key = (id(self.model), beam_size, max_length)
        if key not in cache:
            found = SearchDecoder(decode.backbone, beam_size=beam_size, max_length=max_length,
                                  length_penalty=decode.length_penalty, name="decode")(
                self.model.get_layer("fit_length").output)
            words = self.model.get_layer("detokenize")(found["ids"])
            if self._config["target_level"] == "subword":
                words = self.model.get_layer("subword_detokenize")(words)
            outputs = {"text": words, "ids": found["ids"], "scores": found["scores"]}
            cache[key] = keras.Model(self.model.inputs, outputs, name="seq2seq")
        return cache[key]

    # --- outputs ----------------------------------------------------------------------------

    def translate(self, texts, *, beam_size: int = 1, max_length: int | None = None,
                  batch_size: int | None = None) -> list[str]:
        """Decodes raw strings: greedy (`beam_size=1`) or beam search, in the graph.

        Args:
            texts: a list of non-empty strings, each at most `max_source_length` tokens.
            beam_size: hypotheses kept, 1 to the target vocabulary size.
            max_length: output steps at most, the end token included (so at most that many
                tokens), 1 to `max_target_length + 1`; default twice the longest training
                target, plus the end.
            batch_size: sources decoded at once (default the task's `batch_size`).

        Returns:
            One string per text: target tokens joined with spaces (word level) or nothing
            (char level).
        """
        return self._decode(texts, beam_size=beam_size, max_length=max_length,
                            batch_size=batch_size, name="texts")["text"]

    def translate_scores(self, texts, *, beam_size: int = 1, max_length: int | None = None,
                         batch_size: int | None = None) -> np.ndarray:
        """The summed log-probabilities of `translate`'s outputs (end token included)."""
        return self._decode(texts, beam_size=beam_size, max_length=max_length,
                            batch_size=batch_size, name="texts")["scores"]

    def _decode(self, texts, *, beam_size, max_length, batch_size, name):
        from rnn_zoo.decoding.search import check_beam_width

        self._require_model("translate")
        beam_size = check_beam_width(check_int("beam_size", beam_size),
                                     vocab=len(self.state["target_vocabulary"]),
                                     name="beam_size")
        cap = self._config["max_target_length"] + 1
        if max_length is None:
            max_length = self.state["decode_length"]
        elif isinstance(max_length, bool) or not isinstance(max_length, (int, np.integer)) \
                or not 1 <= max_length <= cap:
            raise ValueError(f"`max_length` must be an int in [1, {cap}] (max_target_length + 1"
                             f", the end token included) or None, got {max_length!r}.")
        batch_size = check_int("batch_size", self._config["batch_size"] if batch_size is None
                               else batch_size)
        texts, _ = self._check_xy(texts, None, x_name=name, y_name="y", fitting=False)
        return self._run(texts, batch_size=batch_size,
                         model=self._decoder_model(beam_size, int(max_length)))

    def predict(self, x, *, batch_size: int | None = None) -> list[str]:
        """`translate` with the task's `beam_size` (what `model.keras` decodes with)."""
        self._require_model("predict")
        return self._decode(x, beam_size=self._default_beam(), max_length=None,
                            batch_size=batch_size, name="x")["text"]

    def _run(self, x, *, batch_size: int, model=None):
        """`model` (default `self.model`) over raw strings in batches of similar length."""
        import tensorflow as tf

        model = self.model if model is None else model
        functions = self.__dict__.setdefault("_functions", {})
        if id(model) not in functions:
            functions[id(model)] = (model, tf.function(
                lambda t: model(t, training=False), reduce_retracing=True,
                input_signature=[tf.TensorSpec([None], tf.string)]))
        run = functions[id(model)][1]
        order = np.argsort([len(t) for t in x], kind="stable")
        text, ids, scores = [None] * len(x), [None] * len(x), [None] * len(x)
        for begin in range(0, len(x), batch_size):
            rows = order[begin:begin + batch_size]
            out = run(tf.constant([x[i] for i in rows], tf.string))
            for k, row in enumerate(rows):
                text[row] = out["text"][k].numpy().decode("utf-8")
                ids[row], scores[row] = out["ids"][k].numpy(), float(out["scores"][k])
        return {"text": text, "ids": np.stack(ids), "scores": np.asarray(scores, np.float32)}

    def _answers(self, outputs):
        return outputs["text"]

    def evaluate(self, x, y, *, batch_size: int | None = None,
                 references=None) -> dict[str, Any]:
        """Scores `predict`'s outputs against `y` (one target or a list of valid ones per
        source): `exact_match`, `token_error_rate` and, for word-level targets,
        `tokenized_bleu` (and sacreBLEU's `bleu` when installed), after `score_strip`; for
        subword-level targets the text scores of `rnn_zoo.tasks._translation_scores`
        (`bleu` with its signature, `chrf`, and `lc_tok_bleu` against `references`, the
        dataset's lower-cased tokenised references, one str or list per source); with
        `score_greedy`, the same for greedy search, prefixed `greedy_`."""
        self._require_model("evaluate")
        x, y = self._check_xy(x, y, x_name="x", y_name="y", fitting=False)
        if references is not None:
            if self._config["target_level"] != "subword":
                raise ValueError("`references` (tokenised references) are scored for "
                                 "subword-level targets only; pass None.")
            references = check_sequence("references", references, what="strings")
            if len(references) != len(x):
                raise ValueError(f"`references` has {len(references)} entries for {len(x)} "
                                 "sources in `x`; give one per source.")
        batch_size = check_int("batch_size", self._config["batch_size"] if batch_size is None
                               else batch_size)
        scores = self._scores(y, self._run(x, batch_size=batch_size), references=references)
        beam = self._default_beam()
        if self._config["score_greedy"] and beam > 1:
            greedy = self._scores(y, self._run(x, batch_size=batch_size, model=self._decoder_model(
                1, self.state["decode_length"])), references=references)
            scores.update({f"greedy_{k}": v for k, v in greedy.items()
                           if k not in ("examples", "bleu_note") and not k.endswith("signature")})
        scores["search"] = {"beam_size": beam, "max_length": self.state["decode_length"],
                            "length_penalty": self._config["length_penalty"]}
        return scores

    def score(self, texts, y, *, references=None) -> dict[str, Any]:
        """The scores `evaluate` gives the outputs `texts` (one str per source) against `y` (one
        target or a list of valid ones per source), without decoding: for outputs decoded
        elsewhere, such as an exported artifact or a recorded file."""
        self._require_model("score")
        texts = check_sequence("texts", texts, what="strings")
        y = check_sequence("y", y, what="targets (strings, or lists of valid strings)")
        if len(texts) != len(y):
            raise ValueError(f"`texts` has {len(texts)} outputs for {len(y)} targets in `y`; "
                             "give one per target.")
        if references is not None:
            references = check_sequence("references", references, what="strings")
        return self._scores(y, {"text": list(texts)}, references=references)

    def _scores(self, y_true, outputs, *, references=None) -> dict[str, Any]:
        from rnn_zoo.tasks._seq2seq_scores import sequence_scores, strip_tokens

        y_true = self._references(y_true)
        if self._config["target_level"] == "subword":
            from rnn_zoo.tasks._translation_scores import text_scores

            return text_scores(outputs["text"], y_true,
                               language=self._config["target_language"],
                               tokenized_references=references,
                               lowercase=self._config["target_lowercase"])
        flat = [t for ts in y_true for t in ts]
        rows, begin = self._tokens(flat, "target"), 0
        references = []
        for ts in y_true:
            references.append(rows[begin:begin + len(ts)])
            begin += len(ts)
        char = self._config["target_level"] == "char"
        hypotheses = [list(h) if char else h.split(" ") if h else [] for h in outputs["text"]]
        strip = self._config["score_strip"]
        scores = sequence_scores(hypotheses, references, strip=strip, bleu=not char)
        if char:
            scores["bleu_note"] = "BLEU is reported for word-level targets only."
            return scores
        try:
            import sacrebleu
        except ImportError:
            scores["bleu_note"] = ("sacrebleu is not installed (pip install sacrebleu): "
                                   "tokenized_bleu only.")
            return scores
        # Every reference stream needs one entry per output: a source with fewer references
        # repeats its first (a duplicate changes neither clipping nor the closest length).
        hyps = [" ".join(strip_tokens(h, strip)) for h in hypotheses]
        refs = [[" ".join(strip_tokens(r, strip)) for r in rs] for rs in references]
        streams = [[rs[k] if k < len(rs) else rs[0] for rs in refs]
                   for k in range(max(map(len, refs)))]
        # The texts are already tokenised (the task's target tokens), hence tokenize="none".
        scores["bleu"] = float(sacrebleu.corpus_bleu(hyps, streams, tokenize="none").score)
        return scores

    # --- export -----------------------------------------------------------------------------

    def answer(self, inputs, *, beam: int | None = None) -> str:
        """`rnn-zoo predict`: one `source  output` line per INPUT, with the task's beam (or
        `--beam N`; 1 is greedy search)."""
        if not inputs:
            raise ValueError("Give one or more INPUT texts to translate.")
        beam = self._default_beam() if beam is None else beam
        outputs = self.translate(list(inputs), beam_size=beam)
        width = max(len(text) for text in inputs)
        return "\n".join(f"{text:<{width}}  {out}"
                         for text, out in zip(inputs, outputs, strict=True))

    def servable(self):
        """Raw strings in and out (SavedModel `serving_default`, the decoding loop inside);
        source ids in, decoded ids and tokens out (`serve_ids`, also TFLite: builtin ops have
        no string splitting); the teacher-forced backbone (`serve_tokens`: .keras, ONNX)."""
        import tensorflow as tf

        # Through `exporters.seq2seq` (which imports them from the servable module) so the
        # classes are the ones `export` checks against, whatever the package is called.
        from rnn_zoo.exporters.seq2seq import (
            MODEL_OUTPUT,
            Endpoint,
            Servable,
            call_model,
            example_inputs,
            model_input_specs,
        )

        self._require_model("export")
        model, backbone = self.model, self.backbone
        decode, detokenize = model.get_layer("decode"), model.get_layer("detokenize")
        length = self._config["max_source_length"]
        target_tokens = tf.constant(self.state["target_vocabulary"], tf.string)
        strings = tf.function(lambda t: model(t, training=False),
                              input_signature=[tf.TensorSpec([None], tf.string)])

        def serve_text(inputs):
            return dict(model(inputs["text"], training=False))

        def serve_ids(inputs):
            found = decode(inputs["source_ids"])
            # Tokens as strings ('' from the end on): TFLite's builtin GATHER takes strings.
            text = tf.cumsum(tf.cast(found["ids"] < RESERVED_TARGET_IDS, tf.int32), axis=1) == 0
            visible = tf.where(text, found["ids"], 0)
            return {"ids": found["ids"], "scores": found["scores"],
                    "tokens": tf.gather(target_tokens, visible)}

        by_ids = tf.function(serve_ids)

        def serve_tokens(inputs):
            return {MODEL_OUTPUT: call_model(backbone, inputs)}

        def reference(endpoint, inputs):
            import keras

            if endpoint == "serve_tokens":
                return {MODEL_OUTPUT: keras.ops.convert_to_numpy(call_model(backbone, inputs))}
            if endpoint == "serve_ids":
                found = by_ids({"source_ids": tf.constant(inputs["source_ids"], tf.int32)})
            else:
                found = strings(tf.constant(inputs["text"], tf.string))
            return {k: v.numpy().astype(object) if v.dtype == tf.string else v.numpy()
                    for k, v in found.items()}

        vocabulary = self.state["source_vocabulary"]
        join = "" if self._config["source_level"] == "char" else " "
        examples = [join.join(vocabulary[2:5]), join.join(vocabulary[-3:]),
                    "Ünïcödé ✓ unseen", "", vocabulary[2]]
        ids = model.get_layer("source_vectorize")(
            self._standardize(examples, "source")).numpy()[:, :length].astype(np.int32)
        padded = np.zeros((len(examples), length), np.int32)
        padded[:, :ids.shape[1]] = ids
        return Servable(
            name="seq2seq",
            endpoints={
                "serving_default": Endpoint(serve_text,
                                            {"text": tf.TensorSpec([None], tf.string)}),
                "serve_ids": Endpoint(serve_ids,
                                      {"source_ids": tf.TensorSpec([None, length], tf.int32)}),
                "serve_tokens": Endpoint(serve_tokens, model_input_specs(backbone)),
            },
            track=[model, detokenize],
            reference=reference,
            examples={
                "serving_default": [{"text": np.asarray(examples, dtype=object)}],
                # A padded batch, then each source alone (the static-batch TFLite runs both).
                "serve_ids": [{"source_ids": padded}]
                + [{"source_ids": padded[i:i + 1]} for i in range(len(examples))],
                "serve_tokens": example_inputs(backbone, np.random.default_rng(0)),
            },
            tflite_endpoints=("serve_ids",),
            keras_model=backbone,
            model_endpoint="serve_tokens",
            metadata={
                "task": "Seq2Seq",
                "serving_default": "raw strings -> decoded strings (text), ids, scores",
                "serve_ids": f"source ids [batch, {length}] (source_vocabulary; 0 padding, 1 "
                             "OOV) -> target ids, scores, tokens ('' from the end on)",
                "serve_tokens": "teacher-forced model: source and target ids -> logits",
                "search": {"beam_size": decode.beam_size, "max_length": decode.max_length,
                           "length_penalty": decode.length_penalty},
                "source_vocabulary": vocabulary,
                "target_vocabulary": self.state["target_vocabulary"],
            },
            tflite_track=[backbone],
        )
