"""A small reader for the sktime/aeon `.ts` time-series format (UCR/UEA archive files).

Format: `#` (or ARFF-style `%`) comment lines, `@key value` header lines, then `@data` and one
instance per line: `dim1:dim2:...:label`, each dimension a comma-separated list of values.
`?` (or `NaN`) marks a missing value. Series may differ in length between instances (and,
rarely, between dimensions of one instance: shorter dimensions are right-padded with NaN so an
instance is one (T, C) array). Series with `@timeStamps true` are not supported.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

_COMMENT = ("#", "%")  # aeon's own UnitTest files use ARFF-style '%' comments.


@dataclasses.dataclass
class TsFile:
    """A parsed `.ts` file. `series[i]` is a float32 array of shape (length_i, num_channels)."""

    problem_name: str
    class_names: list[str] | None  # None for regression files (`@targetLabel true`).
    num_channels: int
    series: list[np.ndarray]
    labels: list[str] | list[float]

    @property
    def is_regression(self) -> bool:
        return self.class_names is None


def _parse_values(text: str, where: str) -> np.ndarray:
    values = []
    for token in text.split(","):
        token = token.strip()
        if token in ("?", "NaN", "nan", ""):
            values.append(np.nan)
            continue
        try:
            values.append(float(token))
        except ValueError:
            raise ValueError(f"{where}: expected a number or '?', got {token!r}.") from None
    return np.asarray(values, dtype=np.float32)


def parse_header(lines, source: str = "<string>") -> tuple[dict[str, str], int]:
    """Returns ({lower-cased key: raw value}, index of the first data line)."""
    header: dict[str, str] = {}
    for index, raw in enumerate(lines):
        line = raw.strip()
        if not line or line.startswith(_COMMENT):
            continue
        if not line.startswith("@"):
            raise ValueError(f"{source}:{index + 1}: expected '@' header line, got {line[:40]!r}.")
        key, _, value = line[1:].partition(" ")
        key = key.lower()
        if key == "data":
            return header, index + 1
        header.setdefault(key, value.strip())  # First wins (some files repeat @problemName).
    raise ValueError(f"{source}: no '@data' line; is this a .ts file?")


def parse_ts(text: str, source: str = "<string>") -> TsFile:
    """Parses the text of a `.ts` file. `source` only names the file in error messages."""
    lines = text.splitlines()
    header, first = parse_header(lines, source)
    if header.get("timestamps", "false").lower() == "true":
        raise ValueError(f"{source}: '@timeStamps true' series are not supported.")
    class_label = header.get("classlabel", "false").split()
    target_label = header.get("targetlabel", "false").split()
    if class_label and class_label[0].lower() == "true":
        class_names = class_label[1:]
        if not class_names:
            raise ValueError(f"{source}: '@classLabel true' lists no class names.")
    elif target_label and target_label[0].lower() == "true":
        class_names = None
    else:
        raise ValueError(f"{source}: neither '@classLabel true' nor '@targetLabel true'.")

    series, labels = [], []
    for index in range(first, len(lines)):
        line = lines[index].strip()
        if not line or line.startswith(_COMMENT):
            continue
        where = f"{source}:{index + 1}"
        *dims, label = line.split(":")
        if not dims:
            raise ValueError(f"{where}: expected 'values:...:label', got {line[:40]!r}.")
        channels = [_parse_values(dim, where) for dim in dims]
        length = max(len(c) for c in channels)
        array = np.full((length, len(channels)), np.nan, dtype=np.float32)
        for c, values in enumerate(channels):
            array[: len(values), c] = values
        if class_names is None:
            labels.append(float(label))
        else:
            label = label.strip()
            if label not in class_names:
                raise ValueError(f"{where}: label {label!r} is not one of {class_names}.")
            labels.append(label)
        series.append(array)

    if not series:
        raise ValueError(f"{source}: the file has no data rows after '@data'.")
    num_channels = {s.shape[1] for s in series}
    if len(num_channels) != 1:
        raise ValueError(f"{source}: instances have different channel counts {num_channels}.")
    return TsFile(
        problem_name=header.get("problemname", Path(source).stem),
        class_names=class_names,
        num_channels=num_channels.pop(),
        series=series,
        labels=labels,
    )


def read_ts(path) -> TsFile:
    """Reads and parses a `.ts` file (UTF-8, any line endings)."""
    path = Path(path)
    return parse_ts(path.read_text(encoding="utf-8"), source=str(path))


def read_ts_header(path) -> tuple[dict[str, str], str | None]:
    """Reads only the header and the first data line: cheap enough for `_info()`."""
    lines = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            lines.append(line)
            if line.strip().lower().startswith("@data"):
                break
        header, _ = parse_header(lines, str(path))
        first_row = next((row for row in f if row.strip() and not row.startswith(_COMMENT)), None)
    return header, first_row
