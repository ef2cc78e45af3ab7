"""Recipes: train a registry model on real data, evaluate on the test split next to baselines.

Each recipe is one module that declares `RECIPE = rnn_zoo.recipe.Recipe(...)`: the task to train
(`rnn_zoo.tasks`), the dataset and its features, the `quick` and `full` profiles (the task's
settings), the baselines fitted and scored in the same run, and the `full` profile's bars. No
recipe has code of its own: `rnn_zoo.runner` trains, resumes, evaluates and reports them all
the same way.

    rnn-zoo train breast_cancer --profile quick --out runs/bc    # rnn_zoo.runner.train
    rnn-zoo evaluate breast_cancer --out runs/bc                  # rnn_zoo.runner.evaluate

>>> from recipes import get_recipe
>>> get_recipe("breast_cancer").RECIPE.task
'TabularClassifier'
"""

from __future__ import annotations

import difflib
import importlib
import importlib.util
from pathlib import Path
from types import MappingProxyType, ModuleType
from typing import Any

# Recipe name -> module. Order is the order `rnn-zoo list` shows them in.
RECIPES = MappingProxyType({
    "breast_cancer": "recipes.breast_cancer",
    "sunspots_forecast": "recipes.sunspots_forecast",
    "japanese_vowels": "recipes.japanese_vowels",
    "digit_captions": "recipes.digit_captions",
    "char_lm_shakespeare": "recipes.char_lm_shakespeare",
    "tweet_sentiment": "recipes.tweet_sentiment",
    "g2p_cmudict": "recipes.g2p_cmudict",
    "imdb_reviews": "recipes.imdb_reviews",
    "ted_hrlr_translate": "recipes.ted_hrlr_translate",
    "multi30k_next_word": "recipes.multi30k_next_word",
    "multi30k_translate": "recipes.multi30k_translate",
    "multi30k_translate_de_en": "recipes.multi30k_translate_de_en",
})
# Recipes whose data TFDS downloads (or reads from a manual dir holding the exact archive); the
# offline test suite runs them on `tfds.testing.mock_data` only. `rnn-zoo list` marks them.
ONLINE_RECIPES = frozenset({"imdb_reviews", "ted_hrlr_translate"})

__all__ = ["ONLINE_RECIPES", "RECIPES", "describe_recipe", "get_recipe", "list_recipes"]


def list_recipes(*, online: bool = False) -> list[str]:
    """Names of the registered recipes whose data is available offline; `online=True` adds the
    recipes that download their data (`ONLINE_RECIPES`)."""
    return [name for name in RECIPES if online or name not in ONLINE_RECIPES]


def get_recipe(name: str) -> ModuleType:
    """The recipe module called `name`; an unknown name raises ValueError with close matches."""
    if not isinstance(name, str):
        raise TypeError(f"`recipe` must be a recipe name (str), got {name!r}.")
    if name not in RECIPES:
        close = difflib.get_close_matches(name, list(RECIPES), n=3, cutoff=0.5)
        hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
        raise ValueError(
            f"Unknown recipe {name!r}.{hint} Available: {', '.join(RECIPES)}."
        )
    return importlib.import_module(RECIPES[name])


def describe_recipe(name: str) -> dict[str, Any]:
    """What `rnn-zoo list` shows of a recipe, read from its declaration's source without
    importing it (`rnn_zoo.recipe_finder.describe_source`): `{"summary", "task", "model",
    "bars", "online"}`."""
    from rnn_zoo.recipe_finder import describe_source

    spec = importlib.util.find_spec(_module_name(name))
    found = describe_source(Path(spec.origin).read_text(encoding="utf-8"), name=name)
    return {**found, "online": bool(found["online"] or name in ONLINE_RECIPES)}


def _module_name(name: str) -> str:
    if not isinstance(name, str) or name not in RECIPES:
        get_recipe(name)  # raises the one-line error with close matches
    return RECIPES[name]
