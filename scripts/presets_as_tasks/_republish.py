"""Shared steps of the `presets_as_tasks` scripts: a preset's trained backbone, republished as a
task folder (`task.json` + a raw-input `model.keras`) with the very same weights.

Each script builds the task, hands it to `republish`, which writes the new preset in a hidden
folder beside the old one (the unchanged files copied, `metrics.json` and the card updated,
`checksums.sha256` regenerated) and swaps it into place, so a kill never leaves a half-written
preset and a rerun starts again from the same backbone.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from rnn_zoo._atomic import write_text_atomic  # noqa: E402
from rnn_zoo._preset_folders import CHECKSUMS, verify_checksums, write_checksums  # noqa: E402

PRESETS = REPO / "saved_models"


def trained_backbone(folder: Path):
    """The preset's trained backbone: `model.keras` itself in the old form, its `backbone`
    layer once republished (so a rerun starts from the same weights)."""
    from rnn_zoo.saving import load_model_safely

    verify_checksums(folder)
    model = load_model_safely(folder / "model.keras", compile=False)
    names = {layer.name for layer in model.layers}
    return model.get_layer("backbone") if "backbone" in names else model


def copy_weights(target, source) -> None:
    """`source`'s weights into `target`, refusing any difference in their shapes."""
    shapes = [tuple(w.shape) for w in target.weights]
    if shapes != [tuple(w.shape) for w in source.weights]:
        raise ValueError(f"The task's backbone has weights {shapes}; the preset's has "
                         f"{[tuple(w.shape) for w in source.weights]}.")
    target.set_weights(source.get_weights())


def _sizes_section(folder: Path, files: Sequence[str]) -> str:
    sizes = {name: (folder / name).stat().st_size for name in files}
    lines = [f"- `{name}`: {size:,} bytes" for name, size in sorted(sizes.items())]
    total = sum(sizes.values())
    return (f"## Size\n\nThe preset is {total:,} bytes ({total / 1024 ** 2:.2f} MiB), all files "
            "included:\n\n" + "\n".join(lines) + "\n\n")


def _replace_section(card: str, title: str, body: str) -> str:
    """`body` in place of the card's section `title` (up to the next `## ` heading)."""
    pattern = re.compile(rf"^## {re.escape(title)}\n.*?(?=^## )", re.S | re.M)
    if not pattern.search(card):
        raise ValueError(f"The card has no '## {title}' section.")
    return pattern.sub(lambda _: body, card, count=1)


def write_card(folder: Path, *, usage: str, architecture: str, limitations: str) -> None:
    """The card with its usage (the lines under the title), architecture, limitations and size
    sections rewritten; the size section lists every file with its final size."""
    card = (folder / "README.md").read_text(encoding="utf-8")
    head, _, rest = card.partition("\n## Data and split\n")
    title = "\n".join(head.splitlines()[:3])  # "# Preset ...", blank, "Recipe ... : summary"
    card = f"{title}\n\n{usage.strip()}\n\n## Data and split\n{rest}"
    card = _replace_section(card, "Architecture", f"## Architecture\n\n{architecture.strip()}\n\n")
    old = re.search(r"^## Limitations\n\n(.*?)\n\n", card, re.S | re.M)
    card = card[:old.start(1)] + limitations + card[old.end(1):]
    card = re.sub(r"`rnn_zoo.load_pretrained` refuses the preset",
                  "`Task.from_preset` refuses the preset", card)
    write_card_with_sizes(folder, card)


def write_card_with_sizes(folder: Path, card: str) -> None:
    """Writes `card` with its Size section listing every file of `folder` at its final size."""
    # The size section counts the card and the checksums list too: written until it is stable
    # (the checksums list's size is known before it is written: one line per other file).
    names = sorted({p.name for p in folder.iterdir()} | {CHECKSUMS})
    for _ in range(5):
        write_text_atomic(folder / "README.md", card)
        listing = "".join(f"{'0' * 64}  {n}\n" for n in names if n != CHECKSUMS)
        write_text_atomic(folder / CHECKSUMS, listing)
        updated = _replace_section(card, "Size", _sizes_section(folder, names))
        if updated == card:
            return
        card = updated
    raise RuntimeError("The card's size section did not settle.")


def swap_in(staging: Path, folder: Path) -> None:
    """`staging`'s checksums written and verified, then swapped in for `folder` by renames,
    so a kill leaves either the old preset or the new one."""
    write_checksums(staging)
    verify_checksums(staging)
    old = folder.with_name(f".{folder.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    os.replace(folder, old)
    os.replace(staging, folder)
    shutil.rmtree(old)


def republish(name: str, task, record: dict, *, command: str, usage: str,
              architecture: str, limitations: str, drop: Sequence[str] = ()) -> Path:
    """Rewrites `saved_models/<name>` in the task form.

    Args:
        name: the preset.
        task: the task around the preset's trained backbone (`trained_backbone`).
        record: what goes into `metrics.json`'s `"task"` next to the class and the command
            (the re-scored test metrics).
        command: the command that runs the script, recorded in `metrics.json`.
        usage, architecture, limitations: the card's new sections.
        drop: preset files the task form makes redundant.
    """
    folder = PRESETS / name
    staging = Path(tempfile.mkdtemp(prefix=f".{name}.", dir=PRESETS))
    try:
        for path in folder.iterdir():
            if path.name not in (CHECKSUMS, "task.json", "model.keras", *drop):
                shutil.copy2(path, staging / path.name)
        task.save(staging, overwrite=True)
        metrics = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))
        metrics["task"] = {
            "class": type(task).__name__, "republished_by": command,
            "weights": f"trained by `{metrics['command']}` (the `command` above); the "
                       "task form wraps that backbone unchanged",
            **record}
        write_text_atomic(staging / "metrics.json", json.dumps(metrics, indent=2) + "\n")
        write_card(staging, usage=usage, architecture=architecture, limitations=limitations)
        swap_in(staging, folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return folder
