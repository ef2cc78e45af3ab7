"""The `budget` setting of the classifiers: one model (`"fast"`) or a small search (`"accurate"`).

`"accurate"` trains the task's own settings and a few variants (`_VARIANTS` of the task) on
the same carved validation split, and keeps the one with the best early-stopping value
(validation loss, or accuracy where the task monitors it): a budgeted search chosen on data
the test never sees, so a user gets some of what the recipes choose by hand. The kept model is
a single backbone, so `save`, `export` and `stream` work as for `"fast"`; `training["search"]`
records every candidate and `state["selected"]` the kept variant's settings.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, ClassVar

from rnn_zoo._validation import check_choice

__all__ = ["BUDGETS", "BudgetedFit"]

BUDGETS = ("fast", "accurate")


class BudgetedFit:
    """Mixin (before `Task`): `fit` honours `budget`; subclasses list `_VARIANTS`."""

    #: Setting overrides tried next to the task's own ones under `budget="accurate"`.
    _VARIANTS: ClassVar[tuple[dict[str, Any], ...]] = ()

    def _check_budget(self, config) -> None:
        check_choice("budget", config["budget"], BUDGETS)

    def _candidates(self) -> list[dict[str, Any]]:
        """The distinct settings to train: the task's own first, then its variants."""
        seen, found = [], []
        for override in ({}, *self._VARIANTS):
            config = {**self._config, **override, "budget": "fast"}
            if config not in seen:
                seen.append(config)
                found.append(override)
        return found

    def fit(self, x, y=None, *, validation_data=None, out_dir=None, overwrite: bool = False,
            **kwargs):
        if self._config["budget"] == "fast":
            return super().fit(x, y, validation_data=validation_data, out_dir=out_dir,
                               overwrite=overwrite, **kwargs)
        checked_x, checked_y = self._check_xy(x, y, x_name="x", y_name="y", fitting=True)
        if validation_data is None:
            # Carved once, so every candidate is chosen on the same validation examples.
            (x, y), validation_data = self._carve(checked_x, checked_y,
                                                  self._config["validation_split"],
                                                  self._config["seed"])
        search, best = [], None
        for i, override in enumerate(self._candidates()):
            candidate = type(self)(**{**self._config, **override, "budget": "fast"})
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
            value = float(candidate.training["best_value"])
            search.append({"settings": override, "best_value": value,
                           "best_epoch": candidate.training["best_epoch"]})
            if best is None or _better(value, best[0], mode=candidate.MONITOR[1]):
                best = (value, override, candidate)
        _, override, kept = best
        self.model, self.history = kept.model, kept.history
        self.state = {**kept.state, "selected": override}
        self.training = {**kept.training, "search": search}
        return self


def _better(value: float, than: float, *, mode: str) -> bool:
    """`value` beats `than` in `mode` ("min"/"max"); a NaN never beats a number."""
    if not math.isfinite(value):
        return False
    if not math.isfinite(than):
        return True
    return value < than if mode == "min" else value > than
