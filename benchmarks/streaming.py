"""Characters per second of char-LM generation: window rerun, carried state, TFLite, NumPy.

    nice -n 10 python -m benchmarks.streaming --out benchmarks/results/streaming.json

On the committed preset `saved_models/char_lm_shakespeare` (2 x 512-unit LSTM, 67 characters),
side by side in one process, interleaved round after round with the order rotated:

- `window_rerun`: the former `recipes/char_lm_shakespeare.sample` (copied below as the
  baseline): every character reruns the whole model over the last 100 characters
  (`predict_on_batch`), the state thrown away.
- `keras_step`: the step model (`rnn_zoo.decoding.step_model`) in a `tf.function`, driven from
  Python one character at a time, the `(h, c)` of both layers carried; NumPy samples.
- `generate`: `rnn_zoo.decoding.generate`, the sampling loop in the graph (what `rnn-zoo
  predict char_lm_shakespeare` now runs); the prompt read once.
- `generate_16_streams`: the same loop sampling 16 texts side by side (a batch of 16
  prompts); its rate counts the characters of all 16, an aggregate throughput, not a stream's.
- `tflite_step`: the builtin-ops TFLite step (`rnn_zoo.exporters.stateful.export_stateful`) in
  the LiteRT interpreter, driven from Python like `keras_step`.
- `numpy_step`: the same LSTM step written in NumPy (embedding row, one `[x, h] @ [W; U] + b`
  product per layer, the gates, the head), driven the same way: the arithmetic floor.
- `matvec_only`: only that step's matrix-vector products, no gates and no sampling: how fast
  the 13 MB of float32 weights can be read once per character (the memory-traffic floor).

`--series` (on by default; `--no-series` skips it) adds the many-to-one case: step latency per
format for the `sunspots_forecast` preset (a GRU forecaster), i.e. streaming the forecast of a
growing series one month at a time: the Keras step in a `tf.function`, the SavedModel `step`
signature, the TFLite step and the ONNX step (all from `export_stateful`, parity-checked in a
fresh process), against rerunning the whole 24-month window with `predict_on_batch` and with
the float TFLite sequence model (`saved_models/sunspots_forecast/model.tflite`).

Every case samples with temperature 0.8 from the same prompt. Before timing, the step models'
logits are checked against the whole-sequence Keras logits (recorded as `max_abs_error`).
Bars (design.md): `generate` >= 100x `window_rerun`; `tflite_step` within 3x of `numpy_step`
(seconds per character). `--quick` runs a tiny random-weight LM for the smoke test.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# One BLAS thread for the NumPy floor: with TensorFlow's threads in the same process, a
# multi-threaded OpenBLAS matrix-vector product spins against them (2.3 ms a step here,
# against 0.9 ms single-threaded). Effective only if NumPy is not imported yet.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import keras  # noqa: E402
import numpy as np  # noqa: E402

import rnn_zoo  # noqa: E402
from benchmarks import _common  # noqa: E402

MODULE = "benchmarks.streaming"
PRESET = "char_lm_shakespeare"
PROMPT = "ROMEO:"
TEMPERATURE = 0.8
CASES = ("window_rerun", "keras_step", "generate", "generate_16_streams", "tflite_step",
         "numpy_step", "matvec_only")
STREAMS = 16
BARS = {"generate_over_window_rerun": 100.0, "tflite_over_numpy_seconds": 3.0}


def window_rerun_sample(model, vocabulary, *, prompt, length, temperature, context=100, seed=0):
    """The former `recipes/char_lm_shakespeare.sample`: the model rerun over a window per char."""
    index = {ch: i for i, ch in enumerate(vocabulary)}
    ids = [index.get(ch, 1) for ch in prompt]
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(length):
        window = np.asarray([ids[-context:]], np.int32)
        logits = np.asarray(model.predict_on_batch(window))[0, -1].astype(np.float64)
        logits[:2] = -np.inf  # never emit padding or OOV
        probs = np.exp((logits - logits[2:].max()) / temperature)
        probs /= probs.sum()
        ids.append(int(rng.choice(len(probs), p=probs)))
        out.append(vocabulary[ids[-1]])
    return prompt + "".join(out)


class Sampler:
    """softmax(logits / T) sampling shared by the Python-driven cases (padding, OOV never)."""

    def __init__(self, seed=0):
        self.rng = np.random.default_rng(seed)

    def __call__(self, logits) -> int:
        z = np.asarray(logits, np.float64).ravel() / TEMPERATURE
        z[:2] = -np.inf
        p = np.exp(z - z.max())
        return int(np.searchsorted(np.cumsum(p), self.rng.random() * p.sum()))


class NumpyLSTM:
    """The step of an Embedding -> LSTM x N -> Dense stack, in NumPy (Keras gate order i f c o)."""

    def __init__(self, model):
        plan = [la for la in model.layers if isinstance(la, keras.layers.LSTM)]
        self.embedding = np.asarray(model.get_layer("embedding").embeddings)
        # [x, h] @ [W; U]: one matrix-vector product per layer, the same arithmetic.
        self.layers = [(np.ascontiguousarray(np.concatenate(
            [np.asarray(la.cell.kernel), np.asarray(la.cell.recurrent_kernel)], axis=0)),
            np.asarray(la.cell.bias)) for la in plan]
        self.head = (np.asarray(model.get_layer("head").kernel),
                     np.asarray(model.get_layer("head").bias))
        self.units = [la.cell.units for la in plan]

    def products(self, token, states):
        """Only the matrix-vector products of `step` (the memory-traffic floor)."""
        x = self.embedding[token][None]
        for j, (wu, _b) in enumerate(self.layers):
            x = np.concatenate([x, states[2 * j]], axis=1) @ wu
            x = x[:, : self.units[j]]
        return x @ self.head[0], states

    def zeros(self):
        return [np.zeros((1, u), np.float32) for u in self.units for _ in range(2)]

    def step(self, token, states):
        x = self.embedding[token][None]
        new = []
        for j, (wu, b) in enumerate(self.layers):
            h, c = states[2 * j], states[2 * j + 1]
            z = np.concatenate([x, h], axis=1) @ wu + b
            i, f, g, o = np.split(z, 4, axis=-1)
            c = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)
            h = _sigmoid(o) * np.tanh(c)
            new += [h, c]
            x = h
        return x @ self.head[0] + self.head[1], new


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _prompt_ids(vocabulary):
    index = {ch: i for i, ch in enumerate(vocabulary)}
    return [index.get(ch, 1) for ch in PROMPT]


def build(quick: bool, workdir: Path) -> dict:
    """The model, vocabulary and every runtime, checked against the whole-sequence logits."""
    import tensorflow as tf
    from ai_edge_litert.interpreter import Interpreter

    from rnn_zoo.decoding import generate, initial_state, step_model
    from rnn_zoo.exporters.stateful import export_stateful

    if quick:
        vocabulary = ["", "[UNK]", *"abcdefghijklmnopqrstuvwxyz :"]
        model = rnn_zoo.get_model("many_to_many_lstm", vocab_size=len(vocabulary),
                                  num_classes=len(vocabulary), units=16, embedding_dim=8,
                                  num_layers=2)
    else:
        from rnn_zoo.tasks import LanguageModel

        lm = LanguageModel.from_preset(PRESET)  # the sequence model: character ids in
        model, vocabulary = lm.backbone, lm.vocabulary
    step = step_model(model)
    step_fn = tf.function(lambda token, states: step([token, *states], training=False))
    manifest = export_stateful(model, workdir, formats=("tflite",), check=not quick)
    runner = Interpreter(model_path=str(workdir / "step.tflite")).get_signature_runner("step")
    names = [s["name"] for s in manifest["states"]]
    outs = [s["out"] for s in manifest["states"]]
    floor = NumpyLSTM(model)

    def keras_step(token, states):
        y, *states = step_fn(tf.constant([token], tf.int32), states)
        return y.numpy(), states

    def tflite_step(token, states):
        found = runner(token=np.array([token], np.int32), **dict(zip(names, states, strict=True)))
        return found["outputs"], [np.array(found[o]) for o in outs]

    # Correctness first: each step runtime reproduces the whole-sequence logits of the text.
    ids = _prompt_ids(vocabulary) + [index for index in range(2, 12)]
    expected = np.asarray(model.predict_on_batch(np.array([ids], np.int32)))[0]
    errors = {}
    for name, fn, start in (("keras_step", keras_step, initial_state(step, batch=1)),
                            ("tflite_step", tflite_step, initial_state(step, batch=1)),
                            ("numpy_step", floor.step, floor.zeros())):
        states, got = start, []
        for token in ids:
            y, states = fn(token, states)
            got.append(np.asarray(y)[0])
        errors[name] = float(np.abs(np.stack(got) - expected).max())
    return {"model": model, "vocabulary": vocabulary, "keras_step": keras_step,
            "tflite_step": tflite_step, "numpy_step": floor.step, "generate": generate,
            "matvec_only": floor.products,
            "zeros": lambda: initial_state(step, batch=1), "numpy_zeros": floor.zeros,
            "max_abs_error": errors, "tflite_ops": manifest["artifacts"]["tflite"]["ops"],
            "parity": manifest["parity"]}


def _driven(step, zeros, prompt_ids, length, sampler):
    """Python drives a step function: the prompt fed step by step, then `length` samples."""
    states = zeros()
    for token in prompt_ids:
        logits, states = step(token, states)
    for _ in range(length):
        token = sampler(logits)
        logits, states = step(token, states)


def _products(products, states, length):
    for _ in range(length):
        products(3, states)


def cases(parts: dict, lengths: dict) -> dict:
    """name -> zero-argument callable returning characters per second of one chunk."""
    model, vocabulary = parts["model"], parts["vocabulary"]
    prompt_ids = _prompt_ids(vocabulary)
    sampler = Sampler()
    generate = parts["generate"]

    def rate(n, fn):
        start = time.perf_counter()
        fn()
        return n / (time.perf_counter() - start)

    return {
        "window_rerun": lambda: rate(lengths["window_rerun"], lambda: window_rerun_sample(
            model, vocabulary, prompt=PROMPT, length=lengths["window_rerun"],
            temperature=TEMPERATURE)),
        "keras_step": lambda: rate(lengths["keras_step"], lambda: _driven(
            parts["keras_step"], parts["zeros"], prompt_ids, lengths["keras_step"], sampler)),
        "generate": lambda: rate(lengths["generate"], lambda: generate(
            model, prompt=np.array([prompt_ids]), length=lengths["generate"],
            temperature=TEMPERATURE, suppress=(0, 1))),
        "generate_16_streams": lambda: rate(STREAMS * lengths["generate"], lambda: generate(
            model, prompt=np.array([prompt_ids] * STREAMS), length=lengths["generate"],
            temperature=TEMPERATURE, suppress=(0, 1))),
        "tflite_step": lambda: rate(lengths["tflite_step"], lambda: _driven(
            parts["tflite_step"], parts["zeros"], prompt_ids, lengths["tflite_step"], sampler)),
        "numpy_step": lambda: rate(lengths["numpy_step"], lambda: _driven(
            parts["numpy_step"], parts["numpy_zeros"], prompt_ids, lengths["numpy_step"],
            sampler)),
        "matvec_only": lambda: rate(lengths["numpy_step"], lambda: _products(
            parts["matvec_only"], parts["numpy_zeros"](), lengths["numpy_step"])),
    }


SERIES_PRESET = "sunspots_forecast"
SERIES_CASES = ("window_predict", "window_tflite", "keras_step", "saved_model_step",
                "tflite_step", "onnx_step")


def series_cases(workdir: Path, *, steps: int) -> tuple[dict, dict]:
    """name -> callable timing `steps` calls (returns ms per call), and the export record."""
    import onnxruntime as ort
    import tensorflow as tf
    from ai_edge_litert.interpreter import Interpreter

    from rnn_zoo.decoding import initial_state, step_model
    from rnn_zoo.exporters.stateful import export_stateful
    from rnn_zoo.presets import get_preset

    model = rnn_zoo.load_pretrained(SERIES_PRESET, compile=False)
    lookback = int(get_preset(SERIES_PRESET).metrics["config"]["lookback"])
    manifest = export_stateful(model, workdir)
    step = step_model(model)
    names = [x["name"] for x in manifest["states"]]
    rng = np.random.default_rng(0)
    window = rng.uniform(0, 200, (1, lookback, 1)).astype(np.float32)
    x_t = window[:, -1]
    states = [np.asarray(s) for s in initial_state(step, batch=1)]
    feed = {"features": x_t, **dict(zip(names, states, strict=True))}
    step_fn = tf.function(lambda x, st: step([x, *st], training=False))
    signature = tf.saved_model.load(str(workdir / "step_saved_model")).signatures["step"]
    tfl = Interpreter(model_path=str(workdir / "step.tflite")).get_signature_runner("step")
    session = ort.InferenceSession(str(workdir / "step.onnx"), providers=["CPUExecutionProvider"])
    seq = Interpreter(model_path=str(get_preset(SERIES_PRESET).path / "model.tflite"))
    seq_runner = seq.get_signature_runner(next(iter(seq.get_signature_list())))
    seq_input = next(iter(seq_runner.get_input_details()))
    tf_feed = {k: tf.constant(v) for k, v in feed.items()}
    tf_x, tf_states = tf.constant(x_t), [tf.constant(v) for v in states]
    calls = {
        "window_predict": lambda: model.predict_on_batch(window),
        "window_tflite": lambda: seq_runner(**{seq_input: window}),
        "keras_step": lambda: step_fn(tf_x, tf_states),
        "saved_model_step": lambda: signature(**tf_feed),
        "tflite_step": lambda: tfl(**feed),
        "onnx_step": lambda: session.run(None, feed),
    }

    def timed(fn):
        def run():
            start = time.perf_counter()
            for _ in range(steps):
                fn()
            return (time.perf_counter() - start) / steps * 1e3
        return run

    return {name: timed(fn) for name, fn in calls.items()}, {
        "preset": SERIES_PRESET, "lookback": lookback, "parity": manifest["parity"],
        "formats": sorted(manifest["artifacts"])}


def main(argv: Sequence[str] | None = None) -> dict:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog=MODULE, description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="rounds (default 5)")
    parser.add_argument("--window-chars", type=int, default=30,
                        help="characters per window-rerun chunk (default 30)")
    parser.add_argument("--chars", type=int, default=1000,
                        help="characters per chunk of the other cases (default 1000; the Keras "
                             "step gets a fifth)")
    parser.add_argument("--quick", action="store_true", help="a tiny random-weight LM")
    parser.add_argument("--series", action=argparse.BooleanOptionalAction, default=True,
                        help="also time the many-to-one step per format (sunspots_forecast)")
    parser.add_argument("--series-steps", type=int, default=100,
                        help="calls per round and format in the series case (default 100)")
    parser.add_argument("--out", default=None, help="write the results as JSON here")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    machine = _common.machine(_common.command_line(MODULE, argv))
    with tempfile.TemporaryDirectory() as tmp:
        parts = build(args.quick, Path(tmp))
        lengths = {"window_rerun": args.window_chars, "keras_step": max(1, args.chars // 5),
                   "generate": args.chars, "tflite_step": args.chars,
                   "numpy_step": args.chars}
        timed = cases(parts, lengths)
        for fn in timed.values():  # warm-up: traces, compiles, allocates
            fn()
        samples = _common.interleave(timed, rounds=args.rounds)
        series = None
        if args.series:
            (Path(tmp) / "series").mkdir()
            series_timed, series = series_cases(Path(tmp) / "series", steps=args.series_steps)
            for fn in series_timed.values():
                fn()
            ms = _common.interleave(series_timed, rounds=args.rounds)
            series["ms_per_call"] = {name: _common.summary(v) for name, v in ms.items()}
            series["window_predict_over_tflite_step"] = _common.paired_ratio(
                ms["window_predict"], ms["tflite_step"])
            series["window_tflite_over_tflite_step"] = _common.paired_ratio(
                ms["window_tflite"], ms["tflite_step"])
    seconds = {name: [1.0 / v for v in values] for name, values in samples.items()}
    ratios = {
        "generate_over_window_rerun": _common.paired_ratio(samples["generate"],
                                                           samples["window_rerun"]),
        "generate_16_streams_over_window_rerun": _common.paired_ratio(
            samples["generate_16_streams"], samples["window_rerun"]),
        "numpy_over_matvec_only_seconds": _common.paired_ratio(seconds["numpy_step"],
                                                               seconds["matvec_only"]),
        "keras_step_over_window_rerun": _common.paired_ratio(samples["keras_step"],
                                                             samples["window_rerun"]),
        "tflite_over_numpy_seconds": _common.paired_ratio(seconds["tflite_step"],
                                                          seconds["numpy_step"]),
    }
    results = {
        "benchmark": "streaming",
        "machine": machine,
        "model": PRESET if not args.quick else "tiny many_to_many_lstm (random weights)",
        "params": int(parts["model"].count_params()),
        "prompt": PROMPT, "temperature": TEMPERATURE,
        "characters_per_chunk": lengths,
        "characters_per_second": {name: _common.summary(v) for name, v in samples.items()},
        "ratios": ratios,
        "bars": {name: {"bar": bar, "median": ratios[name]["median"],
                        "met": (ratios[name]["median"] >= bar if name.startswith("generate")
                                else ratios[name]["median"] <= bar)}
                 for name, bar in BARS.items()},
        "max_abs_error_vs_whole_sequence": parts["max_abs_error"],
        "tflite_ops": parts["tflite_ops"],
        "stateful_parity": parts["parity"],
        "openblas_num_threads": os.environ.get("OPENBLAS_NUM_THREADS"),
        "series": series,
        "seconds": round(time.perf_counter() - start, 1),
    }
    for name in CASES:
        s = results["characters_per_second"][name]
        print(f"{name:<14} {s['median']:>10.1f} chars/s  [{s['min']:.1f}, {s['max']:.1f}]")
    for name, r in ratios.items():
        print(f"{name:<38} {r['median']:.2f}  [{r['min']:.2f}, {r['max']:.2f}]")
    if series:
        for name, v in series["ms_per_call"].items():
            print(f"series {name:<18} {v['median']:.3f} ms  [{v['min']:.3f}, {v['max']:.3f}]")
    if args.out:
        _common.write_results(args.out, results)
    return results


if __name__ == "__main__":
    main()
