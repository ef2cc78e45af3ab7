"""Input pipeline: batches bucketed by length against padded batches, on cmudict and tweets.

Three ways to batch the same shuffled examples, each the task's own training pipeline
(`Seq2Seq` for `g2p_cmudict`, `TextClassifier` for `tweet_sentiment`, their preprocessing
learned from the train split with the recipe's `quick` settings), with only the length
boundaries changed:

- `pad_to_max`: every batch padded to the longest example of the whole split (fixed shapes);
- `pad_to_batch_max`: `padded_batch`, each batch padded to its own longest example;
- `bucketed`: `bucket_by_length` with the task's learned boundaries, then padded to the
  batch's longest (what `g2p_cmudict` and `tweet_sentiment` train on).

Reported per dataset and strategy: the share of padded (wasted) tokens over the whole train
split, counted from the batches themselves, and the time of one epoch of the task's backbone
(as the task builds and compiles it, `--quick`: 4 units) over the first `--timing-examples`
examples, the strategies interleaved round by round (median seconds and the median per-round
ratio to `pad_to_max`).

    nice -n 10 python -m benchmarks.input_pipeline --out benchmarks/results/input_pipeline.json

`--quick` uses a few hundred examples, test-size models and one round (the smoke test).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import time
import warnings
from collections.abc import Callable, Sequence

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from benchmarks import _common  # noqa: E402

MODULE = "benchmarks.input_pipeline"
STRATEGIES = ("pad_to_max", "pad_to_batch_max", "bucketed")


@dataclasses.dataclass
class Task:
    """One dataset: pipeline makers over the whole split and over the timed subset.

    `full(boundaries)` and `timing(boundaries)` return a fresh shuffled pipeline, padded per
    batch (`boundaries=None`) or bucketed; `pad_to_max` pads the former further.
    """

    name: str
    full: Callable[[list | None], tf.data.Dataset]
    timing: Callable[[list | None], tf.data.Dataset]
    boundaries: list
    build_model: Callable[[], keras.Model]
    real_tokens: Callable[[object], int]
    details: dict


def _pad_to(lengths: dict[str, int]):
    """A `map` function padding the named (or the only) id tensors of a batch to fixed lengths."""

    def pad(ids, length):
        return tf.pad(ids, [[0, 0], [0, length - tf.shape(ids)[1]]])

    def fn(inputs, labels):
        if isinstance(inputs, dict):
            inputs = {k: pad(v, lengths[k]) for k, v in inputs.items()}
            return inputs, pad(labels, lengths["target_tokens"])
        return pad(inputs, lengths["tokens"]), labels

    return fn


def _components(inputs) -> dict[str, np.ndarray]:
    return dict(inputs) if isinstance(inputs, dict) else {"tokens": inputs}


def load_split(recipe: str, split: str):
    """`(x, y)` of a split of `recipe`'s dataset, as `rnn_zoo.runner` reads them for training."""
    from rnn_zoo import recipe_finder, runner

    return runner.load_splits(recipe_finder.get_declaration(recipe))[split]


def load_words(split: str):
    """`(words, pronunciations)` of a g2p_cmudict split (each word's list of valid ones)."""
    return load_split("g2p_cmudict", split)


def load_tweets(split: str):
    """`(texts, labels)` of a tweet_sentiment split."""
    return load_split("tweet_sentiment", split)


def _task_for(recipe: str, x, y, *, quick: bool, **overrides):
    """The recipe's task with its quick settings, its preprocessing learned from `(x, y)` (the
    vocabulary and length buckets `fit` learns); `quick` shrinks the model to 4 units."""
    from rnn_zoo import recipe_finder, tasks

    declared = recipe_finder.get_declaration(recipe)
    sizes = {"embedding_dim": 4, "units": 4} if quick else {}
    task = getattr(tasks, declared.task)(**{**declared.settings("quick"), **overrides, **sizes})
    task._adapt(*task._check_xy(x, y, x_name="x", y_name="y", fitting=True))
    return task


def _pipelines(task, x, y):
    """`make(n)(boundaries)`: the task's training pipeline (shuffled) over the first `n`
    examples, bucketed by `boundaries`, or padded per batch when they are None."""

    def make(n):
        def with_boundaries(boundaries):
            learned = task.state
            task.state = {**learned, "bucket_boundaries": boundaries}
            try:
                return task._datasets(x[:n], y[:n], training=True)
            finally:
                task.state = learned
        return with_boundaries
    return make


def _backbone_maker(task, *, examples: int):
    """A fresh backbone, built and compiled as the task's `fit` does."""

    def build_model():
        steps = -(-examples // task.config["batch_size"])
        return task._build_backbone(steps_per_epoch=steps)
    return build_model


def cmudict_task(*, timing_examples: int, quick: bool, seed: int = 0) -> Task:
    words, pronunciations = load_words("train")
    if quick:
        words, pronunciations = words[:300], pronunciations[:300]
    task = _task_for("g2p_cmudict", words, pronunciations, quick=quick, seed=seed)
    pipeline = _pipelines(task, words, pronunciations)
    timing = min(len(words), max(1, timing_examples))

    def real_tokens(batch) -> int:
        inputs, _ = batch
        return int(sum(np.count_nonzero(inputs[k]) for k in ("source_tokens", "target_tokens")))

    config, boundaries = task.config, task.state["bucket_boundaries"] or []
    return Task("cmudict (g2p_cmudict)", pipeline(len(words)), pipeline(timing),
                list(boundaries), _backbone_maker(task, examples=timing), real_tokens,
                {"model": "Seq2Seq backbone (rnn_zoo.topologies.encoder_decoder)",
                 "settings": {k: config[k] for k in ("cell", "bidirectional", "attention",
                                                      "embedding_dim", "units")},
                 "batch_size": config["batch_size"], "boundaries": list(boundaries),
                 "train_words": len(words), "timing_words": timing,
                 "counted": "source characters + decoder input phonemes"})


def tweets_task(*, timing_examples: int, quick: bool, seed: int = 0) -> Task:
    texts, labels = load_tweets("train")
    if quick:
        texts, labels = texts[:300], labels[:300]
    # Random vectors instead of the recipe's PPMI-SVD ones: only the input pipeline is timed.
    task = _task_for("tweet_sentiment", texts, labels, quick=quick, seed=seed,
                     embedding_init="random")
    pipeline = _pipelines(task, texts, labels)
    timing = min(len(texts), max(1, timing_examples))

    def real_tokens(batch) -> int:
        return int(np.count_nonzero(batch[0]))

    config, boundaries = task.config, list(task.state["bucket_boundaries"])
    return Task("tweets (tweet_sentiment)", pipeline(len(texts)), pipeline(timing), boundaries,
                _backbone_maker(task, examples=timing), real_tokens,
                {"model": "TextClassifier backbone (rnn_zoo.topologies.many_to_one)",
                 "settings": {k: config[k] for k in ("cell", "bidirectional", "num_layers",
                                                      "pooling", "embedding_dim", "units")},
                 "batch_size": config["batch_size"], "boundaries": boundaries,
                 "max_length": config["max_length"], "train_tweets": len(texts),
                 "timing_tweets": timing, "counted": "word ids (capped at max_length)"})


def padding_stats(task: Task) -> tuple[dict, dict[str, int]]:
    """Tokens in the batches vs real tokens per strategy, over the whole train split; and the
    longest example of each input (what `pad_to_max` pads to).

    `pad_to_max` has exactly `pad_to_batch_max`'s batches, each padded further to the longest
    example, so its totals follow from the batch sizes without another pass.
    """
    stats, longest, batch_rows = {}, {}, {}
    for name, boundaries in (("pad_to_batch_max", None), ("bucketed", task.boundaries)):
        total = real = batches = 0
        for batch in task.full(boundaries).as_numpy_iterator():
            parts = _components(batch[0])
            total += sum(a.size for a in parts.values())
            real += task.real_tokens(batch)
            batches += 1
            if boundaries is None:
                for key, ids in parts.items():
                    longest[key] = max(longest.get(key, 0), ids.shape[1])
                    batch_rows.setdefault(key, []).append(ids.shape[0])
        stats[name] = {"batches": batches, "tokens_in_batches": total, "real_tokens": real}
    padded = sum(sum(rows) * longest[key] for key, rows in batch_rows.items())
    stats["pad_to_max"] = {**stats["pad_to_batch_max"], "tokens_in_batches": padded}
    for entry in stats.values():
        entry["padding_share"] = 1 - entry["real_tokens"] / entry["tokens_in_batches"]
    return {name: stats[name] for name in STRATEGIES}, longest


class EpochClock:
    """Trains one epoch per call; returns wall seconds and keeps process CPU seconds in `cpu`."""

    def __init__(self, model: keras.Model, dataset: tf.data.Dataset):
        self.model, self.dataset, self.cpu = model, dataset, []

    def __call__(self) -> float:
        with warnings.catch_warnings():
            # Keras says so at the end of every epoch of a dataset of unknown length (bucketed).
            warnings.filterwarnings("ignore", message="Your input ran out of data")
            wall, cpu = time.perf_counter(), time.process_time()
            self.model.fit(self.dataset, epochs=1, verbose=0, shuffle=False)
            self.cpu.append(time.process_time() - cpu)
            return time.perf_counter() - wall


def epoch_times(task: Task, longest: dict[str, int], *, rounds: int) -> dict:
    """One epoch over the timing subset per strategy, interleaved; a model per strategy."""
    datasets = {
        "pad_to_max": task.timing(None).map(_pad_to(longest)),
        "pad_to_batch_max": task.timing(None),
        "bucketed": task.timing(task.boundaries),
    }
    # Seed once, before all: re-seeding TensorFlow makes the functions traced so far retrace.
    keras.utils.set_random_seed(0)
    clocks = {name: EpochClock(task.build_model(), dataset) for name, dataset in datasets.items()}
    for clock in clocks.values():
        clock()  # the first epoch traces every batch shape
        clock.cpu.clear()
    wall = _common.interleave(clocks, rounds=rounds)
    cpu = {name: clock.cpu for name, clock in clocks.items()}
    return {
        "seconds_per_epoch": {name: _common.summary(v) for name, v in wall.items()},
        "ratio_to_pad_to_max": {name: _common.paired_ratio(v, wall["pad_to_max"])
                                for name, v in wall.items()},
        "cpu_seconds_per_epoch": {name: _common.summary(v) for name, v in cpu.items()},
        "cpu_ratio_to_pad_to_max": {name: _common.paired_ratio(v, cpu["pad_to_max"])
                                    for name, v in cpu.items()},
    }


def main(argv: Sequence[str] | None = None) -> dict:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog=MODULE, description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", nargs="+", choices=("cmudict", "tweets"),
                        default=["cmudict", "tweets"])
    parser.add_argument("--timing-examples", type=int, default=4000,
                        help="words / tweets in the timed epoch (default 4000)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="a few hundred examples, tiny model")
    parser.add_argument("--out", default=None, help="write the results as JSON here")
    args = parser.parse_args(argv)
    results = {"benchmark": "input_pipeline",
               "machine": _common.machine(_common.command_line(MODULE, argv)), "datasets": []}
    makers = {"cmudict": cmudict_task, "tweets": tweets_task}
    for name in args.datasets:
        task = makers[name](timing_examples=args.timing_examples, quick=args.quick)
        padding, longest = padding_stats(task)
        found = {"dataset": task.name, **task.details, "padding": padding, "longest": longest,
                 **epoch_times(task, longest, rounds=args.rounds)}
        results["datasets"].append(found)
        for strategy in STRATEGIES:
            print(f"{task.name:<26} {strategy:<17} padding "
                  f"{found['padding'][strategy]['padding_share']:6.1%}  epoch "
                  f"{found['seconds_per_epoch'][strategy]['median']:7.2f} s  x"
                  f"{found['ratio_to_pad_to_max'][strategy]['median']:.2f} of pad_to_max "
                  f"(CPU time x{found['cpu_ratio_to_pad_to_max'][strategy]['median']:.2f})",
                  flush=True)
    if args.out:
        _common.write_results(args.out, results)
    return results


if __name__ == "__main__":
    main()
