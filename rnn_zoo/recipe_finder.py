"""Finding recipes without installing them: the CLI's `list`/`train`/`evaluate` and the preset
hooks look recipes up here, so the library never imports a `recipes` package by name.

A recipe is a module that declares `RECIPE = rnn_zoo.recipe.Recipe(...)`; `rnn_zoo.runner`
trains and evaluates it (`rnn-zoo train NAME`), so a recipe module has no code of its own.
Two sources, in this order (a name found in the first wins):

1. A recipes folder: `$RNN_ZOO_RECIPES` if set, else the checkout's `recipes/` next to the
   package source (an editable install), else `./recipes` in the working directory. The folder
   is loaded by path as the package `recipes`, so its modules' own `from recipes import ...`
   works from any working directory. Its `RECIPES` mapping (name -> module), if it has one,
   gives the names and their order, and `ONLINE_RECIPES` those that download data; otherwise
   every `*.py` not starting with `_` is a recipe.
2. The entry-point group `rnn_zoo.recipes`: another project registers `name = "pkg.module"`
   in its `[project.entry-points."rnn_zoo.recipes"]` table.

>>> from rnn_zoo import recipe_finder
>>> "breast_cancer" in recipe_finder.list_recipes()                      # doctest: +SKIP
True
>>> recipe_finder.get_recipe("breast_cancr")                             # doctest: +SKIP
Traceback (most recent call last):
ValueError: Unknown recipe 'breast_cancr'. Did you mean 'breast_cancer'? Available: ...

Nothing here imports TensorFlow or a recipe module until `get_recipe` (or `get_declaration`) is
called; `describe_recipe` reads a recipe's declaration from its source.
"""

from __future__ import annotations

import ast
import dataclasses
import difflib
import importlib
import importlib.machinery
import importlib.metadata
import importlib.util
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

__all__ = [
    "ENTRY_POINT_GROUP",
    "ENV_VAR",
    "Recipe",
    "describe_recipe",
    "find_recipe",
    "find_recipes",
    "get_declaration",
    "get_recipe",
    "list_recipes",
    "recipes_folder",
]

ENTRY_POINT_GROUP = "rnn_zoo.recipes"
ENV_VAR = "RNN_ZOO_RECIPES"
# The package name a recipes folder is loaded as: the recipes import their helpers through it.
PACKAGE = "recipes"
# The checkout's recipes folder: the package source's sibling (an editable install).
_CHECKOUT = Path(__file__).resolve().parent.parent / "recipes"


@dataclasses.dataclass(frozen=True)
class Recipe:
    """Where a recipe is: its `name`, the `module` to import, whether its data is `online`
    (downloaded; the offline tests use mock data) and `origin` (the folder or the entry point's
    distribution, for messages)."""

    name: str
    module: str
    origin: str
    online: bool = False


def recipes_folder() -> Path | None:
    """The recipes folder in use: `$RNN_ZOO_RECIPES`, else the checkout's `recipes/`, else
    `./recipes`; None when there is none. A `$RNN_ZOO_RECIPES` that is not a folder raises a
    one-line ValueError naming it."""
    configured = os.environ.get(ENV_VAR)
    if configured:
        folder = Path(configured).expanduser()
        if not folder.is_dir():
            raise ValueError(f"${ENV_VAR} {configured!r} is not a folder of recipe modules.")
        return folder.resolve()
    for folder in (_CHECKOUT, Path.cwd() / PACKAGE):
        if folder.is_dir() and any(folder.glob("*.py")):
            return folder.resolve()
    return None


def _load_package(folder: Path) -> ModuleType:
    """The recipes folder as the package `recipes` (imported once; the same folder again reuses
    it). A `recipes` package imported from elsewhere raises a one-line ValueError."""
    existing = sys.modules.get(PACKAGE)
    if existing is not None:
        paths = [Path(p).resolve() for p in getattr(existing, "__path__", ())]
        if folder in paths:
            return existing
        raise ValueError(
            f"A different {PACKAGE!r} package is already imported (from "
            f"{', '.join(map(str, paths)) or getattr(existing, '__file__', '?')}), not the "
            f"recipes folder {str(folder)!r}; set ${ENV_VAR} to the folder you mean.")
    init = folder / "__init__.py"
    if init.is_file():
        spec = importlib.util.spec_from_file_location(
            PACKAGE, init, submodule_search_locations=[str(folder)])
    else:  # a plain folder of modules: a package with no code of its own
        spec = importlib.machinery.ModuleSpec(PACKAGE, None, is_package=True)
        spec.submodule_search_locations = [str(folder)]
    package = importlib.util.module_from_spec(spec)
    sys.modules[PACKAGE] = package
    try:
        if spec.loader is not None:
            spec.loader.exec_module(package)
    except BaseException:
        del sys.modules[PACKAGE]
        raise
    return package


def _folder_recipes(folder: Path) -> list[Recipe]:
    package = _load_package(folder)
    declared = getattr(package, "RECIPES", None)
    online = frozenset(getattr(package, "ONLINE_RECIPES", ()))
    if isinstance(declared, Mapping):
        names = dict(declared)
    else:
        names = {p.stem: f"{PACKAGE}.{p.stem}" for p in sorted(folder.glob("*.py"))
                 if not p.name.startswith("_")}
    return [Recipe(name=name, module=module, origin=f"folder {folder}", online=name in online)
            for name, module in names.items()]


def _entry_point_recipes() -> list[Recipe]:
    found = []
    for entry in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        distribution = getattr(entry.dist, "name", None) or "an installed package"
        found.append(Recipe(name=entry.name, module=entry.module,
                            origin=f"entry point of {distribution}"))
    return found


def find_recipes() -> dict[str, Recipe]:
    """Every recipe that can be found, name -> `Recipe`: the recipes folder's first (in its
    `RECIPES` order), then those registered under the `rnn_zoo.recipes` entry-point group."""
    found: dict[str, Recipe] = {}
    folder = recipes_folder()
    for recipe in [*(_folder_recipes(folder) if folder else ()), *_entry_point_recipes()]:
        found.setdefault(recipe.name, recipe)  # the folder's recipe wins a name clash
    return found


def list_recipes(*, online: bool = False) -> list[str]:
    """The names of the recipes found whose data is available offline; `online=True` adds
    those whose data TFDS downloads.

    Args:
        online: include the recipes whose data TFDS downloads.
    """
    return [r.name for r in find_recipes().values() if online or not r.online]


def _lookup(name: str) -> Recipe:
    if not isinstance(name, str):
        raise TypeError(f"`recipe` must be a recipe name (str), got {name!r}.")
    found = find_recipes()
    if name in found:
        return found[name]
    if not found:
        raise ValueError(
            f"Unknown recipe {name!r}: no recipes found (set ${ENV_VAR} to a recipes folder, "
            f"work in a checkout, or install a package registering {ENTRY_POINT_GROUP!r}).")
    close = difflib.get_close_matches(name, list(found), n=3, cutoff=0.5)
    hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
    raise ValueError(f"Unknown recipe {name!r}.{hint} Available: {', '.join(found)}.")


def find_recipe(name: str) -> ModuleType | None:
    """The recipe module called `name`, or None when no recipe has that name.

    Args:
        name: a recipe name (str).
    """
    if not isinstance(name, str):
        raise TypeError(f"`recipe` must be a recipe name (str), got {name!r}.")
    recipe = find_recipes().get(name)
    return None if recipe is None else importlib.import_module(recipe.module)


def get_recipe(name: str) -> ModuleType:
    """The recipe module called `name` (imported: TensorFlow starts). An unknown name raises a
    one-line ValueError with close matches; a name that is not a str, TypeError.

    Args:
        name: a recipe name, as `rnn-zoo list` shows it.
    """
    return importlib.import_module(_lookup(name).module)


def get_declaration(name: str):
    """The `rnn_zoo.recipe.Recipe` that the recipe module `name` declares as `RECIPE`, what
    `rnn_zoo.runner.train` takes. A module without one raises a one-line ValueError; unknown
    names raise as in `get_recipe`.

    Args:
        name: a recipe name, as `rnn-zoo list` shows it.
    """
    from rnn_zoo.recipe import Recipe as Declaration

    found = _lookup(name)
    declared = getattr(importlib.import_module(found.module), "RECIPE", None)
    if not isinstance(declared, Declaration):
        got = "no RECIPE" if declared is None else f"a RECIPE of type {type(declared).__name__}"
        raise ValueError(f"Recipe {name!r} (module {found.module!r}, {found.origin}) has {got}; "
                         "a recipe module must declare `RECIPE = rnn_zoo.recipe.Recipe(...)`.")
    return declared


def describe_recipe(name: str) -> dict[str, Any]:
    """What `rnn-zoo list` shows of a recipe, read from its source without importing it.

    A recipe module may import anything (a third party's may start TensorFlow), so its
    `RECIPE = Recipe(...)` declaration is read from the module's syntax tree instead: the
    literal keywords are the declaration's. Returns `{"summary", "task", "model", "bars",
    "online"}`, where `model` is the task with the `full` profile's cell when it declares one
    (`"Seq2Seq (lstm)"`) and each bar is `{"metric", "higher_is_better", "value" or
    "baseline"}`; what cannot be read is None. `online` is the declaration's, or the recipes
    folder's `ONLINE_RECIPES`.

    Args:
        name: a recipe name (unknown names raise as in `get_recipe`).
    """
    recipe = _lookup(name)
    spec = importlib.util.find_spec(recipe.module)
    if spec is None or spec.origin is None:
        raise ValueError(f"Recipe {name!r}: module {recipe.module!r} ({recipe.origin}) has no "
                         "source file.")
    found = describe_source(Path(spec.origin).read_text(encoding="utf-8"), name=name)
    return {**found, "online": bool(found.pop("online") or recipe.online)}


def describe_source(source: str, *, name: str) -> dict[str, Any]:
    """`describe_recipe` of a recipe module's source text: `{"summary", "task", "model",
    "bars", "online"}` of its `RECIPE = Recipe(...)` (all None, `online` False, without one).

    Args:
        source: the module's Python source.
        name: the recipe's name (a docstring first line starting `name:` loses that prefix,
            the summary when the declaration has no literal `summary`).
    """
    tree = ast.parse(source)
    declared = next((node.value for node in tree.body if isinstance(node, ast.Assign)
                     and any(isinstance(t, ast.Name) and t.id == "RECIPE" for t in node.targets)
                     and isinstance(node.value, ast.Call)), None)
    keywords = {} if declared is None else {k.arg: k.value for k in declared.keywords if k.arg}
    summary = _literal(keywords.get("summary"))
    if not isinstance(summary, str) or not summary:
        doc = (ast.get_docstring(tree) or "").strip()
        summary = doc.splitlines()[0] if doc else ""
        summary = summary.split(":", 1)[1].strip() if summary.startswith(f"{name}:") else summary
    bar_nodes = keywords.get("bars")
    bar_nodes = bar_nodes.elts if isinstance(bar_nodes, (ast.Tuple, ast.List)) else [bar_nodes]
    bars = [_keywords(node) for node in bar_nodes if isinstance(node, ast.Call)]
    task = _literal(keywords.get("task"))
    task = task if isinstance(task, str) else None
    shared = {t.id: node.value for node in tree.body if isinstance(node, ast.Assign)
              for t in node.targets if isinstance(t, ast.Name)}
    cell = _full_setting(keywords.get("profiles"), "cell", shared)
    model = None if task is None else f"{task} ({cell})" if isinstance(cell, str) else task
    return {"summary": summary, "task": task, "model": model, "bars": bars or None,
            "online": _literal(keywords.get("online")) is True}


def _literal(node):
    """The value of a literal expression node; None for anything else (or no node)."""
    if node is None:
        return None
    try:
        return ast.literal_eval(node)
    except ValueError:
        return None


def _keywords(call: ast.Call) -> dict[str, Any]:
    return {keyword.arg: _literal(keyword.value) for keyword in call.keywords}


def _full_setting(profiles, key: str, shared: Mapping[str, ast.expr]):
    """The literal `key` of the `full` profile's dict; a `**NAME` entry reads the module's
    `NAME = {...}` (later entries win, as in Python)."""
    if not isinstance(profiles, ast.Dict):
        return None
    for name, value in zip(profiles.keys, profiles.values, strict=True):
        if _literal(name) == "full" and isinstance(value, ast.Dict):
            return _dict_entry(value, key, shared)
    return None


def _dict_entry(node: ast.Dict, key: str, shared: Mapping[str, ast.expr]):
    found = None
    for k, v in zip(node.keys, node.values, strict=True):
        if k is None:  # `**NAME`
            inner = shared.get(v.id) if isinstance(v, ast.Name) else None
            if isinstance(inner, ast.Dict):
                found = _dict_entry(inner, key, {}) if _has(inner, key) else found
        elif _literal(k) == key:
            found = _literal(v)
    return found


def _has(node: ast.Dict, key: str) -> bool:
    return any(k is not None and _literal(k) == key for k in node.keys)
