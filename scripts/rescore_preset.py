"""Re-scores a committed preset under its recipe's current protocol, weights untouched.

    python scripts/rescore_preset.py char_lm_shakespeare

Loads the preset as its task (checksums verified), reads the recipe's splits and scores the
task on the test split, which must reproduce the recorded test metrics (or the script stops).
Where the recipe profile's evaluation-only settings (`Task.EVALUATION_SETTINGS`, e.g. the char
LM's `eval_seq_len`) differ from the preset's, they are applied (recorded as `evaluation`) and
the test split is scored again under them. Then each of the recipe's further evaluations
(`Data.reports`, e.g. `validation+test`, the split a published number uses) is scored, the
recipe's baselines are fitted and scored on those splits in the same run, and the recipe's
current bars are checked. `metrics.json` gains `reports`, `bar` and `bars` as the recipe
states them now (the bar recorded at training time stays as `bar_at_training`) and a
`rescored` record with this command; the card's "Bar" section and a "Further evaluations"
section follow; checksums are regenerated. Everything is written to a staging copy and swapped
in, so a kill leaves the preset as it was.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import shlex
import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from scripts.presets_as_tasks._republish import (  # noqa: E402
    _replace_section,
    swap_in,
    write_card_with_sizes,
)
from scripts.publish_preset import anchor_lines, report_tables  # noqa: E402

PRESETS = REPO / "saved_models"
# The recorded test metrics must come back within this (float32 sums in another order).
TOLERANCE = 1e-4


def _unreproduced(recorded: dict, fresh: dict) -> list[str]:
    """The fresh test metrics that the recorded ones (named `k` or, in a preset published
    before the runner, `test_k`) do not match; stops when no metric can be compared."""
    pairs = {k: recorded.get(k, recorded.get(f"test_{k}")) for k, v in fresh.items()
             if isinstance(v, (int, float))}
    pairs = {k: v for k, v in pairs.items() if isinstance(v, (int, float))}
    if not pairs:
        raise SystemExit(f"No recorded test metric to compare with {sorted(fresh)}.")
    return [k for k, v in pairs.items()
            if not math.isclose(v, fresh[k], rel_tol=TOLERANCE, abs_tol=TOLERANCE)]


def _reports_section(reports: dict, command: str, anchors=(), metrics=None,
                     evaluation=None) -> str:
    settings = ", ".join(f"{k}={v!r}" for k, v in (evaluation or {}).items())
    under = (f", under the recipe's evaluation settings `{settings}` (a loaded preset "
             f"scores as it was recorded; `task.set_evaluation({settings})` gives these)"
             if settings else "")
    lines = ["## Further evaluations", "",
             f"Scored by `{command}` with the committed weights{under}; the baselines were "
             "fitted on the same training split and scored on the same text in the same run.",
             ""]
    if settings and metrics and metrics.get("test"):
        scored = ", ".join(f"{k} {v:.4f}" for k, v in metrics["test"].items()
                           if isinstance(v, float))
        lines += [f"**test** under these settings: {scored}.", ""]
    lines += report_tables(reports)
    if anchors:
        lines += ["Next to published results on the same data:", "",
                  *anchor_lines(anchors, metrics or {"reports": reports, "test": {}})]
    return "\n".join(lines) + "\n"


def _bar_section(bar: dict, bars: list[dict], at_training: dict) -> str:
    lines = ["## Bar", ""]
    for check in bars:
        where = check.get("split", "test")
        lines.append(f"`{where} {check['metric']} {check['rule']}`: target "
                     f"{check['target']:.4f}, model {check['value']:.4f} — "
                     f"**{'met' if check['met'] else 'missed'}**.")
    lines += ["", f"At training time the recipe's bar was `{at_training['metric']} "
              f"{at_training['rule']}` (model {at_training['value']:.4f}: "
              f"{'met' if at_training['met'] else 'missed'}).", ""]
    return "\n".join(lines) + "\n"


def rescore(name: str, *, data_dir=None, manual_dir=None) -> dict:
    """Re-scores preset `name` (see the module docstring); returns the new `metrics.json`."""
    from rnn_zoo import recipe_finder, runner
    from rnn_zoo.recipe import check_bars
    from rnn_zoo.tasks import Task

    folder = PRESETS / name
    metrics = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))
    recipe = recipe_finder.get_recipe(metrics["recipe"]).RECIPE
    task = Task.from_preset(str(folder))
    splits = runner.load_splits(recipe, data_dir=data_dir, manual_dir=manual_dir)
    test = runner.evaluate_split(task, splits["test"])
    recorded = metrics.get("task", {}).get("test", metrics["test"])
    wrong = _unreproduced(recorded, test)
    if wrong:
        now = {k: test[k] for k in wrong}
        raise SystemExit(f"{name}: the test split no longer reproduces {wrong} (now {now}); "
                         "the recorded metrics are in metrics.json.")
    profile = recipe.settings(metrics["profile"])
    evaluation = {k: profile[k] for k in task.EVALUATION_SETTINGS
                  if k in profile and profile[k] != task.config.get(k)}
    if evaluation:  # the recipe's newer protocol: test and reports are scored under it
        test = runner.evaluate_split(task.set_evaluation(**evaluation), splits["test"])
    made = recipe.make_baselines()
    baselines = {b: baseline(splits["train"], splits.get("validation"), splits["test"])
                 for b, baseline in made.items()}
    reports = runner._reports(recipe, task, splits, made)
    bar, bars = check_bars(recipe.bars, test, baselines, reports=reports)
    command = shlex.join(["python", "scripts/rescore_preset.py", name])
    metrics["bar_at_training"] = metrics.get("bar_at_training", metrics["bar"])
    metrics.update(reports=reports, bar=bar, bars=bars, rescored={
        "command": command, "evaluation": evaluation, "test": test, "baselines": baselines,
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")})

    staging = Path(tempfile.mkdtemp(prefix=f".{name}.", dir=PRESETS))
    try:
        for path in folder.iterdir():
            shutil.copy2(path, staging / path.name)
        (staging / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n",
                                              encoding="utf-8")
        card = (staging / "README.md").read_text(encoding="utf-8")
        card = _replace_section(card, "Bar", _bar_section(bar, bars, metrics["bar_at_training"]))
        section = _reports_section(reports, command, recipe.anchors,
                                   {"reports": reports, "test": test}, evaluation)
        if "\n## Further evaluations\n" in card:
            card = _replace_section(card, "Further evaluations", section)
        else:
            card = card.replace("\n## Bar\n", f"\n{section}## Bar\n", 1)
        write_card_with_sizes(staging, card)
        swap_in(staging, folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return metrics


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("presets", nargs="+", help="preset names under saved_models/")
    parser.add_argument("--data-dir")
    parser.add_argument("--manual-dir")
    args = parser.parse_args(argv)
    for name in args.presets:
        metrics = rescore(name, data_dir=args.data_dir, manual_dir=args.manual_dir)
        print(f"{name}: bar {metrics['bar']['rule']}: "
              f"{'met' if metrics['bar']['met'] else 'missed'}; reports "
              f"{ {k: v['metrics'] for k, v in metrics['reports'].items()} }")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
