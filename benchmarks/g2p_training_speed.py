"""g2p_cmudict: the zoo's training and decoding vs a keras.io-style baseline of the same size.

Both sides train the same architecture size (character embedding 64, bidirectional LSTM encoder
of 256 units per direction, LSTM decoder of 512 units, additive attention, softmax over the
phonemes) on the same training pairs, for the same number of epochs, epochs interleaved so
that machine load hits both alike. They differ in what the issue names:

- zoo: `recipes.g2p_cmudict` pipeline (length buckets, padding only to the longest word of a
  batch, masks) and loss (`TokenSumCrossentropy`: each batch summed over one fixed token
  count), the registry model, XLA off (measured slower for LSTM loops on a CPU); decoding is
  the in-graph `Translator` (beam and greedy search in one `tf.function`);
- zoo, batch-mean loss: the same with Keras's default loss (mean over each batch's tokens), the
  ablation that shows why the recipe sums tokens: a bucket of short words then weighs a token
  several times as much as a bucket of long words;
- keras.io style: every word and pronunciation padded to the global maximum length (the longest
  of the whole training split, also when `--pairs` times a sample), no bucketing, no masks (the
  loss also trains on the padding), `fit` on NumPy arrays; decoding is
  a Python loop that re-runs the teacher-forced model on the growing prefix, batched.

All sides use the same optimizer (Adam 3e-3, gradient norm clipped at 5, no schedule) and no
dropout. WER after a few epochs varies by several points with the seed (initialisation and
batch order), so every side is trained once per `--seeds` seed and the WERs are compared as
means over the seeds. Epochs are interleaved with `benchmarks._common.interleave` (rotating
the order of the sides every round); the first epoch of each run (tracing, graph building) is
reported apart, and the speed-up is the median of the per-epoch ratios of the later epochs of
all seeds. Output: a JSON document (`--out`) and a Markdown table on stdout.

    nice -n 10 python -m benchmarks.g2p_training_speed --epochs 5 \
        --out benchmarks/results/g2p_training_speed.json
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from keras import layers  # noqa: E402

import rnn_zoo  # noqa: E402
from benchmarks import _common  # noqa: E402
from benchmarks import report as report_tables  # noqa: E402
from recipes import _common as recipes_common  # noqa: E402
from recipes import g2p_cmudict as recipe  # noqa: E402
from rnn_zoo.data import text  # noqa: E402
from rnn_zoo.data.tasks import seq2seq_pipeline  # noqa: E402
from rnn_zoo.losses import TokenSumCrossentropy, expected_tokens_per_batch  # noqa: E402

EMBEDDING, UNITS = 64, 256


def keras_io_model(source_vocab: int, target_vocab: int, source_len: int, target_len: int, *,
                   embedding_dim: int = EMBEDDING, units: int = UNITS):
    """The same sizes as the recipe's model, written the keras.io way: fixed lengths, no masks."""
    source = keras.Input((source_len,), dtype="int32", name="source_tokens")
    target = keras.Input((target_len,), dtype="int32", name="target_tokens")
    x = layers.Embedding(source_vocab, embedding_dim)(source)
    encoded, fh, fc, bh, bc = layers.Bidirectional(
        layers.LSTM(units, return_sequences=True, return_state=True))(x)
    h, c = layers.Concatenate()([fh, bh]), layers.Concatenate()([fc, bc])
    y = layers.Embedding(target_vocab, embedding_dim)(target)
    y = layers.LSTM(2 * units, return_sequences=True)(y, initial_state=[h, c])
    context = layers.AdditiveAttention()(
        [layers.Dense(2 * units, use_bias=False)(y), encoded,
         layers.Dense(2 * units, use_bias=False)(encoded)])
    y = layers.Dense(2 * units, activation="tanh")(layers.Concatenate()([context, y]))
    logits = layers.Dense(target_vocab)(y)
    model = keras.Model({"source_tokens": source, "target_tokens": target}, logits)
    model.compile(optimizer=keras.optimizers.Adam(3e-3, clipnorm=5.0),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


def padded_arrays(pairs, source_vec, target_vec, *, source_length: int, target_length: int):
    """NumPy arrays padded to the global maximum lengths: source, decoder input and target."""
    words, prons = zip(*pairs, strict=True)
    source = source_vec(list(words)).numpy().astype("int32")
    decoder_in, decoder_out = text.teacher_forcing_pair(target_vec(list(prons)), start_id=2,
                                                        end_id=3)

    def pad(x, length):
        x = np.asarray(x, "int32")
        return np.pad(x, [(0, 0), (0, length - x.shape[1])])

    return (pad(source, source_length), pad(decoder_in, target_length),
            pad(decoder_out, target_length))


def keras_io_greedy(model, source, max_length: int, batch_size: int) -> np.ndarray:
    """Python-loop greedy decoding: the whole model re-run on the growing prefix each step."""
    target_len = model.inputs[1].shape[1]
    out = np.zeros((len(source), max_length), "int32")
    for begin in range(0, len(source), batch_size):
        src = source[begin:begin + batch_size]
        prefix = np.zeros((len(src), target_len), "int32")
        prefix[:, 0] = 2
        done = np.zeros(len(src), bool)
        for t in range(min(max_length, target_len)):
            logits = model.predict_on_batch({"source_tokens": src, "target_tokens": prefix})
            step = logits[:, t].copy()
            step[:, :3] = -np.inf  # padding, [UNK], <start>
            token = np.where(done, 0, step.argmax(-1)).astype("int32")
            out[begin:begin + batch_size, t] = token
            done |= token == 3
            if t + 1 < target_len:
                prefix[:, t + 1] = token
            if done.all():
                break
    return out


def to_strings(ids, vocabulary) -> list[str]:
    texts = []
    for row in ids:
        symbols = []
        for i in row:
            if i <= 3:
                break
            symbols.append(vocabulary[i])
        texts.append(" ".join(symbols))
    return texts


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=30_000,
                        help="training pairs (a seeded random sample of the train split)")
    parser.add_argument("--epochs", type=int, default=5, help="epochs per side (>= 2)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2],
                        help="one training run per side and seed")
    parser.add_argument("--test-words", type=int, default=2_000, help="test words to decode")
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--units", type=int, default=UNITS, help="encoder units per direction")
    parser.add_argument("--embedding-dim", type=int, default=EMBEDDING)
    parser.add_argument("--out", default=None, help="also write the result (JSON) here")
    args = parser.parse_args(argv)
    if args.epochs < 2:
        parser.error("--epochs must be >= 2 (the first epoch includes tracing)")
    machine = _common.machine(_common.command_line(  # the load average before the run
        "benchmarks.g2p_training_speed", sys.argv[1:] if argv is None else argv))

    config = recipe.PROFILES["full"]
    train_words = recipe.load_words("train")
    test_words = recipe.load_words("test")[:args.test_words]
    # A fixed random sample: the split is sorted by word, so its first pairs are all "a..." words.
    pairs = [(w, p) for w, prons in train_words for p in prons]
    pick = np.random.default_rng(0).permutation(len(pairs))[:args.pairs]
    pairs = [pairs[i] for i in sorted(pick)]
    source_vec = text.char_vectorizer([w for w, _ in train_words], standardize="lower")
    target_vec = text.target_vectorizer(text.target_vocabulary(
        [p for _, prons in train_words for p in prons]))
    source_vocab = text.vocabulary_of(source_vec)
    target_vocab = text.vocabulary_of(target_vec)
    token_sum = TokenSumCrossentropy(tokens_per_batch=expected_tokens_per_batch(
        [len(p.split()) + 1 for _, p in pairs], batch_size=args.batch_size))

    # keras.io style: global padding, NumPy arrays. "Global maximum" is the whole training
    # split's, as a keras.io script that loads the dictionary pads it, even when only a sample
    # of the pairs is timed here.
    source, decoder_in, decoder_out = padded_arrays(
        pairs, source_vec, target_vec,
        source_length=max(len(w) for w, _ in train_words),
        target_length=1 + max(len(p.split()) for _, prons in train_words for p in prons))
    base_x = {"source_tokens": source, "target_tokens": decoder_in}
    words = [w for w, _ in test_words]
    references = [refs for _, refs in test_words]
    test_source = source_vec(words).numpy().astype("int32")
    test_source = np.pad(test_source, [(0, 0), (0, max(0, source.shape[1]
                                                       - test_source.shape[1]))])
    test_source = test_source[:, :source.shape[1]]
    max_length = config.max_output_length

    def zoo_model(loss):
        model = rnn_zoo.get_model(config.model, source_vocab_size=len(source_vocab),
                                  target_vocab_size=len(target_vocab),
                                  embedding_dim=args.embedding_dim, units=args.units, dropout=0.0)
        return recipes_common.sparse_classifier(model, 3e-3, clipnorm=5.0, loss=loss,
                                                jit_compile=config.jit_compile)

    def zoo_decode(model, search):
        translator = recipe.translator_for(model, source_vocab, target_vocab, search=search,
                                           beam_width=config.beam_width, max_length=max_length)
        recipe.transcribe(translator, words[:64])  # trace once, outside the timing
        start = time.perf_counter()
        hyps = recipe.transcribe(translator, words, batch_size=config.decode_batch_size)
        return hyps, len(words) / (time.perf_counter() - start)

    def scored(hyps, words_per_second):
        found = recipe.score_pronunciations(hyps, references)
        return {"wer": found["wer"], "per": found["per"], "words_per_second": words_per_second}

    runs = []
    for seed in args.seeds:
        keras.utils.set_random_seed(seed)
        zoo_data = seq2seq_pipeline(
            tf.data.Dataset.from_tensor_slices(tuple(map(list, zip(*pairs, strict=True)))),
            source_vectorizer=source_vec, target_vectorizer=target_vec,
            batch_size=args.batch_size, boundaries=list(config.boundaries),
            shuffle_buffer=len(pairs), seed=seed)
        zoo, zoo_mean = zoo_model(token_sum), zoo_model(None)
        base = keras_io_model(len(source_vocab), len(target_vocab), source.shape[1],
                              decoder_in.shape[1], embedding_dim=args.embedding_dim,
                              units=args.units)
        times = _common.interleave({
            "zoo": lambda m=zoo, d=zoo_data: _common.timed(lambda: m.fit(d, epochs=1,
                                                                           verbose=0)),
            "zoo_batch_mean": lambda m=zoo_mean, d=zoo_data: _common.timed(
                lambda: m.fit(d, epochs=1, verbose=0)),
            "keras_io": lambda m=base: _common.timed(lambda: m.fit(
                base_x, decoder_out, batch_size=args.batch_size, shuffle=True, epochs=1,
                verbose=0)),
        }, rounds=args.epochs)
        decoding = {"zoo_greedy": scored(*zoo_decode(zoo, "greedy")),
                    "zoo_beam": scored(*zoo_decode(zoo, "beam")),
                    "zoo_batch_mean_greedy": scored(*zoo_decode(zoo_mean, "greedy"))}
        keras_io_greedy(base, test_source[:64], max_length, config.decode_batch_size)
        start = time.perf_counter()
        ids = keras_io_greedy(base, test_source, max_length, config.decode_batch_size)
        decoding["keras_io_greedy"] = scored(to_strings(ids, target_vocab),
                                             len(words) / (time.perf_counter() - start))
        runs.append({"seed": seed, "epoch_seconds": times, "decoding": decoding})

    def later_epochs(side):
        return [t for run in runs for t in run["epoch_seconds"][side][1:]]

    speedup = _common.paired_ratio(later_epochs("keras_io"), later_epochs("zoo"))
    median_epoch = {side: _common.summary(later_epochs(side))["median"]
                    for side in ("zoo", "zoo_batch_mean", "keras_io")}
    mean = {side: {metric: float(np.mean([run["decoding"][side][metric] for run in runs]))
                   for metric in ("wer", "per", "words_per_second")}
            for side in runs[0]["decoding"]}
    report = {
        "machine": machine,
        "pairs": len(pairs), "epochs": args.epochs, "seeds": args.seeds,
        "test_words": len(words), "beam_width": config.beam_width,
        "padded_lengths": {"source": int(source.shape[1]), "target": int(decoder_in.shape[1])},
        "params": {"zoo": int(zoo.count_params()), "keras_io": int(base.count_params())},
        "tokens_per_batch": token_sum.tokens_per_batch,
        "runs": runs,
        "median_epoch_seconds_after_first": median_epoch,
        "epoch_speedup": speedup,
        "mean_over_seeds": mean,
        "zoo_wer_equal_or_better": mean["zoo_greedy"]["wer"] <= mean["keras_io_greedy"]["wer"],
        "beam_vs_python_loop_words_per_second": (mean["zoo_beam"]["words_per_second"]
                                                 / mean["keras_io_greedy"]["words_per_second"]),
    }
    print(json.dumps(report, indent=2))
    print(report_tables.g2p_training_speed(report))
    if args.out:
        _common.write_results(args.out, report)
    return report


if __name__ == "__main__":
    main()
