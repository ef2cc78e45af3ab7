"""char_lm_shakespeare: many-to-many (synced) next-character prediction on tiny Shakespeare.

The lecture's motivating example, predicting the next token from the ones before it, at the
character level. Data: the TFDS catalog dataset `tiny_shakespeare` (its own train / validation
/ test split of the text), prepared offline from the exact source file in a manual dir
(`--manual-dir`, `$RNN_ZOO_MANUAL_DIR`, or the checkout's `../shared/tfds_manual`). Characters
become ids with a `TextVectorization` layer adapted on the train text; the text is cut into
chunks of `seq_len + 1` characters and the model predicts characters 2..n+1 from 1..n.
Model: `many_to_many_lstm` (or `_gru`) from the registry, causal (not bidirectional).
Metric: mean cross-entropy in nats per character on the validation and test text, each
character scored once (chunks do not overlap; the state starts from zero in every chunk).
Baselines on the same text: unigram and bigram character models (add-one smoothing) estimated
on the train text in the same run.
Bar (`full`): validation loss <= 1.50 nats/char.

    python -m recipes.char_lm_shakespeare --profile quick --out runs/char_lm
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

import rnn_zoo
from recipes import _common
from rnn_zoo._validation import check_int
from rnn_zoo.data import char_lm_pipeline, char_vectorizer, vocabulary_of

NAME = "char_lm_shakespeare"
DATASET = "tiny_shakespeare"
TEMPERATURES = (0.5, 0.8, 1.0)
# Characters one `predict` call generates: one step of the in-graph loop each (about 1,100
# characters/s on a 2-core CPU, benchmarks/README.md "Streaming"), so the cap takes ~10 s.
MAX_LENGTH = 10_000


@dataclasses.dataclass(frozen=True)
class Config:
    model: str = "many_to_many_lstm"
    units: int = 512
    num_layers: int = 2
    embedding_dim: int = 64
    dropout: float = 0.3
    seq_len: int = 100
    batch_size: int = 64
    learning_rate: float = 2e-3
    epochs: int = 20
    patience: int = 4
    seed: int = 0


PROFILES = {
    "quick": Config(model="many_to_many_gru", units=128, num_layers=1, dropout=0.0,
                    learning_rate=5e-3, epochs=2, patience=2),
    "full": Config(),
}

LIMITATIONS = (
    "Trained on about 1M characters of Shakespeare; it models spelling and layout, not meaning. "
    "The bar is on TFDS's validation text; the test text (other plays) scores worse, and both "
    "numbers are in metrics.json. Characters outside the train vocabulary map to the OOV id. "
    "Scores use chunks that start from a zero state, which slightly overstates the loss of a "
    "model run with carried state."
)

BAR = _common.Bar(metric="validation_loss", higher_is_better=False, value=1.50)


def load_texts(data_dir=None, manual_dir=None) -> dict[str, str]:
    """The train / validation / test text of TFDS `tiny_shakespeare` (one example per split)."""
    from rnn_zoo import datasets

    texts = {}
    for split in ("train", "validation", "test"):
        ds = datasets.load(DATASET, split=split, data_dir=data_dir, manual_dir=manual_dir)
        (example,) = ds.as_numpy_iterator()
        texts[split] = example["text"].decode("utf-8")
    return texts


def _pipeline(text: str, vectorizer, config: Config, *, train: bool) -> tf.data.Dataset:
    return char_lm_pipeline(
        text, vectorizer=vectorizer, seq_len=config.seq_len, batch_size=config.batch_size,
        shuffle_buffer=10_000 if train else None, seed=config.seed, drop_remainder=train,
    )


def ngram_baselines(texts: dict[str, str], vectorizer) -> dict:
    """Unigram and bigram cross-entropy (nats/char) with add-one smoothing, fit on train."""
    size = vectorizer.vocabulary_size()
    ids = {s: np.asarray(vectorizer([t])).ravel() for s, t in texts.items()}
    unigram = np.bincount(ids["train"], minlength=size) + 1.0
    unigram /= unigram.sum()
    bigram = np.ones((size, size))
    np.add.at(bigram, (ids["train"][:-1], ids["train"][1:]), 1.0)
    bigram /= bigram.sum(axis=1, keepdims=True)
    found = {"unigram": {}, "bigram": {}}
    for split in ("validation", "test"):
        x = ids[split]
        found["unigram"][f"{split}_loss"] = float(-np.mean(np.log(unigram[x[1:]])))
        found["bigram"][f"{split}_loss"] = float(-np.mean(np.log(bigram[x[:-1], x[1:]])))
    return found


def sample(model: keras.Model, vocabulary, *, prompt: str, length: int = 300,
           temperature: float = 0.8, context: int = 100, seed: int = 0) -> str:
    """Generates `length` characters after `prompt`, sampling softmax(logits / temperature).

    The prompt is read once by the sequence model, and its final `(h, c)` state is carried
    through a loop in the graph (`rnn_zoo.decoding.generate`) that samples one character per
    step from the one-step model: no window is rerun, so the text conditions on everything
    before it. `context` (the training chunk length, which the former window-rerun sampler
    reran) is still checked but no longer limits what the model sees. Characters outside the
    vocabulary map to the OOV id, as in training; padding and OOV are never emitted.
    """
    from rnn_zoo.decoding import generate

    if not isinstance(prompt, str) or not prompt:
        raise ValueError(f"`prompt` must be a non-empty str, got {prompt!r}.")
    if isinstance(temperature, bool) or not (isinstance(temperature, (int, float))
                                             and 0 < temperature < math.inf):
        raise ValueError(f"`temperature` must be a finite float > 0, got {temperature!r}.")
    length = check_int("length", length)
    check_int("context", context)
    seed = check_int("seed", seed, minimum=0)
    index = {ch: i for i, ch in enumerate(vocabulary)}
    ids = np.asarray([[index.get(ch, 1) for ch in prompt]], np.int32)
    out, _ = generate(model, prompt=ids, length=length, temperature=temperature, seed=seed,
                      suppress=(0, 1), max_length=max(length, MAX_LENGTH))
    return prompt + "".join(vocabulary[i] for i in out[0])


def _score(model, texts, vectorizer, config: Config, *, samples: bool = True) -> dict:
    found = {}
    for split in ("validation", "test"):
        result = model.evaluate(_pipeline(texts[split], vectorizer, config, train=False),
                                verbose=0, return_dict=True)
        found[f"{split}_loss"] = float(result["loss"])
        found[f"{split}_bits_per_char"] = float(result["loss"] / np.log(2.0))
        found[f"{split}_accuracy"] = float(result["accuracy"])
    if not samples:
        return found
    vocabulary = vocabulary_of(vectorizer)
    found["samples"] = {
        str(t): sample(model, vocabulary, prompt="ROMEO:", length=200, temperature=t,
                       context=config.seq_len, seed=config.seed)
        for t in TEMPERATURES
    }
    return found


def run(*, profile: str = "quick", out_dir, epochs: int | None = None, data_dir=None,
        manual_dir=None, verbose: int = 1, strategy: str = "default",
        mixed_precision: bool = False, callbacks=(), overwrite: bool = False) -> dict:
    """Trains the recipe and writes `out_dir/metrics.json` and `out_dir/model.keras`."""
    config = _common.resolve_profile(PROFILES, profile, epochs)
    out = _common.check_run_args(out_dir=out_dir, verbose=verbose, strategy=strategy,
                                 mixed_precision=mixed_precision)
    _common.seed_everything(config.seed)
    texts = load_texts(data_dir, manual_dir)
    vectorizer = char_vectorizer([texts["train"]])
    size = vectorizer.vocabulary_size()
    overrides = {"vocab_size": size, "num_classes": size, "units": config.units,
                 "num_layers": config.num_layers, "embedding_dim": config.embedding_dim,
                 "dropout": config.dropout}

    def build_and_compile():
        model = rnn_zoo.get_model(config.model, **overrides)
        steps = len(texts["train"]) // (config.seq_len * config.batch_size)
        schedule = _common.cosine_schedule(config.learning_rate, steps_per_epoch=steps,
                                           epochs=config.epochs)
        return _common.sparse_classifier(model, schedule, clipnorm=5.0)

    return _common.train_and_report(
        recipe=NAME, profile=profile, config=config, out_dir=out,
        command=_common.reproduce_command(
            NAME, profile=profile, out_dir=out_dir, epochs=epochs, data_dir=data_dir,
            manual_dir=manual_dir, strategy=strategy, mixed_precision=mixed_precision),
        build_and_compile=build_and_compile,
        train=_pipeline(texts["train"], vectorizer, config, train=True),
        validation=_pipeline(texts["validation"], vectorizer, config, train=False),
        score=lambda model: _score(model, texts, vectorizer, config),
        baselines=lambda: ngram_baselines(texts, vectorizer),
        bar=BAR, trivial="unigram",
        model_info={"name": config.model, "overrides": overrides},
        dataset={"name": DATASET, "characters": {s: len(t) for s, t in texts.items()},
                 "vocabulary": vocabulary_of(vectorizer)},
        verbose=verbose, strategy=strategy, mixed_precision=mixed_precision,
        callbacks=callbacks, overwrite=overwrite,
    )


def predict(model, preset, inputs, *, prompt: str = "ROMEO:",
            length: int = 300, temperature: float = 0.8, seed: int = 0) -> str:
    """`rnn-zoo predict char_lm_shakespeare --prompt ...`: sampled text after the prompt."""
    from rnn_zoo.presets import read_vocabulary

    if inputs:
        raise ValueError(f"Preset {preset.name!r} takes no positional INPUT; give the start of "
                         "the text with --prompt.")
    from rnn_zoo.inputs import check_text

    if isinstance(prompt, str):
        check_text(prompt, name="`prompt`")
    if not isinstance(length, int) or isinstance(length, bool) or not 1 <= length <= MAX_LENGTH:
        raise ValueError(f"`length` must be an int in [1, {MAX_LENGTH}], got {length!r}.")
    context = int(preset.metrics.get("config", {}).get("seq_len", 100))
    return sample(
        model, read_vocabulary(preset), prompt=prompt, length=length, temperature=temperature,
        context=context, seed=seed)


def evaluate(*, out_dir, data_dir=None, manual_dir=None, verbose: int = 0) -> dict:
    """Re-scores the trained run in `out_dir` on validation and test; writes `evaluation.json`."""
    metrics, model = _common.load_run(out_dir)
    config = _common.config_of(Config, metrics, NAME)
    texts = load_texts(data_dir, manual_dir)
    vectorizer = char_vectorizer([texts["train"]])
    # Samples are illustrations, not metrics: re-scoring skips them.
    return _common.report_evaluation(Path(out_dir), metrics,
                                     _score(model, texts, vectorizer, config, samples=False))


if __name__ == "__main__":
    raise SystemExit(_common.main_for(NAME))
