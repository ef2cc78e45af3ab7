"""Export every committed preset, check parity, measure the int8 cost, commit the small artifacts.

    python scripts/export_presets.py [PRESET ...] [--presets-dir DIR] [--work DIR]

For each preset (default: all in saved_models/):

1. `rnn_zoo.export` writes all five formats to a scratch folder and checks every artifact in a
   fresh process without rnn_zoo (float32 within 1e-5 + 1e-6 * |keras|).
2. The metric of the preset's bar is computed by its task (`task.evaluate` on the recipe's raw
   split from `rnn_zoo.runner.load_splits`) for Keras and for each TFLite file standing in for
   the part of the model its endpoint computes (run one example at a time at the artifact's
   static batch size, like on a device; a decoding loop through its `serve_ids` signature).
3. Into `saved_models/<preset>/` go: `model_int8.tflite` (every preset), `model.tflite` (when
   under 1 MiB), `export.json` (those artifacts: ops, shapes, parity) and `parity_cases.npz`
   (so `rnn_zoo.exporters.check_parity(rnn_zoo.exporters.load_result(folder))` re-checks them).
4. `metrics.json` gets an `"export"` entry (sizes and parity of all formats, the int8 delta,
   this command); the model card and `checksums.sha256` are regenerated
   (`scripts/publish_preset.py`), then the README's results table (`scripts/results_table.py`).
"""

from __future__ import annotations

import argparse
import copy
import datetime
import json
import os
import platform
import re
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from rnn_zoo import presets  # noqa: E402
from rnn_zoo._atomic import copy_atomic, write_text_atomic  # noqa: E402
from rnn_zoo._folders import folder_lock  # noqa: E402
from rnn_zoo._hashing import sha256_of  # noqa: E402
from rnn_zoo._preset_folders import write_checksums  # noqa: E402
from rnn_zoo.training import write_json_atomic  # noqa: E402

COMMAND = "python scripts/export_presets.py"
FLOAT_COMMIT_LIMIT = 1 << 20  # commit model.tflite too when it is smaller than this
COMMITTED_FILES = ("export.json", "parity_cases.npz", "model.tflite", "model_int8.tflite",
                   "model_full_int8.tflite", "parity_cases_full_int8.npz")
# Calibration examples of the full-integer artifact, spread evenly over the training split.
CALIBRATION_EXAMPLES = 256


class TFLiteModel:
    """A TFLite signature behind `predict(x)` / `__call__(x)`: NumPy inputs in, its first
    output out.

    Runs `static batch size` rows at a time (a device's single-example path); a short last
    chunk is padded with its last row, then cut. A full-integer artifact has a static sequence
    length: shorter inputs are right padded with `pad_value` (NaN steps for raw series, id 0
    for tokens: what the model masks).
    """

    def __init__(self, path, endpoint: str):
        from ai_edge_litert.interpreter import Interpreter

        self.runner = Interpreter(model_path=str(path)).get_signature_runner(endpoint)
        ((self.name, detail),) = self.runner.get_input_details().items()
        self.dtype = detail["dtype"]
        self.batch = int(detail["shape_signature"][0])
        signature = detail["shape_signature"]
        self.length = int(signature[1]) if len(signature) > 1 and signature[1] > 0 else None

    def _run(self, x: np.ndarray) -> np.ndarray:
        if self.length is not None and x.ndim > 1 and x.shape[1] < self.length:
            pad = [(0, 0), (0, self.length - x.shape[1])] + [(0, 0)] * (x.ndim - 2)
            x = np.pad(x, pad, constant_values=_pad_value(x))
        rows = []
        for i in range(0, len(x), self.batch):
            chunk = x[i:i + self.batch].astype(self.dtype)
            real = len(chunk)
            chunk = np.concatenate([chunk, np.repeat(chunk[-1:], self.batch - real, axis=0)])
            rows.append(next(iter(self.runner(**{self.name: chunk}).values()))[:real])
        return np.concatenate(rows)

    def __call__(self, x, training=False):
        del training
        return self._run(np.asarray(x))

    def predict(self, x, verbose=0, batch_size=None):
        del verbose, batch_size
        return self._run(np.asarray(x))


def _pad_value(x: np.ndarray):
    return np.nan if np.issubdtype(x.dtype, np.floating) else 0


# --- the bar's metric through the task, for Keras and for each TFLite artifact ----------------


class _StandIn:
    """`task.model` with an artifact standing in for the part its TFLite endpoint computes:
    the whole raw-input model (`part="model"`) or the backbone (`part="backbone"`: the task's
    own preprocessing layers make the backbone's inputs, as in `model.keras`)."""

    def __init__(self, model, run, part: str):
        self._model, self._run, self._part = model, run, part

    def __call__(self, x, training=False):
        if self._part == "model":
            return self._run(np.asarray(x))
        if self._model.layers[-1].name != "backbone":
            raise ValueError("the model's output is not the backbone's; score it through "
                             "the backbone (the task's evaluate does for a LanguageModel)")
        return self._run(_backbone_inputs(self._model, x))

    def get_layer(self, name):
        if name == "backbone" and self._part == "backbone":
            return self._run
        return self._model.get_layer(name)

    def __getattr__(self, name):
        return getattr(self._model, name)


def _backbone_inputs(model, x) -> np.ndarray:
    """What the raw-input `model` feeds its backbone for the batch `x` (its token ids)."""
    import keras

    node = model.get_layer("backbone")._inbound_nodes[0]
    prefix = keras.Model(model.inputs, node.input_tensors[0])
    return np.asarray(keras.ops.convert_to_numpy(prefix(x)))


def _part(task, servable) -> str | None:
    """Which part of `task.model` the servable's TFLite endpoint computes (None: neither,
    e.g. a decoding loop)."""
    if servable.tflite_endpoints[0] != servable.model_endpoint:
        return None
    if servable.keras_model is task.model:
        return "model"
    return "backbone" if servable.keras_model is task.backbone else None


def bar_value(metric: str, scores: dict) -> float:
    """The preset's recorded bar metric from the task's scores (presets published before the
    task form name some of them differently)."""
    name = metric.removeprefix("validation_")
    if name in scores:
        return float(scores[name])
    if name == "string_accuracy":  # SequenceCaptioner: the whole string right
        return float(scores["exact_match"])
    if name == "wer":  # Seq2Seq: a word is an error unless it matches one of its references
        return 1.0 - float(scores["exact_match"])
    raise KeyError(f"no task score gives the bar metric {metric!r}: {sorted(scores)}")


def _split_of(metric: str) -> str:
    return "validation" if metric.startswith("validation_") else "test"


def _examples(task, x, y) -> int:
    if type(task).__name__ == "LanguageModel":
        return int(task.evaluate(x)["tokens"])
    return len(x)


class Scorer:
    """`score(run)`: the preset's bar metric, `task.evaluate` on the recipe's raw split with
    `run` (None: `model.keras`; else a `TFLiteModel`) standing in for its part of the model."""

    def __init__(self, preset, task, servable, splits):
        self.metric = preset.metrics["bar"]["metric"]
        self.split = _split_of(self.metric)
        self.task, self.part = task, _part(task, servable)
        # A split with the data's further references (`Data.references`) has three parts.
        self.x, self.y, *references = splits[self.split]
        self.references = references[0] if references else None
        self.examples = _examples(task, self.x, self.y)

    def _evaluate(self, task):
        if self.y is None:
            return task.evaluate(self.x)
        if self.references is not None:
            return task.evaluate(self.x, self.y, references=self.references)
        return task.evaluate(self.x, self.y)

    def __call__(self, run=None, *, part: str | None = None) -> float:
        """`part` overrides which part `run` stands in for (a backbone-only artifact)."""
        if run is None:
            return bar_value(self.metric, self._evaluate(self.task))
        part = part or self.part
        if part is None:
            return _decoding_score(self, run)
        stand_in = copy.copy(self.task)
        stand_in.model = _StandIn(self.task.model, run, part)
        return bar_value(self.metric, self._evaluate(stand_in))


def _decoding_score(scorer, run) -> float:
    """A Seq2Seq artifact's `serve_ids` (the decoding loop), one source per call: its tokens
    joined as the task joins them, scored by the task's own `_scores`."""
    task = scorer.task
    model, length = task.model, task._config["max_source_length"]
    join = "" if task._config["target_level"] == "char" else " "
    texts = []
    for source in scorer.x:
        ids = model.get_layer("source_vectorize")(
            task._standardize([source], "source")).numpy()[:, :length].astype(np.int32)
        padded = np.zeros((1, length), np.int32)
        padded[:, :ids.shape[1]] = ids
        tokens = run.runner(source_ids=padded)["tokens"][0]
        texts.append(join.join(t.decode("utf-8") for t in tokens if t))
    if task._config["target_level"] == "subword":  # pieces -> text, as model.keras does
        import tensorflow as tf

        from rnn_zoo.preprocessing.subword import detokenize_pieces

        texts = [t.decode("utf-8") for t in detokenize_pieces(tf.constant(texts)).numpy()]
    return bar_value(scorer.metric, task._scores(scorer.y, {"text": texts},
                                                 references=scorer.references))


# --- calibration data for the full-integer artifact: the training split at one static shape ---


def _spread(n: int) -> np.ndarray:
    return np.unique(np.linspace(0, n - 1, min(n, CALIBRATION_EXAMPLES)).astype(int))


def _endpoint_inputs(task, part: str, x) -> np.ndarray:
    """What the TFLite endpoint takes for raw inputs `x` (the task's own preprocessing)."""
    import keras

    checked, _ = task._check_xy(x, None, x_name="x", y_name="y", fitting=False)
    batch = task._batch(checked)
    if part == "model":
        return np.asarray(keras.ops.convert_to_numpy(batch))
    return _backbone_inputs(task.model, batch)


def representative_of(task, servable, splits) -> list[dict] | None:
    """`CALIBRATION_EXAMPLES` inputs of the TFLite endpoint spread over the training split, at
    one static shape (the widest of them and of the test split, so no test example is cut);
    None where the endpoint is not the task's model or backbone (a decoding loop)."""
    part = _part(task, servable)
    if part is None:
        return None
    train_x = splits["train"][0]
    if type(task).__name__ == "Forecaster":
        # A forecaster reads the last `lookback` steps of a history: calibrate on histories
        # ending all along each training series, not on its one final window.
        lookback = task.config["lookback"]
        train_x = [s[:end] for s in train_x
                   for end in lookback + _spread(len(s) - lookback + 1)]
    rows = _endpoint_inputs(task, part, [train_x[i] for i in _spread(len(train_x))])
    if rows.ndim > 1:
        width = max(rows.shape[1], _endpoint_inputs(task, part, splits["test"][0]).shape[1])
        pad = [(0, 0), (0, width - rows.shape[1])] + [(0, 0)] * (rows.ndim - 2)
        rows = np.pad(rows, pad, constant_values=_pad_value(rows))
    ((name, spec),) = servable.endpoints[servable.tflite_endpoints[0]].inputs.items()
    rows = rows.astype(spec.dtype.as_numpy_dtype)
    if np.issubdtype(rows.dtype, np.floating) and not np.isfinite(rows).all():
        raise NotCalibrated(NAN_PADDING)
    return [{name: rows[i:i + 32]} for i in range(0, len(rows), 32)]


class NotCalibrated(ValueError):
    """The full-integer artifact cannot be calibrated; the message is the recorded reason."""


NAN_PADDING = ("the task's raw series are NaN-padded to one length and a "
               "full-integer artifact has a static length, but int8 has no NaN, so padded "
               "steps cannot be told apart (the calibrator refuses non-finite inputs)")


# A Seq2Seq's TFLite file is its decoding loop; the full-integer format would convert the
# teacher-forced backbone instead, which no device runs to transcribe.
DECODING_LOOP = ("the TFLite artifact is the decoding loop (`serve_ids`: search "
                 "and attention in the graph), whose int8 form is the dynamic-range file; the "
                 "full-integer format converts the model endpoint, the teacher-forced backbone "
                 "(`serve_tokens`), which does not transcribe anything on a device")


# A language model's device artifact is its step (`export_stateful`, scored by `_lm_step`).
LM_NOTE = ("the sequence model is not exported full-integer: a language model runs on a "
                "device as its step with explicit state; the full-integer step "
                "(export_stateful(..., representative=...)) is scored in `full_int8`")


def _lm_step(task, splits) -> dict:
    """Validation loss of the float32 and full-integer TFLite steps, one token at a time
    (chunks of 101 tokens, state reset per chunk), calibrated on 20 chunks spread over the
    train split: `benchmarks/streaming_int8.py`'s protocol. The ids are the task's own
    (`_stream`: characters, or standardised words after each text's boundary token)."""
    from ai_edge_litert.interpreter import Interpreter

    from benchmarks.streaming_int8 import SEQ_LEN, chunks_of, score
    from rnn_zoo.exporters.stateful import export_stateful

    ids = {s: task._stream(list(splits[s][0])) for s in ("train", "validation")}
    unit = "character" if task.config["level"] == "char" else "token"
    train = chunks_of(ids["train"])
    representative = [train[k][:SEQ_LEN] for k in np.linspace(0, len(train) - 1, 20).astype(int)]
    with tempfile.TemporaryDirectory() as tmp:
        manifest = export_stateful(task.backbone, tmp, formats=("tflite",),
                                   representative=representative)
        chunks = chunks_of(ids["validation"])
        found = {"metric": "validation_loss", "split": "validation", "protocol":
                 f"step by step, chunks of 101 {unit}s, stride 100, state reset per chunk",
                 f"{unit}s": int(len(chunks) * SEQ_LEN)}
        for fmt, artifact in manifest["artifacts"].items():
            if artifact.get("written") is False:
                found[fmt] = None
                continue
            path = Path(tmp) / artifact["path"]
            runner = Interpreter(model_path=str(path)).get_signature_runner("step")
            found[fmt] = float(score(runner, manifest, chunks)[0])
            found[f"{fmt}_bytes"] = path.stat().st_size
        found["record"] = {k: v for k, v in manifest["artifacts"]["tflite_int8"].items()
                           if k != "path"}
        found["parity"] = manifest["parity"].get("approximate")
    found["step_float32"], found["step_full_int8"] = found.pop("tflite"), found.pop("tflite_int8")
    return found


def measure(scorer, result, *, not_written: str = "not exported", lm_step=None) -> dict:
    """The bar's metric for Keras and every TFLite file (`None` for one not written)."""
    endpoint = result.artifacts["tflite"]["endpoints"][0]
    found = {"metric": scorer.metric, "split": scorer.split, "examples": scorer.examples,
             "keras": scorer()}
    for fmt in ("tflite", "tflite_int8"):
        found[fmt] = scorer(TFLiteModel(result.path(fmt), endpoint))
    found["delta"] = found["tflite_int8"] - found["keras"]
    found["float32_delta"] = found["tflite"] - found["keras"]
    full = result.artifacts.get("tflite_full_int8")
    if full is None:
        found["tflite_full_int8"] = None
        found["full_int8"] = {"written": False, "reason": not_written}
    elif full.get("written") is False:
        found["tflite_full_int8"] = None
        found["full_int8"] = {"written": False, "reason": full["reason"]}
    else:
        found["tflite_full_int8"] = scorer(
            TFLiteModel(result.path("tflite_full_int8"), full["endpoints"][0]),
            part="backbone" if full.get("fallback") else None)
        found["full_int8_delta"] = found["tflite_full_int8"] - found["keras"]
        found["full_int8"] = {"written": True, "quantization": full["quantization"],
                              "bytes": full["bytes"], "inputs": full["inputs"],
                              **({"fallback": full["fallback"]} if full.get("fallback") else {})}
    if lm_step is not None:
        found["full_int8"]["step"] = lm_step
    return found


def export_one(name: str, *, presets_dir: Path, work: Path, formats=None) -> dict:
    """Exports the preset `name` from its task form, scores its artifacts, commits them.

    `formats` (default: every format its servable offers) is for tests; `tflite_full_int8`
    is added wherever the TFLite endpoint can be calibrated (not a language model)."""
    from rnn_zoo import runner
    from rnn_zoo.exporters import export
    from rnn_zoo.recipe_finder import get_recipe
    from rnn_zoo.tasks import Task

    preset = presets.get_preset(name, presets_dir=presets_dir)
    if not presets.is_task(preset):
        raise ValueError(f"Preset {name!r} is not in the task form (no task.json).")
    task = Task.from_preset(name, presets_dir=presets_dir)
    servable = task.servable()
    splits = runner.load_splits(get_recipe(preset.recipe).RECIPE)
    target = work / name
    if target.exists():
        shutil.rmtree(target)
    language_model = type(task).__name__ == "LanguageModel"
    formats, representative = tuple(formats or servable.formats), None
    not_written = LM_NOTE if language_model else "not exported"
    if "tflite_full_int8" in servable.formats and not language_model:
        formats = (*(f for f in formats if f != "tflite_full_int8"), "tflite_full_int8")
        # Real calibration data where the TFLite endpoint is the task's model or backbone.
        try:
            representative = representative_of(task, servable, splits)
        except NotCalibrated as e:
            not_written = str(e)
        if representative is None and _part(task, servable) is None:
            not_written = DECODING_LOOP
    if representative is None:
        formats = tuple(f for f in formats if f != "tflite_full_int8")
    result = export(servable, target, formats=formats, representative=representative,
                    check=False)
    _check(result, fallback=lambda: _backbone_full_int8(task, servable, splits, work / name))
    if "tflite_full_int8" in servable.formats and "tflite_full_int8" not in result.artifacts:
        _record_not_written(result, not_written)
    int8 = measure(Scorer(preset, task, servable, splits), result, not_written=not_written,
                   lm_step=_lm_step(task, splits) if language_model else None)

    committed = ["tflite_int8"]
    if result.artifacts["tflite"]["bytes"] < FLOAT_COMMIT_LIMIT:
        committed.insert(0, "tflite")
    if "tflite_full_int8" in result.artifacts:  # written, or recorded with its reason
        committed.append("tflite_full_int8")
    folder = preset.path
    weights = sha256_of(folder / presets.MODEL)
    # The maintenance path into a preset folder: `rnn-zoo export` refuses preset folders, so
    # the export went to `target` and the files a preset ships are copied in, under its lock.
    with folder_lock(folder, what="preset re-export"):
        _commit(result, folder, committed, name=name, int8=int8)
    if sha256_of(folder / presets.MODEL) != weights:
        raise RuntimeError(f"{folder / presets.MODEL} changed during the export.")
    return json.loads((folder / presets.METRICS).read_text(encoding="utf-8"))["export"]


def _check(result, *, fallback=None) -> None:
    """The parity check; a full-integer file the interpreter cannot run at all (e.g. "failed
    to create XNNPACK runtime") is recorded as not written with that reason, then everything
    else is checked again, strictly. A raw-input full-integer file that runs but misses its
    tolerance is replaced by `fallback()`'s (the backbone's), which must pass."""
    from rnn_zoo.exporters import check_parity

    found = check_parity(result, raise_on_failure=False, write=False)
    full = result.artifacts.get("tflite_full_int8", {})
    missed = [f for f in found if not f["ok"] and f["format"] == "tflite_full_int8"
              and " differs by " in (f.get("error") or "")]
    if missed and fallback is not None:
        replacement = fallback()
        if replacement is not None:
            backbone_result, why = replacement
            for name in (full["path"], full["parity_cases"]):
                copy_atomic(backbone_result.directory / name, result.directory / name)
            full.clear()
            full.update({**backbone_result.artifacts["tflite_full_int8"],
                         "fallback": f"{why} (the raw-input model's missed its tolerance: "
                                     f"{missed[0]['error']})"})
    unrunnable = [f for f in found if not f["ok"] and f["format"] == "tflite_full_int8"
                  and " failed (" in (f.get("error") or "")]
    if unrunnable and full.get("written") is not False:
        error = re.sub(r"(failed to create XNNPACK runtime)+", r"\1", unrunnable[0]["error"])
        reason = f"converted, but the interpreter cannot run it: {error}"
        (result.directory / full["path"]).unlink(missing_ok=True)
        tflite = {k: v for k, v in result.artifacts["tflite"].items()
                  if k in ("endpoints", "inputs", "runtime")}
        full.clear()
        full.update({**tflite,
                     "format": "tflite_full_int8", "path": "model_full_int8.tflite",
                     "written": False, "reason": reason})
    check_parity(result)


def _backbone_full_int8(task, servable, splits, work: Path):
    """`(ExportResult, why)`: the backbone's full-integer artifact, calibrated on the training
    split as the task's model feeds its backbone; None where the TFLite endpoint is not the
    whole raw-input model. Raw features of very different scales (breast_cancer: 0.05 to
    4,000) share one int8 input scale, which rounds the small ones away; standardized inside
    first, each keeps its resolution."""
    from rnn_zoo.exporters import export, keras_servable

    if _part(task, servable) != "model" or task.model.layers[-1].name != "backbone":
        return None
    train_x = splits["train"][0]
    rows = _endpoint_inputs(task, "backbone", [train_x[i] for i in _spread(len(train_x))])
    name = task.backbone.inputs[0].name
    backbone = keras_servable(task.backbone, name=f"{servable.name}_backbone")
    target = work.with_name(work.name + "_backbone")
    if target.exists():
        shutil.rmtree(target)
    result = export(backbone, target, formats=("tflite", "tflite_full_int8"),
                    representative=[{name: rows[i:i + 32].astype(np.float32)}
                                    for i in range(0, len(rows), 32)])
    return result, ("the backbone's: it takes what the task's model feeds its backbone "
                    "(the raw inputs after its preprocessing layers, e.g. `normalize` with "
                    "the mean and variance in task.json)")


def _record_not_written(result, reason: str) -> None:
    """Records the full-integer artifact as not written, with `reason`, in `result`'s
    manifest (as `export` records a conversion that fails)."""
    tflite = result.artifacts["tflite"]
    result.manifest["artifacts"].append({
        "format": "tflite_full_int8", "path": "model_full_int8.tflite",
        "endpoints": tflite["endpoints"], "inputs": tflite["inputs"],
        "runtime": tflite["runtime"], "written": False, "reason": reason})
    result.manifest["parity"]["artifacts"]["tflite_full_int8"] = {
        "ok": True, "skipped": f"not written: {reason}", "cases": 0}


def _commit(result, folder: Path, committed: list[str], *, name: str, int8: dict | None
            ) -> None:
    """Replaces the preset's shipped export files and its metrics' `"export"` entry."""
    from rnn_zoo.exporters import load_result

    for stale in COMMITTED_FILES:
        (folder / stale).unlink(missing_ok=True)
    for fmt in committed:
        if result.artifacts[fmt].get("written") is not False:
            copy_atomic(result.path(fmt), folder / result.artifacts[fmt]["path"])
    copy_atomic(result.directory / "parity_cases.npz", folder / "parity_cases.npz")
    full = result.artifacts.get("tflite_full_int8", {})
    if full.get("parity_cases"):
        copy_atomic(result.directory / full["parity_cases"], folder / full["parity_cases"])
    manifest = dict(result.manifest)
    manifest["artifacts"] = [result.artifacts[f] for f in committed]
    manifest["parity"] = {**manifest["parity"], "artifacts": {
        f: manifest["parity"]["artifacts"][f] for f in committed}}
    manifest["endpoints"] = {e: manifest["endpoints"][e]
                             for e in {x for f in committed
                                       for x in result.artifacts[f]["endpoints"]}
                             if e in manifest["endpoints"]}
    write_json_atomic(folder / "export.json", manifest)
    load_result(folder)  # readable back

    metrics = json.loads((folder / presets.METRICS).read_text(encoding="utf-8"))
    parity = result.manifest["parity"]
    metrics["export"] = {
        "command": f"{COMMAND} {name}",
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()} {platform.system()}, {os.cpu_count()} CPU cores",
        "versions": result.manifest["versions"],
        "parity": {"atol": parity["atol"], "rtol": parity["rtol"], "ok": parity["ok"],
                   "process": parity["process"],
                   "formats": {f: {k: v for k, v in s.items() if k in (
                       "ok", "max_abs_diff", "argmax_agreement", "runtime")}
                               for f, s in parity["artifacts"].items()}},
        "sizes": {f: a.get("bytes") for f, a in result.artifacts.items()},
        "artifacts": {f: {k: result.artifacts[f][k] for k in (
            "path", "bytes", "endpoints", "static_batch_size", "select_tf_ops", "ops", "runs_on",
            "quantization", "written", "reason") if k in result.artifacts[f]}
            for f in committed},
        "int8": int8,
    }
    write_json_atomic(folder / presets.METRICS, metrics)


STALE_CARD_SENTENCE = re.compile(
    r"The committed TFLite artifacts \(and `export\.json`, `parity_cases\.npz`\) are the\s+"
    r"backbone alone, exported before the task form:.*?exports the raw-input model\.", re.S)


def rewrite_export_section(folder: Path, name: str, export: dict) -> None:
    """Replaces the card's `## Export` section (and its note on pre-task-form artifacts) with
    what `export` (metrics.json's entry) records; the rest of the card stays as written."""
    card = folder / presets.CARD
    text = card.read_text(encoding="utf-8")
    text = STALE_CARD_SENTENCE.sub(
        "The committed TFLite artifacts (and `export.json`, `parity_cases.npz`) are the task's "
        f"raw-input model's, written by `{COMMAND} {name}`.", text)
    parity = export["parity"]
    lines = ["## Export", "",
             f"`rnn-zoo export {name} --out DIR` writes every format below and checks each "
             "artifact in a fresh Python process that does not import rnn_zoo (float32: "
             f"|artifact - Keras| <= {parity['atol']:g} + {parity['rtol']:g} * |Keras|). "
             f"Measured with `{export['command']}` ({export['machine']}, "
             f"{export['created'][:10]}).", "",
             "| format | bytes | parity with Keras | committed |", "|---|---|---|---|"]
    for fmt, size in export["sizes"].items():
        check = parity["formats"].get(fmt, {})
        verdict = ("ok" if check.get("ok") else "**failed**") + (
            f", max abs diff {check['max_abs_diff']:.2g}" if "max_abs_diff" in check else "")
        artifact = export["artifacts"].get(fmt)
        shipped = "" if artifact is None else (
            f"not written: {artifact['reason']}" if artifact.get("written") is False
            else f"`{artifact['path']}`")
        lines.append(f"| {fmt} | {'-' if size is None else f'{size:,}'} | {verdict} | "
                     f"{shipped} |")
    int8 = export.get("int8")
    if int8:
        full = int8["tflite_full_int8"]
        lines += ["", f"Cost of the TFLite files on the {int8['split']} split "
                      f"({int8['examples']:,} examples; `task.evaluate` with the artifact "
                      "standing in for its part of the model, one example at a time): "
                      f"{int8['metric']} {int8['keras']:.4f} (Keras), {int8['tflite']:.4f} "
                      f"(float32), {int8['tflite_int8']:.4f} (dynamic-range int8), "
                      + (f"{full:.4f} (full int8)." if full is not None else
                         f"full int8 not written ({int8['full_int8']['reason']}).")]
        if int8["full_int8"].get("fallback"):
            lines += ["", f"The full-integer file is {int8['full_int8']['fallback']}."]
        step = int8["full_int8"].get("step")
        if step:  # a language model's device artifact: its step with explicit state
            unit = "tokens" if "tokens" in step else "characters"
            lines += ["", f"Its step with explicit state (`rnn_zoo.exporters.export_stateful`, "
                          f"builtin ops only), {step['protocol']}, on the {step['split']} split "
                          f"({step[unit]:,} {unit}): loss {step['step_float32']:.4f} (float32), "
                          f"{step['tflite_dynamic_int8']:.4f} (dynamic-range int8), "
                          f"{step['step_full_int8']:.4f} (full int8)."]
    lines += ["", "`export.json` lists the committed artifacts' ops and input shapes; "
                  "`parity_cases.npz` holds the inputs and Keras outputs they are checked "
                  "against (`rnn_zoo.exporters.check_parity(rnn_zoo.exporters.load_result("
                  "FOLDER))`).", ""]
    start = text.find("## Export\n")
    if start < 0:  # a first export: the section goes where render_card puts it
        start = end = text.index("## Size\n")
        lines.append("")
    else:
        end = text.find("\n## ", start + 1)
    text = text[:start] + "\n".join(lines) + (text[end:] if end >= 0 else "")
    write_text_atomic(card, text)


def rewrite_size_section(folder: Path) -> None:
    """The card's `## Size` list from the files on disk, then `checksums.sha256`; repeated
    until the card's own size (and so the checksums) stop changing."""
    card = folder / presets.CARD
    for _ in range(4):
        write_checksums(folder)
        files = sorted(p for p in folder.iterdir() if p.is_file())
        total = sum(p.stat().st_size for p in files)
        text = card.read_text(encoding="utf-8")
        start = text.find("## Size\n")
        if start < 0:
            return
        end = text.find("\n## ", start + 1)
        section = "\n".join(
            ["## Size", "", f"The preset is {total:,} bytes ({total / 2 ** 20:.2f} MiB), all "
                            "files included:", ""]
            + [f"- `{p.name}`: {p.stat().st_size:,} bytes" for p in files] + [""])
        new = text[:start] + section + (text[end:] if end >= 0 else "")
        if new == text:
            return
        write_text_atomic(card, new)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="export_presets.py", description=__doc__.split("\n")[0])
    parser.add_argument("names", metavar="PRESET", nargs="*", help="default: every preset")
    parser.add_argument("--presets-dir", metavar="DIR", default=None)
    parser.add_argument("--work", metavar="DIR", default=None,
                        help="where the full exports go (default: a temporary folder)")
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    sys.path.insert(0, str(REPO / "scripts"))
    import results_table

    root = presets.presets_dir(args.presets_dir)
    names = args.names or presets.list_presets(root)
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="preset_exports_"))
    for name in names:
        record = export_one(name, presets_dir=root, work=work)
        rewrite_export_section(root / name, name, record)
        rewrite_size_section(root / name)
        presets.verify_checksums(root / name, label=f"Preset {name!r}")
        int8 = record["int8"]
        full = None if int8 is None else int8.get("tflite_full_int8")
        delta = ("no scorer" if int8 is None else
                 f"{int8['metric']} keras {int8['keras']:.4f}, tflite {int8['tflite']:.4f}, "
                 f"int8 {int8['tflite_int8']:.4f} (delta {int8['delta']:+.4f}), full int8 "
                 + (f"{full:.4f}" if full is not None else
                    f"not written ({int8['full_int8']['reason'][:80]})"))
        print(f"{name}: parity ok; sizes " + ", ".join(
            f"{f} {b / 1024:.0f} KiB" for f, b in record["sizes"].items() if b is not None)
            + f"; {delta}",
            flush=True)
    if args.presets_dir is None:
        results_table.main([])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
