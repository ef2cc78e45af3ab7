"""The README's "own data" blocks run as written: train on strings (texts, series, sentence
pairs), save, load, export a SavedModel that takes the raw inputs (and the TFLite file beside it
passes the parity check)."""

from __future__ import annotations

import os
import re
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"
TEXTS = ["what a great film", "awful, boring plot", "great acting!", "boring.",
         "I loved it", "hated it so much"] * 8
LABELS = ["pos", "neg", "pos", "neg", "pos", "neg"] * 8


def readme_block() -> str:
    section = README.read_text(encoding="utf-8").split("## Using the zoo on your own data", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_five_lines(tmp_path, monkeypatch):
    import tensorflow as tf

    block = readme_block()
    assert len([line for line in block.splitlines() if line.strip()]) == 5
    monkeypatch.chdir(tmp_path)
    namespace = {"texts": TEXTS, "labels": LABELS}
    exec(compile(block, str(README), "exec"), namespace)  # noqa: S102 - the README's own code
    classifier = namespace["classifier"]
    assert classifier.predict(["a great film", "boring"]) == ["pos", "neg"]
    assert sorted(os.listdir("my_classifier")) == ["model.keras", "task.json"]
    exported = tmp_path / "my_classifier_export"
    serve = tf.saved_model.load(str(exported / "saved_model")).signatures["serving_default"]
    labels = serve(text=tf.constant(["a great film", "boring"]))["label"].numpy().tolist()
    assert labels == [b"pos", b"neg"]
    assert (exported / "model.tflite").is_file()


def test_series_five_lines(tmp_path, monkeypatch):
    import numpy as np

    section = README.read_text(encoding="utf-8").split("## Using the zoo on your own data", 1)[1]
    block = re.findall(r"```python\n(.*?)```", section, re.S)[1]
    assert len([line for line in block.splitlines() if line.strip()]) == 5
    assert "SeriesClassifier().fit(series, labels)" in block
    rng = np.random.default_rng(0)
    series = [rng.normal(size=(int(n), 2)) + 3 * (i % 2)
              for i, n in enumerate(rng.integers(4, 12, 40))]
    labels = ["high" if i % 2 else "low" for i in range(40)]
    monkeypatch.chdir(tmp_path)
    # The block as written, with a short training: the defaults' 100 epochs are not the point.
    block = block.replace("SeriesClassifier()", "SeriesClassifier(epochs=3)")
    namespace = {"series": series, "labels": labels}
    exec(compile(block, str(README), "exec"), namespace)  # noqa: S102 - the README's own code
    assert sorted(os.listdir("my_series_classifier")) == ["model.keras", "task.json"]
    assert set(namespace["classifier"].predict(series[:4])) <= {"high", "low"}
    assert (tmp_path / "my_series_classifier_export" / "saved_model").is_dir()


def test_translation_five_lines(tmp_path, monkeypatch):
    import tensorflow as tf

    section = README.read_text(encoding="utf-8").split("## Using the zoo on your own data", 1)[1]
    block = re.findall(r"```python\n(.*?)```", section, re.S)[2]
    assert len([line for line in block.splitlines() if line.strip()]) == 5
    assert ".fit(sources, targets)" in block
    lexicon = {"one": "eins", "two": "zwei", "cat": "Katze", "dog": "Hund", "big": "groß"}
    sources = [f"{a} {b}" for a in lexicon for b in lexicon if a != b] * 3
    targets = [" ".join(lexicon[w] for w in s.split()) for s in sources]
    monkeypatch.chdir(tmp_path)
    # The block as written, with a small, short training: the defaults' size is not the point.
    block = block.replace('target_level="subword")', 'target_level="subword", units=16, '
                          'embedding_dim=16, epochs=2, dropout=0.0)')
    namespace = {"sources": sources, "targets": targets}
    exec(compile(block, str(README), "exec"), namespace)  # noqa: S102 - the README's own code
    translator = namespace["translator"]
    assert sorted(os.listdir("my_translator")) == ["model.keras", "task.json"]
    exported = tmp_path / "my_translator_export"
    serve = tf.saved_model.load(str(exported / "saved_model")).signatures["serving_default"]
    found = serve(text=tf.constant(["one dog", "big cat"]))["text"].numpy().tolist()
    assert [t.decode("utf-8") for t in found] == translator.predict(["one dog", "big cat"])
    assert (exported / "model.tflite").is_file()
