"""The full-integer (int8) TFLite step of the char LM preset: its validation loss and speed.

    nice -n 10 python -m benchmarks.streaming_int8 --out benchmarks/results/streaming_int8.json

`rnn_zoo.exporters.stateful.export_stateful(..., representative=...)` writes the float32 step and
the full-integer step (int8 weights and activations, calibrated on the states met while
stepping `--calibration-chunks` chunks of 100 characters spread over the *train* split). Both
are then scored on the validation split with the recipe's protocol (chunks of 101 characters,
stride 100, the state reset to zero at every chunk, mean cross-entropy in nats/char of
characters 2..101), fed one character at a time in the LiteRT interpreter. The preset's own
numbers (`metrics.json`: Keras, and the dynamic-range int8 sequence model, by
`python scripts/export_presets.py`) are copied next to them. The two steps run one after the
other (not interleaved), so their characters/s are indicative only.
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
REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402

import rnn_zoo  # noqa: E402
from benchmarks import _common  # noqa: E402

MODULE = "benchmarks.streaming_int8"
PRESET = "char_lm_shakespeare"
SEQ_LEN = 100


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


def main(argv: Sequence[str] | None = None) -> dict:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog=MODULE, description=__doc__.split("\n\n")[0])
    parser.add_argument("--calibration-chunks", type=int, default=20,
                        help="train chunks of 100 characters to calibrate on (default 20)")
    parser.add_argument("--chunks", type=int, default=None,
                        help="validation chunks to score (default: all)")
    parser.add_argument("--quick", action="store_true",
                        help="a tiny random-weight LM on made-up text (smoke test)")
    parser.add_argument("--out", default=None, help="write the results as JSON here")
    args = parser.parse_args(argv)
    from ai_edge_litert.interpreter import Interpreter

    from rnn_zoo.exporters.stateful import export_stateful

    machine = _common.machine(_common.command_line(MODULE, argv))
    if args.quick:
        vocabulary = ["", "[UNK]", *"abcdefgh "]
        model = rnn_zoo.get_model("many_to_many_lstm", vocab_size=len(vocabulary),
                                  num_classes=len(vocabulary), units=8, embedding_dim=4,
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
        manifest = export_stateful(model, tmp, formats=("tflite",), representative=representative)
        sizes = {name: (Path(tmp) / a["path"]).stat().st_size
                 for name, a in manifest["artifacts"].items()}
        runners = {name: Interpreter(model_path=str(Path(tmp) / a["path"]))
                   .get_signature_runner("step") for name, a in manifest["artifacts"].items()}
        chunks = chunks_of(ids["validation"], args.chunks)
        found = {name: score(runner, manifest, chunks) for name, runner in runners.items()}
    results = {
        "benchmark": "streaming_int8",
        "machine": machine,
        "model": PRESET if not args.quick else "tiny many_to_many_lstm (random weights)",
        "split": "validation", "characters_scored": int(chunks.shape[0] * SEQ_LEN),
        "protocol": "chunks of 101 characters, stride 100, state reset per chunk",
        "validation_loss": {name: loss for name, (loss, _) in found.items()},
        "delta_int8_minus_float": found["tflite_int8"][0] - found["tflite"][0],
        "characters_per_second_sequential": {name: rate for name, (_, rate) in found.items()},
        "bytes": sizes,
        "int8_artifact": manifest["artifacts"]["tflite_int8"],
        "parity": manifest["parity"],
        "preset_metrics_export_int8": preset_numbers,
    }
    for name, (loss, rate) in found.items():
        print(f"{name:<12} validation loss {loss:.6f} nats/char  {rate:.0f} chars/s  "
              f"{sizes[name] / 2**20:.1f} MiB")
    if args.out:
        _common.write_results(args.out, results)
    return results


if __name__ == "__main__":
    main()
