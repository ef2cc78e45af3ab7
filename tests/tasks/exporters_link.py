"""Task export tests before `rnn_zoo.export` is renamed `rnn_zoo.exporters` (issue 16).

Until the rename lands, a worktree tests `Task.export` through an untracked symlink
`rnn_zoo/exporters -> export`. Through it Python imports the package twice, so a `Servable`
built by `rnn_zoo.exporters.servable` is not the class `rnn_zoo.export.api` checks for.
`share_export_modules()` makes both names one set of modules; with a real `rnn_zoo/exporters`
package (or none) it does nothing.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path

import rnn_zoo


def share_export_modules() -> None:
    link = Path(rnn_zoo.__file__).parent / "exporters"
    if not link.is_symlink() or "rnn_zoo.exporters" in sys.modules:
        return
    package = importlib.import_module("rnn_zoo.export")
    # The public modules (the private runners guard their process against rnn_zoo imports
    # when imported), then every module of the package loaded so far under both names.
    for info in pkgutil.iter_modules(package.__path__):
        if not info.name.startswith("_"):
            importlib.import_module(f"rnn_zoo.export.{info.name}")
    for name, module in list(sys.modules.items()):
        if name == "rnn_zoo.export" or name.startswith("rnn_zoo.export."):
            sys.modules["rnn_zoo.exporters" + name[len("rnn_zoo.export"):]] = module
