"""`ExportResult`: where an export wrote and its manifest (`export.json`), and reading one back.

Its own module so that `api` (which writes exports) and `parity` (which checks them) both use it
without importing each other.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from rnn_zoo._atomic import write_text_atomic

__all__ = ["MANIFEST", "ExportResult", "load_result"]

MANIFEST = "export.json"


@dataclasses.dataclass
class ExportResult:
    """The outcome of one `export` call: where it wrote, and its manifest (`export.json`)."""

    directory: Path
    manifest: dict[str, Any]

    @property
    def artifacts(self) -> dict[str, dict]:
        """`{format: record}` of the written artifacts."""
        return {a["format"]: a for a in self.manifest["artifacts"]}

    def path(self, fmt: str) -> Path:
        """Where the artifact of format `fmt` is."""
        if fmt not in self.artifacts:
            raise KeyError(f"No {fmt!r} artifact in {self.directory} (has "
                           f"{', '.join(self.artifacts)}).")
        if self.artifacts[fmt].get("written") is False:
            raise KeyError(f"The {fmt!r} artifact of {self.directory} was not written: "
                           f"{self.artifacts[fmt]['reason']}")
        return self.directory / self.artifacts[fmt]["path"]

    @property
    def parity_ok(self) -> bool | None:
        """True/False once checked (`check_parity`), None before."""
        parity = self.manifest.get("parity")
        return None if parity is None else bool(parity["ok"])

    def write_manifest(self) -> Path:
        return write_text_atomic(self.directory / MANIFEST,
                                 json.dumps(self.manifest, indent=2) + "\n")


def load_result(directory) -> ExportResult:
    """The `ExportResult` of an earlier export, read back from `directory/export.json`."""
    path = Path(directory) / MANIFEST
    if not path.is_file():
        raise ValueError(f"{path} not found: {directory} is not an rnn_zoo export directory.")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise ValueError(f"{path} is not valid JSON ({e}).") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("artifacts"), list):
        raise ValueError(f"{path} has no 'artifacts' list; it is not an export manifest.")
    return ExportResult(directory=Path(directory), manifest=manifest)
