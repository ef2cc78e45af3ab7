"""Republishes `saved_models/char_lm_shakespeare` as a `LanguageModel` task folder, same weights.

    python scripts/presets_as_tasks/char_lm_shakespeare.py [--presets-dir DIR] [--data-dir DIR]

The preset was trained by the recipe before it became a declaration: a `many_to_many_lstm` over
ids of a character `TextVectorization` adapted on the train text (0 padding, 1 OOV, then the
characters by frequency), no boundary token, scored on chunks of 101 characters at stride 100
(whole chunks only). The task form reproduces that with `LanguageModel(level="char",
boundary=False, drop_remainder=True, seq_len=100)` and the preset's own vocabulary; the trained
backbone's weights are copied unchanged (checked bit for bit). It writes `task.json` and a
raw-text `model.keras`, drops `vocabulary.txt` (the vocabulary is in `task.json`, inside
`model.keras` and in `metrics.json`), adds `metrics.json["task"]`, rewrites the card's usage,
vocabulary and size sections (the usage example's output is produced here), then
`checksums.sha256`. It re-scores the validation and test text and prints the differences from
the recorded metrics. Rerunnable: a folder already in task form is rebuilt from its own backbone.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

NAME = "char_lm_shakespeare"
COMMAND = f"python scripts/presets_as_tasks/{NAME}.py"
PROMPT = "ROMEO:"


def _old_backbone(folder: Path):
    """The trained sequence model: the task's backbone, or the pre-task `model.keras`."""
    from rnn_zoo._folders import TASK_FILE
    from rnn_zoo.saving import load_model_safely
    from rnn_zoo.tasks import load_task

    if (folder / TASK_FILE).is_file():
        return load_task(folder).backbone
    return load_model_safely(folder / "model.keras", compile=False, label=f"Preset {NAME!r}")


def build_task(folder: Path):
    """The LanguageModel holding the preset's weights and preprocessing."""
    import numpy as np

    from rnn_zoo.tasks import LanguageModel
    from rnn_zoo.topologies import many_to_many

    metrics = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))
    config, overrides = metrics["config"], metrics["model"]["overrides"]
    vocabulary = metrics["dataset"]["vocabulary"]
    if config["model"] != "many_to_many_lstm" or vocabulary[:2] != ["", "[UNK]"]:
        raise ValueError(f"{folder} is not the char-LM preset this script converts.")
    task = LanguageModel(
        level="char", seq_len=config["seq_len"], embedding_dim=overrides["embedding_dim"],
        units=overrides["units"], num_layers=overrides["num_layers"], cell="lstm",
        dropout=overrides["dropout"], min_count=1, max_tokens=len(vocabulary),
        boundary=False, drop_remainder=True, epochs=config["epochs"],
        batch_size=config["batch_size"], learning_rate=config["learning_rate"],
        warmup_epochs=0, patience=config["patience"], seed=config["seed"])
    task.state = {"vocabulary": vocabulary, "level": "char", "seq_len": config["seq_len"],
                  "boundary": False}
    old = _old_backbone(folder)
    backbone = many_to_many(vocab_size=len(vocabulary), num_classes=len(vocabulary),
                            embedding_dim=overrides["embedding_dim"], cell="lstm",
                            units=overrides["units"], num_layers=overrides["num_layers"],
                            dropout=overrides["dropout"], name="backbone")
    backbone.set_weights(old.get_weights())
    for mine, theirs in zip(backbone.get_weights(), old.get_weights(), strict=True):
        if mine.dtype != theirs.dtype or not np.array_equal(mine, theirs):
            raise RuntimeError("The backbone's weights differ from the preset's.")
    task.model = task._assemble(backbone)
    return task, metrics


def rescore(task, *, data_dir=None) -> dict:
    """The recipe's metric names, re-measured by the task on the validation and test text."""
    from rnn_zoo import datasets

    found = {}
    for split in ("validation", "test"):
        (example,) = datasets.load("tiny_shakespeare", split=split,
                                   data_dir=data_dir).as_numpy_iterator()
        scores = task.evaluate([example["text"].decode("utf-8")])
        found.update({f"{split}_loss": scores["loss"],
                      f"{split}_bits_per_char": scores["bits_per_token"],
                      f"{split}_accuracy": scores["accuracy"]})
    return found


def _usage(task) -> str:
    generated = task.generate(PROMPT, length=60, temperature=0.8, seed=0)
    top = [(t, round(p, 3)) for t, p in task.next_tokens("ROMEO", top_k=3)]
    return "\n".join([
        "```python",
        "from rnn_zoo.tasks import LanguageModel, load_task",
        "",
        f"lm = LanguageModel.from_preset({NAME!r})  # verifies checksums.sha256, safe loading",
        f"# or load_task('saved_models/{NAME}'): raw text in, the vocabulary is inside",
        f"lm.generate({PROMPT!r}, length=60, temperature=0.8, seed=0)",
        f"# -> {generated!r}",
        "lm.next_tokens('ROMEO', top_k=3)",
        f"# -> {top!r}",
        "lm.evaluate([text])  # nats/char on chunks of 101 characters, stride 100",
        "```",
        "",
        f"The output above was produced by `{COMMAND}`, which republished this preset as a "
        "`LanguageModel` task (`task.json` + a raw-text `model.keras`) around the same "
        "trained weights. `lm.backbone` is the trained Keras model (character ids in, "
        "logits per step out), the one the committed TFLite artifact was exported from.",
    ])


def rewrite_card(folder: Path, task, rescored: dict, recorded: dict) -> None:
    """The card's usage, vocabulary, training-note and size parts; the rest stays."""
    from rnn_zoo._atomic import write_text_atomic
    from rnn_zoo._preset_folders import checksums_text

    card = (folder / "README.md").read_text(encoding="utf-8")
    card = re.sub(r"```python\n.*?\n```\n(\nThe output above .*?\n)?", lambda _: _usage(task)
                  + "\n", card, count=1, flags=re.S)
    card = re.sub(r"- vocabulary: (\d+) entries \(in [^\n]*\)",
                  r"- vocabulary: \1 entries (in `task.json`; inside `model.keras`)", card)
    note = (f"The weights come from this command (the recipe before it became a declaration); "
            f"`{COMMAND}` re-scored them as a task: "
            + ", ".join(f"{k} {rescored[k]:.6f} (recorded {recorded[k]:.6f})"
                        for k in ("validation_loss", "test_loss", "test_accuracy")) + ".")
    card = re.sub(r"(python -m recipes\.char_lm_shakespeare [^\n]*\n```\n)(\nThe weights come "
                  r"from[^\n]*\n)?", lambda m: m.group(1) + "\n" + note + "\n", card, count=1)
    head, _, rest = card.partition("## Size\n")
    tail = rest[rest.index("\n## "):]
    data = {p.name: p.stat().st_size for p in sorted(folder.iterdir())
            if p.name not in ("README.md", "checksums.sha256")}
    listed = sorted([*data, "README.md"])
    checksums_size = sum(64 + 2 + len(n.encode()) + 1 for n in listed)
    size = 0
    for _ in range(20):  # the card states its own size: find the fixpoint
        files = {**data, "README.md": size, "checksums.sha256": checksums_size}
        total = sum(files.values())
        body = [f"The preset is {total:,} bytes ({total / 2**20:.2f} MiB), all files included:",
                ""] + [f"- `{n}`: {b:,} bytes" for n, b in sorted(files.items())]
        text = head + "## Size\n\n" + "\n".join(body) + "\n" + tail
        if len(text.encode()) == size:
            break
        size = len(text.encode())
    else:
        raise RuntimeError("The card's stated size did not settle.")
    write_text_atomic(folder / "README.md", text)
    write_text_atomic(folder / "checksums.sha256", checksums_text(folder, listed))


def main(argv: Sequence[str] | None = None) -> int:
    from rnn_zoo._atomic import write_text_atomic
    from rnn_zoo._preset_folders import verify_checksums

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--presets-dir", default=str(REPO / "saved_models"))
    parser.add_argument("--data-dir", default=None, help="TFDS data dir (default: TFDS's)")
    args = parser.parse_args(argv)
    folder = Path(args.presets_dir) / NAME
    verify_checksums(folder, label=f"Preset {NAME!r}")
    task, metrics = build_task(folder)
    task.save(folder, overwrite=True)
    (folder / "vocabulary.txt").unlink(missing_ok=True)
    metrics["task"] = {"class": "LanguageModel", "republished_by": COMMAND,
                       "weights_from": metrics["command"]}
    write_text_atomic(folder / "metrics.json", json.dumps(metrics, indent=2) + "\n")
    rescored = rescore(task, data_dir=args.data_dir)
    for key, value in rescored.items():
        print(f"{key:<26} {value:.7f}  recorded {metrics['test'][key]:.7f}  "
              f"diff {value - metrics['test'][key]:+.1e}")
    rewrite_card(folder, task, rescored, metrics["test"])
    verify_checksums(folder, label=f"Preset {NAME!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
