"""Builder overhead: a zoo model's training step against the same network written in plain Keras.

For one registry variant of every topology, at the size its recipe trains it, the zoo's model
and a hand-written `keras.Sequential`/functional equivalent get the same initial weights (copied
layer by layer, then checked: same parameter count and the same outputs on a batch), are
compiled identically (Adam, sparse categorical cross-entropy on logits, `jit_compile=False`),
and are timed on the same batch with `train_on_batch`: each round alternates the two models
`--chunks` times (a chunk is a few steps, about 50 ms), so a background load that comes and goes
hits both alike. The result per case is the median over rounds of the per-round ratio
`zoo seconds per step / hand-written seconds per step`, in wall-clock time and in process CPU
time (all threads), which a load on other cores disturbs less.

    nice -n 10 python -m benchmarks.builder_overhead --out benchmarks/results/builder_overhead.json

`--quick` shrinks everything to test size (the smoke test uses it).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import time
from collections.abc import Callable, Sequence

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras import layers  # noqa: E402

import rnn_zoo  # noqa: E402
from benchmarks import _common  # noqa: E402

MODULE = "benchmarks.builder_overhead"


@dataclasses.dataclass(frozen=True)
class Case:
    """One comparison: a registry variant with overrides, its hand-written twin and a batch."""

    name: str
    recipe: str
    model: str
    overrides: dict
    hand_written: Callable[[dict], keras.Model]
    batch: Callable[[np.random.Generator, dict, int], tuple]
    batch_size: int


# --- the hand-written twins: what a user would write with plain Keras layers ------------------


def one_to_one_by_hand(k: dict) -> keras.Model:
    return keras.Sequential([
        keras.Input((k["input_dim"],)),
        layers.Reshape((1, k["input_dim"])),
        layers.GRU(k["units"]),
        layers.Dense(k["num_classes"]),
    ])


def one_to_many_by_hand(k: dict) -> keras.Model:
    model = keras.Sequential([keras.Input(k["image_shape"])])
    height = k["image_shape"][0]
    for filters in k["filters"]:
        model.add(layers.Conv2D(filters, 3, padding="same", use_bias=False))
        model.add(layers.BatchNormalization())
        model.add(layers.ReLU())
        if height > 1:
            model.add(layers.MaxPooling2D((2, 1)))
            height //= 2
    model.add(layers.Flatten())
    model.add(layers.RepeatVector(k["steps"]))
    model.add(layers.GRU(k["units"], return_sequences=True))
    model.add(layers.Dense(k["num_classes"]))
    return model


def many_to_one_text_by_hand(k: dict) -> keras.Model:
    return keras.Sequential([
        keras.Input((None,), dtype="int32"),
        layers.Embedding(k["vocab_size"], k["embedding_dim"], mask_zero=True),
        layers.LSTM(k["units"]),
        layers.Dense(k["num_classes"]),
    ])


def many_to_one_series_by_hand(k: dict) -> keras.Model:
    return keras.Sequential([
        keras.Input((None, k["input_dim"])),
        layers.Masking(mask_value=k["mask_value"]),
        layers.LSTM(k["units"]),
        layers.Dense(k["num_classes"]),
    ])


def many_to_many_by_hand(k: dict) -> keras.Model:
    return keras.Sequential([
        keras.Input((None,), dtype="int32"),
        layers.Embedding(k["vocab_size"], k["embedding_dim"], mask_zero=True),
        layers.GRU(k["units"], return_sequences=True),
        layers.Dense(k["num_classes"]),
    ])


def encoder_decoder_by_hand(k: dict) -> keras.Model:
    """BiLSTM encoder, LSTM decoder initialised with its states, Bahdanau attention."""
    units, emb = k["units"], k["embedding_dim"]
    source = keras.Input((None,), dtype="int32", name="source_tokens")
    target = keras.Input((None,), dtype="int32", name="target_tokens")
    x = layers.Embedding(k["source_vocab_size"], emb, mask_zero=True)(source)
    memory, fh, fc, bh, bc = layers.Bidirectional(
        layers.LSTM(units, return_sequences=True, return_state=True))(x)
    state = [layers.Concatenate()([fh, bh]), layers.Concatenate()([fc, bc])]
    y = layers.Embedding(k["target_vocab_size"], emb, mask_zero=True)(target)
    y = layers.LSTM(2 * units, return_sequences=True, return_state=True)(
        y, initial_state=state)[0]
    query = layers.Dense(2 * units, use_bias=False)(y)
    key = layers.Dense(2 * units, use_bias=False)(memory)
    context, _ = layers.AdditiveAttention()([query, memory, key], return_attention_scores=True)
    y = layers.Dense(2 * units, activation="tanh")(layers.Concatenate()([context, y]))
    return keras.Model({"source_tokens": source, "target_tokens": target},
                       layers.Dense(k["target_vocab_size"])(y))


# --- batches: the shapes the recipes train on ------------------------------------------------


def padded_ids(rng, batch, length, vocab):
    """Token ids in [1, vocab) with the rows right-padded to lengths in [length/2, length]."""
    ids = rng.integers(1, vocab, size=(batch, length)).astype("int32")
    for row, n in enumerate(rng.integers(length // 2, length + 1, size=batch)):
        ids[row, n:] = 0
    return ids


def vector_batch(rng, k, batch):
    return (rng.normal(size=(batch, k["input_dim"])).astype("float32"),
            rng.integers(0, k["num_classes"], size=batch).astype("int32"))


def image_batch(rng, k, batch):
    return (rng.normal(size=(batch, *k["image_shape"])).astype("float32"),
            rng.integers(0, k["num_classes"], size=(batch, k["steps"])).astype("int32"))


def text_batch(length):
    def make(rng, k, batch):
        return (padded_ids(rng, batch, length, k["vocab_size"]),
                rng.integers(0, k["num_classes"], size=batch).astype("int32"))
    return make


def series_batch(length):
    def make(rng, k, batch):
        x = rng.normal(size=(batch, length, k["input_dim"])).astype("float32")
        for row, n in enumerate(rng.integers(length // 2, length + 1, size=batch)):
            x[row, n:] = k["mask_value"]
        return x, rng.integers(0, k["num_classes"], size=batch).astype("int32")
    return make


def char_batch(length):
    def make(rng, k, batch):
        return (rng.integers(1, k["vocab_size"], size=(batch, length)).astype("int32"),
                rng.integers(0, k["num_classes"], size=(batch, length)).astype("int32"))
    return make


def seq2seq_batch(length):
    def make(rng, k, batch):
        source = padded_ids(rng, batch, length, k["source_vocab_size"])
        target = padded_ids(rng, batch, length, k["target_vocab_size"])
        labels = np.where(target > 0, rng.integers(1, k["target_vocab_size"], target.shape), 0)
        return {"source_tokens": source, "target_tokens": target}, labels.astype("int32")
    return make


# Sizes: each recipe's `quick` profile (tweets: a 64-token cap and an 8k vocabulary).
CASES = (
    Case("one_to_one", "breast_cancer", "one_to_one_gru", {"units": 16},
         one_to_one_by_hand, vector_batch, 32),
    Case("one_to_many", "digit_captions", "one_to_many_gru_cnn",
         {"units": 64, "filters": (16, 32)}, one_to_many_by_hand, image_batch, 64),
    Case("many_to_one (text)", "tweet_sentiment (LSTM, last state)", "many_to_one_lstm",
         {"vocab_size": 8000, "embedding_dim": 64, "units": 32}, many_to_one_text_by_hand,
         text_batch(40), 64),
    Case("many_to_one (series)", "japanese_vowels", "many_to_one_lstm_series", {"units": 32},
         many_to_one_series_by_hand, series_batch(26), 16),
    Case("many_to_many", "char_lm_shakespeare", "many_to_many_gru", {"units": 128},
         many_to_many_by_hand, char_batch(100), 64),
    Case("encoder_decoder", "g2p_cmudict", "encoder_decoder_bilstm_bahdanau",
         {"units": 64, "embedding_dim": 32, "source_vocab_size": 30, "target_vocab_size": 72},
         encoder_decoder_by_hand, seq2seq_batch(12), 64),
)

TINY = {"units": 4, "embedding_dim": 4, "vocab_size": 13, "filters": (2,),
        "source_vocab_size": 11, "target_vocab_size": 9}


def copy_weights(source: keras.Model, target: keras.Model) -> None:
    """Copies weights in layer order; raises if the two networks' weights do not line up."""
    a, b = source.get_weights(), target.get_weights()
    shapes_a, shapes_b = [w.shape for w in a], [w.shape for w in b]
    if shapes_a != shapes_b:
        raise AssertionError(f"The hand-written model's weights do not line up with the zoo's: "
                             f"{shapes_b} vs {shapes_a}.")
    target.set_weights(a)


def compile_model(model: keras.Model) -> keras.Model:
    model.compile(optimizer=keras.optimizers.Adam(1e-3),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  jit_compile=False)
    return model


class StepClock:
    """Times `steps` training steps per call; returns wall seconds per step and keeps the
    process CPU seconds per step (all threads) of every call in `cpu`."""

    def __init__(self, model: keras.Model, x, y, steps: int):
        self.model, self.x, self.y, self.steps = model, x, y, steps
        self.cpu: list[float] = []

    def __call__(self) -> float:
        wall, cpu = time.perf_counter(), time.process_time()
        for _ in range(self.steps):
            self.model.train_on_batch(self.x, self.y)
        self.cpu.append((time.process_time() - cpu) / self.steps)
        return (time.perf_counter() - wall) / self.steps

    def cpu_per_round(self, chunks: int) -> list[float]:
        return [sum(self.cpu[i:i + chunks]) / chunks for i in range(0, len(self.cpu), chunks)]


def build_pair(case: Case, *, quick: bool, seed: int = 0) -> dict:
    """The zoo model and its hand-written twin with the same weights, a batch, and the largest
    difference of their outputs on it (raises if the twins compute different functions)."""
    spec = rnn_zoo.get_spec(case.model)
    overrides = dict(case.overrides)
    if quick:
        overrides.update({k: v for k, v in TINY.items() if k in {**spec.defaults, **overrides}})
    kwargs = {**spec.defaults, **overrides}
    keras.utils.set_random_seed(seed)  # once per case, before anything is traced
    zoo = spec.build(**overrides)
    hand = case.hand_written(kwargs)
    copy_weights(zoo, hand)
    x, y = case.batch(np.random.default_rng(seed), kwargs, 4 if quick else case.batch_size)
    difference = float(np.abs(keras.ops.convert_to_numpy(zoo(x, training=False))
                              - keras.ops.convert_to_numpy(hand(x, training=False))).max())
    if not difference <= 1e-5:
        raise AssertionError(f"{case.name}: the two models differ (max |diff| {difference:.3g}).")
    return {"zoo": zoo, "hand_written": hand, "x": x, "y": y, "overrides": overrides,
            "difference": difference}


def run_case(case: Case, *, rounds: int, chunks: int, chunk_seconds: float, quick: bool,
             seed: int = 0) -> dict:
    """Builds the twins (checked equal), then times their training steps interleaved."""
    pair = build_pair(case, quick=quick, seed=seed)
    zoo, hand, x, y, overrides = (pair[k] for k in ("zoo", "hand_written", "x", "y",
                                                    "overrides"))
    models = {"zoo": compile_model(zoo), "hand_written": compile_model(hand)}
    for model in models.values():  # trace and warm up
        for _ in range(3):
            model.train_on_batch(x, y)
    one = _common.timed(lambda: models["zoo"].train_on_batch(x, y))
    steps = max(1, min(100, round(chunk_seconds / max(one, 1e-6))))
    clocks = {name: StepClock(model, x, y, steps) for name, model in models.items()}
    wall = _common.interleave(clocks, rounds=rounds, chunks=chunks)
    cpu = {name: clock.cpu_per_round(chunks) for name, clock in clocks.items()}
    return {
        "case": case.name,
        "recipe": case.recipe,
        "model": case.model,
        "overrides": {k: list(v) if isinstance(v, tuple) else v for k, v in overrides.items()},
        "params": int(zoo.count_params()),
        "params_hand_written": int(hand.count_params()),
        "max_output_difference": pair["difference"],
        "batch_size": len(y),
        "steps_per_chunk": steps,
        "chunks_per_round": chunks,
        "seconds_per_step": {name: _common.summary(v) for name, v in wall.items()},
        "zoo_over_hand_written": _common.paired_ratio(wall["zoo"], wall["hand_written"]),
        "cpu_seconds_per_step": {name: _common.summary(v) for name, v in cpu.items()},
        "zoo_over_hand_written_cpu": _common.paired_ratio(cpu["zoo"], cpu["hand_written"]),
    }


def main(argv: Sequence[str] | None = None) -> dict:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog=MODULE, description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=15, help="rounds (default 15)")
    parser.add_argument("--chunks", type=int, default=8,
                        help="alternations of the two models per round (default 8)")
    parser.add_argument("--chunk-seconds", type=float, default=0.05,
                        help="target seconds of one chunk; sets its number of steps")
    parser.add_argument("--cases", nargs="+", default=None, metavar="CASE",
                        help="only these cases (by topology name: one_to_one, ...)")
    parser.add_argument("--quick", action="store_true", help="test-size models and batches")
    parser.add_argument("--out", default=None, help="write the results as JSON here")
    args = parser.parse_args(argv)
    results = {"benchmark": "builder_overhead",
               "machine": _common.machine(_common.command_line(MODULE, argv)), "cases": []}
    for case in CASES:
        if args.cases and case.name.split()[0] not in args.cases:
            continue
        result = run_case(case, rounds=args.rounds, chunks=args.chunks,
                          chunk_seconds=args.chunk_seconds, quick=args.quick)
        results["cases"].append(result)
        ratio = result["zoo_over_hand_written"]
        cpu = result["zoo_over_hand_written_cpu"]
        print(f"{case.name:<22} {case.model:<32} zoo/hand wall {ratio['median']:.3f} "
              f"[{ratio['min']:.3f}, {ratio['max']:.3f}] cpu {cpu['median']:.3f} "
              f"[{cpu['min']:.3f}, {cpu['max']:.3f}]  "
              f"{result['seconds_per_step']['zoo']['median'] * 1e3:.2f} ms/step", flush=True)
    if args.out:
        _common.write_results(args.out, results)
    return results


if __name__ == "__main__":
    main()
