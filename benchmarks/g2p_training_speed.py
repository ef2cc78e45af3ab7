"""g2p_cmudict: the zoo's training and decoding vs a keras.io-style baseline of the same size.

Both sides train the same architecture size (character embedding 64, bidirectional LSTM encoder
of 256 units per direction, LSTM decoder of 512 units, additive attention, softmax over the
phonemes) on the same training pairs, for the same number of epochs, epochs interleaved so
that machine load hits both alike. They differ in what the issue names:

- zoo: the `g2p_cmudict` recipe's `Seq2Seq` task (its `full` settings at these sizes): the
  task's pipeline (length buckets learned from the pairs, padding only to the longest word of
  a batch, masks), its loss (`TokenSumCrossentropy`: each batch summed over one fixed token
  count) and its backbone (`rnn_zoo.topologies.encoder_decoder`), XLA off (measured slower for
  LSTM loops on a CPU); decoding is the task's in-graph search (`Seq2Seq.translate`: beam and
  greedy search inside the model);
- zoo, batch-mean loss: the same with Keras's default loss (mean over each batch's tokens), the
  ablation that shows why the recipe sums tokens: a bucket of short words then weighs a token
  several times as much as a bucket of long words;
- keras.io style: every word and pronunciation padded to the global maximum length (the longest
  of the whole training split, also when `--pairs` times a sample), no bucketing, no masks (the
  loss also trains on the padding), `fit` on NumPy arrays; decoding is
  a Python loop that re-runs the teacher-forced model on the growing prefix, batched.

All sides use the same optimizer (Adam 3e-3, gradient norm clipped at 5, no schedule) and no
dropout. Outputs are scored as the task scores them (`Seq2Seq.evaluate`: stress digits
stripped, a word right when it matches any of its pronunciations): WER is 1 - exact match and
PER the phoneme (token) error rate.

WER after a few epochs varies by several points with the seed (initialisation and batch order),
so every side is trained once per `--seeds` seed and the WERs are compared as means over the
seeds. Epochs are interleaved with `benchmarks._common.interleave` (rotating the order of the
sides every round); the first epoch of each run (tracing, graph building) is reported apart,
and the speed-up is the median of the per-epoch ratios of the later epochs of all seeds.
Output: a JSON document (`--out`) and a Markdown table on stdout.

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
from keras import layers  # noqa: E402

from benchmarks import _common  # noqa: E402
from benchmarks import report as report_tables  # noqa: E402
from rnn_zoo.data import text  # noqa: E402
from rnn_zoo.losses import TokenSumCrossentropy  # noqa: E402
from rnn_zoo.tasks.seq2seq import END, RESERVED_TARGET_IDS, START, Seq2Seq  # noqa: E402

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


def load_words(split: str):
    """`(words, pronunciations)` of a g2p_cmudict split, as `rnn_zoo.runner` reads them."""
    from rnn_zoo import recipe_finder, runner

    return runner.load_splits(recipe_finder.get_declaration("g2p_cmudict"))[split]


def g2p_task(words, pronunciations, *, embedding_dim: int, units: int, batch_size: int,
             seed: int) -> Seq2Seq:
    """The recipe's `full` task at these sizes, without dropout, its preprocessing (both
    vocabularies, length buckets, the token-sum normaliser) learned from the pairs."""
    from rnn_zoo import recipe_finder

    settings = recipe_finder.get_declaration("g2p_cmudict").settings("full")
    task = Seq2Seq(**{**settings, "embedding_dim": embedding_dim, "units": units,
                      "dropout": 0.0, "batch_size": batch_size, "seed": seed})
    task._adapt(*task._check_xy(words, pronunciations, x_name="x", y_name="y", fitting=True))
    return task


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

    train_words, train_prons = load_words("train")
    test_x, test_y = load_words("test")
    words, references = list(test_x[:args.test_words]), list(test_y[:args.test_words])
    # A fixed random sample: the split is sorted by word, so its first pairs are all "a..." words.
    pairs = [(w, p) for w, prons in zip(train_words, train_prons, strict=True) for p in prons]
    pick = np.random.default_rng(0).permutation(len(pairs))[:args.pairs]
    pairs = [pairs[i] for i in sorted(pick)]
    pair_words, pair_prons = [w for w, _ in pairs], [p for _, p in pairs]
    sizes = {"embedding_dim": args.embedding_dim, "units": args.units,
             "batch_size": args.batch_size}
    # The vocabularies of the whole train split, as a keras.io script that loads it builds them.
    task = g2p_task(train_words, train_prons, **sizes, seed=args.seeds[0])
    source_vocab, target_vocab = (task.state["source_vocabulary"],
                                  task.state["target_vocabulary"])
    source_vec = task._source_vectorizer()
    target_vec = text.target_vectorizer(target_vocab[RESERVED_TARGET_IDS:], start_token=START,
                                        end_token=END, split=task._vectorizer_split("target"))

    def vectorize(vectorizer, texts, side):
        return vectorizer(task._standardize(list(texts), side)).numpy().astype("int32")

    # keras.io style: global padding, NumPy arrays. "Global maximum" is the whole training
    # split's, as a keras.io script that loads the dictionary pads it, even when only a sample
    # of the pairs is timed here.
    source_length = max(len(w) for w in train_words)
    target_length = 1 + max(len(p.split()) for prons in train_prons for p in prons)

    def pad(x, length):
        x = np.asarray(x, "int32")
        return np.pad(x, [(0, 0), (0, length - x.shape[1])])[:, :length]

    decoder_in, decoder_out = text.teacher_forcing_pair(
        vectorize(target_vec, pair_prons, "target"), start_id=2, end_id=3)
    source = pad(vectorize(source_vec, pair_words, "source"), source_length)
    decoder_in, decoder_out = pad(decoder_in, target_length), pad(decoder_out, target_length)
    base_x = {"source_tokens": source, "target_tokens": decoder_in}
    test_source = pad(vectorize(source_vec, words, "source"), source_length)
    max_length = task.state["decode_length"]
    beam_width = task.config["beam_size"]
    decode_batch = 512

    def zoo_model(seed_task, loss):
        backbone = seed_task._build_backbone(steps_per_epoch=1)
        # The benchmark's shared optimizer, not the task's schedule: the sides differ only in
        # what the issue names.
        backbone.compile(optimizer=keras.optimizers.Adam(3e-3, clipnorm=5.0),
                         loss=loss or keras.losses.SparseCategoricalCrossentropy(
                             from_logits=True),
                         metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
                         jit_compile=False)
        return backbone

    def zoo_decode(seed_task, backbone, beam_size):
        seed_task.model = seed_task._assemble(backbone)
        seed_task.translate(words[:64], beam_size=beam_size)  # trace once, outside the timing
        start = time.perf_counter()
        hyps = seed_task.translate(words, beam_size=beam_size, max_length=max_length,
                                   batch_size=decode_batch)
        return hyps, len(words) / (time.perf_counter() - start)

    def scored(hyps, words_per_second):
        found = task._scores(references, {"text": hyps})
        return {"wer": 1 - found["exact_match"], "per": found["token_error_rate"],
                "words_per_second": words_per_second}

    runs = []
    for seed in args.seeds:
        keras.utils.set_random_seed(seed)
        seed_task = g2p_task(pair_words, pair_prons, **sizes, seed=seed)
        zoo_data = seed_task._datasets(pair_words, pair_prons, training=True)
        token_sum = TokenSumCrossentropy(tokens_per_batch=seed_task.state["tokens_per_batch"])
        zoo, zoo_mean = zoo_model(seed_task, token_sum), zoo_model(seed_task, None)
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
        decoding = {"zoo_greedy": scored(*zoo_decode(seed_task, zoo, 1)),
                    "zoo_beam": scored(*zoo_decode(seed_task, zoo, beam_width)),
                    "zoo_batch_mean_greedy": scored(*zoo_decode(seed_task, zoo_mean, 1))}
        keras_io_greedy(base, test_source[:64], max_length, decode_batch)
        start = time.perf_counter()
        ids = keras_io_greedy(base, test_source, max_length, decode_batch)
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
        "test_words": len(words), "beam_width": beam_width,
        "padded_lengths": {"source": int(source.shape[1]), "target": int(decoder_in.shape[1])},
        "params": {"zoo": int(zoo.count_params()), "keras_io": int(base.count_params())},
        "tokens_per_batch": token_sum.tokens_per_batch,  # the last seed's (same pairs)
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
