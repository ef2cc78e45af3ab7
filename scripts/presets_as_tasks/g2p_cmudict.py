"""Republishes `saved_models/g2p_cmudict` as a `Seq2Seq` task folder around the same weights.

The preset was trained by the recipe's former training loop (its `metrics.json` `command`); its
`model.keras` was the teacher-forced encoder-decoder alone (token ids in) and the word ->
phonemes front end lived in the recipe. This script builds the task form: `task.json` (the
recipe's `full` settings, the preset's vocabularies) and a `model.keras` that takes raw words —
lower-casing, the character vocabulary, the in-graph beam search (width 5, 32 output steps) and
the detokenizer as layers around the **unchanged** backbone (its weights' sha256 is recorded in
`metrics.json` and checked on every rerun). It then adds `metrics.json`'s `task` entry, rewrites
the card's usage section with an example it runs, and regenerates `checksums.sha256`. Export
artifacts, `history.csv` and `parity_cases.npz` were made from the same weights and stay.

    python scripts/presets_as_tasks/g2p_cmudict.py                 # convert (rerunnable)
    python scripts/presets_as_tasks/g2p_cmudict.py --evaluate      # also re-score the test split

Rerunning it on a converted preset reads the backbone out of the task's `model.keras`.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # `recipes` (a script may name a recipe)

NAME = "g2p_cmudict"
COMMAND = f"python scripts/presets_as_tasks/{NAME}.py"
EXAMPLE_WORDS = ["zoology", "xylophone", "Keras"]
TRAINED_BY = ("The weights were trained by this command, the recipe's former training loop (see "
              "the git history of `recipes/g2p_cmudict.py`); `rnn-zoo train g2p_cmudict "
              "--profile full --out DIR` trains the declared task anew:")


def weights_sha256(model) -> str:
    """One hash over every weight array of `model`, in order (dtype, shape and bytes)."""
    digest = hashlib.sha256()
    for array in model.get_weights():
        digest.update(f"{array.dtype}{array.shape}".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


def old_backbone(folder: Path):
    """The trained encoder-decoder: out of the task's model (a rerun) or the original file."""
    from rnn_zoo.saving import load_model_safely
    from rnn_zoo.tasks import load_task

    if (folder / "task.json").is_file():
        return load_task(folder).backbone
    return load_model_safely(folder / "model.keras", compile=False, label=f"Preset {NAME!r}")


def build_task(folder: Path, metrics: dict):
    from recipes.g2p_cmudict import RECIPE, ZOO_V1_DATA
    from rnn_zoo import runner
    from rnn_zoo.losses import expected_tokens_per_batch
    from rnn_zoo.tasks import Seq2Seq

    settings = RECIPE.settings("full")
    task = Seq2Seq(**settings)
    prep, config = metrics["preprocessing"], metrics["config"]
    backbone = old_backbone(folder)
    # What the original training learnt and used, as the task's `fit` records it.
    # The preset was trained on cmudict/zoo_v1 (the recipe now reads cmudict/cntk).
    _, train = runner.load_splits(dataclasses.replace(RECIPE, data=ZOO_V1_DATA))["train"]
    task.state = {
        "source_vocabulary": prep["source_vocabulary"],
        "target_vocabulary": prep["target_vocabulary"],
        "bucket_boundaries": list(config["boundaries"]),
        "tokens_per_batch": expected_tokens_per_batch(
            [len(p.split()) + 1 for prons in train for p in prons],
            batch_size=config["batch_size"]),
        "decode_length": int(config["max_output_length"]),
    }
    task.model = task._assemble(backbone)
    return task, backbone


def usage_section(task) -> str:
    words = ", ".join(repr(w) for w in EXAMPLE_WORDS)
    answers = task.translate(EXAMPLE_WORDS, beam_size=5)
    greedy = task.translate(EXAMPLE_WORDS[:1])
    return f"""```python
from rnn_zoo.tasks import Seq2Seq, load_task

task = Seq2Seq.from_preset("{NAME}")  # checksums.sha256 verified, model loaded safely
# or: task = load_task("saved_models/{NAME}")
task.predict([{words}])  # raw words in, beam search (width 5) inside model.keras
# {answers!r}
task.translate(["{EXAMPLE_WORDS[0]}"])  # greedy search
# {greedy!r}
```

`task.evaluate(words, pronunciations)` scores raw words against their lists of reference
pronunciations (stress removed: `exact_match` = 1 - WER, `token_error_rate` = PER; stress kept:
`verbatim_*`; greedy search: `greedy_*`). The file holds the whole pipeline: lower-casing, the
character vocabulary, the backbone (`task.backbone`, the teacher-forced encoder-decoder, weights
unchanged from the training run below), the in-graph beam search and the detokenizer.
Republished in this task form by `{COMMAND}`.

"""


def write_card(folder: Path, task) -> None:
    from rnn_zoo._atomic import write_text_atomic

    card = folder / "README.md"
    text = card.read_text(encoding="utf-8")
    # The usage block: from the first code fence to the first section heading after it.
    updated, count = re.subn(r"```python\n.*?(?=^## )", lambda _: usage_section(task), text,
                             count=1, flags=re.S | re.M)
    if count != 1:
        raise SystemExit(f"{card}: no usage block found before the first '## ' heading.")
    # The recorded command trained these weights; the recipe is now a declaration.
    updated = updated.replace("Reproduce with (from the repository root):", TRAINED_BY)
    write_text_atomic(card, updated)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presets-dir", default=str(ROOT / "saved_models"))
    parser.add_argument("--evaluate", action="store_true",
                        help="re-score the test split and compare with the recorded metrics")
    args = parser.parse_args(argv)

    from rnn_zoo._atomic import write_text_atomic
    from rnn_zoo._preset_folders import write_checksums

    folder = Path(args.presets_dir) / NAME
    metrics_path = folder / "metrics.json"
    metrics = json.loads(metrics_path.read_text(encoding="utf-8"))
    task, backbone = build_task(folder, metrics)
    digest = weights_sha256(backbone)
    recorded = metrics.get("task", {}).get("backbone_weights_sha256")
    if recorded is not None and recorded != digest:
        raise SystemExit(f"The backbone's weights changed (sha256 {digest}, recorded "
                         f"{recorded}); refusing to republish other weights.")
    task.save(folder, overwrite=True)
    metrics["task"] = {
        "class": "Seq2Seq", "republished_by": COMMAND, "backbone_weights_sha256": digest,
        "note": "The weights are those trained by `command` above (the recipe's former training "
                "loop); this script wrapped them, unchanged, in the task's raw-input model.",
    }
    write_text_atomic(metrics_path, json.dumps(metrics, indent=2) + "\n")
    write_card(folder, task)
    write_checksums(folder)
    print(f"{folder}: task.json + model.keras written; backbone sha256 {digest[:16]}...")
    if args.evaluate:
        from recipes.g2p_cmudict import RECIPE, ZOO_V1_DATA
        from rnn_zoo import runner
        from rnn_zoo.tasks import load_task

        words, pronunciations = runner.load_splits(
            dataclasses.replace(RECIPE, data=ZOO_V1_DATA))["test"]
        found = load_task(folder).evaluate(words, pronunciations)
        old = metrics["test"]["details"]
        for label, prefix, search in (("beam", "", "beam"), ("greedy", "greedy_", "greedy")):
            for kept, key in (("stress_removed", ""), ("stress_kept", "verbatim_")):
                errors = found["examples"] - found[f"{prefix}{key}exact_matches"]
                print(f"{label:6} {kept:14}: word errors {errors} (recorded "
                      f"{old[search][kept]['word_errors']}), token errors "
                      f"{found[f'{prefix}{key}token_errors']} (recorded "
                      f"{old[search][kept]['symbol_errors']})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
