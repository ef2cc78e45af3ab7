"""Models the bad-input and fuzz tests share: committed presets, loaded once per session."""

from __future__ import annotations

import functools

import keras

from rnn_zoo import presets


@functools.cache
def preset(name: str) -> tuple[presets.Preset, keras.Model]:
    """The committed preset `name` and its model (checksums verified, safe mode), loaded once."""
    return presets.get_preset(name), presets.load_pretrained(name)
