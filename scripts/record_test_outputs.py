"""Records a Seq2Seq preset's outputs on its test split next to its weights, so a test can
re-score the recorded numbers from them and re-decode only a sample.

    python scripts/record_test_outputs.py g2p_cmudict

Loads the preset as its task (checksums verified), decodes the recipe's test split with the
task's beam search and, when the preset scores it, greedy search, and stops unless scoring
those outputs (`Seq2Seq.score`) gives every recorded test count exactly. Then writes
`test_outputs.tsv` (one row per test source, in the split's order: the source and each search's
output) into a staging copy, lists it in the card's Size section, regenerates the checksums and
swaps it in, so a kill leaves the
preset as it was. tests/presets/ re-score the file and re-decode whole length-sorted batches
of it.
"""

from __future__ import annotations

import argparse
import csv
import io
import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from scripts.presets_as_tasks._republish import swap_in, write_card_with_sizes  # noqa: E402

PRESETS = REPO / "saved_models"
OUTPUTS = "test_outputs.tsv"
COUNTS = ("exact_matches", "token_errors", "reference_tokens")


def searches(task) -> dict[str, int]:
    """Column -> beam size: the task's own search and, when it scores one, greedy search."""
    beam = task.config["beam_size"]
    found = {f"beam_{beam}": beam}
    if task.config["score_greedy"] and beam > 1:
        found["greedy"] = 1
    return found


def read_outputs(folder: Path) -> dict[str, list[str]]:
    """`test_outputs.tsv` -> column -> values (`source` and one column per search)."""
    with open(folder / OUTPUTS, encoding="utf-8", newline="") as file:
        rows = list(csv.reader(file, delimiter="\t", quoting=csv.QUOTE_NONE))
    header, rows = rows[0], rows[1:]
    return {name: [row[i] for row in rows] for i, name in enumerate(header)}


def unmatched(task, recorded: dict, outputs: dict[str, list[str]], targets) -> list[str]:
    """The test counts that scoring `outputs` gives and the recorded metrics do not hold
    exactly (a count the record lacks is one of them)."""
    wrong = []
    for column, beam in searches(task).items():
        prefix = "" if beam == task.config["beam_size"] else "greedy_"
        found = task.score(outputs[column], targets)
        for name in [f"{stress}{count}" for stress in ("", "verbatim_") for count in COUNTS]:
            if name in found and recorded.get(prefix + name) != found[name]:
                wrong.append(f"{prefix}{name}: recorded {recorded.get(prefix + name)}, "
                             f"scored {found[name]}")
    return wrong


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("name", help="a Seq2Seq preset in saved_models/")
    name = parser.parse_args(argv).name

    from rnn_zoo import recipe_finder, runner
    from rnn_zoo.presets import get_preset
    from rnn_zoo.tasks import Seq2Seq

    preset = get_preset(name, presets_dir=PRESETS)
    task = Seq2Seq.from_preset(preset.path)
    recipe = recipe_finder.get_recipe(preset.metrics["recipe"]).RECIPE
    sources, targets = runner.load_splits(recipe)["test"][:2]
    outputs = {"source": sources}
    for column, beam in searches(task).items():
        outputs[column] = task.translate(sources, beam_size=beam)
    wrong = unmatched(task, preset.metrics["test"], outputs, targets)
    if wrong:
        raise SystemExit(f"{name}: the decoded outputs do not reproduce the recorded test "
                         f"metrics ({'; '.join(wrong)}); nothing written.")
    if any("\t" in v or "\n" in v for column in outputs.values() for v in column):
        raise SystemExit(f"{name}: an output holds a tab or a newline; nothing written.")
    text = io.StringIO()
    writer = csv.writer(text, delimiter="\t", quoting=csv.QUOTE_NONE, lineterminator="\n")
    writer.writerow(list(outputs))
    writer.writerows(zip(*outputs.values(), strict=True))
    staging = Path(tempfile.mkdtemp(prefix=f".{name}.tmp-", dir=PRESETS))
    shutil.rmtree(staging)
    shutil.copytree(preset.path, staging)
    (staging / OUTPUTS).write_text(text.getvalue(), encoding="utf-8")
    write_card_with_sizes(staging, (staging / "README.md").read_text(encoding="utf-8"))
    swap_in(staging, preset.path)
    columns = ", ".join(searches(task))
    print(f"Wrote {preset.path / OUTPUTS} ({len(sources):,} rows: source, {columns}).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
