"""Publish a finished recipe run as a preset: `saved_models/<preset>/`, with a model card.

    python scripts/publish_preset.py RUN_DIR [--name PRESET] [--presets-dir DIR] [--force]
                                     [--limitations FILE] [--allow-any-profile]

Copies `model.keras`, `metrics.json` (byte for byte) and `history.csv` from RUN_DIR, writes
`vocabulary.txt` when metrics.json has `dataset.vocabulary`, a model card `README.md` generated
from metrics.json only, and `checksums.sha256` (sha256 of every other file). The preset is built
in a hidden temporary folder beside its destination and renamed into place, so a kill never
leaves a half-written preset. The model is loaded once with `safe_mode=True` before publishing.
The preset name defaults to the recipe's name. Limitations in the card come from `--limitations
FILE`, else the recipe module's `LIMITATIONS` string if it defines one.

Afterwards regenerate the README's results table: `python scripts/results_table.py`.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from rnn_zoo import presets  # noqa: E402
from rnn_zoo._folders import TASK_FILE  # noqa: E402
from scripts.results_table import relative_command  # noqa: E402

SKIP_METRIC_KEYS = {"examples"}
# The calls a card shows for a task trained by the runner (its outputs are in the recipe's
# docstring and asserted by the preset's test, not recorded in metrics.json).
_TASK_CALLS = {
    "LanguageModel": ["task.next_tokens(text, top_k=5)  # [(token, probability), ...]",
                      "task.generate(text, length=20, temperature=0.8, seed=0)"],
    "Seq2Seq": ["task.predict(sentences)  # raw strings in, raw strings out (beam search)"],
}


def _fmt(value) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(value)


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def metric_columns(metrics: Mapping) -> list[str]:
    """The model's scalar test metrics, the bar's metric first."""
    bar_metric = metrics["bar"]["metric"]
    keys = [k for k, v in metrics["test"].items() if _number(v) and k not in SKIP_METRIC_KEYS]
    return [bar_metric] + [k for k in keys if k != bar_metric]


def _human_size(size: int) -> str:
    return f"{size / 1024:.1f} KiB" if size < 1024 ** 2 else f"{size / 1024 ** 2:.2f} MiB"


def _recipe_module(recipe: str):
    from recipes import RECIPES, get_recipe

    return get_recipe(recipe) if recipe in RECIPES else None


def _summary(module) -> str:
    doc = (module.__doc__ or "").strip().splitlines() if module is not None else []
    line = doc[0].strip() if doc else ""
    prefix = f"{module.__name__.rsplit('.', 1)[-1]}:" if module is not None else ""
    return line[len(prefix):].strip() if prefix and line.startswith(prefix) else line


def _split_lines(dataset: Mapping) -> list[str]:
    lines = []
    for key, value in dataset.items():
        if key == "name":
            continue
        if key == "vocabulary" and isinstance(value, list):
            lines.append(f"- vocabulary: {len(value)} entries (in `vocabulary.txt`)")
        elif isinstance(value, Mapping) and all(_number(v) for v in value.values()):
            lines.append(f"- {key}: " + ", ".join(f"{k} {_fmt(v)}" for k, v in value.items()))
        elif isinstance(value, (list, tuple)) and len(value) <= 8:
            lines.append(f"- {key}: {', '.join(map(_fmt, value))}")
        elif _number(value) or isinstance(value, str):
            lines.append(f"- {key}: {_fmt(value)}")
    return lines


def anchor_lines(anchors, metrics: Mapping) -> list[str]:
    """The table of the recipe's published anchors (same data and protocol) next to this
    run's numbers (`metrics["test"]`, or a further evaluation's for another split)."""
    lines = ["| system | split | metric | published | this preset | protocol |",
             "|---|---|---|---|---|---|"]
    for anchor in anchors:
        split, metric = anchor["split"], anchor["metric"]
        ours = (metrics["test"] if split == "test"
                else metrics.get("reports", {}).get(split, {}).get("metrics", {})).get(metric)
        shown = f"{ours:.4f}" if _number(ours) else "–"
        lines.append(f"| {anchor['system']} ({anchor['source']}) | {split} | {metric} | "
                     f"{anchor['value']} | {shown} | {anchor.get('protocol', 'the same')} |")
    return lines + [""]


def _report_value(value) -> str:
    return f"{value:,}" if isinstance(value, int) else f"{value:.4f}"


def report_tables(reports: Mapping) -> list[str]:
    """One table per further evaluation (`metrics["reports"]`): the model's numeric metrics and
    the baselines' on that split."""
    lines = []
    for name, report in reports.items():
        keys = [k for k, v in report["metrics"].items() if _number(v)]
        lines += [f"**{name}** (TFDS split `{report['split']}`, {report['examples']} "
                  "examples):", "",
                  "| | " + " | ".join(keys) + " |",
                  "|---|" + "---|" * len(keys),
                  "| **model** | " + " | ".join(f"**{_report_value(report['metrics'][k])}**"
                                             for k in keys) + " |"]
        for base, values in report["baselines"].items():
            lines.append(f"| {base} | " + " | ".join(
                _report_value(values[k]) if _number(values.get(k)) else "–" for k in keys)
                + " |")
        lines.append("")
    return lines


def _usage_lines(name: str, metrics: Mapping) -> list[str]:
    """How to load the preset: as a task (raw inputs in) when it is a task folder."""
    task = metrics.get("task")
    trained_as = metrics.get("model", {}).get("task")
    if not task and trained_as:  # a runner's run: the folder is the trained task itself
        calls = _TASK_CALLS.get(trained_as, ["task.predict(inputs)  # raw inputs in"])
        return ["```python", f"from rnn_zoo.tasks import {trained_as}", "",
                f"task = {trained_as}.from_preset({name!r})  # verifies checksums.sha256, "
                "loads with safe_mode=True", *calls, "```", "",
                "The folder is the task `rnn-zoo train` saved (`task.json` + `model.keras`, raw "
                f"inputs in): `rnn_zoo.tasks.load_task('saved_models/{name}')` loads it too, "
                "`task.evaluate(x, y)` re-scores it and `task.backbone` is the trained Keras "
                "model.", ""]
    if not task:
        return ["```python", "import rnn_zoo", "", f"model = rnn_zoo.load_pretrained({name!r})  "
                "# verifies checksums.sha256, loads with safe_mode=True", "```", ""]
    out = ["```python", f"from rnn_zoo.tasks import {task['class']}", "",
           f"task = {task['class']}.from_preset({name!r})  # verifies checksums.sha256, "
           "loads with safe_mode=True", f"task.predict({list(task['example']['inputs'])!r})",
           f"# -> {list(task['example']['outputs'])!r}", "```", "",
           "The folder is a saved task (`task.json` + `model.keras`, raw inputs in): "
           f"`rnn_zoo.tasks.load_task('saved_models/{name}')` loads it too, and "
           "`task.evaluate(x, y)` re-scores it. The example's output was computed by "
           f"`{task['republished_by']}`, which wrote the task form.", ""]
    if task.get("weights_from"):
        out += [f"The weights come from `{task['weights_from']}`. {task.get('note', '')}".strip(),
                ""]
    return out


def render_card(name: str, metrics: Mapping, *, size: int, files: Mapping[str, int],
                limitations: str | None) -> str:
    """The model card (Markdown). Every number comes from `metrics` (or the file sizes)."""
    module = _recipe_module(metrics["recipe"])
    bar = metrics["bar"]
    model = metrics["model"]
    columns = metric_columns(metrics)
    out = [f"# Preset `{name}`", ""]
    summary = _summary(module)
    out += [f"Recipe `{metrics['recipe']}` (profile `{metrics['profile']}`)"
            + (f": {summary}" if summary else "."), ""]
    out += _usage_lines(name, metrics)

    out += ["## Data and split", "", f"- dataset: `{metrics['dataset'].get('name', '?')}`"]
    out += _split_lines(metrics["dataset"])
    if "preprocessing" in metrics:
        out.append(f"- preprocessing: {', '.join(metrics['preprocessing'])} "
                   "(parameters in `metrics.json`, fitted on train)")
    out.append("")

    # A runner's run records its task and settings; an older run its registry model.
    kind = (f"- task: `{model['task']}`" if "task" in model
            else f"- registry model: `{model['name']}`")
    out += ["## Architecture", "", kind, f"- parameters: {model['params']:,}"]
    if model.get("overrides"):
        out.append("- overrides: " + ", ".join(f"`{k}={v!r}`" for k, v in
                                                 model["overrides"].items()))
    out.append("")

    out += ["## Training", "", "Reproduce with (from the repository root):", "", "```bash",
            relative_command(metrics), "```", ""]
    out += ["| config | value |", "|---|---|"]
    out += [f"| {k} | {json.dumps(v)} |" for k, v in metrics["config"].items()]
    training = metrics.get("training", {})
    if training:
        out += ["", "- " + ", ".join(f"{k}: {_fmt(v)}" for k, v in training.items())]
    out += [f"- seed: {metrics.get('seed')}", f"- trained: {metrics.get('created', '?')}", ""]

    out += ["## Test metrics and baselines", "",
            "Baselines were computed in the same run, on the same test split.", ""]
    out += ["| | " + " | ".join(columns) + " |", "|---|" + "---|" * len(columns)]
    out.append("| **model** | " + " | ".join(f"**{_fmt(metrics['test'][c])}**"
                                             for c in columns) + " |")
    for base, values in metrics["baselines"].items():
        cells = [_fmt(values[c]) if c in values and _number(values[c]) else "–" for c in columns]
        out.append(f"| {base} | " + " | ".join(cells) + " |")
    notes = [f"- {base}: {values['model']}" for base, values in metrics["baselines"].items()
             if isinstance(values.get("model"), str)]
    if notes:
        out += ["", *notes]
    # The protocol of a text score (sacreBLEU's signature) stands beside the score.
    signatures = [f"- {k}: `{v}`" for k, v in metrics["test"].items()
                  if k.endswith("_signature") and isinstance(v, str)]
    if signatures:
        out += ["", *signatures]
    out.append("")

    # A rescored preset's further evaluations are written by scripts/rescore_preset.py.
    if metrics.get("reports") and "rescored" not in metrics:
        out += ["## Further evaluations", "",
                "Scored in the same run as the test split, by the same task; the baselines "
                "were fitted on the same training split.", "",
                *report_tables(metrics["reports"])]

    out += ["## Bar", ""]
    for check in metrics.get("bars") or [bar]:  # every bar of the recipe, all must be met
        state = "**met**" if check["met"] else "**missed**"
        out.append(f"`{check['metric']} {check['rule']}`: target {_fmt(check['target'])}, "
                   f"model {_fmt(check['value'])} — {state}.")
    trivial = metrics.get("beats_trivial_baseline")
    if trivial:
        out.append(f"Beats the trivial baseline ({trivial['baseline']}, {trivial['metric']}): "
                   f"{_fmt(trivial['met'])}.")
    out.append("")

    anchors = metrics["test"].get("published_anchors")
    if isinstance(anchors, Mapping) and anchors:
        keys = sorted({k for v in anchors.values() for k in v if _number(v[k])})
        out += ["## Published results (not our split)", "",
                "Anchors from the literature, measured on *their* splits; ours is the split "
                "described above, so compare orders of magnitude, not digits.", "",
                "| | " + " | ".join(keys) + " | split |", "|---|" + "---|" * (len(keys) + 1)]
        out += [f"| {n} | " + " | ".join(_fmt(v[k]) if k in v else "–" for k in keys)
                + f" | {v.get('split', '?')} |" for n, v in anchors.items()]
        out += ["| **this preset** | " + " | ".join(
            _fmt(metrics["test"][k]) if _number(metrics["test"].get(k)) else "–" for k in keys)
            + " | this card's test split |", ""]

    if not isinstance(anchors, Mapping) and module is not None and module.RECIPE.anchors:
        out += ["## Published results on the same data", "",
                "The recipe's anchors: published results on the same test data and protocol "
                "(where the protocol differs, its column says how).", "",
                *anchor_lines(module.RECIPE.anchors, metrics)]

    samples = metrics["test"].get("samples")
    if isinstance(samples, Mapping) and samples:
        out += ["## Samples", ""]
        for temperature, text in samples.items():
            out += [f"Temperature {temperature}:", "", "```text", str(text), "```", ""]

    if isinstance(metrics.get("export"), Mapping):
        out += _export_lines(name, metrics["export"])

    out += ["## Size", "", f"The preset is {size:,} bytes ({_human_size(size)}), all files "
            "included:", ""]
    out += [f"- `{f}`: {n:,} bytes" for f, n in sorted(files.items())]
    out.append("")

    out += ["## Limitations", ""]
    if limitations:
        out += [limitations.strip(), ""]
    else:
        out += ["No recipe-specific limitations were provided.", ""]
    members = metrics.get("training", {}).get("members")
    seeds = (f"averaging {len(members)} models of seeds "
             f"{', '.join(str(m['seed']) for m in members)} (`ensemble`)" if members
             else "with one seed")
    out += [f"The metrics are from one training run {seeds} on one fixed split; they are "
            "point estimates with no confidence interval.", ""]

    out += ["## Versions", "", "| package | version |", "|---|---|"]
    out += [f"| {k} | {v} |" for k, v in metrics.get("versions", {}).items()]
    out += ["", "## Files", "",
            "`checksums.sha256` holds the sha256 of every other file "
            "(`sha256sum -c checksums.sha256`); `rnn_zoo.load_pretrained` refuses the preset if "
            "any file differs, is missing, or is not listed.", ""]
    return "\n".join(out)


_FORMAT_NOTES = {
    "keras": "Keras v3 file",
    "saved_model": "TF SavedModel, dynamic batch and length",
    "tflite": "float32",
    "tflite_int8": "dynamic-range int8 weights",
    "onnx": "via tf2onnx; onnxruntime",
}


def _export_lines(name: str, export: Mapping) -> list[str]:
    """The card's Export section, from metrics.json's `export` entry (scripts/export_presets.py)."""
    parity = export["parity"]
    committed = export.get("artifacts", {})
    out = ["## Export", "",
           f"`rnn-zoo export {name} --out DIR` writes every format below and checks each "
           "artifact in a fresh Python process that does not import rnn_zoo (float32: "
           f"|artifact - Keras| <= {parity['atol']:g} + {parity['rtol']:g} * |Keras|). "
           f"Measured with `{export['command']}` ({export['machine']}, "
           f"{export['created'][:10]}).", "",
           "| format | bytes | parity with Keras | notes |", "|---|---|---|---|"]
    for fmt, size in export["sizes"].items():
        check = parity["formats"].get(fmt, {})
        verdict = ("ok" if check.get("ok") else "**failed**") + (
            f", max abs diff {check['max_abs_diff']:.2g}" if "max_abs_diff" in check else "")
        if fmt == "tflite_int8" and "argmax_agreement" in check:
            verdict += f", argmax agreement {check['argmax_agreement']:.2f}"
        notes = [_FORMAT_NOTES.get(fmt, "")]
        if fmt in committed:
            artifact = committed[fmt]
            notes.append(f"committed here as `{artifact['path']}`: static batch "
                         f"{artifact['static_batch_size']}, "
                         + ("SELECT_TF_OPS" if artifact["select_tf_ops"] else "builtin ops only")
                         + f" ({', '.join(artifact['ops'])})")
        out.append(f"| {fmt} | {size:,} | {verdict} | {'; '.join(n for n in notes if n)} |")
    int8 = export.get("int8")
    if int8:
        out += ["", f"Int8 cost, on the {int8['split']} split ({int8['examples']:,} "
                    f"{'characters' if int8['metric'].endswith('loss') else 'examples'}, "
                    "the recipe's own scoring, one example at a time through the TFLite "
                    f"interpreter): {int8['metric']} {_fmt(int8['keras'])} (Keras), "
                    f"{_fmt(int8['tflite'])} (float32 TFLite), {_fmt(int8['tflite_int8'])} "
                    f"(int8 TFLite): delta {int8['delta']:+.2g}."]
    out += ["", "`export.json` lists the committed artifacts' ops and input shapes; "
                "`parity_cases.npz` holds the inputs and Keras outputs they are checked against "
                "(`rnn_zoo.exporters.check_parity(rnn_zoo.exporters.load_result(FOLDER))`).", ""]
    return out


def _card_limitations(card: Path) -> str | None:
    """The Limitations text of an existing card (None when it has none of its own)."""
    text = card.read_text(encoding="utf-8") if card.is_file() else ""
    start = text.find("## Limitations\n\n")
    end = text.find("\n\nThe metrics are from one training run", start)
    if start < 0 or end < 0:
        return None
    body = text[start + len("## Limitations\n\n"):end].strip()
    return None if body == "No recipe-specific limitations were provided." else body


def rewrite_card(folder) -> Path:
    """Regenerates a published preset's README.md and checksums.sha256 in place, from its
    metrics.json and its files (after scripts/export_presets.py added artifacts), keeping the
    card's Limitations text."""
    folder = Path(folder)
    metrics = json.loads((folder / presets.METRICS).read_text(encoding="utf-8"))
    limitations = _card_limitations(folder / presets.CARD)
    _write_card_and_checksums(folder, folder.name, metrics, limitations)
    presets.verify_checksums(folder, label=f"Preset {folder.name!r}")
    return folder / presets.CARD


def publish(run_dir, *, name: str | None = None, presets_dir=None, force: bool = False,
            limitations: str | None = None, allow_any_profile: bool = False) -> Path:
    """Publishes RUN_DIR as `presets_dir/<name>/`; returns the preset's path."""
    run = Path(run_dir)
    if not run.is_dir():
        raise ValueError(f"Run directory {str(run)!r} does not exist.")
    for needed in (presets.MODEL, presets.METRICS, presets.HISTORY):
        if not (run / needed).is_file():
            raise ValueError(f"{run / needed} not found: {run} is not a finished run directory.")
    raw_metrics = (run / presets.METRICS).read_bytes()
    metrics = json.loads(raw_metrics)
    for key in ("recipe", "profile", "command", "test", "baselines", "bar", "model", "dataset"):
        if key not in metrics:
            raise ValueError(f"{run / presets.METRICS} has no {key!r} entry.")
    if metrics["profile"] != "full" and not allow_any_profile:
        raise ValueError(f"{run} is a {metrics['profile']!r} run; presets are `full` runs "
                         "(pass --allow-any-profile to publish it anyway).")
    name = name or metrics["recipe"]
    if not presets.NAME_PATTERN.match(name):
        raise ValueError(f"Preset name {name!r} must be lower-case letters, digits and _.")
    if limitations is None:
        module = _recipe_module(metrics["recipe"])
        declared = getattr(module, "RECIPE", None)
        limitations = (declared.limitations or None if declared is not None
                       else getattr(module, "LIMITATIONS", None))
    root = presets.presets_dir(presets_dir)
    dest = root / name
    if dest.exists() and not force:
        raise ValueError(f"Preset {str(dest)!r} exists; pass --force to replace it.")
    # Refuse a model that cannot be loaded safely before it becomes a preset.
    presets.load_model_safely(run / presets.MODEL, compile=False, label=f"Run {run}")

    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{name}.tmp-", dir=root))
    try:
        shutil.copyfile(run / presets.MODEL, tmp / presets.MODEL)
        (tmp / presets.METRICS).write_bytes(raw_metrics)
        shutil.copyfile(run / presets.HISTORY, tmp / presets.HISTORY)
        if (run / TASK_FILE).is_file():  # a task folder: the preset loads as its task
            shutil.copyfile(run / TASK_FILE, tmp / TASK_FILE)
        vocabulary = metrics["dataset"].get("vocabulary")
        if isinstance(vocabulary, list):
            (tmp / presets.VOCABULARY).write_text(
                "".join(json.dumps(t, ensure_ascii=False) + "\n" for t in vocabulary),
                encoding="utf-8")
        _write_card_and_checksums(tmp, name, metrics, limitations)
        for path in tmp.iterdir():
            with open(path, "rb") as f:
                os.fsync(f.fileno())
        os.chmod(tmp, 0o755)
        old = None
        if dest.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{name}.old-", dir=root))
            os.rmdir(old)
            os.replace(dest, old)
        os.replace(tmp, dest)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    presets.verify_checksums(dest, label=f"Preset {name!r}")
    return dest


def _write_card_and_checksums(folder: Path, name: str, metrics: Mapping,
                              limitations: str | None) -> None:
    """Writes README.md and checksums.sha256 so the card's stated size is the preset's size."""
    data = {p.name: p.stat().st_size for p in folder.iterdir()
            if p.name not in (presets.CARD, presets.CHECKSUMS)}
    listed = [*data, presets.CARD]
    checksums_size = sum(64 + 2 + len(n.encode()) + 1 for n in listed)
    base = sum(data.values()) + checksums_size
    card_size = 0
    for _ in range(20):  # the card's length depends on the sizes it states: find the fixpoint
        files = {**data, presets.CHECKSUMS: checksums_size, presets.CARD: card_size}
        card = render_card(name, metrics, size=base + card_size, files=files,
                           limitations=limitations)
        if len(card.encode()) == card_size:
            break
        card_size = len(card.encode())
    else:
        raise RuntimeError("The model card's stated size did not settle.")
    (folder / presets.CARD).write_text(card, encoding="utf-8")
    (folder / presets.CHECKSUMS).write_text(
        presets.checksums_text(folder, listed), encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="publish_preset.py",
        description="Publish a finished recipe run directory as a preset in saved_models/.")
    parser.add_argument("run_dir", metavar="RUN_DIR", help="a finished `rnn-zoo train` run")
    parser.add_argument("--name", default=None, help="preset name (default: the recipe's)")
    parser.add_argument("--presets-dir", metavar="DIR", default=None,
                        help=f"where presets live (default ${presets.ENV_VAR} or saved_models/)")
    parser.add_argument("--force", action="store_true", help="replace an existing preset")
    parser.add_argument("--limitations", metavar="FILE", default=None,
                        help="Markdown text for the card's Limitations section")
    parser.add_argument("--allow-any-profile", action="store_true",
                        help="publish a run of a profile other than `full` (for tests)")
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    try:
        limitations = (Path(args.limitations).read_text(encoding="utf-8")
                       if args.limitations else None)
        dest = publish(args.run_dir, name=args.name, presets_dir=args.presets_dir,
                       force=args.force, limitations=limitations,
                       allow_any_profile=args.allow_any_profile)
    except (ValueError, OSError) as e:
        print(f"publish_preset.py: error: {' '.join(str(e).split())}", file=sys.stderr)
        return 2
    size = sum(p.stat().st_size for p in dest.iterdir())
    print(f"Published {dest} ({size:,} bytes). Now run: python scripts/results_table.py")
    return 0


if __name__ == "__main__":
    with contextlib.suppress(BrokenPipeError):
        raise SystemExit(main())
