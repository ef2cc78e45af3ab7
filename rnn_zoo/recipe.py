"""What a recipe declares: a task, a dataset, profiles, baselines and bars — nothing else.

A recipe module (the checkout's `recipes/<name>.py`, or one registered by another project, see
`rnn_zoo.recipe_finder`) defines `RECIPE = Recipe(...)`; `rnn_zoo.runner` trains, resumes,
evaluates, reports and publishes any of them the same way, so no recipe has a training loop,
CLI wiring or a `__main__` of its own.

>>> from rnn_zoo.recipe import Bar, Data, Recipe
>>> recipe = Recipe(
...     name="my_tweets", summary="sentiment of tweets", task="TextClassifier",
...     data=Data(dataset="tweet_sentiment", x="text", y="label"),
...     profiles={"quick": {"epochs": 1}, "full": {"epochs": 30}},
...     baselines={"majority_class": "rnn_zoo.baselines:MajorityClass"},
...     bars=(Bar(metric="accuracy", higher_is_better=True, baseline="majority_class"),),
...     trivial="majority_class")
>>> recipe.settings("quick")["epochs"]
1
"""

from __future__ import annotations

import dataclasses
import difflib
import importlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from rnn_zoo._validation import check_optional_int

__all__ = ["Bar", "Data", "Recipe", "check_bars", "resolve"]

SPLITS = ("train", "validation", "test")


@dataclasses.dataclass(frozen=True)
class Data:
    """Where a recipe's examples come from: a dataset of `rnn_zoo.datasets` and its features.

    Attributes:
        dataset: the TFDS name (with config, e.g. `"cmudict/cntk"`).
        x: the feature holding the raw input (a string, a series, a vector, an image).
        y: the feature holding the target, or None (a language model reads `x` alone).
        splits: the dataset's split for each role; a missing `validation` is carved from train
            by the task.
        labels: `"names"` turns class-label ids into their names (`ClassLabel.names`), so the
            task predicts names; `"ids"` keeps the integers.
        reports: further evaluations, name -> a TFDS split expression (e.g.
            `{"validation+test": "validation+test"}`, the protocol a published number uses);
            the run scores the model and the baselines on each one beside the test split, and
            a `Bar` may sit on one (`Bar(split=name)`).
        references: `(dataset, feature)`, a second dataset holding further references of the
            test split and of each report under the same split names (e.g. the tokenised
            references published scores use); each evaluation passes them to the task as
            `evaluate(x, y, references=...)` and to the baselines as a third element of the
            split (`(x, y, references)`). None: none.
    """

    dataset: str
    x: str
    y: str | None = None
    splits: Mapping[str, str] = dataclasses.field(
        default_factory=lambda: {role: role for role in SPLITS})
    labels: str = "names"
    reports: Mapping[str, str] = dataclasses.field(default_factory=dict)
    references: tuple[str, str] | None = None

    def __post_init__(self):
        for role in self.splits:
            if role not in SPLITS:
                raise ValueError(f"`splits` has role {role!r}; roles are {', '.join(SPLITS)}.")
        for role in ("train", "test"):
            if role not in self.splits:
                raise ValueError(f"`splits` must name the dataset's {role!r} split.")
        if self.labels not in ("names", "ids"):
            raise ValueError(f"`labels` must be 'names' or 'ids', got {self.labels!r}.")
        for name, split in self.reports.items():
            if not isinstance(name, str) or name in SPLITS or not isinstance(split, str):
                raise ValueError(f"`reports` maps a new name (not one of {', '.join(SPLITS)}) "
                                 f"to a split expression, got {name!r}: {split!r}.")
        refs = self.references
        if refs is not None and (not isinstance(refs, tuple) or len(refs) != 2
                                 or not all(isinstance(r, str) and r for r in refs)):
            raise ValueError(f"`references` must be a (dataset, feature) pair of str or None, "
                             f"got {refs!r}.")


@dataclasses.dataclass(frozen=True)
class Bar:
    """A quality bar of the `full` profile: `metric` against a baseline or a fixed number, on
    the test split or on one of the data's `reports` (`split`)."""

    metric: str
    higher_is_better: bool
    baseline: str | None = None  # a key of the recipe's baselines ...
    value: float | None = None  # ... or a fixed number
    split: str = "test"  # or a name of `Data.reports`

    def check(self, test: Mapping[str, Any], baselines: Mapping[str, Mapping]) -> dict:
        """Checks the bar on the scores of its split (`test`) and the baselines' there."""
        target = self.value if self.baseline is None else baselines[self.baseline][self.metric]
        score = test[self.metric]
        met = score >= target if self.higher_is_better else score < target
        rule = f"{'>=' if self.higher_is_better else '<'} " + (
            f"baselines.{self.baseline}" if self.baseline else repr(self.value))
        found = {"metric": self.metric, "rule": rule, "target": target, "value": score,
                 "met": bool(met)}
        return found if self.split == "test" else {**found, "split": self.split}


def check_bars(bars: Sequence[Bar], test, baselines, *,
               reports: Mapping[str, Mapping] | None = None) -> tuple[dict, list[dict]]:
    """`metrics.json`'s `bar` (about the first bar's metric; met only if every bar is) and
    `bars` (each bar's own check). A bar on a report reads `reports[split]`'s `metrics` and
    `baselines` (what `rnn_zoo.runner` records)."""
    reports = reports or {}
    checks = []
    for bar in bars:
        if bar.split == "test":
            checks.append(bar.check(test, baselines))
        else:
            report = reports[bar.split]
            checks.append(bar.check(report["metrics"], report["baselines"]))
    first = checks[0]
    rule = " and ".join([first["rule"]] + [f"{_on(c)}{c['metric']} {c['rule']}"
                                           for c in checks[1:]])
    return {**first, "rule": rule, "met": all(c["met"] for c in checks)}, checks


def _on(check: Mapping) -> str:
    return f"{check['split']} " if "split" in check else ""


def resolve(reference: str | Callable) -> Callable:
    """`"package.module:Name"` -> the object (a baseline class); a callable is returned as is."""
    if callable(reference):
        return reference
    module, _, name = str(reference).partition(":")
    if not module or not name:
        raise ValueError(f"A reference must be 'package.module:Name', got {reference!r}.")
    return getattr(importlib.import_module(module), name)


@dataclasses.dataclass(frozen=True)
class Recipe:
    """A recipe: the task to train, its data, its profiles, its baselines and its bars.

    Attributes:
        name: the recipe's name (`rnn-zoo train NAME`).
        summary: one line for `rnn-zoo list`.
        task: a task class name of `rnn_zoo.tasks` (e.g. `"TextClassifier"`).
        data: where the examples come from.
        profiles: profile name -> the task's settings (`quick` shows the flow in a minute,
            `full` trains the preset).
        baselines: name -> a baseline (`"module:Class"` or a callable) with its arguments:
            `{"name": ("module:Class", {"arg": value})}` or just the reference; each is fitted
            on the same training split and scored on the same test split in the same run.
        bars: the `full` profile's quality bars (all must be met).
        trivial: the baseline any working model beats (majority class, last value).
        online: the data is downloaded (tests run it on `tfds.testing.mock_data`).
        limitations: what the model card must say about the data and the model.
        anchors: published results on the same data and protocol, for the model card: each
            `{"system": ..., "split": "test" or a report's name, "metric": ..., "value": ...,
            "source": ...}`, plus `"protocol"` where the published evaluation differs.
    """

    name: str
    summary: str
    task: str
    data: Data
    profiles: Mapping[str, Mapping[str, Any]]
    baselines: Mapping[str, Any]
    bars: Sequence[Bar]
    trivial: str
    online: bool = False
    limitations: str = ""
    anchors: Sequence[Mapping[str, Any]] = ()

    def __post_init__(self):
        if not self.profiles or "quick" not in self.profiles:
            raise ValueError(f"Recipe {self.name!r}: `profiles` must include 'quick'.")
        if not self.bars:
            raise ValueError(f"Recipe {self.name!r}: `bars` must hold at least one Bar.")
        for bar in self.bars:
            if bar.baseline is not None and bar.baseline not in self.baselines:
                raise ValueError(f"Recipe {self.name!r}: bar on {bar.metric!r} names baseline "
                                 f"{bar.baseline!r}, which is not in `baselines`.")
            if bar.split != "test" and bar.split not in self.data.reports:
                raise ValueError(f"Recipe {self.name!r}: bar on {bar.metric!r} is on split "
                                 f"{bar.split!r}, which is not in `data.reports`.")
        for anchor in self.anchors:
            missing = {"system", "split", "metric", "value", "source"} - set(anchor)
            split = anchor.get("split")
            if missing or (split != "test" and split not in self.data.reports):
                raise ValueError(f"Recipe {self.name!r}: an anchor needs system, split (test or "
                                 f"a report), metric, value and source; got {dict(anchor)!r}.")
        if self.trivial not in self.baselines:
            raise ValueError(f"Recipe {self.name!r}: `trivial` {self.trivial!r} is not in "
                             "`baselines`.")

    def settings(self, profile: str, *, epochs: int | None = None,
                 seed: int | None = None) -> dict[str, Any]:
        """The task settings of `profile`, with `epochs` (>= 1) and `seed` (>= 0) replaced
        when given (a seed study reruns one profile under several seeds)."""
        if not isinstance(profile, str) or profile not in self.profiles:
            close = difflib.get_close_matches(str(profile), list(self.profiles), n=1,
                                              cutoff=0.5)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise ValueError(f"Unknown profile {profile!r}.{hint} Available: "
                             f"{', '.join(self.profiles)}.")
        settings = dict(self.profiles[profile])
        epochs = check_optional_int("epochs", epochs)
        if epochs is not None:
            settings["epochs"] = epochs
        seed = check_optional_int("seed", seed, minimum=0)
        if seed is not None:
            settings["seed"] = seed
        return settings

    def make_baselines(self) -> dict[str, Callable]:
        """name -> a baseline object, built from its declaration."""
        made = {}
        for name, declared in self.baselines.items():
            reference, kwargs = (declared if isinstance(declared, tuple) else (declared, {}))
            made[name] = resolve(reference)(**kwargs)
        return made
