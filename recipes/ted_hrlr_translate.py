"""ted_hrlr_translate: encoder-decoder Portuguese -> English translation (needs the network).

Data: the TFDS catalog dataset `ted_hrlr_translate/pt_to_en` (Qi et al. 2018, TED talk
transcripts; official train / validation / test splits of about 51,800 / 1,190 / 1,800 sentence
pairs), downloaded by TFDS or read from the exact upstream archive in a manual dir
(`--manual-dir`, `$RNN_ZOO_MANUAL_DIR`). `ted_hrlr_pt_to_en_pipeline` turns both languages into
word ids (lower-cased, punctuation stripped, vocabularies adapted on the training split only),
builds the teacher-forcing pair (`<start> y` -> `y <end>`) and buckets batches by length.
Model: `encoder_decoder_bilstm_bahdanau` (or `encoder_decoder_gru_attention`) from the registry,
trained with teacher forcing; early stopping on the validation loss.
Evaluation on the test split: masked token accuracy and cross-entropy under teacher forcing
(padding excluded), and corpus BLEU-4 (Papineni et al. 2002; uniform weights, brevity penalty,
no smoothing, one reference) of greedy decoding: `encoder_decoder_parts(model).decoder_step`
run in a batched Python loop from `<start>` until `<end>` or a maximum length. Hypotheses and
references are compared as standardized words (the vectorizers' standardization); out-of-vocabulary
output (`[UNK]`) never matches.
Baseline on the same test split, in the same run: copy-source (the output is the source's own
words), whose BLEU measures the words shared by the two languages (names, numbers, cognates).
Published anchor: TensorFlow's "Neural machine translation with attention" tutorial (a GRU
encoder-decoder with additive attention, greedy decoding); it reports no test BLEU on this
dataset, so the bar is relative to the copy-source baseline.
Bar (`full`): test BLEU above the copy-source baseline's.

    python -m recipes.ted_hrlr_translate --profile quick --out runs/ted_hrlr_translate
"""

from __future__ import annotations

import collections
import dataclasses
import math
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

import rnn_zoo
from recipes import _common
from rnn_zoo.data import decode_ids, ted_hrlr_pt_to_en_pipeline, vocabulary_of
from rnn_zoo.decoding import encoder_decoder_parts

NAME = "ted_hrlr_translate"
DATASET = "ted_hrlr_translate/pt_to_en"
PAD_ID, START_ID, END_ID = 0, 2, 3
# Keras TextVectorization's "lower_and_strip_punctuation" (the vectorizers' standardization).
_STRIP = r'[!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\']'


@dataclasses.dataclass(frozen=True)
class Config:
    model: str = "encoder_decoder_bilstm_bahdanau"
    max_tokens: int = 12_000
    boundaries: tuple[int, ...] = (16, 24, 32, 48, 64)
    embedding_dim: int = 256
    units: int = 256
    num_layers: int = 1
    dropout: float = 0.2
    learning_rate: float = 1e-3
    batch_size: int = 64
    epochs: int = 20
    patience: int = 3
    train_split: str = "train"
    max_decode_length: int = 80
    decode_batch_size: int = 128
    seed: int = 0


PROFILES = {
    "quick": Config(model="encoder_decoder_gru_attention", max_tokens=2_000,
                    boundaries=(16, 32), embedding_dim=32, units=32, dropout=0.0,
                    learning_rate=3e-3, epochs=1, patience=1, train_split="train[:4000]",
                    max_decode_length=40),
    "full": Config(),
}

BAR = _common.Bar(metric="bleu", higher_is_better=True, baseline="copy_source")


def standardize(texts) -> list[list[str]]:
    """The words a vectorizer sees: lower-cased, punctuation stripped, split on whitespace."""
    lowered = tf.strings.regex_replace(tf.strings.lower(tf.constant(list(texts), tf.string)),
                                       _STRIP, "")
    return [t.decode("utf-8").split() for t in lowered.numpy()]


def corpus_bleu(hypotheses: list[list[str]], references: list[list[str]],
                max_order: int = 4) -> dict:
    """Corpus BLEU (Papineni et al. 2002): clipped n-gram precisions pooled over the corpus,
    geometric mean with uniform weights, times the brevity penalty; one reference per sentence,
    no smoothing (0.0 when some order has no match)."""
    if len(hypotheses) != len(references):
        raise ValueError(f"{len(hypotheses)} hypotheses but {len(references)} references.")
    matches, totals = [0] * max_order, [0] * max_order
    hyp_len = ref_len = 0
    for hyp, ref in zip(hypotheses, references, strict=True):
        hyp_len, ref_len = hyp_len + len(hyp), ref_len + len(ref)
        for n in range(1, max_order + 1):
            h = collections.Counter(tuple(hyp[i:i + n]) for i in range(len(hyp) - n + 1))
            r = collections.Counter(tuple(ref[i:i + n]) for i in range(len(ref) - n + 1))
            matches[n - 1] += sum(min(c, r[g]) for g, c in h.items())
            totals[n - 1] += max(len(hyp) - n + 1, 0)
    precisions = [m / t if t else 0.0 for m, t in zip(matches, totals, strict=True)]
    brevity = 1.0 if hyp_len > ref_len else math.exp(1 - ref_len / max(hyp_len, 1))
    bleu = 0.0
    if min(precisions) > 0:
        bleu = brevity * math.exp(sum(math.log(p) for p in precisions) / max_order)
    return {"bleu": float(bleu), "precisions": [float(p) for p in precisions],
            "brevity_penalty": float(brevity), "hypothesis_words": hyp_len,
            "reference_words": ref_len}


def greedy_decode(model: keras.Model, source_ids: np.ndarray, *, max_length: int) -> np.ndarray:
    """Greedy search with the one-step decoder: `(batch, S)` source ids -> `(batch, <= max_length)`
    target ids, each row ending at its first `<end>` (then padding). Padding and `<start>` are
    never emitted."""
    parts = encoder_decoder_parts(model)
    encoded = parts.encoder(tf.constant(source_ids, tf.int32), training=False)
    states = encoded["states"]
    batch = source_ids.shape[0]
    token = np.full((batch, 1), START_ID, np.int32)
    done = np.zeros(batch, bool)
    out = []
    for _ in range(max_length):
        step = parts.decoder_step(
            {"token": tf.constant(token), "encoder_outputs": encoded["encoder_outputs"],
             "source_mask": encoded["source_mask"], "states": states}, training=False)
        logits = np.array(step["logits"], np.float64)
        logits[:, [PAD_ID, START_ID]] = -np.inf
        chosen = np.where(done, PAD_ID, logits.argmax(axis=-1)).astype(np.int32)
        out.append(chosen)
        done |= chosen == END_ID
        states, token = step["states"], chosen[:, None]
        if done.all():
            break
    return np.stack(out, axis=1)


def translate(model, sources: list[str], source_vectorizer, target_vectorizer, config: Config
              ) -> list[list[str]]:
    """Greedy translations (as words) of `sources`, batched by similar length."""
    target_vocab = vocabulary_of(target_vectorizer)
    order = np.argsort([len(s.split()) for s in sources], kind="stable")
    found: list[list[str]] = [[] for _ in sources]
    for begin in range(0, len(sources), config.decode_batch_size):
        rows = order[begin:begin + config.decode_batch_size]
        ids = np.asarray(source_vectorizer([sources[i] for i in rows]))
        if ids.shape[1] == 0:  # every source in the batch is empty after standardization
            ids = np.zeros((len(rows), 1), np.int64)
        length = min(config.max_decode_length, 2 * ids.shape[1] + 10)
        decoded = greedy_decode(model, ids, max_length=length)
        for row, text in zip(rows, decode_ids(decoded, vocabulary=target_vocab, separator=" ",
                                              stop_id=END_ID), strict=True):
            found[row] = text.split()
    return found


def load_data(config: Config, data_dir=None, manual_dir=None) -> dict:
    """Teacher-forcing pipelines of the three splits, the vectorizers, and the raw test pairs."""
    from rnn_zoo import datasets

    common = {"batch_size": config.batch_size, "boundaries": list(config.boundaries),
              "data_dir": data_dir, "manual_dir": manual_dir}
    train, vectorizers = ted_hrlr_pt_to_en_pipeline(
        split=config.train_split, max_tokens=config.max_tokens, shuffle_buffer=20_000,
        seed=config.seed, **common)
    validation, _ = ted_hrlr_pt_to_en_pipeline(split="validation", vectorizers=vectorizers,
                                               **common)
    test, _ = ted_hrlr_pt_to_en_pipeline(split="test", vectorizers=vectorizers, **common)
    raw = datasets.load(DATASET, split="test", data_dir=data_dir, manual_dir=manual_dir,
                        as_supervised=True)
    pairs = [(pt.decode("utf-8"), en.decode("utf-8")) for pt, en in raw.as_numpy_iterator()]
    return {"train": train, "validation": validation, "test": test, "vectorizers": vectorizers,
            "test_sources": [p for p, _ in pairs], "test_references": [e for _, e in pairs]}


def _score(model, data: dict, config: Config) -> dict:
    tokens = correct = 0
    loss_sum = 0.0
    for inputs, target in data["test"]:
        logits = model(inputs, training=False)
        mask = np.asarray(target) != PAD_ID
        losses = keras.losses.sparse_categorical_crossentropy(target, logits, from_logits=True)
        tokens += int(mask.sum())
        correct += int((np.asarray(tf.argmax(logits, -1)) == np.asarray(target))[mask].sum())
        loss_sum += float(np.asarray(losses)[mask].sum())
    hypotheses = translate(model, data["test_sources"], *data["vectorizers"], config)
    references = standardize(data["test_references"])
    bleu = corpus_bleu(hypotheses, references)
    return {"bleu": bleu["bleu"], "token_accuracy": correct / max(tokens, 1),
            "token_loss": loss_sum / max(tokens, 1), "tokens": tokens,
            "bleu_details": bleu, "sentences": len(references),
            "examples": [{"source": s, "reference": r, "greedy": " ".join(h)}
                         for s, r, h in list(zip(data["test_sources"], data["test_references"],
                                                 hypotheses, strict=True))[:5]]}


def baselines(data: dict) -> dict:
    """Copy-source: each translation is the standardized source sentence itself."""
    copied = corpus_bleu(standardize(data["test_sources"]),
                         standardize(data["test_references"]))
    return {"copy_source": {"bleu": copied["bleu"], "bleu_details": copied}}


def run(*, profile: str = "quick", out_dir, epochs: int | None = None, data_dir=None,
        manual_dir=None, verbose: int = 1, strategy: str = "default",
        mixed_precision: bool = False, callbacks=(), overwrite: bool = False) -> dict:
    """Trains the recipe and writes `out_dir/metrics.json` and `out_dir/model.keras`."""
    config = _common.resolve_profile(PROFILES, profile, epochs)
    out = _common.check_run_args(out_dir=out_dir, verbose=verbose, strategy=strategy,
                                 mixed_precision=mixed_precision)
    _common.seed_everything(config.seed)
    data = load_data(config, data_dir, manual_dir)
    source_vec, target_vec = data["vectorizers"]
    overrides = {"source_vocab_size": source_vec.vocabulary_size(),
                 "target_vocab_size": target_vec.vocabulary_size(),
                 "embedding_dim": config.embedding_dim, "units": config.units,
                 "num_layers": config.num_layers, "dropout": config.dropout}

    def build_and_compile():
        model = rnn_zoo.get_model(config.model, **overrides)
        return _common.sparse_classifier(model, config.learning_rate, clipnorm=5.0)

    return _common.train_and_report(
        recipe=NAME, profile=profile, config=config, out_dir=out,
        command=_common.reproduce_command(
            NAME, profile=profile, out_dir=out_dir, epochs=epochs, data_dir=data_dir,
            manual_dir=manual_dir, strategy=strategy, mixed_precision=mixed_precision),
        build_and_compile=build_and_compile,
        train=data["train"], validation=data["validation"],
        score=lambda model: _score(model, data, config),
        baselines=lambda: baselines(data),
        bar=BAR, trivial="copy_source",
        model_info={"name": config.model, "overrides": overrides},
        dataset={"name": DATASET,
                 "splits": {"train": config.train_split, "validation": "validation",
                            "test": "test"},
                 "test_sentences": len(data["test_sources"]),
                 "vocabulary_size": {"source": source_vec.vocabulary_size(),
                                     "target": target_vec.vocabulary_size()}},
        verbose=verbose, strategy=strategy, mixed_precision=mixed_precision,
        callbacks=callbacks, overwrite=overwrite,
        preprocessing={"standardize": "lower_and_strip_punctuation", "split": "whitespace",
                       "max_tokens": config.max_tokens, "start_id": START_ID,
                       "end_id": END_ID},
    )


def evaluate(*, out_dir, data_dir=None, manual_dir=None, verbose: int = 0) -> dict:
    """Re-scores the trained run in `out_dir` on the test split; writes `evaluation.json`."""
    metrics, model = _common.load_run(out_dir)
    config = _common.config_of(Config, metrics, NAME)
    data = load_data(config, data_dir, manual_dir)
    return _common.report_evaluation(Path(out_dir), metrics, _score(model, data, config))


if __name__ == "__main__":
    raise SystemExit(_common.main_for(NAME))
