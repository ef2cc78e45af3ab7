"""Stateful export: the one-step model with explicit state tensors: SavedModel, TFLite, ONNX.

`export_stateful(model, directory)` writes, for a unidirectional `many_to_many` /
`many_to_one` stack (see `rnn_zoo.decoding.step_model`):

- `step_saved_model/`: a SavedModel with a `step` signature, `x_t` (`token` or `features`) and
  every state (`state_0_0`, ...) in, `outputs` and every new state (`state_out_0_0`, ...) out,
  any batch size; with a `vocabulary` (a character LM), also a `generate` signature: `prompt`
  (string), `length`, `temperature`, `seed` in, `text` (prompt + continuation) and
  `continuation` out, the sampling loop in the graph.
- `step.tflite`: the `step` signature with builtin ops only (the cells are called once, so no
  `TensorList`/`WHILE` appears; a recurrent layer converted as such needs
  `TensorListReserve` with a static element shape), batch fixed at `batch`, float32.
- `step_dynamic_int8.tflite` (with `step.tflite`): the same step with dynamic-range int8
  weights (`Optimize.DEFAULT`, no representative dataset, builtin ops only), a quarter of the
  weight bytes a batch-1 step reads per step; activations and state stay float32.
- `step.onnx`: the same step through tf2onnx (opset 17), explicit state inputs and outputs
  with the same names (ONNX graphs are stateless; the caller carries the state).
- `stateful_cases.npz` and `stateful.json`: the parity inputs and whole-sequence Keras
  outputs, and the record (state names and shapes, TFLite ops, the parity report).

The parity check runs `_stateful_runner.py` in a fresh interpreter that refuses to import
rnn_zoo: each artifact is fed every sequence step by step, the state carried, then reset to
zeros and fed again; both passes must equal the whole-sequence Keras outputs within
`atol + rtol * |expected|` (1e-5, 1e-6), and `generate` must return the text sampled in
process with the same seed. The quantized steps (`step_dynamic_int8.tflite`,
`step_int8.tflite`) are held to `QUANTIZED_RTOL * max(1, max |keras|)` instead, and the pass
after the reset must reproduce the first exactly.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from rnn_zoo.decoding.streaming import generation_loop, step_model
from rnn_zoo.exporters.tflite import convert, quiet_tf_logger

__all__ = ["export_stateful"]

ATOL, RTOL = 1e-5, 1e-6
QUANTIZED_RTOL = 0.1  # the full-integer step's bound, as rnn_zoo.exporters.parity.QUANTIZED_RTOL
FORMATS = ("saved_model", "tflite", "onnx")
RUNNER = Path(__file__).with_name("_stateful_runner.py")
MANIFEST = "stateful.json"
CASES = "stateful_cases.npz"
DYNAMIC_INT8 = "step_dynamic_int8.tflite"


class StatefulExportError(RuntimeError):
    """The stateful artifacts could not be written, or do not match Keras."""


def _out_name(name: str) -> str:
    return name.replace("state_", "state_out_", 1) if name.startswith("state_") else f"{name}_out"


def _step_endpoint(step: keras.Model, batch):
    """`fn(inputs) -> outputs` over dicts, and its input signature (batch fixed or None)."""
    x = step.inputs[0]
    specs = {x.name: tf.TensorSpec((batch, *x.shape[1:]), x.dtype, name=x.name)}
    names = [s.name for s in step.inputs[1:]]
    specs.update({n: tf.TensorSpec((batch, *s.shape[1:]), "float32", name=n)
                  for n, s in zip(names, step.inputs[1:], strict=True)})

    def fn(inputs):
        y, *new = step([inputs[x.name], *(inputs[n] for n in names)], training=False)
        return {"outputs": y, **{_out_name(n): s for n, s in zip(names, new, strict=True)}}

    return fn, specs


def _generate_endpoint(model, step, vocabulary, max_length: int = 10_000):
    """The `generate` endpoint (raw text in, text out) and the lookup table it needs."""
    vocabulary = [str(v) for v in vocabulary]
    suppress = [i for i, v in enumerate(vocabulary) if v in ("", "[UNK]")] or [0]
    oov = vocabulary.index("[UNK]") if "[UNK]" in vocabulary else 0
    chars = [(v, i) for i, v in enumerate(vocabulary) if v not in ("", "[UNK]")]
    table = tf.lookup.StaticHashTable(
        tf.lookup.KeyValueTensorInitializer(tf.constant([c for c, _ in chars]),
                                            tf.constant([i for _, i in chars], tf.int32)),
        default_value=oov)
    strings = tf.constant(vocabulary)
    run = generation_loop(model, suppress=suppress)
    shapes = [tuple(s.shape[1:]) for s in step.inputs[1:]]
    specs = {"prompt": tf.TensorSpec((), tf.string, name="prompt"),
             "length": tf.TensorSpec((), tf.int32, name="length"),
             "temperature": tf.TensorSpec((), tf.float32, name="temperature"),
             "seed": tf.TensorSpec((), tf.int64, name="seed")}

    def fn(inputs):
        prompt, length = inputs["prompt"], inputs["length"]
        temperature, seed = inputs["temperature"], inputs["seed"]
        checks = [
            tf.debugging.assert_greater(tf.strings.length(prompt), 0,
                                        message="`prompt` must be a non-empty string"),
            tf.debugging.assert_greater_equal(length, 1, message="`length` must be >= 1"),
            tf.debugging.assert_less_equal(length, max_length,
                                           message=f"`length` must be <= {max_length}"),
            tf.debugging.assert_positive(temperature, message="`temperature` must be > 0"),
            tf.debugging.assert_non_negative(seed, message="`seed` must be >= 0"),
        ]
        with tf.control_dependencies(checks):
            ids = table.lookup(tf.strings.unicode_split(prompt, "UTF-8"))[None]
        states = [tf.zeros((1, *shape)) for shape in shapes]
        words = tf.cast(tf.stack([seed % 2**31, (seed // 2**31) % 2**31]), tf.int32)
        out, _ = run(ids, states, length, temperature, words)
        continuation = tf.strings.reduce_join(tf.gather(strings, out[0]))
        return {"text": prompt + continuation, "continuation": continuation}

    return fn, specs, table


def _write_saved_model(path: Path, *, model, step, vocabulary, batch) -> list[str]:
    from keras.export import ExportArchive

    archive = ExportArchive()
    archive.track(step)
    fn, specs = _step_endpoint(step, batch)
    archive.add_endpoint("step", fn, input_signature=[specs])
    signatures = ["step"]
    if vocabulary is not None:
        gen, gen_specs, table = _generate_endpoint(model, step, vocabulary)
        archive.track(model)
        archive.track(table)
        archive.add_endpoint("generate", gen, input_signature=[gen_specs])
        signatures.append("generate")
    archive.write_out(str(path), verbose=False)
    return signatures


def _calibration_feeds(step: keras.Model, representative, batch: int, limit: int = 300):
    """Step inputs met while stepping the representative sequences (every 7th step)."""
    step_fn = tf.function(lambda x, states: step([x, *states], training=False))
    x_name = step.inputs[0].name
    names = [t.name for t in step.inputs[1:]]
    feeds, t = [], 0
    for sequence in representative:
        seq = np.asarray(sequence)
        states = [np.zeros((batch, *s.shape[1:]), np.float32) for s in step.inputs[1:]]
        for x_t in seq:
            x = np.repeat(np.asarray(x_t, step.inputs[0].dtype)[None], batch, axis=0)
            if t % 7 == 0:
                feeds.append({x_name: x, **dict(zip(names, states, strict=True))})
            _, *states = step_fn(tf.constant(x), [tf.constant(s) for s in states])
            states = [s.numpy() for s in states]
            t += 1
            if len(feeds) >= limit:
                return feeds
    if not feeds:
        raise ValueError("`representative` holds no steps.")
    return feeds


def _builtin_step(flatbuffer: bytes, facts: dict, name: str, what: str) -> None:
    """Raises unless the converted step has builtin ops only and no loop op."""
    if facts["select_tf_ops"] or facts["flex_ops"]:
        raise StatefulExportError(
            f"The {what} of {name!r} did not convert with builtin ops only: "
            f"{facts['select_tf_ops_reason'] or facts['flex_ops']}")
    bad = [op for op in facts["ops"] if "TENSOR_LIST" in op or op == "WHILE"]
    if bad:
        raise StatefulExportError(f"The {what} of {name!r} has loop ops {bad}.")


def _write_dynamic_int8(path: Path, *, model, step, batch: int) -> dict:
    """The step with dynamic-range int8 weights: no calibration data, activations in float.

    At batch 1 the float step reads every weight once per step, so it is bound by memory
    traffic; int8 weights are a quarter of the bytes."""
    from rnn_zoo.exporters.tflite import tensor_types

    with tempfile.TemporaryDirectory() as tmp:
        _write_saved_model(Path(tmp) / "sm", model=model, step=step, vocabulary=None,
                           batch=batch)
        flatbuffer, facts = convert(str(Path(tmp) / "sm"), signature_keys=["step"],
                                    quantize=True)
    _builtin_step(flatbuffer, facts, model.name, "dynamic-range int8 step")
    path.write_bytes(flatbuffer)
    # The converter leaves weights under 1024 elements in float32; say how many are int8.
    return {"path": path.name, "signatures": ["step"], "batch": batch, "ops": facts["ops"],
            "builtin_only": True, "runs_on": facts["runs_on"],
            "quantization": "dynamic-range int8 (Optimize.DEFAULT, no representative "
                            "dataset): int8 weights, float32 activations and state",
            "int8_tensors": tensor_types(flatbuffer)["integer_tensors"],
            "parity": f"max |step - keras| <= {QUANTIZED_RTOL} * max(1, max |keras|) over "
                      "the streamed sequences"}


def _write_int8(path: Path, *, model, step, batch: int, representative) -> dict:
    """The full-integer step (int8, else 16x8), or the record of why the converter cannot."""
    from rnn_zoo.exporters.tflite import convert_full_integer

    feeds = _calibration_feeds(step, representative, batch)
    with tempfile.TemporaryDirectory() as tmp:
        _write_saved_model(Path(tmp) / "sm", model=model, step=step, vocabulary=None,
                           batch=batch)
        flatbuffer, facts = convert_full_integer(str(Path(tmp) / "sm"), signature_key="step",
                                                 feeds=feeds)
    record = {"path": path.name, "signatures": ["step"], "batch": batch,
              "calibration_steps": len(feeds), "conversion_attempts": facts["attempts"]}
    if flatbuffer is None:
        reasons = "; ".join(f"{mode}: {why}" for mode, why in facts["attempts"].items())
        return {**record, "written": False,
                "reason": f"no builtin-ops full-integer conversion ({reasons})"}
    path.write_bytes(flatbuffer)
    return {**record, "written": True, "ops": facts["ops"], "runs_on": facts["runs_on"],
            "full_integer_mode": facts["mode"], "integer_tensors": facts["integer_tensors"],
            "float32_internal_tensors": facts["float32_internal_tensors"],
            "conversion_tries": facts["conversion_tries"],
            "quantization": f"{facts['quantization']}, float32 inputs and outputs (token ids "
                            "stay int32)",
            "parity": f"max |step - keras| <= {QUANTIZED_RTOL} * max(1, max |keras|) over "
                      "the streamed sequences"}


def _write_onnx(path: Path, step: keras.Model) -> dict:
    """The step as ONNX (tf2onnx), state inputs and outputs named as in the SavedModel."""
    import warnings

    try:
        import tf2onnx
    except ImportError as e:
        raise StatefulExportError(f"the onnx format needs tf2onnx and onnx ({e})") from None
    fn, specs = _step_endpoint(step, None)
    names = list(specs)
    flat = tf.function(lambda *args: fn(dict(zip(names, args, strict=True))),
                       input_signature=list(specs.values()))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tf2onnx warns about deprecated NumPy and TF names
        proto, _ = tf2onnx.convert.from_function(flat, input_signature=list(specs.values()),
                                                 opset=17, output_path=str(path))
    ops = sorted({node.op_type for node in proto.graph.node})
    bad = [op for op in ops if op in ("Loop", "Scan", "SequenceEmpty", "SequenceInsert")]
    if bad:
        raise StatefulExportError(f"The ONNX step of {step.name!r} has loop ops {bad}.")
    return {"path": path.name, "inputs": [i.name for i in proto.graph.input],
            "outputs": [o.name for o in proto.graph.output], "ops": ops, "opset": 17,
            "converter": f"tf2onnx {tf2onnx.__version__}"}


def _expected(model, x) -> np.ndarray:
    """Whole-sequence Keras outputs per step: the output sequence, or each prefix's output."""
    if len(model.outputs[0].shape) == 3:
        return np.asarray(model.predict_on_batch(x))
    return np.stack([np.asarray(model.predict_on_batch(x[:, : t + 1]))
                     for t in range(x.shape[1])], axis=1)


def _cases(model, step, *, rows: int, time: int, seed: int, held_out=()) -> dict:
    """The parity sequences: `held_out` real ones cropped to `time` steps when there are
    `rows` of them at least that long, else seeded random ids or features.

    A full-integer step is calibrated on the ranges real inputs reach; random ids drive its
    states where no text goes, so its bound is checked on real sequences it was not
    calibrated on."""
    long_enough = [np.asarray(s)[:time] for s in held_out if len(s) >= time]
    if len(long_enough) >= rows:
        x = np.stack(long_enough[:rows]).astype(step.inputs[0].dtype)
        return {"inputs": x, "expected": _expected(model, x).astype(np.float32),
                "source": "held_out"}
    rng = np.random.default_rng(seed)
    x_in = step.inputs[0]
    if x_in.dtype == "int32":
        vocab = next(la for la in step.layers if isinstance(la, keras.layers.Embedding)).input_dim
        x = rng.integers(min(2, vocab - 1), vocab, size=(rows, time)).astype(np.int32)
    else:
        x = rng.normal(size=(rows, time, *x_in.shape[1:])).astype(np.float32)
    return {"inputs": x, "expected": _expected(model, x).astype(np.float32), "source": "random"}


def _check(directory: Path, *, timeout: float) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    done = subprocess.run([sys.executable, "-I", str(RUNNER), str(directory)],
                          capture_output=True, text=True, timeout=timeout, env=env)
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith("{")]
    if done.returncode != 0 or not lines:
        tail = " ".join((done.stderr or done.stdout).split())[-600:]
        raise StatefulExportError(f"The stateful parity runner failed (exit {done.returncode}): "
                                  f"{tail}")
    return json.loads(lines[-1])


def export_stateful(model: keras.Model, directory, *, vocabulary=None, batch: int = 1,
                    formats=FORMATS, check: bool = True,
                    parity_rows: int = 2, parity_time: int = 12, seed: int = 0,
                    timeout: float = 600.0, representative=None) -> dict:
    """Writes the step model with explicit state as SavedModel (`step`, `generate`) and TFLite.

    Args:
        model: a unidirectional `many_to_many` or `many_to_one` model (a registry variant or a
            preset); a bidirectional one raises ValueError (it cannot stream).
        directory: the folder to write (created; existing files of the same names replaced).
        vocabulary: for a language model with token ids in: the id -> string list (e.g. a
            preset's `vocabulary.txt`), which adds the SavedModel `generate` signature (raw
            text in, text out; `""` and `"[UNK]"` are never generated).
        batch: the TFLite step's fixed batch size (the SavedModel takes any batch).
        formats: any of `"saved_model"`, `"tflite"`, `"onnx"`.
        check: run the fresh-process parity check (default True) and raise
            `StatefulExportError` when an artifact does not match.
        parity_rows, parity_time: the parity sequences: with `representative`, its last
            `parity_rows` sequences cropped to `parity_time` steps (held out of the
            calibration) when they are that long, else seeded random ids or features.
        seed: the parity inputs' seed (and the `generate` check's sampling seed).
        timeout: seconds the parity runner may take.
        representative: with `"tflite"` (which always adds `step_dynamic_int8.tflite`, the
            dynamic-range int8 step), also write `step_int8.tflite`, full-integer (int8
            weights and activations, `TFLITE_BUILTINS_INT8`, else 16x8; float32 inputs and
            outputs, so it takes the same feeds): an iterable of input sequences from the
            training split (token ids `(time,)` or features `(time, input_dim)`), run through
            the step model to calibrate on the states it really meets. Its error against Keras
            is recorded and must stay within `QUANTIZED_RTOL * max(1, max |keras|)`; where the
            converter cannot, the record says why (`"written": false`) and no file is written.

    Returns:
        The manifest written to `directory/stateful.json`: `states` (names and shapes),
        `artifacts` (path, signature names, TFLite ops) and `parity` (max errors per artifact;
        the quantized steps' under `approximate`, with their bound; `ok`).

    Example:

    >>> from rnn_zoo import many_to_many
    >>> from rnn_zoo.exporters.stateful import export_stateful
    >>> model = many_to_many(vocab_size=12, num_classes=12, cell="gru", units=4)
    >>> found = export_stateful(model, "/tmp/stream_gru")                   # doctest: +SKIP
    >>> found["parity"]["ok"], found["artifacts"]["tflite"]["builtin_only"]  # doctest: +SKIP
    (True, True)
    """
    formats = tuple(formats)
    unknown = sorted(set(formats) - set(FORMATS))
    if unknown or not formats:
        raise ValueError(f"`formats` must be some of {', '.join(map(repr, FORMATS))}, got "
                         f"{formats!r}.")
    if not isinstance(batch, int) or isinstance(batch, bool) or batch < 1:
        raise ValueError(f"`batch` must be an int >= 1, got {batch!r}.")
    step = step_model(model)
    held_out = []
    if representative is not None:
        # The last `parity_rows` sequences check the quantized steps; the rest calibrate.
        representative = list(representative)
        if len(representative) > parity_rows:
            held_out = representative[-parity_rows:]
            representative = representative[:-parity_rows]
    if vocabulary is not None:
        if step.inputs[0].dtype != "int32":
            raise ValueError("`vocabulary` is for a model with token ids in; "
                             f"{model.name!r} takes float features.")
        if len(model.outputs[0].shape) != 3:
            raise ValueError(f"`vocabulary` adds a `generate` signature, which needs a "
                             f"many-to-many language model; {model.name!r} is many-to-one.")
        vocab = next(la for la in step.layers if isinstance(la, keras.layers.Embedding)).input_dim
        if len(vocabulary) != vocab:
            raise ValueError(f"`vocabulary` has {len(vocabulary)} entries; the model's "
                             f"embedding has {vocab}.")
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    names = [(t.name, list(t.shape[1:])) for t in step.inputs[1:]]
    manifest = {
        "format_version": 1,
        "model": model.name,
        "input": {"name": step.inputs[0].name, "dtype": str(step.inputs[0].dtype),
                  "shape": [None, *step.inputs[0].shape[1:]]},
        "states": [{"name": n, "out": _out_name(n), "shape": [None, *s]} for n, s in names],
        "initial_state": "zeros",
        "artifacts": {},
    }
    with quiet_tf_logger():
        if "saved_model" in formats:
            signatures = _write_saved_model(out / "step_saved_model", model=model, step=step,
                                            vocabulary=vocabulary, batch=None)
            manifest["artifacts"]["saved_model"] = {"path": "step_saved_model",
                                                    "signatures": signatures}
        if "tflite" in formats:
            with tempfile.TemporaryDirectory() as tmp:
                _write_saved_model(Path(tmp) / "sm", model=model, step=step, vocabulary=None,
                                   batch=batch)
                flatbuffer, facts = convert(str(Path(tmp) / "sm"), signature_keys=["step"],
                                            quantize=False)
            _builtin_step(flatbuffer, facts, model.name, "step model")
            (out / "step.tflite").write_bytes(flatbuffer)
            manifest["artifacts"]["tflite"] = {"path": "step.tflite", "signatures": ["step"],
                                               "batch": batch, "ops": facts["ops"],
                                               "builtin_only": True, "runs_on": facts["runs_on"]}
            manifest["artifacts"]["tflite_dynamic_int8"] = _write_dynamic_int8(
                out / DYNAMIC_INT8, model=model, step=step, batch=batch)
        if "tflite" in formats and representative is not None:
            manifest["artifacts"]["tflite_int8"] = _write_int8(
                out / "step_int8.tflite", model=model, step=step, batch=batch,
                representative=representative)
        if "onnx" in formats:
            manifest["artifacts"]["onnx"] = _write_onnx(out / "step.onnx", step)
    cases = _cases(model, step, rows=parity_rows, time=parity_time, seed=seed,
                   held_out=held_out)
    source = cases.pop("source")
    if vocabulary is not None and "saved_model" in formats:
        from rnn_zoo.decoding.streaming import generate

        prompt = "".join(v for v in vocabulary[2:12])
        index = {v: i for i, v in enumerate(vocabulary)}
        ids, _ = generate(model, prompt=np.array([[index.get(c, 1) for c in prompt]]),
                          length=20, temperature=1.0, seed=seed,
                          suppress=[i for i, v in enumerate(vocabulary) if v in ("", "[UNK]")]
                          or [0])
        manifest["generate_case"] = {"prompt": prompt, "length": 20, "temperature": 1.0,
                                     "seed": seed,
                                     "text": prompt + "".join(vocabulary[i] for i in ids[0])}
    np.savez(out / CASES, **cases)
    cases_from = ("the last `parity_rows` representative sequences (held out of calibration)"
                  if source == "held_out" else f"random inputs (seed {seed})")
    manifest["parity"] = {"atol": ATOL, "rtol": RTOL, "quantized_rtol": QUANTIZED_RTOL,
                          "cases": CASES, "cases_from": cases_from, "checked": False}
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    if check:
        report = _check(out, timeout=timeout)
        manifest["parity"] = {"atol": ATOL, "rtol": RTOL, "quantized_rtol": QUANTIZED_RTOL,
                              "cases": CASES, "cases_from": cases_from, "checked": True,
                              **report}
        (out / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
        if not report["ok"]:
            raise StatefulExportError(f"Stateful artifacts of {model.name!r} do not match Keras: "
                                      f"{json.dumps(report['artifacts'])} "
                                      f"{json.dumps(report.get('approximate', {}))}")
    return manifest

