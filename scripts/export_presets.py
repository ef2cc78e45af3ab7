"""Export every committed preset, check parity, measure the int8 cost, commit the small artifacts.

    python scripts/export_presets.py [PRESET ...] [--presets-dir DIR] [--work DIR]

For each preset (default: all in saved_models/):

1. `rnn_zoo.export` writes all five formats to a scratch folder and checks every artifact in a
   fresh process without rnn_zoo (float32 within 1e-5 + 1e-6 * |keras|).
2. The test-split metric of the recipe's bar is computed with the recipe's own data loading and
   scoring code for Keras, the float32 TFLite file and the int8 TFLite file (run one example
   at a time at the artifact's static batch size, like on a device).
3. Into `saved_models/<preset>/` go: `model_int8.tflite` (every preset), `model.tflite` (when
   under 1 MiB), `export.json` (those artifacts: ops, shapes, parity) and `parity_cases.npz`
   (so `rnn_zoo.exporters.check_parity(rnn_zoo.exporters.load_result(folder))` re-checks them).
4. `metrics.json` gets an `"export"` entry (sizes and parity of all formats, the int8 delta,
   this command); the model card and `checksums.sha256` are regenerated
   (`scripts/publish_preset.py`), then the README's results table (`scripts/results_table.py`).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from rnn_zoo import presets  # noqa: E402
from rnn_zoo._atomic import copy_atomic  # noqa: E402
from rnn_zoo._folders import folder_lock  # noqa: E402
from rnn_zoo.training import write_json_atomic  # noqa: E402

COMMAND = "python scripts/export_presets.py"
FLOAT_COMMIT_LIMIT = 1 << 20  # commit model.tflite too when it is smaller than this
COMMITTED_FILES = ("export.json", "parity_cases.npz", "model.tflite", "model_int8.tflite",
                   "model_full_int8.tflite", "parity_cases_full_int8.npz")
# Calibration examples of the full-integer artifact, spread evenly over the training split.
CALIBRATION_EXAMPLES = 256


class TFLiteModel:
    """A TFLite file behind the one method the recipes' scorers call: `predict(x)`.

    Runs `static batch size` rows at a time (a device's single-example path); a padded batch
    is fed row by row with its padding, which the model masks.
    """

    def __init__(self, path, endpoint: str):
        from ai_edge_litert.interpreter import Interpreter

        self.runner = Interpreter(model_path=str(path)).get_signature_runner(endpoint)
        ((self.name, detail),) = self.runner.get_input_details().items()
        self.dtype = detail["dtype"]
        self.batch = int(detail["shape_signature"][0])
        # A full-integer artifact has a static sequence length: shorter inputs are right
        # padded with 0 (every preset's padding value, which its model masks).
        signature = detail["shape_signature"]
        self.length = int(signature[1]) if len(signature) > 1 and signature[1] > 0 else None

    def _run(self, x: np.ndarray) -> np.ndarray:
        if self.length is not None and x.ndim > 1 and x.shape[1] < self.length:
            pad = [(0, 0), (0, self.length - x.shape[1])] + [(0, 0)] * (x.ndim - 2)
            x = np.pad(x, pad)
        rows = []
        for i in range(0, len(x), self.batch):
            chunk = x[i:i + self.batch].astype(self.dtype)
            real = len(chunk)  # a short last chunk is padded with its last row, then cut
            chunk = np.concatenate([chunk, np.repeat(chunk[-1:], self.batch - real, axis=0)])
            rows.append(next(iter(self.runner(**{self.name: chunk}).values()))[:real])
        return np.concatenate(rows)

    def predict(self, x, verbose=0, batch_size=None):
        del verbose, batch_size
        if hasattr(x, "as_numpy_iterator"):  # a tf.data.Dataset of input batches
            return np.concatenate([self._run(np.asarray(b)) for b in x.as_numpy_iterator()])
        return self._run(np.asarray(x))

    def predict_on_batch(self, x):
        return self._run(np.asarray(x))


# --- the recipes' own test metrics, for any object with `predict` ------------------------------


def _test_split_of_task(module, preset):
    """A task preset's task and its recipe's raw test split (the models take raw inputs)."""
    from rnn_zoo import runner
    from rnn_zoo.tasks import load_task

    x, y = runner.load_splits(module.RECIPE)["test"]
    return load_task(preset.path), np.stack(x).astype(np.float32), y


def _breast_cancer(module, preset):
    task, x, y = _test_split_of_task(module, preset)
    return "accuracy", lambda m: task._scores(y, m.predict(x))["accuracy"], len(y)


def _sunspots(module, preset):
    config = module._common.config_of(module.Config, preset.metrics, module.NAME)
    series = module.load_series()
    data = module.windows(series, config)
    return "rmse", lambda m: module._score(m, data, series)["rmse"], len(series["test"])


def _japanese_vowels(module, preset):
    config = module._common.config_of(module.Config, preset.metrics, module.NAME)
    data = module.load_data(config)
    return "accuracy", lambda m: module._score(m, data, config)["accuracy"], len(data["test"][1])


def _digit_captions(module, preset):
    # The task's exact_match is the recorded string_accuracy (metrics.json's bar metric).
    task, x, y = _test_split_of_task(module, preset)
    return ("string_accuracy", lambda m: task._scores(y, m.predict(x))["exact_match"], len(y))


def _tweet_sentiment(module, preset):
    """Test accuracy of any model over token ids: the ids come from the task's own layers."""
    import tensorflow as tf

    from rnn_zoo import runner
    from rnn_zoo.tasks import load_task

    task = load_task(preset.path)
    texts, labels = runner.load_splits(module.RECIPE)["test"]
    index = {c: i for i, c in enumerate(task.classes)}
    truth = np.asarray([index[v] for v in labels])
    layers = [task.model.get_layer(n) for n in ("standardize", "vectorize", "fit_length")]
    batches = []
    for i in range(0, len(texts), 64):
        ids = tf.constant(texts[i:i + 64], tf.string)
        for layer in layers:
            ids = layer(ids)
        batches.append(np.asarray(ids, np.int32))

    def accuracy(m):
        found = np.concatenate([np.asarray(m.predict(b, verbose=0)).argmax(-1) for b in batches])
        return float(np.mean(found == truth))

    return "accuracy", accuracy, len(labels)


def _char_lm(module, preset):
    """Validation loss (the bar's metric): mean cross-entropy per character over the recipe's
    validation chunks, the same loop for every model (Keras' evaluate() averages per batch)."""
    from rnn_zoo.data import char_vectorizer

    config = module._common.config_of(module.Config, preset.metrics, module.NAME)
    texts = module.load_texts()
    vectorizer = char_vectorizer([texts["train"]])
    batches = list(module._pipeline(texts["validation"], vectorizer, config, train=False)
                   .as_numpy_iterator())

    def loss(m):
        total, count = 0.0, 0
        for x, y in batches:
            logits = np.asarray(m.predict(x, verbose=0), np.float64)
            logits -= logits.max(axis=-1, keepdims=True)
            log_probs = logits - np.log(np.exp(logits).sum(axis=-1, keepdims=True))
            picked = np.take_along_axis(log_probs, y[..., None].astype(np.int64), -1)[..., 0]
            mask = x != 0
            total -= float(picked[mask].sum())
            count += int(mask.sum())
        return total / count

    return "validation_loss", loss, sum(int((x != 0).sum()) for x, _ in batches)


def _g2p(module, preset):
    """Beam-search WER (stress removed) on the 12,000 test words: Keras through the recipe's
    `score_preset`, TFLite through the artifact's `codepoints` signature, one word per call."""
    from rnn_zoo.exporters.seq2seq import codepoints_of

    length = int(preset.metrics["preprocessing"].get("max_source_length",
                                                     module.MAX_SOURCE_LENGTH))
    words = module.load_words("test")

    def wer(m):
        if not isinstance(m, TFLiteModel):
            return module.score_preset(m, preset)["wer"]
        hypotheses = []
        for word, _ in words:
            tokens = m.runner(codepoints=codepoints_of([word], length))["tokens"][0]
            hypotheses.append(" ".join(t.decode("utf-8") for t in tokens if t))
        return module.score_pronunciations(hypotheses, [refs for _, refs in words])["wer"]

    return "wer", wer, len(words)


# --- calibration data for the full-integer artifact: the training split, padded to one length --


def _spread(n: int) -> np.ndarray:
    return np.unique(np.linspace(0, n - 1, min(n, CALIBRATION_EXAMPLES)).astype(int))


def _padded(rows, length: int) -> np.ndarray:
    out = np.zeros((len(rows), length, *np.shape(rows[0])[1:]), np.float32)
    for i, row in enumerate(rows):
        out[i, :len(row)] = row[:length]
    return out


def _train_rows(module, preset) -> np.ndarray:
    """`CALIBRATION_EXAMPLES` model inputs from the recipe's training split, preprocessed as
    its scorer does, at one static shape (the longest sequence of any split, so no test
    example is cut)."""
    recipe = preset.recipe
    config = module._common.config_of(module.Config, preset.metrics, module.NAME) \
        if recipe != "breast_cancer" else None
    if recipe == "breast_cancer":
        x = module.load_data()["train"][0]
    elif recipe == "sunspots_forecast":
        x = module.windows(module.load_series(), config)["train"][0]
    elif recipe == "digit_captions":
        x = module.load_data(config)["train"]["image"]
    elif recipe == "japanese_vowels":
        data = module.load_data(config)
        length = max(len(s) for split in ("train", "validation", "test")
                     for s in data[split][0])
        series = data["train"][0]
        return _padded([series[i] for i in _spread(len(series))], length)
    elif recipe == "tweet_sentiment":
        data = module.load_data()
        vectorizer = module._vectorizer_from(module.read_vocabulary(preset.path))
        texts = [data["train"][0][i] for i in _spread(len(data["train"][0]))]
        ds = module._dataset(texts, np.zeros(len(texts), np.int32), vectorizer, config, None,
                             train=False)
        length = int(preset.metrics["preprocessing"]["max_length"])
        return _padded([row for x, _ in ds.as_numpy_iterator() for row in x],
                       length).astype(np.int32)
    else:
        raise KeyError(recipe)
    return np.asarray(x)[_spread(len(x))]


def representative_of(module, preset, keras_model) -> list[dict] | None:
    """The calibration dicts of the preset (None: no full-integer sequence artifact)."""
    if preset.recipe not in FULL_INT8_RECIPES:
        return None
    rows = _train_rows(module, preset)
    name = keras_model.inputs[0].name
    return [{name: rows[i:i + 32]} for i in range(0, len(rows), 32)]


# The char LM's device artifact is its step (`export_stateful`, scored by `_char_lm_step`); the
# G2P decoding loop has no Keras model behind its TFLite endpoint (recorded as not written).
FULL_INT8_RECIPES = ("breast_cancer", "sunspots_forecast", "japanese_vowels", "digit_captions",
                     "tweet_sentiment", "g2p_cmudict")
CHAR_LM_NOTE = ("the sequence model is not exported full-integer: a language model runs on a "
                "device as its step with explicit state; the full-integer step "
                "(export_stateful(..., representative=...)) is scored in `full_int8`")


def _char_lm_step(preset, keras_model) -> dict:
    """Validation loss of the float32 and full-integer TFLite steps, one character at a time
    (the recipe's chunks of 101 characters, state reset per chunk), calibrated on 20 chunks
    spread over the train split: `benchmarks/streaming_int8.py`'s protocol."""
    from ai_edge_litert.interpreter import Interpreter

    from benchmarks.streaming_int8 import SEQ_LEN, chunks_of, score
    from recipes.char_lm_shakespeare import load_texts
    from rnn_zoo.exporters.stateful import export_stateful

    vocabulary = presets.read_vocabulary(preset)
    index = {ch: i for i, ch in enumerate(vocabulary)}
    texts = load_texts()
    ids = {s: np.array([index.get(c, 1) for c in texts[s]], np.int32)
           for s in ("train", "validation")}
    train = chunks_of(ids["train"])
    representative = [train[k][:SEQ_LEN] for k in np.linspace(0, len(train) - 1, 20).astype(int)]
    with tempfile.TemporaryDirectory() as tmp:
        manifest = export_stateful(keras_model, tmp, formats=("tflite",),
                                   representative=representative)
        chunks = chunks_of(ids["validation"])
        found = {"metric": "validation_loss", "split": "validation", "protocol":
                 "step by step, chunks of 101 characters, stride 100, state reset per chunk",
                 "characters": int(len(chunks) * SEQ_LEN)}
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


SCORERS = {"breast_cancer": _breast_cancer, "sunspots_forecast": _sunspots,
           "japanese_vowels": _japanese_vowels, "digit_captions": _digit_captions,
           "tweet_sentiment": _tweet_sentiment, "char_lm_shakespeare": _char_lm,
           "g2p_cmudict": _g2p}


def measure(preset, result, keras_model) -> dict | None:
    """The bar's test metric for Keras and the TFLite files (None: no scorer known)."""
    from recipes import get_recipe

    if preset.recipe not in SCORERS:
        return None
    module = get_recipe(preset.recipe)
    metric, score, examples = SCORERS[preset.recipe](module, preset)
    endpoint = result.artifacts["tflite"]["endpoints"][0]
    found = {"metric": metric, "split": "validation" if metric.startswith("validation")
             else "test", "examples": examples, "keras": float(score(keras_model))}
    for fmt in ("tflite", "tflite_int8"):
        found[fmt] = float(score(TFLiteModel(result.path(fmt), endpoint)))
    found["delta"] = found["tflite_int8"] - found["keras"]
    found["float32_delta"] = found["tflite"] - found["keras"]
    full = result.artifacts.get("tflite_full_int8")
    if full is None:
        found["tflite_full_int8"] = None
        found["full_int8"] = {"written": False, "reason": CHAR_LM_NOTE
                              if preset.recipe == "char_lm_shakespeare" else "not exported"}
    elif full.get("written") is False:
        found["tflite_full_int8"] = None
        found["full_int8"] = {"written": False, "reason": full["reason"]}
    else:
        found["tflite_full_int8"] = float(score(TFLiteModel(result.path("tflite_full_int8"),
                                                            endpoint)))
        found["full_int8_delta"] = found["tflite_full_int8"] - found["keras"]
        found["full_int8"] = {"written": True, "quantization": full["quantization"],
                              "bytes": full["bytes"], "inputs": full["inputs"]}
    if preset.recipe == "char_lm_shakespeare":
        found["full_int8"]["step"] = _char_lm_step(preset, keras_model)
    return found


def export_one(name: str, *, presets_dir: Path, work: Path) -> dict:
    import keras

    from rnn_zoo.exporters import export
    from rnn_zoo.exporters.presets import load_servable

    preset = presets.get_preset(name, presets_dir=presets_dir)
    if (preset.path / "task.json").is_file():  # the task form: its task serves it
        from rnn_zoo.tasks import Task

        servable = Task.from_preset(name, presets_dir=presets_dir).servable()
    else:
        servable = load_servable(name, presets_dir=presets_dir)
    target = work / name
    if target.exists():
        shutil.rmtree(target)
    from recipes import get_recipe

    keras_model = servable.keras_model
    representative = None
    if preset.recipe in FULL_INT8_RECIPES:
        # Real calibration data where there is a Keras model behind the TFLite endpoint; the
        # G2P decoding loop gets one dummy example, only for the record of why it cannot.
        representative = representative_of(get_recipe(preset.recipe), preset, keras_model) \
            if preset.recipe != "g2p_cmudict" else [
                {k: np.ones([1 if d is None else d for d in s.shape], s.dtype.as_numpy_dtype)
                 for k, s in servable.endpoints[servable.model_endpoint].inputs.items()}]
    formats = None if representative is None else (
        *servable.formats[:servable.formats.index("tflite_full_int8")], "tflite_full_int8",
        *servable.formats[servable.formats.index("tflite_full_int8") + 1:])
    # raises ParityError if an artifact does not match
    result = export(servable, target, formats=formats, representative=representative)
    # A servable without a Keras model (a decoding loop) needs its own scorer here.
    int8 = measure(preset, result, keras_model) if isinstance(keras_model, keras.Model) \
        else None

    committed = ["tflite_int8"]
    if result.artifacts["tflite"]["bytes"] < FLOAT_COMMIT_LIMIT:
        committed.insert(0, "tflite")
    if "tflite_full_int8" in result.artifacts:  # written, or recorded with its reason
        committed.append("tflite_full_int8")
    folder = preset.path
    # The maintenance path into a preset folder: `rnn-zoo export` refuses preset folders, so
    # the export went to `target` and the files a preset ships are copied in, under its lock.
    with folder_lock(folder, what="preset re-export"):
        _commit(result, folder, committed, name=name, int8=int8)
    return json.loads((folder / presets.METRICS).read_text(encoding="utf-8"))["export"]


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
        "sizes": {f: a["bytes"] for f, a in result.artifacts.items()},
        "artifacts": {f: {k: result.artifacts[f][k] for k in (
            "path", "bytes", "endpoints", "static_batch_size", "select_tf_ops", "ops", "runs_on",
            "quantization", "written", "reason") if k in result.artifacts[f]}
            for f in committed},
        "int8": int8,
    }
    write_json_atomic(folder / presets.METRICS, metrics)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="export_presets.py", description=__doc__.split("\n")[0])
    parser.add_argument("names", metavar="PRESET", nargs="*", help="default: every preset")
    parser.add_argument("--presets-dir", metavar="DIR", default=None)
    parser.add_argument("--work", metavar="DIR", default=None,
                        help="where the full exports go (default: a temporary folder)")
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    sys.path.insert(0, str(REPO / "scripts"))
    import publish_preset
    import results_table

    root = presets.presets_dir(args.presets_dir)
    names = args.names or presets.list_presets(root)
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="preset_exports_"))
    for name in names:
        record = export_one(name, presets_dir=root, work=work)
        publish_preset.rewrite_card(root / name)
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
