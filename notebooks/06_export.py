# %% [markdown]
# # 06 · Export: from a Keras model to files that run without it
#
# A trained `.keras` file needs Python, Keras and (for the zoo's own layers) this package. To
# serve a model, it is exported to a format that a runtime loads without any of our code:
#
# - **SavedModel**: a TensorFlow graph with its weights; TF Serving, TensorFlow in any
#   language, or `tf.saved_model.load` in Python run it.
# - **TFLite** (LiteRT): a flat buffer of builtin operators for the small `ai_edge_litert`
#   interpreter (phones, microcontrollers, a small server); `int8` stores the weights as
#   8-bit integers, a quarter of the size.
# - **ONNX**: the cross-framework graph format, for ONNX Runtime.
#
# `rnn_zoo.export(model, directory, formats=...)` writes them and an `export.json` manifest,
# then checks every artifact's **parity** with Keras in a fresh Python process that cannot
# import `rnn_zoo` (so an artifact that secretly needs our code fails). This notebook
#
# 1. exports the `sunspots_forecast` preset (notebook 03's GRU) to every format;
# 2. exports the `g2p_cmudict` preset (notebook 05) *with its beam-search loop*: a word in,
#    phonemes out;
# 3. reads the parity verdicts from `export.json`;
# 4. loads the artifacts with plain TensorFlow and LiteRT and compares them with Keras by hand;
# 5. measures sizes and single-example latency.
#
# Exports go to `$RNN_ZOO_NOTEBOOK_OUT` or a temporary folder. Runs on a CPU in about a
# minute; `RNN_ZOO_NOTEBOOK_FAST=1` (set by the tests) times 5 rounds instead of 50.

# %%
import os
import statistics
import tempfile
import time
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import onnxruntime
import tensorflow as tf
from ai_edge_litert.interpreter import Interpreter

import rnn_zoo
from rnn_zoo import recipe_finder, runner
from rnn_zoo.exporters import check_parity, load_result
from rnn_zoo.exporters.presets import load_servable
from rnn_zoo.presets import get_preset
from rnn_zoo.tasks import Task

FAST = os.environ.get("RNN_ZOO_NOTEBOOK_FAST") == "1"
OUT = Path(os.environ.get("RNN_ZOO_NOTEBOOK_OUT") or tempfile.mkdtemp(prefix="rnn_zoo_"))
ROUNDS = 5 if FAST else 50  # timed calls per runtime in the latency table

# %% [markdown]
# ## 1. One preset, every format
#
# `load_servable` loads a preset (after verifying its checksums) as its task and wraps the
# task's raw-input model as a `Servable` (`Task.servable()`): the serving functions and the
# parity examples (a right-padded batch and each row
# alone, so masks and variable lengths are checked). `export` writes the formats;
# `check=False` defers the parity check, so that one fresh process checks both exports of this
# notebook in section 3 (starting a Python that imports TensorFlow takes several seconds).

# %%
sun_servable = load_servable("sunspots_forecast")
model = sun_servable.keras_model
sun = rnn_zoo.export(sun_servable, OUT / "sunspots_forecast", check=False)
print(f"{sun.directory.name}/")
for artifact in sun.manifest["artifacts"]:
    (spec,) = next(iter(artifact["inputs"].values()))
    print(f"  {artifact['format']:<12} {artifact['path']:<18} {artifact['bytes']:>8,} bytes  "
          f"input {spec['name']} {spec['shape']}  ->  {artifact['runtime']}")
tflite_record = sun.artifacts["tflite"]
print(f"\nTFLite operators: {', '.join(tflite_record['ops'])}")
print(f"builtin ops only: {not tflite_record['select_tf_ops']}")

# %% [markdown]
# `None` is a dynamic dimension: the SavedModel and ONNX take any batch and any number of
# years; TFLite fixes the batch (1 here) and keeps the sequence length dynamic. The GRU's loop
# over time is the `WHILE` operator, which the stock interpreter runs. (The SavedModel's size
# is its directory, `saved_model/`.)
#
# ## 2. A decoding loop: the G2P preset, a word in and phonemes out
#
# The G2P backbone as trained is the teacher-forced network of notebook 05: it needs the true
# phonemes as an input. What a user wants is the *search*: letters in, best pronunciation out.
# The `Seq2Seq` task's raw-input model holds the beam search (its `decode` layer, a loop
# written with `keras.ops.while_loop`, so it exports as a graph loop), and its servable has:
#
# - the SavedModel's `serving_default`: a batch of **strings** in, strings out
#   (vectorization, search and detokenization all inside the graph);
# - `serve_ids`, what the TFLite file serves (the stock interpreter has no builtin kernel that
#   splits strings): each word as int32 source ids (the task's source vocabulary, right-padded
#   with 0 to a fixed length), returning the phoneme tokens as strings.

# %%
g2p_preset = get_preset("g2p_cmudict")
g2p_servable = load_servable("g2p_cmudict")
g2p = rnn_zoo.export(g2p_servable, OUT / "g2p_cmudict", formats=("saved_model", "tflite"),
                     check=False)
for artifact in g2p.manifest["artifacts"]:
    for endpoint, specs in artifact["inputs"].items():
        inputs = ", ".join(f"{s['name']} {s['dtype']}{s['shape']}" for s in specs)
        print(f"{artifact['format']:<12} {endpoint:<16} {inputs:<32} "
              f"{g2p.manifest['metadata'].get(endpoint, '')}")
print(f"\nsearch: {g2p.manifest['metadata']['search']}")
print(f"TFLite: {g2p.artifacts['tflite'].get('runs_on')}; loop and search operators: "
      f"{[op for op in g2p.artifacts['tflite']['ops'] if op in ('WHILE', 'TOPK_V2', 'GATHER')]}")

# %% [markdown]
# ## 3. Parity: every artifact checked in a fresh process
#
# `check_parity` starts one `python -I` process that blocks any import of `rnn_zoo`, loads
# every artifact with its own runtime (Keras, TensorFlow, LiteRT, ONNX Runtime), feeds it the
# stored parity inputs (`parity_cases.npz`) and compares with the stored Keras outputs.
# Float32 artifacts must agree within `|artifact - keras| <= 1e-5 + 1e-6 |keras|`; int8
# artifacts only have to run and give finite outputs of the right shape (their cost in
# accuracy is measured on real data instead, see below). The verdicts are written into each
# `export.json`, which we read back from disk (a failing artifact is listed with its error
# here rather than raised, so the rest of the notebook still runs).

# %%
check_parity([sun, g2p], raise_on_failure=False)
for result in (sun, g2p):
    parity = load_result(result.directory).manifest["parity"]
    print(f"{result.manifest['name']}: all ok = {parity['ok']} ({parity['process']})")
    for fmt, verdict in parity["artifacts"].items():
        agreement = verdict.get("argmax_agreement")
        print(f"  {fmt:<12} ok={verdict['ok']!s:<5} max |diff| {verdict['max_abs_diff']:.1e}  "
              f"{verdict['cases']} cases  {verdict['runtime']}, rnn_zoo loaded: "
              f"{verdict['rnn_zoo_loaded']}"
              + ("" if agreement is None else f", argmax agreement {agreement:.0%}")
              + ("" if verdict["ok"] else f"\n    {verdict.get('error', '')[:160]}"))

# %% [markdown]
# ## 4. By hand: plain TensorFlow and LiteRT on the real test years
#
# The artifacts need nothing of this repository: `tf.saved_model.load` and
# `ai_edge_litert.interpreter.Interpreter` run them. We feed the 46 test years of the sunspot
# series (each with the `lookback` true years before it, as in notebook 03) to each runtime
# and compare with Keras. The exported model is the task's raw-input model: raw sunspot
# numbers in (normalised inside), the next year's number out. The TFLite files have a static
# batch of 1, so they get one window at a time, as a device would.

# %%
sun_preset = get_preset("sunspots_forecast")
sun_task = Task.from_preset("sunspots_forecast")
splits = runner.load_splits(recipe_finder.get_recipe("sunspots_forecast").RECIPE)
lookback = sun_task.config["lookback"]
# The test years continue the validation years: each test year's history is the `lookback`
# years before it.
before = np.concatenate([np.asarray(s, np.float32).reshape(-1)
                         for s in (*splits["train"][0], *splits["validation"][0])])
test_values = np.concatenate([np.asarray(s, np.float32).reshape(-1) for s in splits["test"][0]])
full = np.concatenate([before, test_values])
start = len(before)
x_test = np.stack([full[t - lookback:t] for t in range(start, len(full))])[..., None]
input_name = sun.manifest["endpoints"]["serving_default"]["inputs"][0]["name"]

saved = tf.saved_model.load(str(sun.path("saved_model")))
runners = {fmt: Interpreter(model_path=str(sun.path(fmt))).get_signature_runner(
    tflite_record["endpoints"][0]) for fmt in ("tflite", "tflite_int8")}
session = onnxruntime.InferenceSession(str(sun.path("onnx")),
                                       providers=["CPUExecutionProvider"])
outputs = {
    "Keras": np.asarray(model(x_test, training=False)),
    "SavedModel": saved.signatures["serving_default"](
        **{input_name: tf.constant(x_test)})["outputs"].numpy(),
    **{fmt: np.concatenate([runners[fmt](**{input_name: x_test[i:i + 1]})["outputs"]
                            for i in range(len(x_test))]) for fmt in runners},
    "ONNX Runtime": session.run(None, {sun.artifacts["onnx"]["onnx_inputs"][0]: x_test})[0],
}
forecast = {name: np.asarray(out).ravel() for name, out in outputs.items()}
print(f"{len(x_test)} test years; max |runtime - Keras| over them (sunspot number):")
for name in list(outputs)[1:]:
    print(f"  {name:<12} {np.max(np.abs(forecast[name] - forecast['Keras'])):.1e}")
rmse = {name: float(np.sqrt(np.mean((f - test_values) ** 2))) for name, f in forecast.items()}
print(f"task.evaluate (the runner's protocol): RMSE "
      f"{sun_task.evaluate(splits['test'][0])['rmse']:.3f}")
print("test RMSE: " + ", ".join(f"{name} {value:.3f}" for name, value in rmse.items()))
recorded = sun_preset.metrics["export"]["int8"]
print(f"recorded in metrics.json (export.int8): Keras {recorded['keras']:.3f}, "
      f"tflite {recorded['tflite']:.3f}, tflite_int8 {recorded['tflite_int8']:.3f}")

# %%
years = np.arange(len(test_values))
fig, (top, bottom) = plt.subplots(2, 1, figsize=(10, 5.5), sharex=True, height_ratios=(1.4, 1))
top.plot(years, test_values, "k-", lw=2, label="truth")
top.plot(years, forecast["Keras"], "o-", ms=4, label="Keras")
top.plot(years, forecast["tflite_int8"], "x--", ms=5, label="TFLite int8")
top.set(ylabel="sunspot number", title="One-year-ahead forecasts of the test years")
top.legend()
for name, marker in (("SavedModel", "o"), ("tflite", "s"), ("tflite_int8", "x"),
                     ("ONNX Runtime", "^")):
    diff = np.abs(forecast[name] - forecast["Keras"])
    bottom.semilogy(years, np.maximum(diff, 1e-9), marker, ms=4, ls="", label=name)
ticks = [1e-9, 1e-7, 1e-5, 1e-3, 1e-1]
bottom.set_yticks(ticks, ["0 (equal)"] + [f"{t:g}" for t in ticks[1:]])
bottom.set(xlabel="test year (0 = the first)", ylabel="|runtime - Keras|\n(sunspot number)")
bottom.legend(ncol=4, fontsize=8, loc="lower center", bbox_to_anchor=(0.5, 1.0))
for ax in (top, bottom):
    ax.grid(alpha=0.3)
plt.tight_layout()
plt.show()

# %% [markdown]
# The float32 artifacts agree with Keras to rounding error (the SavedModel runs the same
# TensorFlow kernels and gives exactly the same numbers). The int8 weights move a forecast by
# a fraction of a sunspot, far below the forecast error itself; the test RMSE above is the one
# the preset's `metrics.json` records under `export.int8` (written by
# `python scripts/export_presets.py`).
#
# ## 5. The G2P artifacts: a word through the TFLite interpreter
#
# For TFLite, the word becomes source ids: each character's index in the task's source
# vocabulary (`export.json` metadata; 0 padding, 1 unknown), right-padded with 0 to the
# artifact's fixed length. The interpreter returns one string per output step, `""` after the
# end token. The SavedModel takes the strings themselves. Both must agree with the Keras task
# (what `rnn-zoo predict g2p_cmudict` runs).

# %%
g2p_task = Task.from_preset("g2p_cmudict")
source_vocabulary = g2p.manifest["metadata"]["source_vocabulary"]
(ids_spec,) = g2p.manifest["endpoints"]["serve_ids"]["inputs"]
length = ids_spec["shape"][1]
words = ["zoology", "xylophone", "tensorflow", "keras"]
index = {ch: i for i, ch in enumerate(source_vocabulary)}
source_ids = np.zeros((len(words), length), np.int32)
for i, w in enumerate(words):
    source_ids[i, :len(w)] = [index.get(c, 1) for c in w]
print(f"{words[0]!r} as source ids: {source_ids[0].tolist()}\n")

g2p_interpreter = Interpreter(model_path=str(g2p.path("tflite")))
transcribe_tflite = g2p_interpreter.get_signature_runner("serve_ids")
print("TFLite signature inputs:", {k: (v["shape"].tolist(), v["dtype"].__name__)
                                   for k, v in transcribe_tflite.get_input_details().items()})
g2p_saved = tf.saved_model.load(str(g2p.path("saved_model")))
by_saved_model = g2p_saved.signatures["serving_default"](text=tf.constant(words))
by_keras = g2p_task.predict(words)

print(f"\n{'word':<11} {'TFLite (source ids)':<26} {'SavedModel (string)':<26} same as Keras")
for i, word in enumerate(words):
    tokens = transcribe_tflite(source_ids=source_ids[i:i + 1])["tokens"][0]
    tflite_text = " ".join(t.decode() for t in tokens if t)
    saved_text = by_saved_model["text"][i].numpy().decode()
    print(f"{word:<11} {tflite_text:<26} {saved_text:<26} "
          f"{tflite_text == saved_text == by_keras[i]}")

# %% [markdown]
# ## 6. Size and latency
#
# What deployment buys: the same forecast from a smaller file, much faster for one example.
# Each runtime is called once to warm up, then `ROUNDS` times in a rotating order (so a
# background load hits all alike); the table shows the median. `model.predict` builds a
# dataset and a step function for every call, `model(x)` runs the recurrent loop eagerly, step
# by step in Python; the SavedModel signature is one compiled graph call, and the TFLite
# interpreter a small C++ loop over a flat buffer. These are quick numbers from the notebook's
# own machine; [`benchmarks/README.md`](../benchmarks/README.md) has the careful ones (four
# presets, 200 interleaved rounds, 90th percentiles: `benchmarks/export_latency.py`).


# %%
def directory_bytes(path):
    path = Path(path)
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.is_dir() \
        else path.stat().st_size


def median_latency(calls, rounds):
    """Median seconds per call of each function: one warm-up call, then `rounds` calls
    each, interleaved in a rotating order."""
    times = {name: [] for name in calls}
    for call in calls.values():
        call()
    names = list(calls)
    for r in range(rounds):
        for name in names[r % len(names):] + names[:r % len(names)]:
            start = time.perf_counter()
            calls[name]()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(t) for name, t in times.items()}


one = x_test[:1]  # one window of 24 years
sun_calls = {
    "Keras predict": lambda: model.predict(one, verbose=0),
    "Keras __call__": lambda: model(one, training=False),
    "SavedModel": lambda: saved.signatures["serving_default"](**{input_name: tf.constant(one)}),
    "TFLite": lambda: runners["tflite"](**{input_name: one}),
    "TFLite int8": lambda: runners["tflite_int8"](**{input_name: one}),
    "ONNX Runtime": lambda: session.run(None, {sun.artifacts["onnx"]["onnx_inputs"][0]: one}),
}
g2p_calls = {
    "Task predict (TF function)": lambda: g2p_task.predict(["zoology"]),
    "SavedModel": lambda: g2p_saved.signatures["serving_default"](
        text=tf.constant(["zoology"])),
    "TFLite": lambda: transcribe_tflite(source_ids=source_ids[:1]),
}
latency = {"sunspots_forecast": median_latency(sun_calls, ROUNDS),
           "g2p_cmudict": median_latency(g2p_calls, ROUNDS)}
sizes = {"sunspots_forecast": {fmt: directory_bytes(sun.path(fmt)) for fmt in sun.artifacts},
         "g2p_cmudict": {"keras": g2p_preset.model_path.stat().st_size,
                         **{fmt: directory_bytes(g2p.path(fmt)) for fmt in g2p.artifacts}}}

print(f"Median latency of one example over {ROUNDS} rounds:")
for preset_name, found in latency.items():
    first = next(iter(found))
    print(f"  {preset_name:<28} {'ms':>8}  {first} / runtime")
    for name, seconds in found.items():
        print(f"    {name:<26} {1e3 * seconds:>8.2f}  {found[first] / seconds:>8.1f}x")
print("\nSize on disk (KiB):")
for preset_name, found in sizes.items():
    print(f"  {preset_name:<18} " + "  ".join(f"{fmt} {n / 1024:,.0f}" for fmt, n in found.items()))

# %%
fig, axes = plt.subplots(1, 3, figsize=(14, 3.8), width_ratios=(1.3, 1, 1.2))
slowest = max(s for found in latency.values() for s in found.values())
for ax, (preset_name, found) in zip(axes[:2], latency.items(), strict=True):
    milliseconds = [1e3 * s for s in found.values()][::-1]
    ax.barh(list(found)[::-1], milliseconds, color="tab:blue")
    for y, ms in enumerate(milliseconds):
        ax.text(ms * 1.15, y, f"{ms:.2g}", va="center", fontsize=8)
    ax.set(xscale="log", xlim=(0.01, 1e4 * slowest), xlabel="median ms per example (log scale)",
           title=f"{preset_name}: one example")
    ax.grid(axis="x", alpha=0.3)
formats = list(sizes["sunspots_forecast"])
ax = axes[2]
for offset, (preset_name, found) in zip((-0.2, 0.2), sizes.items(), strict=True):
    ax.bar([formats.index(f) + offset for f in found], [n / 1024 for n in found.values()],
           width=0.4, label=preset_name)
ax.set_xticks(range(len(formats)), formats, rotation=30)
ax.set(yscale="log", ylim=(10, 1e6), ylabel="KiB (log scale)", title="Size on disk")
ax.legend(fontsize=8)
plt.tight_layout()
plt.show()

# %% [markdown]
# The SavedModel is about twice the `.keras` file (Keras' `ExportArchive` stores each variable
# twice); the float32 TFLite file is the size of the weights, and int8 about a quarter of it.
# For one short sequence, the TFLite interpreter answers in a fraction of a millisecond where
# `model.predict` takes tens: the difference is per-call overhead, not arithmetic. For G2P the
# reference is already one compiled graph call (the task's `tf.function`), so the three
# runtimes are close: there the time is the work itself, the beam of hypotheses stepped
# through the decoder and its attention once per phoneme, all inside one call.
#
# From the command line, `rnn-zoo export PRESET --formats saved_model tflite --out DIR` does
# sections 1 and 3 in one step and prints the verdicts.
