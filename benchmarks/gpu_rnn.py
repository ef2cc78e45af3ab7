"""GPU throughput: the zoo's LSTM/GRU training step (Keras on JAX) against torch.nn.LSTM/GRU.

For each cell, the zoo's `many_to_many` builder (a `(batch, time, features)` input, one recurrent
layer, a per-step `Dense` head over `classes`) and the same network in PyTorch (`nn.LSTM`/`nn.GRU`
+ `nn.Linear`, cuDNN) train on the same shapes with Adam and cross-entropy. Both are timed in one
process, interleaved (a chunk of steps of one, then of the other, alternating), and the result is
tokens per second (`batch * time` per step) for each, the median of the per-round ratios
`zoo / torch` (the bar: >= 0.8), and the model FLOP/s as a share of the GPU's matrix-multiply
peak measured in the same run (one large matmul per framework, in the dtype used).

Kernels: on JAX, Keras runs an LSTM through cuDNN (`jax.experimental.rnn`) only without a mask
(the zoo masks padded token inputs, so `--inputs tokens` shows that cost); JAX has no cuDNN GRU,
and Keras runs an unmasked GRU as a `lax.scan` with the input projections hoisted out of the
loop. The run records which LSTM kernel was actually traced.

On the lent GPU machine (JAX and PyTorch with CUDA, no TensorFlow; see README.md for carrying
the Keras wheels):

    KERAS_BACKEND=jax python -m benchmarks.gpu_rnn --out gpu_rnn.json

On a CPU, `--shapes tiny` is the smoke test. This module must not import TensorFlow: it imports
`rnn_zoo`, whose builders load under `KERAS_BACKEND=jax` without it.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import time
from collections.abc import Sequence

import numpy as np

from benchmarks import _common

MODULE = "benchmarks.gpu_rnn"
CELLS = ("lstm", "gru")
GATES = {"lstm": 4, "gru": 3}


@dataclasses.dataclass(frozen=True)
class Shape:
    batch: int
    time: int
    features: int  # input features per step (the embedding size for `--inputs tokens`)
    units: int
    classes: int


SHAPES = {
    # The char_lm_shakespeare full profile's layer: 64 x 100 characters, 64-d embeddings, 512 units.
    "char_lm": Shape(batch=64, time=100, features=64, units=512, classes=68),
    # Large enough to keep an H100 busy.
    "large": Shape(batch=256, time=256, features=512, units=1024, classes=256),
    "tiny": Shape(batch=4, time=6, features=3, units=8, classes=5),
}


def training_flops_per_token(cell: str, shape: Shape) -> float:
    """Matrix-multiply FLOPs per token of one training step (forward + backward = 3x forward):
    the gates' input and recurrent projections and the output head."""
    gates = GATES[cell] * shape.units
    forward = 2 * (shape.features + shape.units) * gates + 2 * shape.units * shape.classes
    return 3.0 * forward


class _CountCalls:
    """Wraps a function and counts the calls (here: traces that reached the cuDNN LSTM)."""

    def __init__(self, fn):
        self.fn, self.calls = fn, 0

    def __call__(self, *args, **kwargs):
        self.calls += 1
        return self.fn(*args, **kwargs)


def keras_step(cell: str, shape: Shape, *, inputs: str, dtype: str, seed: int):
    """The zoo model, compiled; returns `(step, model, kernel_probe)`."""
    import jax
    import jax.experimental.rnn as jax_rnn
    import keras

    import rnn_zoo  # lazy: the builders import without TensorFlow (tests/test_architecture.py)

    keras.config.set_dtype_policy(dtype)
    keras.utils.set_random_seed(seed)
    rng = np.random.default_rng(seed)
    if inputs == "tokens":
        model = rnn_zoo.many_to_many(vocab_size=shape.classes, embedding_dim=shape.features,
                                        cell=cell, units=shape.units, num_classes=shape.classes)
        x = rng.integers(1, shape.classes, size=(shape.batch, shape.time)).astype("int32")
    else:
        model = rnn_zoo.many_to_many(input_dim=shape.features, cell=cell, units=shape.units,
                                        num_classes=shape.classes)
        x = rng.normal(size=(shape.batch, shape.time, shape.features)).astype("float32")
    y = rng.integers(0, shape.classes, size=(shape.batch, shape.time)).astype("int32")
    model.compile(optimizer=keras.optimizers.Adam(1e-3),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  jit_compile=True)
    x, y = jax.device_put(x), jax.device_put(y)
    probe = _CountCalls(jax_rnn.lstm)
    jax_rnn.lstm = probe  # Keras imports it from the module at trace time
    try:
        model.train_on_batch(x, y)  # traces (and so reveals the kernel) and compiles
    finally:
        jax_rnn.lstm = probe.fn

    def step():
        # train_on_batch returns host floats, so the device work is done when it returns.
        model.train_on_batch(x, y)

    return step, model, probe.calls > 0


def torch_step(cell: str, shape: Shape, *, inputs: str, dtype: str, seed: int, device: str):
    """The same network in PyTorch; returns `(step, module)`."""
    import torch
    from torch import nn

    torch.manual_seed(seed)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = (nn.Embedding(shape.classes, shape.features, padding_idx=0)
                          if inputs == "tokens" else None)
            rnn = nn.LSTM if cell == "lstm" else nn.GRU
            self.rnn = rnn(shape.features, shape.units, batch_first=True)
            self.head = nn.Linear(shape.units, shape.classes)

        def forward(self, x):
            if self.embed is not None:
                x = self.embed(x)
            return self.head(self.rnn(x)[0])

    net = Net().to(device)
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    generator = torch.Generator().manual_seed(seed)
    if inputs == "tokens":
        x = torch.randint(1, shape.classes, (shape.batch, shape.time), generator=generator)
    else:
        x = torch.randn(shape.batch, shape.time, shape.features, generator=generator)
    y = torch.randint(0, shape.classes, (shape.batch, shape.time), generator=generator)
    x, y = x.to(device), y.to(device)
    autocast = dtype == "mixed_bfloat16"

    def step():
        optimizer.zero_grad(set_to_none=True)
        with torch.autocast(device_type=device.split(":")[0], dtype=torch.bfloat16,
                            enabled=autocast):
            logits = net(x)
            loss = loss_fn(logits.reshape(-1, shape.classes).float(), y.reshape(-1))
        loss.backward()
        optimizer.step()
        if device.startswith("cuda"):
            torch.cuda.synchronize()

    step()
    return step, net


def matmul_peak(framework: str, *, dtype: str, device: str, size: int) -> float:
    """Measured FLOP/s of a `size`-square matrix product (median of 5 timings after a warm-up)."""
    wanted = "bfloat16" if dtype == "mixed_bfloat16" else "float32"
    if framework == "jax":
        import jax
        import jax.numpy as jnp

        a = jnp.ones((size, size), wanted)
        product = jax.jit(lambda a, b: a @ b)

        def run():
            product(a, a).block_until_ready()
    else:
        import torch

        a = torch.ones((size, size), dtype=getattr(torch, wanted), device=device)

        def run():
            torch.matmul(a, a)
            if device.startswith("cuda"):
                torch.cuda.synchronize()
    run()
    times = []
    for _ in range(5):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return 2.0 * size**3 / float(np.median(times))


class _Clock:
    def __init__(self, step, steps: int):
        self.step, self.steps = step, steps

    def __call__(self) -> float:
        start = time.perf_counter()
        for _ in range(self.steps):
            self.step()
        return (time.perf_counter() - start) / self.steps


def run(*, shape_name: str, cells: Sequence[str], inputs: str, dtype: str, rounds: int,
        chunks: int, steps: int, seed: int = 0) -> dict:
    import jax
    import keras
    import torch

    if keras.backend.backend() != "jax":
        raise RuntimeError(f"Run with KERAS_BACKEND=jax, got {keras.backend.backend()!r}.")
    shape = SHAPES[shape_name]
    gpu = jax.default_backend() == "gpu"
    device = "cuda" if torch.cuda.is_available() else "cpu"
    peak_size = 8192 if gpu else 512
    results = {
        "shape": {"name": shape_name, **dataclasses.asdict(shape)},
        "inputs": inputs,
        "dtype": dtype,
        "jax_backend": jax.default_backend(),
        "jax_devices": [str(d) for d in jax.devices()],
        "torch_device": torch.cuda.get_device_name(0) if device == "cuda" else "cpu",
        "torch_cudnn": bool(device == "cuda" and torch.backends.cudnn.is_available()),
        "matmul_peak_flops": {
            "jax": matmul_peak("jax", dtype=dtype, device=device, size=peak_size),
            "torch": matmul_peak("torch", dtype=dtype, device=device, size=peak_size),
        },
        "cells": {},
    }
    tokens = shape.batch * shape.time
    for cell in cells:
        zoo, model, cudnn_lstm = keras_step(cell, shape, inputs=inputs, dtype=dtype, seed=seed)
        reference, net = torch_step(cell, shape, inputs=inputs, dtype=dtype, seed=seed,
                                    device=device)
        for fn in (zoo, reference):  # warm up after compilation
            for _ in range(2):
                fn()
        seconds = _common.interleave({"zoo": _Clock(zoo, steps), "torch": _Clock(reference, steps)},
                                     rounds=rounds, chunks=chunks)
        flops = training_flops_per_token(cell, shape)
        per_framework = {}
        for name, framework in (("zoo", "jax"), ("torch", "torch")):
            tokens_per_s = [tokens / s for s in seconds[name]]
            median = _common.summary(tokens_per_s)["median"]
            per_framework[name] = {
                "tokens_per_second": _common.summary(tokens_per_s),
                "model_flops_per_second": flops * median,
                "share_of_matmul_peak": flops * median / results["matmul_peak_flops"][framework],
            }
        results["cells"][cell] = {
            **per_framework,
            "zoo_kernel": ("cuDNN (jax.experimental.rnn)" if cudnn_lstm else
                           "lax.scan, input projections hoisted" if cell == "gru" and
                           inputs == "features" else "lax.scan (generic loop)"),
            "zoo_params": int(model.count_params()),
            "torch_params": int(sum(p.numel() for p in net.parameters())),
            "flops_per_token": flops,
            "zoo_over_torch": _common.paired_ratio([1 / s for s in seconds["zoo"]],
                                                   [1 / s for s in seconds["torch"]]),
        }
    return results


def main(argv: Sequence[str] | None = None) -> dict:
    # Before JAX and Keras load (they are imported lazily): Keras on JAX, and JAX allocating GPU
    # memory on demand, so that PyTorch in the same process gets some. Not at import time: that
    # would leak into every process a test suite starts after importing this module.
    os.environ.setdefault("KERAS_BACKEND", "jax")
    os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog=MODULE, description=__doc__.split("\n\n")[0])
    parser.add_argument("--shapes", choices=SHAPES, nargs="+", default=["char_lm", "large"])
    parser.add_argument("--cells", choices=CELLS, nargs="+", default=list(CELLS))
    parser.add_argument("--inputs", choices=("features", "tokens"), nargs="+",
                        default=["features", "tokens"],
                        help="features: unmasked float input; tokens: masked embedding input")
    parser.add_argument("--dtype", choices=("float32", "mixed_bfloat16"), nargs="+",
                        default=["float32", "mixed_bfloat16"])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--chunks", type=int, default=3)
    parser.add_argument("--steps", type=int, default=10, help="training steps per chunk")
    parser.add_argument("--out", default=None, help="write the results as JSON here")
    args = parser.parse_args(argv)
    results = {"benchmark": "gpu_rnn",
               "machine": _common.machine(_common.command_line(MODULE, argv)), "runs": []}
    for shape in args.shapes:
        for inputs in args.inputs:
            for dtype in args.dtype:
                found = run(shape_name=shape, cells=args.cells, inputs=inputs, dtype=dtype,
                            rounds=args.rounds, chunks=args.chunks, steps=args.steps)
                results["runs"].append(found)
                for cell, r in found["cells"].items():
                    print(f"{shape:<8} {inputs:<8} {dtype:<15} {cell:<4} zoo "
                          f"{r['zoo']['tokens_per_second']['median']:>12,.0f} tok/s "
                          f"({r['zoo']['share_of_matmul_peak']:.1%} of peak, "
                          f"{r['zoo_kernel']}), torch "
                          f"{r['torch']['tokens_per_second']['median']:>12,.0f} tok/s "
                          f"({r['torch']['share_of_matmul_peak']:.1%}); zoo/torch "
                          f"{r['zoo_over_torch']['median']:.2f}", flush=True)
    if args.out:
        _common.write_results(args.out, results)
    return results


if __name__ == "__main__":
    main()
