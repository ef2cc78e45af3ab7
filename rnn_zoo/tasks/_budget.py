"""The `budget` and `ensemble` settings of the classifiers: one model (`"fast"`) or a small
search (`"accurate"`), and optionally a seed ensemble of the kept settings.

`"accurate"` trains the task's own settings and a few variants (`_VARIANTS` of the task) on
the same carved validation split, and keeps the one with the best early-stopping value
(validation loss, or accuracy where the task monitors it): a budgeted search chosen on data
the test never sees, so a user gets some of what the recipes choose by hand. The kept model is
a single backbone, so `save`, `export` and `stream` work as for `"fast"`; `training["search"]`
records every candidate and `state["selected"]` the kept variant's settings.

`ensemble=N` (> 1) then trains N - 1 more models of the kept settings under seeds `seed + 1`,
..., `seed + N - 1`, on the same training and validation examples, and averages the N models'
logits in one backbone (a Keras `Average` over the members, named `backbone` as a single
model is): `save`, `export` and `predict` see one model, N times the size and the time per
example; `training["members"]` records each member, `state["ensemble"]` their number.
`stream()` needs one recurrent backbone and refuses an ensemble.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, ClassVar

from rnn_zoo._atomic import copy_atomic
from rnn_zoo._validation import check_choice, check_int

__all__ = ["BUDGETS", "MAX_ENSEMBLE", "BudgetedFit"]

BUDGETS = ("fast", "accurate")
#: The most members `ensemble` takes: each is a whole training run.
MAX_ENSEMBLE = 10


class BudgetedFit:
    """Mixin (before `Task`): `fit` honours `budget`; subclasses list `_VARIANTS`."""

    #: Setting overrides tried next to the task's own ones under `budget="accurate"`.
    _VARIANTS: ClassVar[tuple[dict[str, Any], ...]] = ()

    def _check_budget(self, config) -> None:
        check_choice("budget", config["budget"], BUDGETS)
        ensemble = check_int("ensemble", config["ensemble"])
        if ensemble > MAX_ENSEMBLE:
            raise ValueError(f"`ensemble` must be an int from 1 to {MAX_ENSEMBLE} (each member "
                             f"is a whole training run), got {ensemble}.")

    def _candidates(self) -> list[dict[str, Any]]:
        """The distinct settings to train: the task's own first, then its variants."""
        seen, found = [], []
        for override in ({}, *self._VARIANTS):
            config = {**self._config, **override, "budget": "fast", "ensemble": 1}
            if config not in seen:
                seen.append(config)
                found.append(override)
        return found

    def fit(self, x, y=None, *, validation_data=None, out_dir=None, overwrite: bool = False,
            **kwargs):
        single = {"budget": "fast", "ensemble": 1}
        if self._config["budget"] == "fast" and self._config["ensemble"] == 1:
            return super().fit(x, y, validation_data=validation_data, out_dir=out_dir,
                               overwrite=overwrite, **kwargs)
        checked_x, checked_y = self._check_xy(x, y, x_name="x", y_name="y", fitting=True)
        if validation_data is None:
            # Carved once, so every candidate and member sees the same validation examples.
            (x, y), validation_data = self._carve(checked_x, checked_y,
                                                  self._config["validation_split"],
                                                  self._config["seed"])
        candidates = self._candidates() if self._config["budget"] == "accurate" else [{}]
        search, best, seconds = [], None, 0.0
        for i, override in enumerate(candidates):
            candidate = type(self)(**{**self._config, **override, **single})
            folder = None if out_dir is None else Path(out_dir) / f"candidate_{i}"
            try:
                candidate.fit(x, y, validation_data=validation_data, out_dir=folder,
                              overwrite=overwrite, **kwargs)
            except ValueError as e:
                if not override:
                    raise
                # A variant the data does not allow (e.g. word vectors wider than the
                # vocabulary) is skipped: the task's own settings always train.
                search.append({"settings": override, "skipped": str(e)})
                continue
            seconds += float(candidate.training.get("seconds", 0.0))
            value = float(candidate.training["best_value"])
            search.append({"settings": override, "best_value": value,
                           "best_epoch": candidate.training["best_epoch"]})
            if best is None or _better(value, best[0], mode=candidate.MONITOR[1]):
                best = (value, override, candidate, folder)
        _, override, kept, kept_folder = best
        members = [kept]
        for k in range(1, self._config["ensemble"]):
            member = type(self)(**{**self._config, **override, **single,
                                   "seed": self._config["seed"] + k})
            folder = None if out_dir is None else Path(out_dir) / f"member_{k}"
            members.append(member.fit(x, y, validation_data=validation_data, out_dir=folder,
                                      overwrite=overwrite, **kwargs))
            seconds += float(member.training.get("seconds", 0.0))
        if out_dir is not None:  # the run folder's history is the kept model's (first member)
            from rnn_zoo.training import HISTORY

            copy_atomic(Path(kept_folder) / HISTORY, Path(out_dir) / HISTORY)
        self.history = kept.history
        self.state = dict(kept.state)
        # Every candidate and member trained: the time is all of theirs.
        self.training = {**kept.training, "seconds": round(seconds, 2)}
        if self._config["budget"] == "accurate":
            self.state["selected"] = override
            self.training["search"] = search
        if len(members) == 1:
            self.model = kept.model
            return self
        self.model = kept._assemble(_averaged(members))
        self.state["ensemble"] = len(members)
        self.training["members"] = [
            {"seed": m.config["seed"], "best_value": float(m.training["best_value"]),
             "best_epoch": m.training["best_epoch"],
             "seconds": float(m.training.get("seconds", 0.0))} for m in members]
        return self


def _averaged(members):
    """One backbone averaging the members' logits (their backbones renamed `member_k`)."""
    import keras

    backbones = [m.backbone for m in members]
    inputs = [keras.Input(batch_shape=t.shape, dtype=t.dtype, name=t.name)
              for t in backbones[0].inputs]
    outputs = []
    for k, backbone in enumerate(backbones):
        backbone.name = f"member_{k}"
        outputs.append(backbone(inputs[0] if len(inputs) == 1 else inputs))
    return keras.Model(inputs[0] if len(inputs) == 1 else inputs,
                       keras.layers.Average(name="average")(outputs), name="backbone")


def _better(value: float, than: float, *, mode: str) -> bool:
    """`value` beats `than` in `mode` ("min"/"max"); a NaN never beats a number."""
    if not math.isfinite(value):
        return False
    if not math.isfinite(than):
        return True
    return value < than if mode == "min" else value > than
