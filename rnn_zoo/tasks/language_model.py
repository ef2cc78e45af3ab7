"""`LanguageModel`: many-to-many (synced) next-token prediction over raw text (the lecture's
"predict the next word from the words before it"), at the character or the word level."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from rnn_zoo._validation import (
    check_bool,
    check_choice,
    check_int,
    check_optional_int,
    check_rate,
)
from rnn_zoo.tasks._sequences import count_vocabulary, log_softmax, pad_rows, softmax
from rnn_zoo.tasks.task import Task, check_sequence

__all__ = ["BOUNDARY", "MAX_GENERATE", "LanguageModel"]

#: The text boundary token (id 2): it starts every training text, so the model learns how
#: texts begin and end; every prompt starts with it too, and generation stops when it is drawn.
#: No tokenisation yields it (characters are single; the word tokenizer splits `<`, `s`, `>`).
BOUNDARY = "<s>"
BOUNDARY_ID = 2
#: The most tokens one `generate` call samples: one step of the in-graph loop each (about
#: 1,100 characters/s for the char-LM preset on a 2-core CPU), so the cap takes ~10 s.
MAX_GENERATE = 10_000
# The training window per level when `seq_len` is None: 100 characters (the char-LM recipe) or
# 35 words (the classic word-LM truncation length), about a sentence or two either way.
_SEQ_LEN = {"char": 100, "word": 35}
_SPECIAL = 3  # padding, [UNK], the boundary: never answered, never generated
_BITS = math.log(2.0)


def _register_layers() -> None:
    """Imports the custom layers a saved LanguageModel holds, so Keras can load them."""
    import rnn_zoo.layers.last_step
    import rnn_zoo.preprocessing.context_window
    import rnn_zoo.preprocessing.text_standardizer  # noqa: F401


class LanguageModel(Task):
    """A recurrent language model over raw text: next-token probabilities, generation, perplexity.

    `fit(texts)` takes a list of strings (each one text, e.g. a sentence or a document) or one
    long string. The last `validation_split` of the text (by characters) is held out for early
    stopping; the vocabulary is learnt from the rest: characters (`level="char"`) or words and
    punctuation (`level="word"`: lower-cased, URLs and numbers folded, by
    `rnn_zoo.preprocessing.text_standardizer`), those seen at least `min_count` times, at most
    `max_tokens` (the rest map to `[UNK]`). Every text starts with the boundary token `<s>`
    (`BOUNDARY`); the texts, one after another, are cut into windows of `seq_len` tokens and a
    causal stacked LSTM (`rnn_zoo.topologies.many_to_many`) learns to predict each next token.
    The trained model takes strings and returns next-token logits: tokenisation, vocabulary
    lookup and the context cut are layers inside `model.keras`. It needs the TensorFlow backend
    (string ops); the cuDNN kernel is used on a GPU.

    A prompt is read as the start of a text (after `<s>`), its last `max_context` tokens at most;
    an empty prompt asks how texts begin. With `boundary=False` there is no `<s>`: the texts
    are one stream read in windows (a corpus such as a book, where a window's start is no
    text's start), a prompt is read as it is and must not be empty, and generation always
    samples `length` tokens. `generate` reads the prompt once with the sequence
    model and samples in one graph loop carrying the recurrent state
    (`rnn_zoo.decoding.generate`); padding and `[UNK]` are never generated, and drawing `<s>`
    ends the text. `next_tokens`, `predict` and `generate` never answer padding, `[UNK]` or `<s>`
    (their probabilities stay in the softmax: the listed ones need not sum to 1).

    Args:
        level: `"char"` or `"word"`.
        seq_len: tokens per training window; None: 100 characters or 35 words.
        eval_seq_len: tokens per scoring window of `evaluate`; None: `seq_len`. Every target is
            scored once, each window from a zero state, so a token's context is the 0 to
            `eval_seq_len - 1` tokens before it in its window: 256 is the protocol of nanoGPT's
            `block_size=256` evaluation (a recurrent model trained on shorter windows may read
            longer ones).
        embedding_dim: token vector size.
        units: LSTM units per layer.
        num_layers: stacked recurrent layers.
        cell: `"lstm"`, `"gru"` or `"simple_rnn"`.
        dropout: dropout after each recurrent layer.
        max_tokens: vocabulary cap (padding, `[UNK]` and `<s>` included).
        min_count: least occurrences in the training text for a token to get its own id.
        max_context: most tokens of a prompt read (the last ones), so a very long prompt costs
            no more than that.
        boundary: start every text (and every prompt) with the boundary token `<s>` (id 2);
            False: no boundary token, the vocabulary holds padding, `[UNK]` and the learnt
            tokens only.
        drop_remainder: drop the last window of the token stream when it is shorter than
            `seq_len`, in training and in `evaluate`, so every window holds `seq_len` targets
            (the fixed-length-chunk protocol of `tf.signal.frame`); False scores every next
            token.
        epochs, batch_size, learning_rate, warmup_epochs, patience, validation_split, seed:
            see `rnn_zoo.tasks.TaskConfig`.

    Example:

    >>> from rnn_zoo.tasks import LanguageModel
    >>> lm = LanguageModel(units=16, num_layers=1, embedding_dim=8, seq_len=16, epochs=2)
    >>> lm = lm.fit(["a man in a red shirt .", "a dog in a red car ."] * 20, verbose=0)
    >>> text = lm.generate("a man", length=10, seed=0)
    >>> text.startswith("a man")
    True
    >>> len(lm.next_tokens("a ", top_k=2))
    2

    A model of one long text, without boundary tokens, scored in whole windows only:

    >>> lm = LanguageModel(units=16, num_layers=1, embedding_dim=8, seq_len=16, epochs=1,
    ...                    boundary=False, drop_remainder=True, min_count=1)
    >>> lm = lm.fit("to be or not to be, that is the question. " * 20, verbose=0)
    >>> lm.vocabulary[:3]
    ['', '[UNK]', ' ']
    >>> lm.evaluate("to be or not to be, " * 5)["tokens"]  # 99 next characters, 6 windows
    96
    """

    MODEL_DEFAULTS = {
        "level": "char",
        "seq_len": None,
        "eval_seq_len": None,
        "embedding_dim": 128,
        "units": 256,
        "num_layers": 2,
        "cell": "lstm",
        # Light dropout: early stopping on the held-out text guards against the rest.
        "dropout": 0.2,
        "max_tokens": 20_000,
        # Tokens seen once map to [UNK], so the model meets [UNK] in training as it will later.
        "min_count": 2,
        "max_context": 1_000,
        "boundary": True,
        "drop_remainder": False,
    }
    MONITOR = ("val_loss", "min")
    EVALUATION_SETTINGS = ("eval_seq_len",)

    def __init__(self, **config):
        super().__init__(**config)
        _register_layers()

    def _check_config(self, config):
        check_choice("level", config["level"], ("char", "word"))
        check_optional_int("seq_len", config["seq_len"])
        check_optional_int("eval_seq_len", config["eval_seq_len"])
        for name in ("embedding_dim", "units", "num_layers", "min_count", "max_context"):
            check_int(name, config[name])
        check_bool("boundary", config["boundary"])
        check_bool("drop_remainder", config["drop_remainder"])
        special = _SPECIAL if config["boundary"] else _SPECIAL - 1
        check_int("max_tokens", config["max_tokens"], minimum=special + 1)
        check_choice("cell", config["cell"], ("lstm", "gru", "simple_rnn"))
        check_rate("dropout", config["dropout"])

    @property
    def seq_len(self) -> int:
        """Tokens per training window (`seq_len`, or the level's default)."""
        return self._config["seq_len"] or _SEQ_LEN[self._config["level"]]

    @property
    def eval_seq_len(self) -> int:
        """Tokens per scoring window of `evaluate` (`eval_seq_len`, or `seq_len`)."""
        return self._config.get("eval_seq_len") or self.seq_len

    @property
    def _boundary(self) -> bool:
        # A saved task from before the setting existed was trained with `<s>`.
        return self.state.get("boundary", True) if self.state else self._config["boundary"]

    @property
    def _special(self) -> int:
        """Leading ids never answered or generated: padding, [UNK] (and `<s>`)."""
        return _SPECIAL if self._boundary else _SPECIAL - 1

    # --- inputs -----------------------------------------------------------------------------

    def _check_xy(self, x, y, *, x_name, y_name, fitting):
        if y is not None:
            raise ValueError(f"`{y_name}` must be None: a LanguageModel learns from the texts "
                             f"alone, got {type(y).__name__}.")
        texts = [x] if isinstance(x, str) else _texts(x_name, x)
        if fitting and sum(len(t) for t in texts) < 2:
            raise ValueError(f"`{x_name}` has fewer than 2 characters; a language model needs "
                             "text to learn from.")
        return texts, None

    def _carve(self, x, y, fraction, seed):
        """The last `fraction` of the text (by characters) is the validation part."""
        total = sum(len(t) for t in x)
        cut = total - max(1, int(round(total * fraction)))
        if cut < 1:
            raise ValueError(f"`x` has {total} characters: too few to hold out "
                             f"{fraction} of them; pass `validation_data`.")
        train, validation, seen = [], [], 0
        for text in x:
            if seen + len(text) <= cut:
                train.append(text)
            elif seen >= cut:
                validation.append(text)
            else:
                at = cut - seen
                if self._config["level"] == "word":  # cut between words, not inside one
                    space = text.find(" ", at)
                    at = space if 0 < space < len(text) else at
                train.append(text[:at])
                validation.append(text[at:])
            seen += len(text)
        return (train, None), (validation, None)

    # --- preprocessing ----------------------------------------------------------------------

    def _tokens(self, texts: list[str]) -> list[list[str]]:
        if self._config["level"] == "char":
            return [list(t) for t in texts]
        import tensorflow as tf

        from rnn_zoo.preprocessing.text_standardizer import standardize_texts

        return [t.decode("utf-8").split() for t in
                standardize_texts(tf.constant(texts, tf.string)).numpy()]

    def _adapt(self, x, y):
        config = self._config
        reserved = [BOUNDARY] if config["boundary"] else []
        vocabulary = count_vocabulary(self._tokens(x), min_count=config["min_count"],
                                      max_tokens=config["max_tokens"], reserved=reserved)
        if len(vocabulary) == 2 + len(reserved):
            raise ValueError(f"`x` has no token seen at least min_count={config['min_count']} "
                             "times in its training part; give more text or lower `min_count`.")
        self.state = {"vocabulary": vocabulary, "level": config["level"],
                      "seq_len": self.seq_len, "boundary": config["boundary"]}

    def _stream(self, texts: list[str]) -> np.ndarray:
        """The texts as one id stream, each after the boundary id (when `boundary`)."""
        index = {t: i for i, t in enumerate(self.state["vocabulary"])}
        ids = []
        for row in self._tokens(texts):
            if self._boundary:
                ids.append(BOUNDARY_ID)
            ids.extend(index.get(t, 1) for t in row)
        return np.asarray(ids, np.int32)

    def _windows(self, texts: list[str], *, name: str, size: int | None = None):
        """`(inputs, targets)`, `(windows, size)` each (`size` default `seq_len`): every next
        token a target once; the last window right-padded (0, masked), or dropped when shorter
        (`drop_remainder`)."""
        stream, size = self._stream(texts), size or self.seq_len
        if len(stream) < 2:
            raise ValueError(f"`{name}` has no token to predict; give more text.")
        if self._config["drop_remainder"]:
            if len(stream) < size + 1:
                raise ValueError(f"`{name}` has {len(stream)} tokens, fewer than seq_len + 1 = "
                                 f"{size + 1}: no whole window (drop_remainder=True).")
            starts = range(0, len(stream) - size, size)
        else:
            starts = range(0, len(stream) - 1, size)
        inputs = pad_rows([stream[s:s + size] for s in starts], width=size)
        targets = pad_rows([stream[s + 1:s + size + 1] for s in starts], width=size)
        return inputs, targets

    def _datasets(self, x, y, *, training):
        import tensorflow as tf

        from rnn_zoo.data.pipeline import finish

        inputs, targets = self._windows(x, name="x" if training else "the validation text")
        ds = tf.data.Dataset.from_tensor_slices((inputs, targets))
        return finish(ds, batch_size=self._config["batch_size"], cache=False,
                      shuffle_buffer=len(inputs) if training else None,
                      seed=self._config["seed"])

    # --- model ------------------------------------------------------------------------------

    def _build_backbone(self, *, steps_per_epoch):
        from rnn_zoo.tasks._compile import compile_classifier
        from rnn_zoo.topologies import many_to_many

        config = self._config
        size = len(self.state["vocabulary"])
        backbone = many_to_many(
            vocab_size=size, num_classes=size, embedding_dim=config["embedding_dim"],
            cell=config["cell"], units=config["units"], num_layers=config["num_layers"],
            dropout=config["dropout"], name="backbone")
        return compile_classifier(backbone, config, steps_per_epoch=steps_per_epoch)

    def _preprocess(self, text):
        """Strings -> the ids the backbone reads: the layers of the raw-input model."""
        import keras

        from rnn_zoo.preprocessing.context_window import ContextWindow
        from rnn_zoo.preprocessing.text_standardizer import TextStandardizer

        word = self.state["level"] == "word"
        if word:
            text = TextStandardizer(name="standardize")(text)
        # `vocabulary` without padding and [UNK], which the layer adds itself.
        ids = keras.layers.TextVectorization(
            standardize=None, split="whitespace" if word else "character",
            vocabulary=self.state["vocabulary"][2:], name="vectorize")(text)
        return ContextWindow(max_length=self._config["max_context"],
                             start_id=BOUNDARY_ID if self._boundary else None,
                             name="context")(ids)

    def _assemble(self, backbone):
        import keras

        from rnn_zoo.layers.last_step import LastStep

        text = keras.Input(shape=(), dtype="string", name="text")
        ids = self._preprocess(text)
        logits = LastStep(name="next_token")([backbone(ids), ids])
        return keras.Model(text, logits, name="language_model")

    def _batch(self, x):
        import tensorflow as tf

        return tf.constant(x, tf.string)

    def _prompt_ids(self, prompts: list[str]) -> list[np.ndarray]:
        """Each prompt's ids as the model reads them (boundary first, last `max_context`)."""
        self._check_prompts(prompts)
        import keras

        model = self.model
        x = self._batch(prompts)
        if self.state["level"] == "word":
            x = model.get_layer("standardize")(x)
        ids = keras.ops.convert_to_numpy(
            model.get_layer("context")(model.get_layer("vectorize")(x)))
        return [row[row > 0] for row in ids]

    def _check_prompts(self, prompts: list[str]) -> None:
        if not self._boundary:
            for i, prompt in enumerate(prompts):
                if isinstance(prompt, str) and not prompt:
                    raise ValueError(f"`prompt` {i} is empty: a LanguageModel trained without "
                                     "boundary tokens (boundary=False) needs at least one "
                                     "token to start from.")

    # --- outputs ----------------------------------------------------------------------------

    @property
    def vocabulary(self) -> list[str]:
        """Token of each id: `""` padding, `"[UNK]"`, `"<s>"`, then the learnt tokens."""
        self._require_model("vocabulary")
        return list(self.state["vocabulary"])

    def predict(self, x, *, batch_size: int | None = None) -> list[str]:
        """The most likely next token after each prompt (a list of strings)."""
        if isinstance(x, str):
            raise TypeError("`x` must be a list of prompts (str); for one prompt pass [prompt] "
                            "or use next_tokens(prompt).")
        self._check_prompts(list(x) if isinstance(x, (list, tuple)) else [])
        return super().predict(x, batch_size=batch_size)

    def predict_proba(self, x, *, batch_size: int | None = None) -> np.ndarray:
        """Next-token probabilities `(len(x), vocabulary)` after each prompt, over all ids."""
        if isinstance(x, str):
            raise TypeError("`x` must be a list of prompts (str), got str.")
        self._check_prompts(list(x) if isinstance(x, (list, tuple)) else [])
        return softmax(self._outputs(x, batch_size=batch_size, name="x"))

    def next_tokens(self, prompt: str, *, top_k: int = 5) -> list[tuple[str, float]]:
        """The `top_k` most likely tokens after `prompt`, with their probabilities, best first.

        Example: `lm.next_tokens("a man in a")` -> `[("red", 0.12), ...]` for a word model.
        """
        _prompt(prompt)
        self._require_model("next_tokens")
        self._check_prompts([prompt])
        top_k = check_int("top_k", top_k)
        special = self._special
        answerable = len(self.state["vocabulary"]) - special
        if top_k > answerable:
            raise ValueError(f"`top_k` must be at most {answerable} (the learnt tokens), got "
                             f"{top_k}.")
        probabilities = self.predict_proba([prompt])[0]
        order = np.argsort(-probabilities[special:], kind="stable")[:top_k] + special
        return [(self.state["vocabulary"][i], float(probabilities[i])) for i in order]

    def generate(self, prompt: str, *, length: int, temperature: float = 1.0,
                 top_k: int | None = None, seed: int | None = None) -> str:
        """The prompt followed by up to `length` sampled tokens (fewer when `<s>` is drawn).

        Args:
            prompt: the start of the text (may be empty: the start of a new text; not with
                `boundary=False`).
            length: tokens to sample, 1 to `MAX_GENERATE` (10,000).
            temperature: > 0; below 1 is more conservative, above 1 more varied.
            top_k: sample among the `top_k` most likely tokens only (1: greedy); None: all.
            seed: the same seed gives the same text; None draws one.

        Returns:
            `prompt` + the generated characters (char level), or `prompt` and the generated
            words and punctuation, space-separated (word level).
        """
        from rnn_zoo.decoding.streaming import generate

        _prompt(prompt)
        self._require_model("generate")
        if not isinstance(length, int) or isinstance(length, bool) \
                or not 1 <= length <= MAX_GENERATE:
            raise ValueError(f"`length` must be an int in [1, {MAX_GENERATE}], got {length!r}.")
        if seed is None:
            seed = int(np.random.default_rng().integers(2**31))
        ids = self._prompt_ids([prompt])[0]
        out, _ = generate(self.backbone, prompt=ids[None], length=length,
                          temperature=temperature, top_k=top_k, seed=seed, suppress=(0, 1),
                          max_length=MAX_GENERATE)
        tokens = out[0].tolist()
        if self._boundary and BOUNDARY_ID in tokens:
            tokens = tokens[:tokens.index(BOUNDARY_ID)]
        words = [self.state["vocabulary"][i] for i in tokens]
        if self.state["level"] == "char":
            return prompt + "".join(words)
        return " ".join(part for part in (prompt, " ".join(words)) if part)

    def answer(self, inputs, *, prompt: str | None = None, length: int | None = None,
               temperature: float | None = None, seed: int | None = None) -> str:
        """`rnn-zoo predict`: each INPUT's five most likely next tokens with their
        probabilities; or, with `--prompt`/`--length` (and no INPUT), text sampled after the
        prompt (defaults: 300 tokens, temperature 0.8, seed 0)."""
        if inputs and (prompt is not None or length is not None):
            raise ValueError("Give INPUT texts (their next tokens) or --prompt/--length "
                             "(generated text), not both.")
        if inputs:
            if temperature is not None or seed is not None:
                raise ValueError("--temperature and --seed apply to generation (--prompt).")
            lines = []
            for text in inputs:
                ranked = self.next_tokens(text, top_k=5)
                lines.append(f"{text}\t" + ", ".join(f"{t!r} {p:.3f}" for t, p in ranked))
            return "\n".join(lines)
        return self.generate("" if prompt is None else prompt,
                             length=300 if length is None else length,
                             temperature=0.8 if temperature is None else temperature,
                             seed=0 if seed is None else seed)

    def stream(self, *, batch: int = 1):
        """`(step, states)`: the one-step model `[token_t, *states] -> [logits_t, *states]`
        sharing the trained weights (`rnn_zoo.decoding.step_model`), and its zero state
        (`initial_state`). Token ids are indices of `vocabulary`; start a text with id 2."""
        from rnn_zoo.decoding.streaming import initial_state, step_model

        step = step_model(self.backbone, name="language_model_step")
        return step, initial_state(step, batch=batch)

    def evaluate(self, x, y=None, *, batch_size: int | None = None,
                 seq_len: int | None = None) -> dict[str, Any]:
        """Scores held-out text: every next token once, in windows of `seq_len` tokens (default
        the `eval_seq_len` setting, else the training `seq_len`), each from a zero state.

        Returns:
            `loss` (mean cross-entropy, nats per token), `bits_per_token` (the same in bits),
            `perplexity` (exp of it), `accuracy` (the most likely token is the next one) and
            `tokens` (targets scored).
        """
        import keras

        self._require_model("evaluate")
        texts, _ = self._check_xy(x, y, x_name="x", y_name="y", fitting=True)
        batch_size = check_int("batch_size", batch_size or self._config["batch_size"])
        size = check_optional_int("seq_len", seq_len) or self.eval_seq_len
        inputs, targets = self._windows(texts, name="x", size=size)
        nats, hits = 0.0, 0
        for i in range(0, len(inputs), batch_size):
            logits = keras.ops.convert_to_numpy(
                self.backbone(inputs[i:i + batch_size], training=False))
            target = targets[i:i + batch_size]
            real = target > 0
            picked = np.take_along_axis(log_softmax(logits), target[..., None], axis=-1)[..., 0]
            nats -= float(picked[real].sum())
            hits += int((logits.argmax(-1) == target)[real].sum())
        count = int((targets > 0).sum())
        loss = nats / count
        return {"loss": loss, "bits_per_token": loss / _BITS,
                "perplexity": float(math.exp(min(loss, 700.0))),
                "accuracy": hits / count, "tokens": count}

    def _answers(self, outputs):
        best = np.argmax(outputs[:, self._special:], axis=-1) + self._special
        return [self.state["vocabulary"][i] for i in best]

    # --- export -----------------------------------------------------------------------------

    def export(self, directory, **kwargs):
        """Exports the raw-text model (`rnn_zoo.exporters.export`, same keyword arguments) and,
        unless `stateful=False`, the step model with explicit state (`stateful/`)."""
        kwargs.setdefault("stateful", True)
        return super().export(directory, **kwargs)

    def servable(self):
        """Raw strings in (SavedModel `serving_default`: next-token logits and the most likely
        next token), token ids in (`serve_tokens`, TFLite, ONNX: the backbone)."""
        import tensorflow as tf

        from rnn_zoo.exporters.text import _text_servable

        self._require_model("export")
        model, vocabulary = self.model, [str(v) for v in self.state["vocabulary"]]
        word = self.state["level"] == "word"
        standardize = model.get_layer("standardize") if word else None
        vectorize, context = model.get_layer("vectorize"), model.get_layer("context")
        last = model.get_layer("next_token")
        vocab_tensor = tf.constant(vocabulary, tf.string)
        special = self._special

        def vectorize_graph(texts):
            return context(vectorize(standardize(texts) if word else texts))

        def vectorize_python(text):
            if not text and not self._boundary:  # nothing to read: all padding, as the graph
                return []
            return [int(i) for i in self._prompt_ids([text])[0]]

        def respond_graph(ids, logits):
            final = last([logits, ids])
            best = tf.argmax(final[:, special:], axis=-1, output_type=tf.int32) + special
            return {"logits": final, "next_token": tf.gather(vocab_tensor, best)}

        def respond_python(ids, logits):
            final = logits[np.arange(len(ids)), np.maximum((ids != 0).sum(axis=1) - 1, 0)]
            best = final[:, special:].argmax(axis=-1) + special
            return {"logits": final,
                    "next_token": np.asarray([vocabulary[i] for i in best], dtype=object)}

        return _text_servable(
            self.backbone, name="language_model", vectorize_graph=vectorize_graph,
            vectorize_python=vectorize_python, respond_graph=respond_graph,
            respond_python=respond_python,
            # An empty prompt has nothing to read without the boundary token.
            examples=[""] * self._boundary + ["a", "A longer prompt, with punctuation!",
                                              "ünïcödé 😀 42"],
            track=[layer for layer in (standardize, vectorize, context, last) if layer],
            metadata={"task": "LanguageModel", "level": self.state["level"],
                      "serving_default": "raw text -> next-token logits and the most likely "
                                         "next token (padding, [UNK] and <s> excluded)",
                      "serve_tokens": "token ids (vocabulary; 0 padding, 1 [UNK]" + (
                          ", 2 <s> before every text" if self._boundary else
                          "; no boundary token") + ") -> logits per step",
                      "vocabulary": vocabulary})


def _texts(name: str, x) -> list[str]:
    texts = check_sequence(name, x, what="strings")
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            raise TypeError(f"`{name}[{i}]` must be a str, got {type(text).__name__}.")
    return texts


def _prompt(prompt) -> str:
    if not isinstance(prompt, str):
        raise TypeError(f"`prompt` must be a str, got {type(prompt).__name__}.")
    return prompt
