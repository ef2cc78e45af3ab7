"""The quantized TFLite steps of the char LM preset: validation loss, scoring and generation speed.

    nice -n 10 python -m benchmarks.streaming_int8 --out benchmarks/results/streaming_int8.json

`rnn_zoo.exporters.stateful.export_stateful(..., representative=...)` writes three steps:
the float32 step (`step.tflite`), the dynamic-range int8 step (`step_dynamic_int8.tflite`:
int8 weights, float32 activations and state, no calibration data) and the full-integer step
(`step_int8.tflite`: int8 weights and activations, calibrated on the states met while stepping
`--calibration-chunks` chunks of 100 characters spread over the *train* split).

- Validation loss: each step is scored on the validation split with the recipe's protocol
  (chunks of 101 characters, stride 100, the state reset to zero at every chunk, mean
  cross-entropy in nats/char of characters 2..101), fed one character at a time in the LiteRT
  interpreter; its characters/s of scoring is recorded too (the steps run one after the other,
  so those rates are indicative only).
- Generation: each step drives a sampling loop as a device would: the prompt `ROMEO:` fed one
  id at a time, then the next id sampled with temperature 0.8 from the step's logits
  (`benchmarks.streaming.Sampler`) and fed back, the state carried. These loops and the
  window-rerun sampler (`benchmarks.streaming.window_rerun_sample`, the baseline of the 100x
  bar) run interleaved round after round (`benchmarks._common.interleave`), so
  `generation_over_window_rerun` is a median of per-round ratios, with the 100x bar recorded.

The preset's own numbers (`metrics.json`: Keras, and the dynamic-range int8 sequence model, by
`python scripts/export_presets.py`) are copied next to them. The fresh-process parity verdict
of every step is recorded (`parity`); a step outside its bound is still measured, and the
verdict says so.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402

import rnn_zoo  # noqa: E402
from benchmarks import _common  # noqa: E402
from benchmarks.streaming import PROMPT, TEMPERATURE, Sampler, window_rerun_sample  # noqa: E402

MODULE = "benchmarks.streaming_int8"
PRESET = "char_lm_shakespeare"
SEQ_LEN = 100
BAR = 100.0  # generation >= 100x the window-rerun sampler (issue 17)
STEPS = ("tflite", "tflite_dynamic_int8", "tflite_int8")


def chunks_of(ids: np.ndarray, limit: int | None = None) -> np.ndarray:
    """The recipe's evaluation chunks: frames of SEQ_LEN + 1 ids, stride SEQ_LEN."""
    n = (len(ids) - (SEQ_LEN + 1)) // SEQ_LEN + 1
    if limit is not None:
        n = min(n, limit)
    return np.stack([ids[k * SEQ_LEN: k * SEQ_LEN + SEQ_LEN + 1] for k in range(n)])


def score(runner, manifest, chunks) -> tuple[float, float]:
    """Mean nats/char over the chunks' targets, and characters/s, feeding one id at a time."""
    names = [s["name"] for s in manifest["states"]]
    outs = [s["out"] for s in manifest["states"]]
    shapes = [s["shape"][1:] for s in manifest["states"]]
    total, count = 0.0, 0
    start = time.perf_counter()
    for chunk in chunks:
        states = {n: np.zeros((1, *s), np.float32) for n, s in zip(names, shapes, strict=True)}
        for t in range(SEQ_LEN):
            found = runner(token=chunk[t: t + 1].astype(np.int32), **states)
            logits = np.asarray(found["outputs"], np.float64)[0]
            m = logits.max()
            total += (m + np.log(np.exp(logits - m).sum())) - logits[chunk[t + 1]]
            count += 1
            states = {n: np.array(found[o]) for n, o in zip(names, outs, strict=True)}
    return total / count, count / (time.perf_counter() - start)


def generation(runner, manifest, prompt_ids, length, sampler) -> None:
    """A device's sampling loop: the prompt fed id by id, then `length` ids sampled from the
    step's logits and fed back, the state carried."""
    names = [s["name"] for s in manifest["states"]]
    outs = [s["out"] for s in manifest["states"]]
    states = {n: np.zeros((1, *s["shape"][1:]), np.float32)
              for n, s in zip(names, manifest["states"], strict=True)}
    token = np.zeros(1, np.int32)
    for t in range(len(prompt_ids) + length - 1):
        if t < len(prompt_ids):
            token[0] = prompt_ids[t]
        found = runner(token=token, **states)
        if t >= len(prompt_ids) - 1:
            token[0] = sampler(found["outputs"])
        # The runner's outputs view its buffers; copy before the next call (as `score`).
        states = {n: np.array(found[o]) for n, o in zip(names, outs, strict=True)}


def generation_cases(model, vocabulary, runners, manifest, *, window_chars, chars) -> dict:
    """name -> zero-argument callable returning characters/s of one chunk of generation."""
    index = {ch: i for i, ch in enumerate(vocabulary)}
    prompt_ids = [index.get(ch, 1) for ch in PROMPT]

    def rate(n, fn):
        start = time.perf_counter()
        fn()
        return n / (time.perf_counter() - start)

    found = {"window_rerun": lambda: rate(window_chars, lambda: window_rerun_sample(
        model, vocabulary, prompt=PROMPT, length=window_chars, temperature=TEMPERATURE))}
    for name, runner in runners.items():
        sampler = Sampler(seed=len(found))
        found[name] = (lambda runner=runner, sampler=sampler: rate(chars, lambda: generation(
            runner, manifest, prompt_ids, chars, sampler)))
    return found


def main(argv: Sequence[str] | None = None) -> dict:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog=MODULE, description=__doc__.split("\n\n")[0])
    parser.add_argument("--calibration-chunks", type=int, default=20,
                        help="train chunks of 100 characters to calibrate on (default 20)")
    parser.add_argument("--chunks", type=int, default=None,
                        help="validation chunks to score (default: all)")
    parser.add_argument("--rounds", type=int, default=7,
                        help="interleaved rounds of the generation timing (default 7)")
    parser.add_argument("--window-chars", type=int, default=30,
                        help="characters per window-rerun chunk (default 30)")
    parser.add_argument("--chars", type=int, default=1000,
                        help="characters per chunk of each step's generation (default 1000)")
    parser.add_argument("--quick", action="store_true",
                        help="a tiny random-weight LM on made-up text (smoke test)")
    parser.add_argument("--out", default=None, help="write the results as JSON here")
    args = parser.parse_args(argv)
    from ai_edge_litert.interpreter import Interpreter

    from rnn_zoo.exporters.stateful import StatefulExportError, export_stateful

    start = time.perf_counter()
    machine = _common.machine(_common.command_line(MODULE, argv))
    if args.quick:
        vocabulary = ["", "[UNK]", *"abcdefgh ROME:"]
        model = rnn_zoo.get_model("many_to_many_lstm", vocab_size=len(vocabulary),
                                  num_classes=len(vocabulary), units=32, embedding_dim=4,
                                  num_layers=2)
        rng = np.random.default_rng(0)
        texts = {s: "".join(rng.choice(list("abcdefgh "), 400)) for s in ("train", "validation")}
        preset_numbers = None
    else:
        from rnn_zoo import datasets
        from rnn_zoo.presets import get_preset
        from rnn_zoo.tasks import LanguageModel

        lm = LanguageModel.from_preset(PRESET)  # the sequence model: character ids in
        model, vocabulary = lm.backbone, lm.vocabulary
        texts = {s: next(datasets.load("tiny_shakespeare", split=s).as_numpy_iterator())
                 ["text"].decode("utf-8") for s in ("train", "validation")}
        preset_numbers = get_preset(PRESET).metrics["export"]["int8"]
    index = {ch: i for i, ch in enumerate(vocabulary)}
    ids = {s: np.array([index.get(c, 1) for c in texts[s]], np.int32)
           for s in ("train", "validation")}
    train_chunks = chunks_of(ids["train"])
    pick = np.linspace(0, len(train_chunks) - 1, args.calibration_chunks).astype(int)
    representative = [train_chunks[k][:SEQ_LEN] for k in pick]
    with tempfile.TemporaryDirectory() as tmp:
        try:
            manifest = export_stateful(model, tmp, formats=("tflite",),
                                       representative=representative)
        except StatefulExportError as e:  # a step off its bound: still measured, recorded
            print(f"parity check failed: {e}", file=sys.stderr)
            manifest = json.loads((Path(tmp) / "stateful.json").read_text())
        artifacts = {name: manifest["artifacts"][name] for name in STEPS
                     if manifest["artifacts"].get(name, {}).get("written", True)}
        sizes = {name: (Path(tmp) / a["path"]).stat().st_size for name, a in artifacts.items()}
        runners = {name: Interpreter(model_path=str(Path(tmp) / a["path"]))
                   .get_signature_runner("step") for name, a in artifacts.items()}
        chunks = chunks_of(ids["validation"], args.chunks)
        found = {name: score(runner, manifest, chunks) for name, runner in runners.items()}
        timed = generation_cases(model, vocabulary, runners, manifest,
                                 window_chars=args.window_chars, chars=args.chars)
        for fn in timed.values():  # warm-up: traces the window model, allocates
            fn()
        samples = _common.interleave(timed, rounds=args.rounds)
    loss = {name: value for name, (value, _) in found.items()}
    ratios = {name: _common.paired_ratio(samples[name], samples["window_rerun"])
              for name in runners}
    results = {
        "benchmark": "streaming_int8",
        "machine": machine,
        "model": PRESET if not args.quick else "tiny many_to_many_lstm (random weights)",
        "split": "validation", "characters_scored": int(chunks.shape[0] * SEQ_LEN),
        "protocol": "chunks of 101 characters, stride 100, state reset per chunk",
        "validation_loss": loss,
        "delta_minus_float": {name: loss[name] - loss["tflite"] for name in loss
                              if name != "tflite"},
        "characters_per_second_sequential": {name: rate for name, (_, rate) in found.items()},
        "bytes": sizes,
        "generation": {
            "prompt": PROMPT, "temperature": TEMPERATURE, "rounds": args.rounds,
            "characters_per_chunk": {"window_rerun": args.window_chars,
                                     **dict.fromkeys(runners, args.chars)},
            "driver": "Python: LiteRT signature runner per character, NumPy sampling",
            "characters_per_second": {name: _common.summary(v) for name, v in samples.items()},
            "generation_over_window_rerun": {
                name: {**ratio, "bar": BAR, "met": ratio["median"] >= BAR}
                for name, ratio in ratios.items()},
        },
        "dynamic_int8_artifact": manifest["artifacts"]["tflite_dynamic_int8"],
        "int8_artifact": manifest["artifacts"].get("tflite_int8"),
        "parity": manifest["parity"],
        "preset_metrics_export_int8": preset_numbers,
        "seconds": round(time.perf_counter() - start, 1),
    }
    for name, (value, rate) in found.items():
        print(f"{name:<20} validation loss {value:.6f} nats/char  {rate:.0f} chars/s scoring  "
              f"{sizes[name] / 2**20:.1f} MiB")
    for name, v in results["generation"]["characters_per_second"].items():
        ratio = ratios.get(name)
        print(f"generate {name:<20} {v['median']:>9.1f} chars/s [{v['min']:.1f}, {v['max']:.1f}]"
              + (f"  {ratio['median']:.1f}x window rerun [{ratio['min']:.1f}, "
                 f"{ratio['max']:.1f}]" if ratio else ""))
    if args.out:
        _common.write_results(args.out, results)
    return results


if __name__ == "__main__":
    main()
