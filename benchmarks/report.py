"""Writes the result tables of `benchmarks/README.md` from `benchmarks/results/*.json`.

Each table sits between `<!-- NAME:start -->` and `<!-- NAME:end -->` in the README and is
replaced whole; text outside the markers is left alone. A results file that does not exist
leaves its table as it is.

    python -m benchmarks.report
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
README = HERE / "README.md"
RESULTS = HERE / "results"


def _x(entry: dict) -> str:
    """A paired ratio as `median [min, max]`."""
    return f"{entry['median']:.3f} [{entry['min']:.2f}, {entry['max']:.2f}]"


def _measured(results: dict) -> str:
    m = results["machine"]
    load = m.get("load_average_at_start")
    load_text = f", load average {load[0]:.1f} at start" if load else ""
    return (f"Measured {m['date']} on {m['cpu']} ({m['cores']} cores{load_text}), "
            f"TensorFlow {m['versions'].get('tensorflow', '-')}, Keras "
            f"{m['versions'].get('keras', '-')}, with `{m['command']}`.")


def builder_overhead(results: dict) -> str:
    rows = ["| topology | model (recipe) | params | ms/step (zoo) | zoo / hand-written, "
            "CPU time | zoo / hand-written, wall | max output diff |",
            "|---|---|---|---|---|---|---|"]
    for c in results["cases"]:
        rows.append(
            f"| {c['case']} | `{c['model']}` ({c['recipe']}) | {c['params']:,} | "
            f"{c['seconds_per_step']['zoo']['median'] * 1e3:.1f} | "
            f"**{_x(c['zoo_over_hand_written_cpu'])}** | {_x(c['zoo_over_hand_written'])} | "
            f"{c['max_output_difference']:.1g} |")
    return "\n".join(rows)


def input_pipeline(results: dict) -> str:
    rows = ["| dataset | batching | batches | padded tokens | epoch s (timed subset) | "
            "epoch vs pad_to_max, CPU time | epoch vs pad_to_max, wall |",
            "|---|---|---|---|---|---|---|"]
    for d in results["datasets"]:
        for name, pad in d["padding"].items():
            rows.append(
                f"| {d['dataset']} | `{name}` | {pad['batches']:,} | "
                f"**{pad['padding_share']:.1%}** | "
                f"{d['seconds_per_epoch'][name]['median']:.2f} | "
                f"**{_x(d['cpu_ratio_to_pad_to_max'][name])}** | "
                f"{_x(d['ratio_to_pad_to_max'][name])} |")
    return "\n".join(rows)


def cpu_tuning(results: dict) -> str:
    titles = {"xla": "XLA", "batch_size": "batch size", "threads": "threads (intra/inter-op)"}
    rows = ["| model | experiment | setting | examples/s | speed-up, wall | speed-up, CPU time |",
            "|---|---|---|---|---|---|"]
    for model, experiments in results["models"].items():
        for experiment, entries in experiments.items():
            for setting, e in entries.items():
                key = next(k for k in e if k.startswith("speedup_vs_"))
                wall, cpu = _x(e[key]), _x(e["cpu_" + key])
                # The measurement in bold: CPU time where the settings run the same threads,
                # wall time for thread counts (more threads may spend more CPU to finish sooner).
                wall, cpu = (f"**{wall}**", cpu) if experiment == "threads" else (wall,
                                                                                 f"**{cpu}**")
                rows.append(
                    f"| {model} | {titles[experiment]} (vs {key.removeprefix('speedup_vs_')}) "
                    f"| {setting} | {e['examples_per_second']:.0f} | {wall} | {cpu} |")
    return "\n".join(rows)


def memory(results: dict) -> str:
    rows = ["| recipe (quick) | steps in epoch 1 | params | RSS at train begin, MiB | "
            "peak RSS after epoch 1, MiB |", "|---|---|---|---|---|"]
    for r in results["recipes"]:
        begin = r["rss_at_train_begin_mib"]
        rows.append(f"| `{r['recipe']}` | {r['steps']:,} | {r['params']:,} | "
                    f"{begin:.0f} | **{r['peak_rss_mib']:.0f}** |" if begin is not None else
                    f"| `{r['recipe']}` | {r['steps']:,} | {r['params']:,} | - | "
                    f"**{r['peak_rss_mib']:.0f}** |")
    return "\n".join(rows)


def g2p_training_speed(results: dict) -> str:
    epochs, mean = results["epochs"], results["mean_over_seeds"]
    epoch = results["median_epoch_seconds_after_first"]
    seeds = ", ".join(map(str, results["seeds"]))

    def quality(side):
        per_seed = ", ".join(f"{run['decoding'][side]['wer']:.3f}" for run in results["runs"])
        return f"**{mean[side]['wer']:.3f}** / {mean[side]['per']:.3f} ({per_seed})"

    speedup = results["epoch_speedup"]
    return "\n".join([
        "| | zoo (recipe: buckets, masks, token-sum loss) | zoo with the batch-mean loss "
        "| keras.io style |",
        "|---|---|---|---|",
        f"| median epoch (s), epochs 2..{epochs} of every seed | {epoch['zoo']:.1f} | "
        f"{epoch['zoo_batch_mean']:.1f} | {epoch['keras_io']:.1f}: zoo "
        f"**{speedup['median']:.2f}x** faster (per-epoch ratios {speedup['min']:.2f}x to "
        f"{speedup['max']:.2f}x) |",
        f"| greedy WER / PER after {epochs} epochs, mean over seeds {seeds} (WER per seed) | "
        f"{quality('zoo_greedy')} | {quality('zoo_batch_mean_greedy')} | "
        f"{quality('keras_io_greedy')} |",
        f"| decoding {results['test_words']:,} words (words/s) | in-graph beam search: "
        f"{mean['zoo_beam']['words_per_second']:.0f}, greedy "
        f"{mean['zoo_greedy']['words_per_second']:.0f} | | Python-loop greedy "
        f"{mean['keras_io_greedy']['words_per_second']:.0f}: beam **"
        f"{results['beam_vs_python_loop_words_per_second']:.1f}x** |",
    ])


def defaults(results: dict) -> str:
    """`defaults.py`: every model's score per data set (mean over seeds, its range), the bar
    verdicts, and the commands of the runs the rows come from."""
    rows = ["| data set | model | metric | mean [min, max] | seeds | training s (mean) |",
            "|---|---|---|---|---|---|"]
    for r in results["rows"]:
        spread = (f" [{min(r['scores']):.4g}, {max(r['scores']):.4g}]"
                  if len(r["scores"]) > 1 else "")
        rows.append(f"| {r['dataset']} | {r['model']} | {r['metric']} | **{r['mean']:.4g}**"
                    f"{spread} | {len(r['scores'])} | {r['mean_train_seconds']:.1f} |")
    verdicts = []
    for dataset, bar in results.get("bars", {}).items():
        said = [f"{k.replace('_', ' ')}: {v}" for k, v in bar.items() if v is not None]
        verdicts.append(f"- {dataset}: {'; '.join(said)}")
    commands = sorted({r["command"] for r in results["rows"]})
    not_run = [f"- {name}: {why}" for name, why in results.get("not_run", {}).items()]
    return "\n".join([*rows, "", "Bars (task against the baselines of the same run):",
                      *verdicts, "", "Not run:", *not_run, "", "Rows from:",
                      *(f"- `{c}`" for c in commands)])


TABLES: dict[str, Callable[[dict], str]] = {
    "builder_overhead": builder_overhead,
    "input_pipeline": input_pipeline,
    "cpu_tuning": cpu_tuning,
    "memory": memory,
    "g2p_training_speed": g2p_training_speed,
    "defaults": defaults,
}


def render(text: str, results_dir: Path = RESULTS) -> str:
    """`text` with every table whose results file exists replaced by a fresh one."""
    for name, table in TABLES.items():
        path = results_dir / f"{name}.json"
        if not path.is_file():
            continue
        results = json.loads(path.read_text())
        start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
        block = f"{start}\n{_measured(results)}\n\n{table(results)}\n{end}"
        match = re.search(rf"{re.escape(start)}.*?{re.escape(end)}", text, re.DOTALL)
        if match is None:
            raise ValueError(f"README has no {start} ... {end} block.")
        text = text[:match.start()] + block + text[match.end():]
    return text


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="benchmarks.report", description=__doc__.split("\n")[0])
    parser.add_argument("--readme", default=str(README))
    parser.add_argument("--results", default=str(RESULTS))
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    readme = Path(args.readme)
    updated = render(readme.read_text(), Path(args.results))
    if updated != readme.read_text():
        from benchmarks._common import write_text

        write_text(readme, updated)
        print(f"Updated {readme}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
