"""Loading safely: `load_pretrained` and `rnn-zoo predict` verify checksums and load with Keras
`safe_mode=True`; a preset whose model was replaced (by a `Lambda` model, a pickle, a config that
names code in another module) is refused with a one-line message even when its checksums were
re-signed to match, and nothing is ever unpickled.

(Altered, truncated, missing and extra files are covered in tests/test_presets.py.)
"""

from __future__ import annotations

import ast
import json
import pickle
import shutil
import zipfile
from pathlib import Path

import keras
import pytest

import rnn_zoo
from rnn_zoo import cli, presets
from tests.reliability.conftest import REPO

PRESET = "breast_cancer"


@pytest.fixture
def presets_copy(tmp_path, monkeypatch) -> Path:
    """A private copy of the committed breast_cancer preset, as the only preset installed."""
    root = tmp_path / "presets"
    shutil.copytree(REPO / "saved_models" / PRESET, root / PRESET)
    monkeypatch.setenv(presets.ENV_VAR, str(root))
    return root


class _Payload:
    """Unpickling this creates a marker file: the proof that something was unpickled."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def _lambda_model(path: Path) -> None:
    inputs = keras.Input((30,))
    keras.Model(inputs, keras.layers.Lambda(lambda x: x[:, :2])(inputs)).save(path)


def _pickle_in_place_of_the_model(path: Path, marker: Path) -> None:
    path.write_bytes(pickle.dumps(_Payload(marker)))


def _config_naming_os_system(path: Path, marker: Path) -> None:
    """A real .keras archive whose config asks to build `os.system("touch marker")`."""
    with zipfile.ZipFile(path) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    config = json.loads(files["config.json"])
    config["config"]["layers"][1] = {"module": "os", "class_name": "system",
                                     "config": f"touch {marker}", "registered_name": "system"}
    files["config.json"] = json.dumps(config).encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)


REPLACEMENTS = {
    "lambda-layer": (lambda path, marker: _lambda_model(path), "contains a Lambda layer"),
    "pickle": (_pickle_in_place_of_the_model, "is not a Keras v3 model archive"),
    "os-system-config": (_config_naming_os_system, "refusing to load model.keras safely"),
}


@pytest.mark.parametrize("kind", REPLACEMENTS)
def test_replaced_model_is_refused_even_when_re_signed(presets_copy, tmp_path, capsys, kind):
    replace, message = REPLACEMENTS[kind]
    folder, marker = presets_copy / PRESET, tmp_path / "unpickled-or-executed"
    replace(folder / "model.keras", marker)
    presets.write_checksums(folder)
    presets.verify_checksums(folder)  # the checksums match: only safe loading stands in the way
    with pytest.raises(ValueError) as info:
        rnn_zoo.load_pretrained(PRESET)
    assert message in str(info.value) and "\n" not in str(info.value)
    assert cli.main(["predict", PRESET, ",".join(["1"] * 30)]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err
    assert not marker.exists()


def test_cli_predict_verifies_checksums_first(presets_copy, capsys):
    data = bytearray((presets_copy / PRESET / "model.keras").read_bytes())
    data[len(data) // 3] ^= 0x01  # one flipped bit
    (presets_copy / PRESET / "model.keras").write_bytes(bytes(data))
    assert cli.main(["predict", PRESET, ",".join(["1"] * 30)]) == 2
    assert "checksum of 'model.keras' differs" in capsys.readouterr().err


# Names whose use could run code from a file: unpickling, or loading Keras models unsafely.
UNSAFE_IMPORTS = {"pickle", "cPickle", "dill", "cloudpickle", "joblib", "shelve", "marshal"}


def _unsafe_uses(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = [a.name for a in node.names] + ([node.module] if isinstance(
                node, ast.ImportFrom) and node.module else [])
            found += [f"imports {n}" for n in names if n.split(".")[0] in UNSAFE_IMPORTS]
        elif isinstance(node, ast.keyword) and node.arg in ("safe_mode", "allow_pickle"):
            if not (isinstance(node.value, ast.Constant) and node.value.value in (True, False)):
                found.append(f"{node.arg}= not a literal")
            elif (node.arg == "safe_mode") != bool(node.value.value):
                found.append(f"{node.arg}={node.value.value}")
    return [f"{path.relative_to(REPO)}:{finding}" for finding in found]


def test_nothing_is_unpickled_and_every_load_is_safe():
    files = [p for folder in ("rnn_zoo", "recipes", "scripts")
             for p in sorted((REPO / folder).rglob("*.py"))]
    assert not [u for path in files for u in _unsafe_uses(path)]
    source = (REPO / "rnn_zoo" / "presets.py").read_text()
    assert "safe_mode=True" in source
